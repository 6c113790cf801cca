"""Word lists and name makers for the bench data set. Every name is invented (fictional places,
invented trade names); every maker takes the caller's seeded ``random.Random``."""

from __future__ import annotations

import random

# ---------------------------------------------------------------- places

PROVINCE = ("99", "示范省")
# (code, name) of the cities; 9901 示范市 with 990121 海澄县 matches qqctl's default region tree.
CITIES = (
    ("9901", "示范市"),
    ("9902", "东江市"),
    ("9903", "临海市"),
    ("9904", "青山市"),
    ("9905", "云岭市"),
    ("9906", "白沙市"),
    ("9907", "金川市"),
    ("9908", "南湖市"),
)
PLACE_CHARS = (
    "安平清河石桥新丰龙凤永宁长乐兴华阳山江源德化泰和昌黎溪湖城林远福明瑞宜崇嘉松梅桃柳云乌"
    "澄湾浦岭峰川盛广定靖丹武沙田塘坪霞滨汀溪峡泉屏康信怀荣盘岩洛兰桂"
)
# Places outside the province a creditor may be registered in (division codes of real cities;
# the companies themselves are invented).
OUTSIDE = (("440100", "广州"), ("440300", "深圳"), ("330100", "杭州"), ("320100", "南京"), ("430100", "长沙"))


def place_name(rng: random.Random, taken: set[str], suffix: str) -> str:
    for _ in range(1000):
        name = rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS)
        if name[0] != name[1] and name not in taken:
            taken.add(name)
            return name + suffix
    raise RuntimeError("ran out of place names")


def town(rng: random.Random) -> str:
    return rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS) + rng.choice(("镇", "镇", "乡", "街道"))


# ---------------------------------------------------------------- units (成员单位)

OFFICE_SUFFIX = "工业和信息化局（清欠专班办公室）"
# In the order a county fills its member units: the big creditors' counterparts first.
DEPARTMENTS = (
    "财政局",
    "教育局",
    "住房和城乡建设局",
    "交通运输局",
    "卫生健康局",
    "水利局",
    "发展和改革局",
    "农业农村局",
    "自然资源局",
    "城市管理综合执法局",
    "国有资产监督管理局",
    "文化广电旅游体育局",
    "生态环境分局",
    "民政局",
    "人力资源和社会保障局",
    "公安局",
    "应急管理局",
    "市场监督管理局",
    "医疗保障局",
    "机关事务管理局",
    "审计局",
    "司法局",
    "退役军人事务局",
    "林业局",
)

# ---------------------------------------------------------------- people

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 华 建华 建国 志强 晓东 海燕 红梅 "
    "文 斌 宇 浩 鑫 鹏 辉 俊 凯 婷 雪 琳 颖 慧 欣 晨 佳 瑶 思远 子涵 雨轩 浩然 梓萱 "
    "一鸣 国华 卫东 春梅 丽娟 志明 永刚 建军 少华 "
    "玉兰 文杰 嘉欣 宏伟 海波 立新 晓燕 振华 德明 淑珍 金凤"
).split()


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17", "19")) + f"{rng.randrange(10**9):09d}"


# ---------------------------------------------------------------- debtors (拖欠主体)

DEBTOR_TYPE_WEIGHTS = {
    "government_agency": 30,
    "fully_funded_institution": 20,
    "other_institution": 14,
    "platform_company": 16,
    "soe": 12,
    "large_enterprise": 8,
}
# Positions 1-2 of the credit code by debtor type: 11 机关, 12 事业单位, 91 企业.
USCC_HEAD = {
    "government_agency": "11",
    "fully_funded_institution": "12",
    "other_institution": "12",
    "platform_company": "91",
    "soe": "91",
    "large_enterprise": "91",
}
_CN_NUM = "一二三四五六七八九十"
FULLY_FUNDED = (
    "实验小学",
    "实验中学",
    "第{n}中学",
    "第{n}小学",
    "职业技术学校",
    "疾病预防控制中心",
    "政务服务中心",
    "公共资源交易中心",
    "融媒体中心",
    "不动产登记中心",
    "档案馆",
    "图书馆",
    "财政投资评审中心",
    "财政国库支付中心",
    "城乡规划设计研究院",
    "机关事务服务中心",
    "农业技术推广中心",
    "水利工程管理站",
    "公路事业发展中心",
)
OTHER_INSTITUTIONS = (
    "人民医院",
    "中医院",
    "妇幼保健院",
    "第{n}人民医院",
    "广播电视台",
    "自来水公司",
    "城市排水管理所",
    "市政工程管理处",
    "园林绿化管理所",
    "殡仪馆",
)
PLATFORM_KINDS = (
    "城市建设投资",
    "交通投资",
    "产业投资",
    "文化旅游投资",
    "水利投资",
    "城乡发展",
    "国有资本投资运营",
    "新区开发建设",
    "高新技术产业投资",
    "农业发展投资",
    "城市更新",
    "保障性住房建设投资",
)
PLATFORM_FORMS = ("集团有限公司", "发展有限公司", "控股集团有限公司", "开发建设有限公司", "有限责任公司")
SOE_KINDS = (
    "水务集团有限公司",
    "公共交通集团有限公司",
    "燃气有限公司",
    "粮食储备有限公司",
    "国有资产经营有限公司",
    "建设工程有限公司",
    "物业管理有限公司",
    "供排水有限公司",
    "市政工程有限公司",
    "旅游开发有限公司",
    "医药有限公司",
    "农垦集团有限公司",
    "国有林场",
)
LARGE_KINDS = (
    "建工集团股份有限公司",
    "建设集团有限公司",
    "电力工程有限公司",
    "通信服务股份有限公司",
    "交通建设集团有限公司",
    "路桥集团有限公司",
    "能源集团有限公司",
    "环境集团股份有限公司",
)


def _n(rng: random.Random) -> str:
    return _CN_NUM[rng.randrange(10)]


def debtor_name(rng: random.Random, kind: str, place: str, town_name: str, trade: str) -> str:
    """``place`` is the county or city (海澄县); ``town_name`` a township in it; ``trade`` a 字号."""
    if kind == "government_agency":
        roll = rng.random()
        if roll < 0.7:
            return place + rng.choice(DEPARTMENTS)
        if roll < 0.85:
            return place + town_name + ("人民政府" if town_name.endswith(("镇", "乡")) else "办事处")
        return place + rng.choice(DEPARTMENTS)[:-1] + rng.choice(("事务中心", "服务中心"))
    if kind == "fully_funded_institution":
        if rng.random() < 0.25:
            return place + town_name + rng.choice(("中心小学", "中心幼儿园", "初级中学", "农业综合服务中心"))
        return place + rng.choice(FULLY_FUNDED).format(n=_n(rng))
    if kind == "other_institution":
        if rng.random() < 0.3:
            return place + town_name + rng.choice(("卫生院", "社区卫生服务中心", "水利站"))
        return place + rng.choice(OTHER_INSTITUTIONS).format(n=_n(rng))
    if kind == "platform_company":
        return place.rstrip("县区市") + rng.choice(PLATFORM_KINDS) + rng.choice(PLATFORM_FORMS)
    if kind == "soe":
        return place.rstrip("县区市") + (trade if rng.random() < 0.4 else "") + rng.choice(SOE_KINDS)
    return trade + rng.choice(("中", "华", "国", "")) + rng.choice(LARGE_KINDS)


# ---------------------------------------------------------------- creditors (债权企业)

TRADE_CHARS = (
    "鑫达华瑞恒通宏盛兴隆泰丰源金鼎众合诚信博创远航嘉佳润德福顺安永利明辉腾飞天宇新锐志成卓越中科正弘"
    "汇邦凯捷联海昊晟煜铭豪骏峰锦程奥美宝康旭东启星致精工益汉唐祥和晨光龙腾伟业佰川"
)
INDUSTRIES = (
    "建筑工程",
    "市政工程",
    "园林绿化工程",
    "装饰工程",
    "水利水电工程",
    "电力工程",
    "交通设施工程",
    "钢结构工程",
    "劳务服务",
    "信息技术",
    "网络科技",
    "电子科技",
    "软件开发",
    "智能科技",
    "物资贸易",
    "建材",
    "机电设备",
    "环保科技",
    "物业管理",
    "保安服务",
    "印务",
    "办公用品",
    "医疗器械",
    "医药",
    "文化传媒",
    "广告",
    "餐饮管理",
    "农业科技",
    "工程咨询",
    "造价咨询",
    "测绘",
    "规划设计",
    "检测",
    "教育科技",
    "体育设施",
    "家具",
    "汽车服务",
    "清洁服务",
    "人力资源",
    "供应链管理",
)
COMPANY_FORMS = ("有限公司",) * 8 + ("有限责任公司",) * 2 + ("股份有限公司",)
SIZE_WEIGHTS = {"micro": 50, "small": 38, "medium": 12}


def trade_name(rng: random.Random) -> str:
    name = rng.choice(TRADE_CHARS) + rng.choice(TRADE_CHARS)
    if rng.random() < 0.12:
        name += rng.choice(TRADE_CHARS)
    return name


def creditor_name(rng: random.Random, place: str) -> str:
    """地名 + 字号 + 行业 + 组织形式, e.g. 海澄县鑫达建筑工程有限公司; sometimes 字号（地名）行业…"""
    trade, industry = trade_name(rng), rng.choice(INDUSTRIES)
    form = rng.choice(COMPANY_FORMS)
    if rng.random() < 0.1:
        return f"{trade}（{place.rstrip('县区市')}）{industry}{form}"
    return f"{place}{trade}{industry}{form}"


# ---------------------------------------------------------------- contracts

WORKS = (
    "{place}{road}道路改造工程",
    "{place}污水管网建设工程",
    "{debtor}办公楼维修改造工程",
    "{place}农村公路提质改造工程",
    "{place}水利设施修缮工程",
    "{place}城区绿化提升工程",
    "{place}老旧小区改造工程",
    "{place}学校教学楼新建工程",
    "{place}河道综合整治工程",
    "{place}安置房建设工程",
    "{place}路灯亮化工程",
    "{place}高标准农田建设项目",
)
GOODS = (
    "办公设备采购",
    "教学设备采购",
    "医疗设备采购",
    "计算机及外设采购",
    "执法车辆采购",
    "防汛物资采购",
    "办公家具采购",
    "图书采购",
    "应急物资采购",
    "监控设备采购",
)
SERVICES = (
    "物业管理服务",
    "信息系统运维服务",
    "财政一体化系统运维服务",
    "财政预算绩效评价服务",
    "保洁服务",
    "安保服务",
    "审计咨询服务",
    "规划设计服务",
    "工程监理服务",
    "印刷服务",
    "法律顾问服务",
    "食堂餐饮服务",
    "道路清扫保洁服务",
    "造价咨询服务",
)
ROADS = ("人民路", "解放路", "建设路", "中山路", "环城路", "滨江路", "新华路", "迎宾大道", "工业大道", "文化路")


def contract_name(rng: random.Random, kind: str, year: int, place: str, debtor: str) -> str:
    if kind == "works":
        body = rng.choice(WORKS).format(place=place, road=rng.choice(ROADS), debtor=debtor)
        return f"{year}年{body}{rng.choice(('施工合同', '施工合同', '（一期）施工合同', 'EPC总承包合同'))}"
    if kind == "goods":
        return f"{debtor}{year}年{rng.choice(GOODS)}合同"
    return f"{debtor}{year}年度{rng.choice(SERVICES)}合同"


MEASURES = (
    "已与债权企业达成分期还款协议，资金列入{year}年预算安排",
    "申请专项债券资金，预计{month}月底前到位后一次性支付",
    "通过盘活存量资产筹集资金，分批偿还",
    "争取上级转移支付资金，已纳入化解计划",
    "协调金融机构提供融资支持，置换存量欠款",
    "由主管部门督促统筹自有资金清偿",
)
VOID_REASONS = (
    "重复录入",
    "录入错误，债权企业信息有误",
    "经核实不属于拖欠中小企业账款",
    "合同金额录入错误，已重新录入",
)
ADJUSTMENT_REASONS_DOWN = (
    "经双方协商，债权企业同意减免部分款项",
    "审计核减工程结算金额",
    "按结算审定金额调整",
)
ADJUSTMENT_REASONS_UP = ("补记漏报的质保金", "按结算审定金额调增")
REPAYMENT_NOTES = ("第{k}期还款", "按协议支付", "预算资金拨付", "专项债资金支付", None, None)

"""The fictional county's ledger for `make run`: loaded through the platform's own HTTP API by the
demo staff (so every row, audit entry and flag is what real use would produce), then a few dates
are moved back so that time-based red flags have something to show. Loaded once.

Every status, flag, dispute route and supervision tool appears at least once. On top of the
eighteen hand-written debts, each unit with demo staff has nine generated ones (seeded, so the
same every time) with repayments spread over the last twelve weeks, so that the dashboard's charts
mean something. They too are entered through the API; then, as for the hand-written ones, their
dates are moved back (entered 13 to 20 weeks ago; repayments reported and verified on their payment
dates) and past weekly updates are written straight into the table (the API only takes the
current week's). This generated history is demo data only; the weekly snapshots of the past weeks
are then computed from it by the same code as the hourly job (ledger_api.reports).
"""

from __future__ import annotations

import random
from contextlib import AsyncExitStack
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from qq_kernel.clock import china_today
from qq_kernel.uscc import random_uscc

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TODAY = china_today()
CENT = Decimal("0.01")


def _days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


class DemoError(RuntimeError):
    pass


class Api:
    """A logged-in demo user talking to the gateway."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, *, expect: tuple[int, ...] = (200, 201), **kw) -> Any:
        headers = {**self.headers, **kw.pop("headers", {})}
        r = await self.client.request(method, f"/api/ledger{path}", headers=headers, **kw)
        if r.status_code not in expect:
            raise DemoError(f"{method} {path} → {r.status_code}: {r.text[:300]}")
        return r.json() if r.content and r.headers.get("content-type", "").endswith("json") else None

    async def etag(self, path: str) -> dict[str, str]:
        r = await self.client.get(f"/api/ledger{path}", headers=self.headers)
        return {"If-Match": r.headers["etag"]}


async def _login(client: httpx.AsyncClient, username: str, password: str) -> Api:
    r = await client.post("/api/ledger/auth/token", data={"username": username, "password": password})
    if r.status_code != 200:
        raise DemoError(f"demo login {username}: {r.status_code} {r.text[:200]}")
    return Api(client, r.json()["access_token"])


async def load_into(gateway, **kwargs) -> bool:
    """Run the gateway's services just long enough to load the demo through their API."""
    async with AsyncExitStack() as stack:
        for _, app in gateway.services:
            await stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=gateway, client=("127.0.0.1", 0))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://demo.local", timeout=60)
        )
        return await load(client, **kwargs)


DEMO_STAFF = (
    "caizheng01",
    "caizheng_lead",
    "jiaoyu01",
    "zhujian01",
    "zhujian_lead",
    "jiaotong01",
    "shuiwu01",
    "weijian01",
    "guozi01",
)


async def load(
    client: httpx.AsyncClient,
    *,
    password: str,
    complaint_secret: str,
    ledger_owner_url: str,
    complaint_owner_url: str | None = None,
) -> bool:
    """Load the demo ledger (and, given complaint-api's database, its complaints) unless it is
    there already. Returns whether it loaded."""
    rng = random.Random(20240116)  # noqa: S311 - the seed notice's date: the same demo every time
    office = await _login(client, "office01", password)
    if (await office.call("GET", "/items", params={"page_size": 1}))["total"] > 0:
        return False
    people = {u: await _login(client, u, password) for u in DEMO_STAFF}
    me = {u: await api.call("GET", "/auth/me") for u, api in people.items()}
    ids = await _load_ledger(office, people, me, rng)
    history = await _load_history(office, people, me, rng)
    await _candidate(client, complaint_secret)
    await _age(ledger_owner_url, ids)
    await _age_history(ledger_owner_url, history, me, rng)
    if complaint_owner_url:
        from qqctl import demo_complaints

        await demo_complaints.load(client, password=password, complaint_owner_url=complaint_owner_url, rng=rng)
    return True


async def _load_ledger(office: Api, people: dict[str, Api], me: dict[str, dict], rng: random.Random) -> dict:
    def uscc() -> str:
        return random_uscc(rng, division="990121")

    async def debtor(who: str, name: str, kind: str, code: str | None = None) -> dict:
        return await people[who].call(
            "POST",
            "/debtors",
            json={"name": name, "uscc": code or uscc(), "type": kind, "supervising_unit_id": me[who]["unit_id"]},
        )

    async def creditor(name: str, size: str, contact: str, phone: str, code: str | None = None) -> dict:
        return await office.call(
            "POST",
            "/creditors",
            json={
                "name": name,
                "uscc": code or uscc(),
                "size": size,
                "contact_person": contact,
                "contact_phone": phone,
            },
        )

    chain_code = uscc()
    d = {
        "edu": await debtor("jiaoyu01", "海澄县教育局", "government_agency"),
        "school": await debtor("jiaoyu01", "海澄县第一中学", "fully_funded_institution"),
        "housing": await debtor("zhujian01", "海澄县住房和城乡建设局", "government_agency"),
        "ctic": await debtor("zhujian01", "海澄县城市建设投资集团有限公司", "platform_company", chain_code),
        "water": await debtor("shuiwu01", "海澄县水务投资有限公司", "soe"),
        "transport": await debtor("jiaotong01", "海澄县交通投资发展有限公司", "platform_company"),
        "hospital": await debtor("weijian01", "海澄县人民医院", "other_institution"),
        "finance": await debtor("caizheng01", "海澄县财政局", "government_agency"),
        "builder": await debtor("guozi01", "南粤建工集团有限公司", "large_enterprise"),
    }
    c = {
        "hongda": await creditor("海澄县鸿达建材有限公司", "small", "陈国栋", "13902751234"),
        "lanhai": await creditor("海澄县蓝海信息技术有限公司", "micro", "周敏", "13560981122"),
        "fengtai": await creditor("海澄县丰泰园林绿化工程有限公司", "small", "吴建华", "13726504433"),
        "xinyuan": await creditor("海澄县鑫源电气设备有限公司", "small", "郑晓丽", "15817223366"),
        "kangning": await creditor("海澄县康宁医疗器械有限公司", "micro", "刘海涛", "13411895577"),
        "lubao": await creditor("海澄县路宝沥青工程有限公司", "medium", "黄志强", "13622018899"),
        "qingyuan": await creditor("海澄县清源水处理设备有限公司", "small", "林秀英", "18927334455"),
        "shuxiang": await creditor("海澄县书香印务有限公司", "micro", "何俊", "13760552211"),
        "ctic": await creditor("海澄县城市建设投资集团有限公司", "medium", "罗振华", "0759-4812345", chain_code),
        "anjia": await creditor("海澄县安佳物业服务有限公司", "small", "梁美玲", "13580446677"),
    }

    async def item(
        who: str, debtor_key: str, creditor_key: str, contract: str, kind: str, principal: str, due: int, **extra
    ) -> dict:
        body = {
            "debtor_id": d[debtor_key]["id"],
            "creditor_id": c[creditor_key]["id"],
            "contract_name": contract,
            "procurement_type": kind,
            "principal": principal,
            "due_date": _days(due),
            "responsible_unit_id": me[who]["unit_id"],
            "responsible_person_id": me[who]["id"],
            **extra,
        }
        return await people[who].call("POST", "/items", json=body)

    async def repay(
        who: str,
        it: dict,
        amount: str,
        *,
        days_ago: int = 10,
        method: str = "bank_transfer",
        evidence: bool = True,
        verify: bool = True,
    ) -> dict:
        rep = await people[who].call(
            "POST",
            f"/items/{it['id']}/repayments",
            json={"paid_on": _days(-days_ago), "amount": amount, "method": method, "note": "按计划支付"},
        )
        if evidence:
            await people[who].call(
                "POST",
                f"/items/{it['id']}/evidence",
                files={"file": ("银行回单.pdf", PDF, "application/pdf")},
                data={"purpose": "receipt", "repayment_id": rep["id"]},
            )
        if verify:
            await office.call("POST", f"/items/{it['id']}/repayments/{rep['id']}/verify")
        return rep

    async def weekly(who: str, it: dict, progress: str, paid: str = "0.00") -> None:
        await people[who].call(
            "POST",
            f"/items/{it['id']}/weekly-updates",
            json={"progress": progress, "paid_this_week": paid, "next_step": "继续跟进资金到位情况，按计划支付"},
        )

    funding = [
        {"source": "budget", "amount": "180000.00", "expected_arrival_date": _days(40)},
        {"source": "special_bonds", "amount": "120000.00", "expected_arrival_date": _days(75)},
    ]
    items: dict[str, dict] = {}
    # 待化解 (open), each unit a few, some overdue, some not yet due.
    items["edu_books"] = await item(
        "jiaoyu01",
        "edu",
        "shuxiang",
        "2023年秋季教辅资料印制",
        "goods",
        "86400.00",
        -300,
        resolution_measures="列入2025年部门预算，年底前支付",
        planned_clearance_date=_days(35),
    )
    items["school_it"] = await item(
        "jiaoyu01", "school", "lanhai", "智慧校园网络改造项目", "services", "238500.00", -120
    )
    items["hospital_dev"] = await item(
        "weijian01", "hospital", "kangning", "医用耗材采购（2024年第二批）", "goods", "97350.60", -45
    )
    items["water_pump"] = await item(
        "shuiwu01", "water", "qingyuan", "城北水厂加压泵站设备采购", "goods", "452000.00", 20
    )
    items["finance_it"] = await item(
        "caizheng01", "finance", "lanhai", "财政一体化系统运维服务", "services", "64800.00", -15
    )
    # 化解中 (resolving): plans, partial repayments.
    items["road"] = await item(
        "jiaotong01",
        "transport",
        "lubao",
        "海澄大道沥青罩面工程",
        "works",
        "3000000.00",
        -200,
        funding_lines=funding,
        resolution_measures="申请专项债资金，分期偿还",
    )
    items["park"] = await item(
        "zhujian01",
        "housing",
        "fengtai",
        "滨江公园绿化养护（2023年度）",
        "services",
        "560000.00",
        -260,
        resolution_measures="分三期支付",
    )
    items["ctic_site"] = await item(
        "zhujian01", "housing", "ctic", "老旧小区改造代建管理费", "services", "1200000.00", -90
    )
    items["ctic_cable"] = await item(
        "zhujian01", "ctic", "xinyuan", "安置区配电工程电缆采购", "goods", "348000.00", -150
    )
    items["ctic_paint"] = await item("zhujian01", "ctic", "hongda", "安置区外墙涂料采购", "goods", "156000.00", -130)
    items["canteen"] = await item("jiaoyu01", "edu", "anjia", "学校食堂物业外包服务", "services", "132000.00", -60)
    # 有分歧 (disputed), each route once; litigation with a case number.
    items["dispute_neg"] = await item(
        "shuiwu01",
        "water",
        "qingyuan",
        "水质在线监测设备维保",
        "services",
        "78000.00",
        -100,
        disputed=True,
        dispute_route="negotiation",
        resolution_measures="双方就验收结论协商中",
    )
    items["dispute_med"] = await item(
        "guozi01",
        "builder",
        "hongda",
        "县体育馆项目建材供应",
        "goods",
        "1860000.00",
        -400,
        disputed=True,
        dispute_route="mediation",
    )
    items["dispute_arb"] = await item(
        "jiaotong01",
        "transport",
        "lubao",
        "乡道养护工程结算款",
        "works",
        "925000.00",
        -500,
        disputed=True,
        dispute_route="arbitration",
    )
    items["dispute_lit"] = await item(
        "guozi01",
        "builder",
        "fengtai",
        "产业园景观工程尾款",
        "works",
        "2410000.00",
        -700,
        disputed=True,
        dispute_route="litigation",
        court_case_no="（2025）示0121民初1876号",
    )
    # To be cleared, written off, voided.
    items["cleared"] = await item("caizheng01", "finance", "shuxiang", "票据印制服务", "services", "23600.00", -80)
    items["written_off"] = await item("weijian01", "hospital", "kangning", "防护用品采购", "goods", "45800.00", -210)
    items["void"] = await item(
        "caizheng01", "finance", "anjia", "办公楼保洁服务（重复录入）", "services", "36000.00", -30
    )

    # Plans and repayments.
    road = items["road"]
    await repay("jiaotong01", road, "600000.00", days_ago=60)
    await people["jiaotong01"].call(
        "PUT",
        f"/items/{road['id']}/plan",
        json={
            "installments": [
                {"due_date": _days(-20), "amount": "800000.00"},
                {"due_date": _days(60), "amount": "800000.00"},
                {"due_date": _days(150), "amount": "800000.00"},
            ]
        },
        headers=await people["jiaotong01"].etag(f"/items/{road['id']}"),
    )
    park = items["park"]
    plan = await people["zhujian01"].call(
        "PUT",
        f"/items/{park['id']}/plan",
        json={
            "installments": [
                {"due_date": _days(20), "amount": "200000.00"},
                {"due_date": _days(80), "amount": "360000.00"},
            ]
        },
        headers=await people["zhujian01"].etag(f"/items/{park['id']}"),
    )
    first = plan["installments"][0]["id"]
    for n, reason in ((50, "财政资金未到位，申请延期"), (90, "专项资金拨付流程延长，再次申请延期")):
        await people["zhujian01"].call(
            "POST",
            f"/items/{park['id']}/plan/installments/{first}/extend",
            json={"new_due_date": _days(n), "reason": reason},
        )
    await repay("jiaoyu01", items["canteen"], "40000.00", days_ago=12, method="commercial_bill")
    await repay("jiaoyu01", items["school_it"], "50000.00", days_ago=2, evidence=False, verify=False)
    await repay("weijian01", items["hospital_dev"], "30000.00", days_ago=6, evidence=False, verify=False)
    # The chain: the county's construction group is paid as a creditor, and still owes small firms.
    await repay("zhujian01", items["ctic_site"], "500000.00", days_ago=5)
    # Cleared and waiting for write-off; written off; voided.
    await repay("caizheng01", items["cleared"], "23600.00", days_ago=9)
    await repay("weijian01", items["written_off"], "20000.00", days_ago=40)
    await repay("weijian01", items["written_off"], "25800.00", days_ago=8)
    wo = items["written_off"]
    await office.call("POST", f"/items/{wo['id']}/write-off", headers=await office.etag(f"/items/{wo['id']}"))
    void = items["void"]
    await people["caizheng01"].call(
        "POST",
        f"/items/{void['id']}/void",
        json={"reason": "与台账编号重复，录入错误"},
        headers=await people["caizheng01"].etag(f"/items/{void['id']}"),
    )
    # 将无分歧做成有分歧: requested by the unit, approved by its leader, flagged for good.
    park_req = await people["zhujian01"].call(
        "POST",
        f"/items/{items['ctic_paint']['id']}/reclassify-disputed",
        json={"reason": "施工方对涂料质量提出异议，需重新检测", "route": "negotiation"},
    )
    await people["zhujian_lead"].call(
        "POST",
        f"/items/{items['ctic_paint']['id']}/reclassify-disputed/{park_req['id']}/approve",
        json={"note": "同意，限期完成检测"},
    )
    # Weekly updates this week for some items (the others show in 本周未更新).
    await weekly("jiaotong01", road, "已支付首期60万元，第二期资金已申报专项债", "0.00")
    await weekly("zhujian01", items["ctic_site"], "收到建设集团确认函，余款列入下月支付计划")
    await weekly("caizheng01", items["finance_it"], "已完成验收，正在走支付审批流程")
    # Supervision: a key case, an interview, a notice.
    office_me = await office.call("GET", "/auth/me")
    lit = items["dispute_med"]
    await office.call(
        "POST",
        f"/items/{road['id']}/key-case",
        json={"supervisor_id": office_me["id"], "deadline": _days(30), "reason": "金额大、逾期时间长，列入重点督办"},
    )
    await office.call(
        "POST",
        f"/items/{road['id']}/interviews",
        json={
            "held_on": _days(-3),
            "location": "县科工贸和信息化局三楼会议室",
            "interviewers": "专班办公室 林晓岚、郑志远",
            "interviewees": "县交通投资发展有限公司 分管副总经理",
            "outcome": "承诺两个月内支付第二期80万元",
            "follow_up_deadline": _days(60),
        },
    )
    await office.call(
        "POST",
        f"/items/{road['id']}/notices",
        json={
            "requirements": "一、于15个工作日内落实第二期还款资金来源；\n二、按周在平台更新化解进度。",
            "reply_deadline": _days(21),
        },
    )
    await office.call(
        "POST",
        f"/items/{lit['id']}/key-case",
        json={"supervisor_id": office_me["id"], "deadline": _days(45), "reason": "调解进展缓慢"},
    )
    return {"items": {k: v["id"] for k, v in items.items()}}


# Per unit with demo staff: the debtors its generated debts are owed by, and how punctual its
# weekly updates were (what the ranking shows).
HISTORY_UNITS = {
    "caizheng01": (("海澄县机关事务管理局", "government_agency"), ("海澄县融资担保有限公司", "soe")),
    "jiaoyu01": (("海澄县第二中学", "fully_funded_institution"), ("海澄县职业技术学校", "other_institution")),
    "zhujian01": (("海澄县城乡建设开发有限公司", "platform_company"), ("海澄县住房保障服务中心", "other_institution")),
    "jiaotong01": (("海澄县公路事务中心", "fully_funded_institution"), ("海澄县公共交通有限公司", "soe")),
    "shuiwu01": (("海澄县水利工程管理站", "other_institution"), ("海澄县供水有限公司", "soe")),
    "weijian01": (("海澄县中医院", "other_institution"), ("海澄县疾病预防控制中心", "fully_funded_institution")),
    "guozi01": (("海澄县产业投资集团有限公司", "platform_company"), ("粤东能源建设有限公司", "large_enterprise")),
}
PUNCTUALITY = {
    "caizheng01": 0.95,
    "jiaoyu01": 0.9,
    "zhujian01": 0.7,
    "jiaotong01": 0.8,
    "shuiwu01": 0.98,
    "weijian01": 0.85,
    "guozi01": 0.6,
}
HISTORY_CREDITORS = (
    "海澄县恒信建筑工程有限公司",
    "海澄县明达办公设备有限公司",
    "海澄县宏远市政工程有限公司",
    "海澄县佳禾餐饮管理有限公司",
    "海澄县新力电子科技有限公司",
    "海澄县永安消防工程有限公司",
    "海澄县南方测绘服务有限公司",
    "海澄县顺达运输有限公司",
    "海澄县绿源环保科技有限公司",
    "海澄县天成园林工程有限公司",
    "海澄县信诚会计师事务所有限公司",
    "海澄县华安安防技术有限公司",
)
HISTORY_CONTRACTS = {
    "goods": ("办公设备采购", "教学设备采购", "医疗设备采购", "消防器材采购", "管材及配件采购", "电子政务终端采购"),
    "works": ("道路维修工程", "校舍维修改造工程", "供水管网改造工程", "河道整治工程", "安置房配套工程", "路灯改造工程"),
    "services": ("物业管理服务", "食堂外包服务", "测绘服务", "审计服务", "安保服务", "环境卫生保洁服务"),
}


async def _load_history(office: Api, people: dict[str, Api], me: dict[str, dict], rng: random.Random) -> list[dict]:
    """Nine generated debts per unit with demo staff, repayments over the last twelve weeks."""
    creditors = []
    for name in HISTORY_CREDITORS:
        creditors.append(
            await office.call(
                "POST",
                "/creditors",
                json={
                    "name": name,
                    "uscc": random_uscc(rng, division="990121"),
                    "size": rng.choice(("micro", "small", "small", "medium")),
                    "contact_person": rng.choice(("张伟", "李娜", "王芳", "刘洋", "陈静", "杨帆")),
                    "contact_phone": f"139{rng.randint(10000000, 99999999)}",
                },
            )
        )
    out = []
    for who, debtors in HISTORY_UNITS.items():
        api = people[who]
        registered = [
            await api.call(
                "POST",
                "/debtors",
                json={
                    "name": name,
                    "uscc": random_uscc(rng, division="990121"),
                    "type": kind,
                    "supervising_unit_id": me[who]["unit_id"],
                },
            )
            for name, kind in debtors
        ]
        for n in range(9):
            kind = rng.choice(("goods", "works", "services"))
            principal = Decimal(round(10 ** rng.uniform(4.5, 6.4), -2)).quantize(CENT)
            item = await api.call(
                "POST",
                "/items",
                json={
                    "debtor_id": rng.choice(registered)["id"],
                    "creditor_id": rng.choice(creditors)["id"],
                    "contract_name": f"{2023 + n % 3}年{rng.choice(HISTORY_CONTRACTS[kind])}",
                    "procurement_type": kind,
                    "principal": str(principal),
                    "due_date": _days(rng.randint(-520, 45)),
                    "responsible_unit_id": me[who]["unit_id"],
                    "responsible_person_id": me[who]["id"],
                },
            )
            # Repayments: most debts something, some all of it (then written off), over 12 weeks.
            share = rng.choice((0, 0, 0.2, 0.35, 0.5, 0.6, 1, 1))
            parts = [] if share == 0 else ([share] if rng.random() < 0.5 else [share * 0.4, share * 0.6])
            repayments, paid, days_ago = [], Decimal(0), rng.randint(60, 84)
            for k, part in enumerate(parts):
                last = share == 1 and k == len(parts) - 1
                amount = principal - paid if last else (principal * Decimal(str(part))).quantize(CENT)
                paid += amount
                days_ago = max(2, days_ago - rng.randint(7, 40))
                rep = await api.call(
                    "POST",
                    f"/items/{item['id']}/repayments",
                    json={"paid_on": _days(-days_ago), "amount": str(amount), "method": "bank_transfer"},
                )
                await api.call(
                    "POST",
                    f"/items/{item['id']}/evidence",
                    files={"file": ("银行回单.pdf", PDF, "application/pdf")},
                    data={"purpose": "receipt", "repayment_id": rep["id"]},
                )
                await office.call("POST", f"/items/{item['id']}/repayments/{rep['id']}/verify")
                repayments.append({"id": rep["id"], "days_ago": days_ago})
            written_off = share == 1 and rng.random() < 0.6
            if written_off:
                await office.call(
                    "POST", f"/items/{item['id']}/write-off", headers=await office.etag(f"/items/{item['id']}")
                )
            out.append({"id": item["id"], "who": who, "repayments": repayments, "written_off": written_off})
    return out


async def _age_history(owner_url: str, history: list[dict], me: dict[str, dict], rng: random.Random) -> None:
    """The generated debts' dates moved back (see the module's docstring), and their past weekly
    updates written, each unit as punctual as PUNCTUALITY says."""
    conn = await asyncpg.connect(owner_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    this_monday = TODAY - timedelta(days=TODAY.weekday())
    try:
        async with conn.transaction():
            for item in history:
                entered_weeks = rng.randint(13, 20)
                await conn.execute(
                    "UPDATE ledger.arrears_item SET created_at = created_at - make_interval(weeks => $2) WHERE id = $1",
                    item["id"],
                    entered_weeks,
                )
                last_paid = None
                for rep in item["repayments"]:
                    back = timedelta(days=rep["days_ago"])
                    await conn.execute(
                        "UPDATE ledger.repayment SET reported_at = reported_at - $2::interval, "
                        "verified_at = verified_at - $2::interval + interval '1 day' WHERE id = $1",
                        rep["id"],
                        back,
                    )
                    last_paid = rep["days_ago"]
                if item["written_off"] and last_paid is not None:
                    await conn.execute(
                        "UPDATE ledger.arrears_item "
                        "SET written_off_at = written_off_at - $2::interval + interval '2 days' WHERE id = $1",
                        item["id"],
                        timedelta(days=last_paid),
                    )
                # Weekly updates of the complete weeks the debt was open, as punctual as its unit.
                settled_weeks_ago = (last_paid // 7) if item["written_off"] and last_paid is not None else 0
                for weeks_ago in range(max(1, settled_weeks_ago + 1), min(entered_weeks, 13)):
                    if rng.random() > PUNCTUALITY[item["who"]]:
                        continue
                    monday = this_monday - timedelta(days=7 * weeks_ago)
                    year, week, _ = monday.isocalendar()
                    await conn.execute(
                        "INSERT INTO ledger.weekly_update (id, item_id, week_start, week, progress, paid_this_week,"
                        " next_step, author_id, unit_id, version, created_at, updated_at)"
                        " VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, 1, $9, $9) ON CONFLICT DO NOTHING",
                        f"demo-{item['id'][:18]}-{weeks_ago:02d}",
                        item["id"],
                        monday,
                        f"{year}-W{week:02d}",
                        rng.choice(
                            ("已与债权企业对账", "资金申请已报财政审核", "已约谈债务单位负责人", "按计划推进支付")
                        ),
                        "继续跟进资金到位情况",
                        me[item["who"]]["id"],
                        me[item["who"]]["unit_id"],
                        datetime.combine(monday + timedelta(days=rng.randint(0, 4)), time(10), tzinfo=UTC),
                    )
    finally:
        await conn.close()


async def take_snapshots(ledger_runtime_url: str, weeks: int = 16) -> list[str]:
    """The weekly snapshots of the past weeks, computed from the demo's history by the job's code.
    Every week is (re)computed, not only the missing ones: the demo has just rewritten its own
    history (dates moved back), which a real ledger never does."""
    from ledger_api.reports.service import snapshot_week
    from ledger_api.weekly.rules import week_label, week_start
    from qq_kernel.db import create_engine, create_session_factory

    engine = create_engine(ledger_runtime_url, pool_size=1, max_overflow=1)
    done = []
    try:
        async with create_session_factory(engine)() as session:
            monday = week_start(TODAY) - timedelta(days=7 * weeks)
            while monday < week_start(TODAY):
                await snapshot_week(session, monday)
                done.append(week_label(monday))
                monday += timedelta(days=7)
            await session.commit()
        return done
    finally:
        await engine.dispose()


async def _candidate(client: httpx.AsyncClient, complaint_secret: str) -> None:
    """A complaint about a debt that is not in the ledger (台账外), waiting for the office, proposed
    as complaint-api would, with complaint-api's own client secret."""
    r = await client.post(
        "/api/ledger/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "complaint-api",
            "client_secret": complaint_secret,
        },
    )
    token = r.json()["access_token"]
    me = await client.get("/api/ledger/org/regions", headers={"Authorization": f"Bearer {token}"})
    county = next((x for x in me.json() if x["level"] == "county"), None) if me.status_code == 200 else None
    region_path = county["path"] if county else "/99/9901/990121/"
    r = await client.post(
        "/api/ledger/candidates",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "source_ref": "TS2026112500017",
            "region_path": region_path,
            "debtor_name": "海澄县农业农村局",
            "creditor_name": "海澄县绿野农业科技有限公司",
            "creditor_size": "micro",
            "amount": "48600.00",
            "contract_name": "高标准农田建设测绘服务",
            "facts": "服务已于2025年3月验收，至今未付款，多次催要无果",
        },
    )
    if r.status_code not in (200, 201):
        raise DemoError(f"candidate: {r.status_code} {r.text[:200]}")


async def _age(owner_url: str, ids: dict) -> None:
    """Move a few demo dates back, as if the ledger had been kept for weeks: items entered a month
    ago (so weeks without updates count), a repayment reported days ago without proof."""
    conn = await asyncpg.connect(owner_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        item_ids = list(ids["items"].values())
        await conn.execute(
            "UPDATE ledger.arrears_item SET created_at = created_at - interval '30 days' "
            "WHERE status IN ('open', 'resolving') AND id = ANY($1::varchar[])",
            item_ids,
        )
        await conn.execute(
            "UPDATE ledger.repayment SET reported_at = reported_at - interval '5 days' "
            "WHERE status = 'reported' AND item_id = $1",
            ids["items"]["hospital_dev"],
        )
    finally:
        await conn.close()


async def loaded(ledger_runtime_url: str) -> bool:
    """Whether office01's county already holds items: then ``load`` would do nothing. Read
    straight from the database so that a restart neither builds the services twice nor logs the
    office in (argon2) just to find that out."""
    conn = await asyncpg.connect(ledger_runtime_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        return await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM ledger.user_account AS u JOIN ledger.arrears_item AS a"
            " ON a.region_path LIKE u.region_path || '%' WHERE u.username = 'office01')"
        )
    finally:
        await conn.close()


async def evaluate_flags(ledger_runtime_url: str) -> dict:
    """The red-flag job, run once after the demo so time-based flags show at once."""
    from ledger_api.flags.scheduled import evaluate_all
    from qq_kernel.db import create_engine, create_session_factory

    engine = create_engine(ledger_runtime_url, pool_size=1, max_overflow=1)
    try:
        return await evaluate_all(create_session_factory(engine))
    finally:
        await engine.dispose()

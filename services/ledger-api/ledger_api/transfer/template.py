"""The standard ledger template (标准台账模板): one layout for entry and for export.

Each column is declared once here: its Chinese header, what it holds (the field of the item API it
fills), how a cell is read, and the note the 填写说明 sheet prints. The importer finds columns by
these headers, the exporter writes them, the template's drop-downs come from the same enumerations
as the API's (ledger.models).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO

import xlsxwriter

from ledger_api.ledger.models import DISPUTE_ROUTES, FUNDING_SOURCES, ITEM_STATUSES
from qq_kernel.vocabulary import CREDITOR_SIZES, DEBTOR_TYPES, PROCUREMENT_TYPES

DISPUTED_LABELS = {False: "无分歧", True: "有分歧"}
FUNDING_SLOTS = 3  # 资金来源1..3: a fourth line is entered in the item's page


@dataclass(frozen=True)
class Column:
    key: str  # the item API's field, or a template-only key
    header: str  # without the unit: amounts get （元） appended, and may say （万元） on import
    kind: str  # text | code | money | date | enum | bool | rate | unit | person | readonly
    note: str
    required: bool = False
    choices: dict | None = None  # code -> label, for enum columns
    width: int = 14
    multiline: bool = False


def _money_note(what: str) -> str:
    return f"{what}。单位以表头为准：表头写（元）按元，写（万元）按万元换算；最多精确到分，可带千分位逗号"


_COLUMNS = [
    Column(
        "ledger_no",
        "台账编号",
        "code",
        "已有明细的台账编号。新增明细留空，系统自动编号；填写则按编号更新该条明细",
        width=22,
    ),
    Column("debtor_name", "拖欠主体名称", "text", "欠款的机关、事业单位或企业全称", required=True, width=28),
    Column(
        "debtor_uscc",
        "拖欠主体统一社会信用代码",
        "code",
        "18位统一社会信用代码，按 GB 32100-2015 校验。已登记的主体按代码匹配，未登记的将随导入登记",
        required=True,
        width=22,
    ),
    Column("debtor_type", "拖欠主体类型", "enum", "从下拉列表选择", required=True, choices=DEBTOR_TYPES, width=18),
    Column("creditor_name", "债权企业名称", "text", "被拖欠的中小企业全称", required=True, width=28),
    Column(
        "creditor_uscc",
        "债权企业统一社会信用代码",
        "code",
        "18位统一社会信用代码，按 GB 32100-2015 校验。已登记的企业按代码匹配，未登记的将随导入登记",
        required=True,
        width=22,
    ),
    Column("creditor_size", "企业规模", "enum", "中型、小型或微型", required=True, choices=CREDITOR_SIZES),
    Column(
        "contract_name",
        "合同或项目名称",
        "text",
        "未填台账编号时，按 拖欠主体信用代码 + 债权企业信用代码 + 合同或项目名称 匹配已有明细",
        required=True,
        width=30,
    ),
    Column("procurement_type", "采购类型", "enum", "货物、工程或服务", required=True, choices=PROCUREMENT_TYPES),
    Column(
        "principal", "欠款金额", "money", _money_note("欠款本金，须大于零；已有明细不能通过导入修改金额"), required=True
    ),
    Column("delivery_date", "交付日期", "date", "日期，如 2024-01-16、2024/1/16、2024.1.16 或 2024年1月16日"),
    Column("acceptance_date", "验收日期", "date", "以验收为付款条件的，填写验收通过日期"),
    Column("due_date", "合同约定付款期限", "date", "合同约定的付款截止日期"),
    Column("agreed_daily_rate", "约定逾期日利率", "rate", "小数，如万分之五填 0.0005；未约定留空（按万分之五计）"),
    Column(
        "responsible_unit_id",
        "责任单位",
        "unit",
        "从下拉列表选择您管辖范围内的成员单位；新登记的拖欠主体以此为主管单位",
        required=True,
        width=24,
    ),
    Column("responsible_person_id", "责任人", "person", "责任单位在岗人员的姓名（同名时填用户名）；可留空"),
    Column(
        "disputed",
        "分歧状态",
        "bool",
        "有分歧或无分歧；已有明细的分歧状态须经审批变更，不能通过导入修改",
        required=True,
    ),
    Column("dispute_route", "分歧解决途径", "enum", "有分歧时选择：协商、调解、仲裁或诉讼", choices=DISPUTE_ROUTES),
    Column("court_case_no", "案号", "text", "进入诉讼或仲裁的，填写案号", width=24),
    Column("resolution_measures", "清偿化解措施", "text", "可换行", width=36, multiline=True),
    Column("planned_clearance_date", "计划清偿日期", "date", "计划全部清偿的日期"),
]
for n in range(1, FUNDING_SLOTS + 1):
    _COLUMNS += [
        Column(f"funding_{n}_source", f"资金来源{n}", "enum", "偿还资金来源，从下拉列表选择", choices=FUNDING_SOURCES),
        Column(f"funding_{n}_amount", f"资金金额{n}", "money", _money_note("该来源的金额")),
        Column(f"funding_{n}_date", f"到位时间{n}", "date", "该来源资金预计到位日期"),
    ]
_COLUMNS += [
    Column("verified_repaid", "已核实还款", "readonly", "导出时填写，仅供参考；导入时忽略（还款须逐笔登记并核实）"),
    Column("adjustments_total", "调整金额", "readonly", "导出时填写，仅供参考；导入时忽略"),
    Column("outstanding", "未清偿金额", "readonly", "导出时填写，仅供参考；导入时忽略"),
    Column("status", "状态", "readonly", "导出时填写，仅供参考；导入时忽略"),
]
COLUMNS: tuple[Column, ...] = tuple(_COLUMNS)
BY_KEY = {c.key: c for c in COLUMNS}
MONEY_KINDS = ("money",)


def header_text(column: Column) -> str:
    unit = (
        "（元）"
        if column.kind == "money" or column.key in ("verified_repaid", "adjustments_total", "outstanding")
        else ""
    )
    return f"{column.header}{unit}"


def column_letter(index: int) -> str:
    """0-based index → A, B, …, Z, AA, …"""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


SHEET_NAME = "台账"
NOTES_SHEET = "填写说明"
CHOICES_SHEET = "选项"
TITLE = "清欠台账（欠款明细）"
HEADER_ROW = 1  # 0-based: row 1 is the title (template) or the watermark (export)
DATA_START = 2
MAX_DATA_ROWS = 100_000  # drop-downs cover this many rows


def _choice_lists(units: list[str]) -> list[tuple[str, list[str]]]:
    return [
        ("debtor_type", list(DEBTOR_TYPES.values())),
        ("creditor_size", list(CREDITOR_SIZES.values())),
        ("procurement_type", list(PROCUREMENT_TYPES.values())),
        ("disputed", list(DISPUTED_LABELS.values())),
        ("dispute_route", list(DISPUTE_ROUTES.values())),
        ("funding_source", list(FUNDING_SOURCES.values())),
        ("responsible_unit_id", units or ["（无可选单位）"]),
    ]


class LedgerWorkbook:
    """The template's workbook, written row by row (xlsxwriter's constant-memory mode: each row is
    flushed to the temp file as the next begins, so an export of any size keeps memory flat)."""

    def __init__(self, target: str | IO[bytes], *, units: list[str], banner: str) -> None:
        self.book = xlsxwriter.Workbook(
            target, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
        )
        self.book.set_properties({"title": TITLE, "comments": "清欠平台标准台账模板"})
        self.sheet = self.book.add_worksheet(SHEET_NAME)
        self.text = self.book.add_format({"num_format": "@"})
        self.wrap = self.book.add_format({"num_format": "@", "text_wrap": True, "valign": "top"})
        self.money = self.book.add_format({"num_format": "#,##0.00"})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        head = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        required_head = self.book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "font_color": "#C00000"}
        )
        banner_format = self.book.add_format({"bold": True, "font_size": 12})
        for i, column in enumerate(COLUMNS):
            self.sheet.set_column(i, i, column.width)
        self.sheet.freeze_panes(DATA_START, 2)
        # Row 0: the title or the watermark (who exported it, when); row 1: the headers.
        self.sheet.write_string(0, 0, banner, banner_format)
        for i, column in enumerate(COLUMNS):
            self.sheet.write_string(
                HEADER_ROW,
                i,
                ("*" if column.required else "") + header_text(column),
                required_head if column.required else head,
            )
        self._validations(units)
        self.row = DATA_START

    def _validations(self, units: list[str]) -> None:
        choices = self.book.add_worksheet(CHOICES_SHEET)
        ranges = {}
        lists = _choice_lists(units)
        # row by row: in constant-memory mode a row is final once the next one is begun
        for i in range(1 + max(len(values) for _, values in lists)):
            for j, (name, values) in enumerate(lists):
                if i == 0:
                    choices.write_string(0, j, name)
                elif i <= len(values):
                    choices.write_string(i, j, values[i - 1])
        for j, (name, values) in enumerate(lists):
            col = column_letter(j)
            ranges[name] = f"='{CHOICES_SHEET}'!${col}$2:${col}${len(values) + 1}"
        choices.hide()
        last = DATA_START + MAX_DATA_ROWS - 1
        for i, column in enumerate(COLUMNS):
            key = "funding_source" if column.key.endswith("_source") else column.key
            if key in ranges:
                self.sheet.data_validation(
                    DATA_START,
                    i,
                    last,
                    i,
                    {
                        "validate": "list",
                        "source": ranges[key],
                        "error_title": "请从下拉列表选择",
                        "error_message": f"{column.header}：{column.note}",
                    },
                )
            elif column.kind == "date":
                self.sheet.data_validation(
                    DATA_START,
                    i,
                    last,
                    i,
                    {"validate": "any", "input_title": column.header, "input_message": "日期，如 2024-01-16"},
                )

    def write_notes(self) -> None:
        notes = self.book.add_worksheet(NOTES_SHEET)
        bold = self.book.add_format({"bold": True})
        wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        notes.set_column(0, 0, 26)
        notes.set_column(1, 1, 8)
        notes.set_column(2, 2, 90)
        notes.write_row(0, 0, ["列", "必填", "说明"], bold)
        for i, column in enumerate(COLUMNS):
            note = column.note
            if column.choices:
                note += "。可选值：" + "、".join(column.choices.values())
            notes.write_string(i + 1, 0, header_text(column))
            notes.write_string(i + 1, 1, "是" if column.required else "")
            notes.write_string(i + 1, 2, note, wrap)
        rules = [
            "表头所在行之上可以有一两行标题；表头名称须与本模板一致（列的先后可以调整）。",
            "一行一笔欠款。按台账编号，或按 拖欠主体信用代码 + 债权企业信用代码 + 合同或项目名称 匹配已有明细："
            "匹配到的更新，未匹配的新增。",
            "已有明细可通过导入修改：合同名称、日期、责任人、分歧解决途径、案号、清偿化解措施、计划清偿日期、资金来源；"
            "金额、主体、责任单位、分歧状态须在系统内按流程办理。",
            "导入先校验并预览（新增、更新及差异、无变化、错误），确认后才写入。默认整份文件全部有效才写入；"
            "也可选择“只导入有效行”，每行要么完整写入，要么不写。",
            "同一文件重复导入不会重复登记。",
            "以 =、+、-、@ 开头的文本在导出时前加单引号，防止被当作公式执行；导入时该单引号会被去掉。",
        ]
        row = len(COLUMNS) + 3
        notes.write_string(row, 0, "规则", bold)
        for k, rule in enumerate(rules):
            notes.write_string(row + 1 + k, 2, f"{k + 1}. {rule}", wrap)

    def write_row(self, values: dict) -> None:
        """One item: ``values`` by column key; str, Decimal (money), date, None."""
        r = self.row
        for i, column in enumerate(COLUMNS):
            value = values.get(column.key)
            if value is None or value == "":
                continue
            if column.kind in ("money",) or column.key in ("verified_repaid", "adjustments_total", "outstanding"):
                # Written as numbers with 2 decimals shown; the Decimal's digits are exact in a double
                # up to 15 significant digits (amounts below ten trillion yuan).
                self.sheet.write_number(r, i, float(value), self.money)
            elif column.kind == "date":
                self.sheet.write_datetime(r, i, datetime(value.year, value.month, value.day), self.date)
            else:
                self.sheet.write_string(r, i, neutralise(str(value)), self.wrap if column.multiline else self.text)
        self.row += 1

    def close(self) -> None:
        self.book.close()


FORMULA_STARTS = ("=", "+", "-", "@")


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet could take for a formula (=, +, -, @ first) gets a leading
    apostrophe, the way Excel itself marks text (CSV/formula injection)."""
    if text.startswith(FORMULA_STARTS) or text.startswith(("\t", "\r")):
        return "'" + text
    return text


def template_banner() -> str:
    return f"{TITLE}导入模板 —— 第二行为表头，请从第三行起逐行填写；各列规则见“{NOTES_SHEET}”工作表"


def export_banner(user: str, at: datetime) -> str:
    return f"{TITLE}  导出人：{user}  导出时间：{at:%Y-%m-%d %H:%M}（北京时间）  仅限工作使用，请勿外传"


def status_label(code: str) -> str:
    return ITEM_STATUSES.get(code, code)

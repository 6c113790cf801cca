"""Issue 11, acceptance 1: messy real files import; broken files are refused with a clear error
and nothing written; every row error names sheet, row, column and says what is wrong in Chinese."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
import xlsxwriter
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile

from qq_kernel.uscc import UsccError, validate_uscc
from tests.support.world import bearer, login
from tests.transfer.helpers import XLSX, as_wps, build_xlsx, confirm, dry_run, import_file, row_for, upload


async def office_headers(client, worlds, world) -> dict:
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    return bearer((await login(client, office.username, ip=world.client_ip))["access_token"])


async def items_of(client, h, world) -> list[dict]:
    r = await client.get("/api/ledger/items", params={"region": world.county.path, "page_size": 200}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def count_items(client, h, world) -> int:
    r = await client.get("/api/ledger/items/totals", params={"region": world.county.path}, headers=h)
    return sum(r.json()["by_status"].values())


async def detail(client, h, item_id: str) -> dict:
    return (await client.get(f"/api/ledger/items/{item_id}", headers=h)).json()


# ---------------------------------------------------------------- messy files


async def test_title_rows_merged_title_and_empty_trailing_rows(client, worlds, world):
    h = await office_headers(client, worlds, world)
    rows = [row_for(world), row_for(world)]
    content = build_xlsx(rows, title_rows=2, merged_title=True, trailing_empty=30)
    job = await import_file(client, h, content)
    assert job["counts"] == {"create": 2, "update": 0, "unchanged": 0, "refused": 0}
    assert job["rows_total"] == 2 and job["rows_written"] == 2
    assert sorted(i["contract_name"] for i in await items_of(client, h, world)) == sorted(
        r["contract_name"] for r in rows
    )


async def test_amounts_in_wan_yuan_with_separators_and_full_width_digits(client, worlds, world):
    h = await office_headers(client, worlds, world)
    rows = [
        row_for(world, principal="12.50005", funding_1_source="预算资金", funding_1_amount="1,2.5"),
        row_for(world, principal="１,２３４.５６７８"),  # full-width digits and a thousands separator
    ]
    headers = {"principal": "欠款金额（万元）", "funding_1_amount": "资金金额1(万元)"}
    job = await import_file(client, h, build_xlsx(rows, headers=headers))
    assert job["status"] == "done"
    by_contract = {i["contract_name"]: i for i in await items_of(client, h, world)}
    first = await detail(client, h, by_contract[rows[0]["contract_name"]]["id"])
    assert first["principal"] == "125000.50"
    assert [(fl["source"], fl["amount"]) for fl in first["funding_lines"]] == [("budget", "125000.00")]
    assert by_contract[rows[1]["contract_name"]]["principal"] == "12345678.00"


async def test_plain_numbers_and_thousands_separators_in_yuan(client, worlds, world):
    h = await office_headers(client, worlds, world)
    rows = [row_for(world, principal="1,250,000.75"), row_for(world, principal="88000")]
    content = build_xlsx(rows)
    job = await import_file(client, h, content)
    assert job["status"] == "done"
    amounts = sorted(Decimal(i["principal"]) for i in await items_of(client, h, world))
    assert amounts == [Decimal("88000.00"), Decimal("1250000.75")]
    # number cells (as Excel stores a typed amount)
    numeric = [row_for(world, principal="3400.1")]
    job = await import_file(client, h, build_xlsx(numeric, numbers={"principal": "n"}))
    assert job["counts"]["create"] == 1
    assert Decimal("3400.10") in {Decimal(i["principal"]) for i in await items_of(client, h, world)}


@pytest.mark.parametrize(
    ("cell", "as_number", "as_date"),
    [
        ("45307", True, False),  # an Excel serial in a plain number cell
        ("2024-01-16", False, True),  # a real date cell
        ("2024-01-16", False, False),
        ("2024/1/16", False, False),
        ("2024.1.16", False, False),
        ("2024年1月16日", False, False),
        ("２０２４年１月１６日", False, False),  # full-width digits
    ],
)
async def test_dates_as_serials_or_text(client, worlds, world, cell, as_number, as_date):
    h = await office_headers(client, worlds, world)
    row = row_for(world, due_date=cell)
    content = build_xlsx(
        [row], numbers={"due_date": "n"} if as_number else None, dates={"due_date"} if as_date else None
    )
    await import_file(client, h, content)
    (item,) = await items_of(client, h, world)
    assert item["due_date"] == "2024-01-16"


async def test_full_width_codes_stray_spaces_and_line_breaks(client, worlds, world):
    h = await office_headers(client, worlds, world)
    row = row_for(world)
    fw = row["debtor_uscc"].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})
    messy = {
        **row,
        "debtor_uscc": f" {fw.lower()} ",
        "debtor_name": " " + row["debtor_name"][:4] + "\n" + row["debtor_name"][4:] + "  ",
        "creditor_name": row["creditor_name"] + "\r\n",
        "contract_name": "  " + row["contract_name"] + " ",
        "procurement_type": " 工程\n",
        "responsible_unit_id": " " + world.unit_a.name + " ",
        "resolution_measures": "  第一步：核对结算\n第二步：分期支付  ",
    }
    await import_file(client, h, build_xlsx([messy]))
    (item,) = await items_of(client, h, world)
    assert item["debtor_name"] == row["debtor_name"]
    assert item["creditor_name"] == row["creditor_name"]
    assert item["contract_name"] == row["contract_name"]
    assert item["resolution_measures"] == "第一步：核对结算\n第二步：分期支付"
    debtors = (await client.get("/api/ledger/debtors", params={"q": row["debtor_uscc"]}, headers=h)).json()
    assert [d["uscc"] for d in debtors["items"]] == [row["debtor_uscc"]]


async def test_wps_saved_file(client, worlds, world):
    h = await office_headers(client, worlds, world)
    content = as_wps(build_xlsx([row_for(world)], title_rows=1))
    assert b"WPS" in zipfile.ZipFile(io.BytesIO(content)).read("docProps/app.xml")
    job = await import_file(client, h, content)
    assert job["counts"]["create"] == 1


async def test_columns_in_another_order_and_only_the_required_ones(client, worlds, world):
    h = await office_headers(client, worlds, world)
    columns = [
        "contract_name",
        "principal",
        "debtor_uscc",
        "debtor_name",
        "debtor_type",
        "creditor_name",
        "creditor_uscc",
        "creditor_size",
        "procurement_type",
        "responsible_unit_id",
        "disputed",
    ]
    job = await import_file(client, h, build_xlsx([row_for(world)], columns=columns, title_rows=0))
    assert job["counts"]["create"] == 1


# ---------------------------------------------------------------- broken files


def _xlsx() -> bytes:
    return build_xlsx([])


def _encrypted() -> bytes:
    plain = io.BytesIO(_xlsx())
    out = io.BytesIO()
    office = OOXMLFile(plain)
    office.encrypt("Secret-123", out)
    return out.getvalue()


def _legacy_xls() -> bytes:
    book = xlwt.Workbook()
    book.add_sheet("台账").write(0, 0, "台账编号")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_macros() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet("台账").write_string(0, 0, "台账编号")
    book.add_vba_project(io.BytesIO(b"\xd0\xcf\x11\xe0 fake vba project"), is_stream=True)
    book.close()
    return buffer.getvalue()


def _macros_renamed_xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_xlsx())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 vba")
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_xlsx())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data + b" " * (64 * 1024 * 1024)  # 64 MB of spaces: ~64 KB deflated
            target.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        target.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


BROKEN = {
    "pdf": (
        "报表.xlsx",
        lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n",
        "file_not_spreadsheet",
        "文件不是 Excel 表格（.xlsx），请使用标准台账模板",
    ),
    "word": ("台账.xlsx", _docx_like, "file_not_spreadsheet", "文件不是 Excel 表格（.xlsx），请使用标准台账模板"),
    "encrypted": (
        "台账.xlsx",
        _encrypted,
        "file_encrypted",
        "文件设置了打开密码，请在 Excel 或 WPS 中取消密码后再导入",
    ),
    "legacy_xls": (
        "台账.xls",
        _legacy_xls,
        "file_legacy_xls",
        "不支持旧版 Excel 97-2003 格式（.xls），请另存为 .xlsx 后再导入",
    ),
    "macros": (
        "台账.xlsm",
        _with_macros,
        "file_macros",
        "文件含宏（VBA），出于安全原因不能导入；请另存为不含宏的 .xlsx 后再导入",
    ),
    "macros_renamed": (
        "台账.xlsx",
        _macros_renamed_xlsx,
        "file_macros",
        "文件含宏（VBA），出于安全原因不能导入；请另存为不含宏的 .xlsx 后再导入",
    ),
    "zip_bomb": ("台账.xlsx", _zip_bomb, "file_zip_bomb", "文件解压后异常膨胀（疑似压缩炸弹），已拒绝"),
    "empty": ("台账.xlsx", lambda: b"", "file_empty", "文件为空"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
async def test_broken_file_is_refused_and_nothing_written(client, worlds, world, kind):
    h = await office_headers(client, worlds, world)
    name, build, code, detail = BROKEN[kind]
    r = await upload(client, h, build(), name)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert (problem["code"], problem["detail"], problem["title"]) == (code, detail, "文件不能导入")
    assert await count_items(client, h, world) == 0


async def test_sheet_without_the_template_header_fails_its_job(client, worlds, world):
    h = await office_headers(client, worlds, world)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet("Sheet1").write_row(0, 0, ["序号", "单位", "金额"])
    book.close()
    job, rows = await dry_run(client, h, buffer.getvalue())
    assert job["status"] == "invalid" and rows == []
    assert job["error"].startswith("没有找到台账表头：前 10 行中应有标准模板的列名（拖欠主体名称、")
    assert await count_items(client, h, world) == 0


# ---------------------------------------------------------------- row errors, modes, re-import


async def test_row_errors_name_sheet_row_column_and_nothing_is_written(client, worlds, world):
    h = await office_headers(client, worlds, world)
    good = row_for(world)
    bad_uscc = row_for(world, debtor_uscc=good["debtor_uscc"][:17] + ("0" if good["debtor_uscc"][17] != "0" else "1"))
    rows = [
        good,
        bad_uscc,
        row_for(world, debtor_type="区政府"),
        row_for(world, due_date="2024-02-30", principal="-5"),
        row_for(world, responsible_unit_id="不存在的单位"),
        {**row_for(world), "contract_name": None},
        row_for(world, dispute_route="诉讼"),
    ]
    job, preview = await dry_run(client, h, build_xlsx(rows, title_rows=2))
    assert job["status"] == "invalid"
    assert job["counts"] == {"create": 1, "update": 0, "unchanged": 0, "refused": 6}
    errors = {
        (p["row"], e["column"], e["header"]): e["message"]
        for p in preview
        if p["action"] == "refused"
        for e in p["errors"]
    }
    assert {p["sheet"] for p in preview} == {"台账"}
    # header on row 3, data from row 4; columns as the template lays them out
    with pytest.raises(UsccError) as uscc_error:
        validate_uscc(bad_uscc["debtor_uscc"])
    assert errors[(5, "C", "拖欠主体统一社会信用代码")] == str(uscc_error.value)
    assert errors[(6, "D", "拖欠主体类型")] == (
        "“区政府”不在可选范围内，应为：政府机关、全额拨款事业单位、其它事业单位、平台公司、其他国有企业、大型企业"
    )
    assert errors[(7, "M", "合同约定付款期限")] == "日期不存在：“2024-02-30”"
    assert errors[(7, "J", "欠款金额")] == "金额必须大于零"
    assert errors[(8, "O", "责任单位")] == "责任单位“不存在的单位”不存在或不在您的管辖范围内"
    assert errors[(9, "H", "合同或项目名称")] == "必填项"
    assert errors[(10, "R", "分歧解决途径")] == "无分歧欠款不应填写分歧解决途径或案号"
    bad_row = next(p for p in preview if p["row"] == 6)
    assert bad_row["cells"]["拖欠主体类型"] == "区政府"  # the wizard shows the cell as found

    r = await client.post(
        f"/api/ledger/transfer/imports/{job['id']}/confirm", json={"mode": "all_or_nothing"}, headers=h
    )
    assert r.status_code == 409 and r.json()["code"] == "import_not_confirmable"
    assert await count_items(client, h, world) == 0

    # the documented choice: only the valid rows, each row whole
    job = await confirm(client, h, job["id"], mode="valid_rows")
    assert job["status"] == "done" and job["counts"]["create"] == 1 and job["counts"]["refused"] == 6
    assert [i["contract_name"] for i in await items_of(client, h, world)] == [good["contract_name"]]


async def test_reimport_changes_nothing_and_dry_run_shows_differences(client, worlds, world):
    h = await office_headers(client, worlds, world)
    rows = [row_for(world, resolution_measures="协商分期"), row_for(world)]
    content = build_xlsx(rows)
    await import_file(client, h, content)
    before = {i["id"]: i for i in await items_of(client, h, world)}

    job, _ = await dry_run(client, h, content)
    assert job["counts"] == {"create": 0, "update": 0, "unchanged": 2, "refused": 0}
    job = await confirm(client, h, job["id"])
    assert job["status"] == "done"
    after = {i["id"]: i for i in await items_of(client, h, world)}
    assert {k: v["version"] for k, v in after.items()} == {k: v["version"] for k, v in before.items()}

    changed = [
        {**rows[0], "resolution_measures": "财政预算安排，分两期支付", "planned_clearance_date": "2026年6月30日"},
        {**rows[1], "principal": "1.00"},
    ]
    job, preview = await dry_run(client, h, build_xlsx(changed))
    assert job["counts"] == {"create": 0, "update": 1, "unchanged": 0, "refused": 1}
    update = next(p for p in preview if p["action"] == "update")
    assert update["changes"] == {
        "清偿化解措施": {"before": "协商分期", "after": "财政预算安排，分两期支付"},
        "计划清偿日期": {"before": None, "after": "2026-06-30"},
    }
    refused = next(p for p in preview if p["action"] == "refused")
    assert [(e["column"], e["message"]) for e in refused["errors"]] == [
        ("J", "已有明细的欠款金额不能通过导入修改（请登记还款或调整）")
    ]
    job = await confirm(client, h, job["id"], mode="valid_rows")
    item = next(i for i in await items_of(client, h, world) if i["contract_name"] == rows[0]["contract_name"])
    assert (item["resolution_measures"], item["planned_clearance_date"]) == ("财政预算安排，分两期支付", "2026-06-30")
    history = (await client.get(f"/api/ledger/items/{item['id']}/history", headers=h)).json()
    assert [e["action"] for e in history] == ["item.created", "item.updated"]
    assert history[1]["after"] == {
        "resolution_measures": "财政预算安排，分两期支付",
        "planned_clearance_date": "2026-06-30",
    }


async def test_unit_operator_sees_only_own_unit_in_template_and_cannot_import_for_another(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    r = await client.get("/api/ledger/transfer/template", headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    assert book.sheet_names == ["台账", "选项", "填写说明"]
    options = book.get_sheet_by_name("选项").to_python()
    unit_column = options[0].index("responsible_unit_id")
    assert [row[unit_column] for row in options[1:] if row[unit_column]] == [world.unit_a.name]
    _, preview = await dry_run(client, h, build_xlsx([row_for(world, responsible_unit_id=world.unit_b.name)]))
    assert preview[0]["errors"][0]["message"] == f"责任单位“{world.unit_b.name}”不存在或不在您的管辖范围内"

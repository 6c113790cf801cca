"""Workbooks built by the tests (the way real ones arrive), and the import job's round trip."""

from __future__ import annotations

import asyncio
import io
import random
import zipfile

import httpx
import xlsxwriter

from ledger_api.transfer.template import COLUMNS, header_text
from tests.support.ledger_helpers import uscc

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = {c.key: header_text(c) for c in COLUMNS}
FINAL = {"validated", "invalid", "done", "failed"}
_rng = random.Random()


def row_for(world, **over) -> dict:
    """One valid row by column key (cell values as a clerk types them)."""
    n = _rng.randint(1, 10**8)
    return {
        "debtor_name": f"{world.county.name}交通运输局{n}",
        "debtor_uscc": uscc(),
        "debtor_type": "政府机关",
        "creditor_name": f"海澄路桥工程有限公司{n}",
        "creditor_uscc": uscc(),
        "creditor_size": "小型",
        "contract_name": f"乡村道路硬化工程{n}",
        "procurement_type": "工程",
        "principal": "125000.50",
        "due_date": "2025-06-30",
        "responsible_unit_id": world.unit_a.name,
        "disputed": "无分歧",
        **over,
    }


def build_xlsx(
    rows: list[dict],
    *,
    columns: list[str] | None = None,
    headers: dict[str, str] | None = None,
    title_rows: int = 1,
    merged_title: bool = False,
    trailing_empty: int = 0,
    numbers: dict[str, str] | None = None,
    dates: set[str] | None = None,
    sheet: str = "台账",
) -> bytes:
    """A workbook with ``rows`` under a header row. ``headers`` overrides a column's header text
    (万元, say); ``numbers``: keys written as number cells; ``dates``: keys written as date cells."""
    columns = columns or [c.key for c in COLUMNS if c.kind != "readonly"]
    headers = {**HEADERS, **(headers or {})}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_numbers": False})
    ws = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "yyyy/m/d"})
    for t in range(title_rows):
        if merged_title and t == 0:
            ws.merge_range(0, 0, 0, 8, "某某县清欠台账（2024年第一季度）", book.add_format({"bold": True}))
        else:
            ws.write_string(t, 0, f"标题行{t + 1}")
    for i, key in enumerate(columns):
        ws.write_string(title_rows, i, headers[key])
    for r, row in enumerate(rows, start=title_rows + 1):
        for i, key in enumerate(columns):
            value = row.get(key)
            if value is None:
                continue
            if numbers and key in numbers:
                ws.write_number(r, i, float(value) if "." in str(value) else int(value))
            elif dates and key in dates:
                import datetime as dt

                ws.write_datetime(r, i, dt.datetime.fromisoformat(value), date_format)
            else:
                ws.write_string(r, i, str(value))
    for k in range(trailing_empty):  # formatted but empty rows, as Excel leaves them
        ws.write_blank(title_rows + 1 + len(rows) + k, 0, None, book.add_format({"bold": True}))
    book.close()
    return buffer.getvalue()


def as_wps(content: bytes) -> bytes:
    """The same workbook as WPS Office saves it: its application name and custom properties."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/app.xml":
                data = data.replace(
                    b"<Application>Microsoft Excel</Application>",
                    b"<Application>WPS \xe8\xa1\xa8\xe6\xa0\xbc</Application>",
                )
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/docProps/custom.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
                )
            target.writestr(info.filename, data)
        target.writestr(
            "docProps/custom.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer">'
            "<vt:lpwstr>2052-12.1.0.16120</vt:lpwstr></property></Properties>",
        )
    return out.getvalue()


async def upload(client: httpx.AsyncClient, h: dict, content: bytes, name: str = "台账.xlsx") -> httpx.Response:
    return await client.post("/api/ledger/transfer/imports", headers=h, files={"file": (name, content, XLSX)})


async def wait(client: httpx.AsyncClient, h: dict, job_id: str, seconds: float = 60) -> dict:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while True:
        job = (await client.get(f"/api/ledger/transfer/imports/{job_id}", headers=h)).json()
        if job["status"] in FINAL:
            return job
        assert loop.time() < end, job
        await asyncio.sleep(0.05)


async def dry_run(client, h, content: bytes, name: str = "台账.xlsx") -> tuple[dict, list[dict]]:
    r = await upload(client, h, content, name)
    assert r.status_code == 202, r.text
    job = await wait(client, h, r.json()["id"])
    rows = (await client.get(f"/api/ledger/transfer/imports/{job['id']}/rows?limit=1000", headers=h)).json()["items"]
    return job, rows


async def confirm(client, h, job_id: str, mode: str = "all_or_nothing") -> dict:
    r = await client.post(f"/api/ledger/transfer/imports/{job_id}/confirm", json={"mode": mode}, headers=h)
    assert r.status_code == 202, r.text
    return await wait(client, h, job_id)


async def import_file(client, h, content: bytes) -> dict:
    job, rows = await dry_run(client, h, content)
    assert job["status"] == "validated", (job, rows)
    return await confirm(client, h, job["id"])

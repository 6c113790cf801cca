"""Issue 11, acceptance 4 and the export's duties: the filtered list in the template's layout,
the watermark row, formulas neutralised, the export audited; export → import changes nothing (a
generated 10,000-item ledger here; the demo ledger in tests/test_demo.py)."""

from __future__ import annotations

import io
import random
import secrets

from python_calamine import CalamineWorkbook

from tests.support.ledger_helpers import uscc
from tests.support.world import bearer, login
from tests.transfer.helpers import XLSX, confirm, dry_run

_rng = random.Random(11)
SOURCES = ["budget", "financial_support", "self_raised", "special_bonds", "other"]


def generated(world, n: int, people: list[str]) -> list[dict]:
    """``n`` items over a few hundred debtors and creditors, with every optional field somewhere."""
    debtors = [
        (f"{world.county.name}第{k}局", uscc(), _rng.choice(["government_agency", "soe", "platform_company"]))
        for k in range(200)
    ]
    creditors = [(f"海澄第{k}建设有限公司", uscc(), _rng.choice(["medium", "small", "micro"])) for k in range(300)]
    rows = []
    for k in range(n):
        d, c = _rng.choice(debtors), _rng.choice(creditors)
        disputed = k % 7 == 0
        row = {
            "debtor_name": d[0],
            "debtor_uscc": d[1],
            "debtor_type": d[2],
            "creditor_name": c[0],
            "creditor_uscc": c[1],
            "creditor_size": c[2],
            "contract_name": f"项目{k:05d}",
            "procurement_type": _rng.choice(["goods", "works", "services"]),
            "principal": f"{_rng.randint(1000, 9_999_999)}.{_rng.randint(0, 99):02d}",
            "responsible_unit_id": world.unit_a.id if k % 2 else world.unit_b.id,
            "disputed": disputed,
        }
        if k % 3 == 0:
            row.update(due_date=f"2025-{k % 12 + 1:02d}-{k % 28 + 1:02d}", delivery_date="2024-12-01")
        if k % 5 == 0:
            row.update(resolution_measures=f"分期支付\n第{k}号协议", planned_clearance_date="2026-12-31")
        if disputed:
            row.update(
                dispute_route=_rng.choice(["negotiation", "mediation", "arbitration", "litigation"]),
                court_case_no=f"（2025）示0121民初{k}号",
            )
        if k % 4 == 0:
            row["funding_lines"] = [
                {"source": s, "amount": f"{_rng.randint(1, 900)}.50", "expected_arrival_date": "2026-03-31"}
                for s in _rng.sample(SOURCES, k % 3 + 1)
            ]
        if k % 11 == 0 and people:
            row["agreed_daily_rate"] = "0.0003"
        if k % 13 == 0:
            row["contract_name"] = '=HYPERLINK("http://x","点我")' + str(k)  # a formula, neutralised on export
        rows.append(row)
    return rows


async def test_export_then_import_is_a_no_op_on_10000_items(client, worlds, world):
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    h = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    rows = generated(world, 10_000, [])
    r = await client.post(
        "/api/ledger/transfer/bulk/items", json={"items": rows}, headers={**h, "Idempotency-Key": secrets.token_hex(8)}
    )
    assert r.status_code == 200, r.text[:500]
    assert r.json()["counts"] == {"created": 10_000, "updated": 0, "unchanged": 0, "refused": 0}

    export = await client.get("/api/ledger/transfer/export", params={"region": world.county.path}, headers=h)
    assert export.status_code == 200 and export.headers["content-type"] == XLSX
    assert export.headers["x-row-count"] == "10000"
    job, preview = await dry_run(client, h, export.content)
    assert job["counts"] == {"create": 0, "update": 0, "unchanged": 10_000, "refused": 0}, preview[:3]
    job = await confirm(client, h, job["id"])
    assert job["status"] == "done" and job["counts"]["unchanged"] == 10_000
    totals = (await client.get("/api/ledger/items/totals", params={"region": world.county.path}, headers=h)).json()
    assert totals["items"] == 10_000


async def test_export_layout_watermark_formulas_filters_and_audit(client, worlds, world):
    office = await worlds.user(world, roles=["office_admin"], unit=world.office, name=f"exp{secrets.token_hex(3)}")
    h = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    rows = generated(world, 30, [])
    await client.post(
        "/api/ledger/transfer/bulk/items", json={"items": rows}, headers={**h, "Idempotency-Key": secrets.token_hex(8)}
    )
    params = {"region": world.county.path, "disputed": "true", "sort": "ledger_no"}
    export = await client.get("/api/ledger/transfer/export", params=params, headers=h)
    listed = (await client.get("/api/ledger/items", params={**params, "page_size": 100}, headers=h)).json()
    book = CalamineWorkbook.from_filelike(io.BytesIO(export.content))
    sheet = book.get_sheet_by_name("台账").to_python(skip_empty_area=False)
    banner, header, data = sheet[0][0], sheet[1], [r for r in sheet[2:] if any(r)]
    assert banner.startswith(f"清欠台账（欠款明细）  导出人：{office.display_name}  导出时间：20")
    assert header[:4] == ["台账编号", "*拖欠主体名称", "*拖欠主体统一社会信用代码", "*拖欠主体类型"]
    assert [r[0] for r in data] == [i["ledger_no"] for i in listed["items"]]  # the same filter, the same order
    assert all(r[header.index("*分歧状态")] == "有分歧" for r in data)
    formulas = [r[header.index("*合同或项目名称")] for r in data if "HYPERLINK" in r[header.index("*合同或项目名称")]]
    assert formulas and all(f.startswith("'=HYPERLINK") for f in formulas)
    # the audit trail: who exported what, with the filters and the count
    auditor = await worlds.user(world, roles=["auditor"], unit=world.office)
    ha = bearer((await login(client, auditor.username, ip=world.client_ip))["access_token"])
    trail = (await client.get("/api/ledger/audit", params={"action": "items.exported"}, headers=ha)).json()
    mine = [e for e in trail["items"] if e["actor_name"] == office.username]
    assert len(mine) == 1
    assert mine[0]["after"] == {
        "filters": {"region": world.county.path, "disputed": "true", "sort": "ledger_no"},
        "rows": len(data),
        "format": "xlsx",
    }

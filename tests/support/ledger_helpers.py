"""Helpers for ledger tests: valid credit codes, a small PDF, creating the parties of a debt."""

from __future__ import annotations

import random
from decimal import Decimal

import httpx

from qq_kernel.uscc import random_uscc

_rng = random.Random()
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def uscc() -> str:
    return random_uscc(_rng)


async def make_debt(
    client: httpx.AsyncClient,
    h: dict,
    world,
    *,
    principal: str = "100000.00",
    debtor_type: str = "government_agency",
    unit=None,
    **item,
) -> dict:
    return (
        await make_debt_and_parties(client, h, world, principal=principal, debtor_type=debtor_type, unit=unit, **item)
    )[0]


async def make_debt_and_parties(
    client: httpx.AsyncClient,
    h: dict,
    world,
    *,
    principal: str = "100000.00",
    debtor_type: str = "government_agency",
    unit=None,
    **item,
) -> tuple[dict, dict, dict]:
    """(item, debtor, creditor): a new debtor and creditor, and one debt between them."""
    unit = unit or world.unit_a
    r = await client.post(
        "/api/ledger/debtors",
        json={
            "name": f"{world.county.name}财政局{_rng.randint(1, 10**6)}",
            "uscc": uscc(),
            "type": debtor_type,
            "supervising_unit_id": unit.id,
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    debtor = r.json()
    r = await client.post(
        "/api/ledger/creditors",
        json={
            "name": f"海澄建材有限公司{_rng.randint(1, 10**6)}",
            "uscc": uscc(),
            "size": "small",
            "contact_person": "王小明",
            "contact_phone": "13812345678",
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    creditor = r.json()
    body = {
        "debtor_id": debtor["id"],
        "creditor_id": creditor["id"],
        "contract_name": "县城道路维修工程",
        "procurement_type": "works",
        "principal": principal,
        "due_date": "2025-06-30",
        "responsible_unit_id": unit.id,
        **item,
    }
    r = await client.post("/api/ledger/items", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json(), debtor, creditor


async def report_with_receipt(client, h, item_id: str, amount: str, method: str = "bank_transfer") -> dict:
    r = await client.post(
        f"/api/ledger/items/{item_id}/repayments",
        json={"paid_on": "2026-11-01", "amount": amount, "method": method},
        headers=h,
    )
    assert r.status_code == 201, r.text
    repayment = r.json()
    r = await client.post(
        f"/api/ledger/items/{item_id}/evidence",
        headers=h,
        files={"file": ("回单.pdf", PDF, "application/pdf")},
        data={"purpose": "receipt", "repayment_id": repayment["id"]},
    )
    assert r.status_code == 201, r.text
    return repayment


def money(value: str) -> Decimal:
    return Decimal(value)

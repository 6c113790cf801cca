"""Helpers for plan, weekly-update and red-flag tests, and one scenario per red flag.

Each scenario lives in its own world (county), so the scheduled evaluation can be run for that
county alone on the day the scenario needs (time-based flags), without touching the others."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

from ledger_api.flags.scheduled import evaluate_all
from qq_kernel.clock import china_today
from tests.support.ledger_helpers import PDF, make_debt, make_debt_and_parties, report_with_receipt, uscc
from tests.support.world import World, bearer, login, service_headers

TODAY = china_today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@dataclass
class Actors:
    world: World
    h: dict  # unit_operator of unit_a
    ho: dict  # office_admin
    hl: dict  # unit_leader of unit_a
    operator_id: str
    leader_id: str


async def actors(client: httpx.AsyncClient, worlds, world: World) -> Actors:
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    leader = await worlds.user(world, roles=["unit_leader"], unit=world.unit_a)
    tokens = [(await login(client, u.username, ip=world.client_ip))["access_token"] for u in (operator, office, leader)]
    return Actors(world, *(bearer(t) for t in tokens), operator_id=operator.id, leader_id=leader.id)


async def upload(client, h, item_id: str, purpose: str, repayment_id: str | None = None) -> dict:
    data = {"purpose": purpose}
    if repayment_id:
        data["repayment_id"] = repayment_id
    r = await client.post(
        f"/api/ledger/items/{item_id}/evidence",
        headers=h,
        files={"file": ("材料.pdf", PDF, "application/pdf")},
        data=data,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def report(client, h, item_id: str, amount: str, method: str = "bank_transfer") -> dict:
    r = await client.post(
        f"/api/ledger/items/{item_id}/repayments",
        json={"paid_on": TODAY.isoformat(), "amount": amount, "method": method},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def verify(client, ho, item_id: str, repayment_id: str) -> dict:
    r = await client.post(f"/api/ledger/items/{item_id}/repayments/{repayment_id}/verify", headers=ho)
    assert r.status_code == 200, r.text
    return r.json()


async def put_plan(
    client, h, item_id: str, installments: list[tuple[str, str]], *, if_match: str | None = None, **extra
) -> httpx.Response:
    headers = {**h, "If-Match": if_match} if if_match else h
    body = {"installments": [{"due_date": d, "amount": a} for d, a in installments], **extra}
    return await client.put(f"/api/ledger/items/{item_id}/plan", json=body, headers=headers)


async def extend(
    client, h, item_id: str, installment_id: str, new_date: str, reason: str = "财政资金未到位"
) -> httpx.Response:
    return await client.post(
        f"/api/ledger/items/{item_id}/plan/installments/{installment_id}/extend",
        json={"new_due_date": new_date, "reason": reason},
        headers=h,
    )


async def flags(client, h, item_id: str) -> list[dict]:
    r = await client.get(f"/api/ledger/items/{item_id}/flags", headers=h)
    assert r.status_code == 200, r.text
    return r.json()


async def active_kinds(client, h, item_id: str) -> set[str]:
    return {f["kind"] for f in await flags(client, h, item_id) if f["active"]}


async def evaluate_county(worlds, world: World, on: date) -> dict[str, int]:
    """The scheduled job, for one world's county, on a chosen day."""
    return await evaluate_all(worlds.sessions, on, region_path=world.county.path)


async def new_debtor(client, a: Actors, *, name: str, code: str | None = None, type: str = "government_agency") -> dict:
    r = await client.post(
        "/api/ledger/debtors",
        json={"name": name, "uscc": code or uscc(), "type": type, "supervising_unit_id": a.world.unit_a.id},
        headers=a.h,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def new_creditor(client, a: Actors, *, name: str, code: str | None = None, size: str = "small") -> dict:
    r = await client.post(
        "/api/ledger/creditors", json={"name": name, "uscc": code or uscc(), "size": size}, headers=a.h
    )
    assert r.status_code == 201, r.text
    return r.json()


async def new_item(client, a: Actors, *, debtor: dict, creditor: dict, principal: str, contract: str) -> dict:
    r = await client.post(
        "/api/ledger/items",
        json={
            "debtor_id": debtor["id"],
            "creditor_id": creditor["id"],
            "contract_name": contract,
            "procurement_type": "works",
            "principal": principal,
            "responsible_unit_id": a.world.unit_a.id,
        },
        headers=a.h,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def chain_pair(client, a: Actors, *, debtor_type: str = "platform_company") -> tuple[dict, dict]:
    """A platform company that owes a small firm (item ``owes``) and is itself owed money by a
    government agency (item ``owed``): one credit code, registered as Debtor and as Creditor."""
    tag = a.world.tag
    code = uscc()
    platform_as_debtor = await new_debtor(client, a, name=f"城投公司{tag}", code=code, type=debtor_type)
    platform_as_creditor = await new_creditor(client, a, name=f"城投公司{tag}", code=code, size="medium")
    agency = await new_debtor(client, a, name=f"住建局{tag}")
    small_firm = await new_creditor(client, a, name=f"钢材商行{tag}")
    owed = await new_item(
        client, a, debtor=agency, creditor=platform_as_creditor, principal="300000.00", contract="安置房代建款"
    )
    owes = await new_item(
        client, a, debtor=platform_as_debtor, creditor=small_firm, principal="80000.00", contract="安置房钢材采购"
    )
    return owed, owes


# ---------------------------------------------------------------- one scenario per flag


@dataclass
class Scenario:
    kind: str
    target: str  # the item that should carry the flag
    items: dict[str, str] = field(default_factory=dict)  # name -> item id
    active: dict[str, set[str]] = field(default_factory=dict)  # name -> active kinds at the end
    world_flags: set[tuple[str, str]] = field(default_factory=set)  # (item id, kind) active anywhere in its county


async def _dispute(client, worlds, a: Actors) -> tuple[dict[str, str], date | None]:
    item = await make_debt(client, a.h, a.world)
    r = await client.post(
        f"/api/ledger/items/{item['id']}/reclassify-disputed",
        json={"reason": "债权企业对工程量结算有异议", "route": "mediation"},
        headers=a.h,
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/ledger/items/{item['id']}/reclassify-disputed/{r.json()['id']}/approve", json={}, headers=a.hl
    )
    assert r.status_code == 200, r.text
    return {"item": item["id"]}, None


async def _installment(client, worlds, a: Actors) -> tuple[dict[str, str], date | None]:
    item = await make_debt(client, a.h, a.world, principal="100000.00")
    agreement = await upload(client, a.h, item["id"], "agreement")
    r = await put_plan(
        client, a.h, item["id"], [(day(1), "40000.00"), (day(40), "60000.00")], agreement_evidence_id=agreement["id"]
    )
    assert r.status_code == 201, r.text
    # The first installment is "paid" on paper only: reported with a receipt, never verified.
    await report_with_receipt(client, a.h, item["id"], "40000.00")
    return {"item": item["id"]}, TODAY + timedelta(days=8)


async def _extended(client, worlds, a: Actors) -> tuple[dict[str, str], date | None]:
    item = await make_debt(client, a.h, a.world, principal="100000.00")
    r = await put_plan(client, a.h, item["id"], [(day(10), "50000.00"), (day(40), "50000.00")])
    assert r.status_code == 201, r.text
    first = r.json()["installments"][0]["id"]
    assert (await extend(client, a.h, item["id"], first, day(20))).status_code == 200
    assert (await extend(client, a.h, item["id"], first, day(30))).status_code == 200
    return {"item": item["id"]}, None


async def _no_evidence(client, worlds, a: Actors) -> tuple[dict[str, str], date | None]:
    item = await make_debt(client, a.h, a.world)
    await report(client, a.h, item["id"], "1000.00")
    return {"item": item["id"]}, TODAY + timedelta(days=4)


async def _bill(client, worlds, a: Actors) -> tuple[dict[str, str], date | None]:
    item = await make_debt(client, a.h, a.world)
    repayment = await report_with_receipt(client, a.h, item["id"], "5000.00", method="commercial_bill")
    await verify(client, a.ho, item["id"], repayment["id"])
    return {"item": item["id"]}, None


async def _no_update(client, worlds, a: Actors) -> tuple[dict[str, str], date | None]:
    item = await make_debt(client, a.h, a.world)
    return {"item": item["id"]}, TODAY + timedelta(days=21)


async def _chain(client, worlds, a: Actors) -> tuple[dict[str, str], date | None]:
    owed, owes = await chain_pair(client, a)
    repayment = await report_with_receipt(client, a.h, owed["id"], "100000.00")
    await verify(client, a.ho, owed["id"], repayment["id"])
    return {"receiving": owed["id"], "item": owes["id"]}, None


async def _complained(client, worlds, a: Actors) -> tuple[dict[str, str], date | None]:
    # A plan whose installments are not due yet: only the complaint says it is not honoured.
    item, debtor, creditor = await make_debt_and_parties(client, a.h, a.world, principal="100000.00")
    r = await put_plan(client, a.h, item["id"], [(day(30), "50000.00"), (day(60), "50000.00")])
    assert r.status_code == 201, r.text
    r = await client.post(
        "/api/ledger/complaint-links",
        json={
            "complaint_id": f"c-{a.world.tag}-{item['id'][:8]}",
            "complaint_no": f"TS{a.world.tag}",
            "region_path": a.world.county.path,
            "respondent_name": debtor["name"],
            "respondent_uscc": debtor["uscc"],
            "complainant_name": creditor["name"],
            "complainant_uscc": creditor["uscc"],
            "contract_name": item["contract_name"],
            "amount": "100000.00",
        },
        headers=await service_headers(client, worlds),
    )
    assert r.status_code == 201, r.text
    assert [i["under_agreement"] for i in r.json()["items"]] == [True]
    return {"item": item["id"]}, None


SCENARIOS = {
    "dispute_reclassified": _dispute,
    "installment_unpaid": _installment,
    "plan_extended_repeatedly": _extended,
    "repayment_without_evidence": _no_evidence,
    "commercial_bill": _bill,
    "no_weekly_update": _no_update,
    "chain_funds_received": _chain,
    "complained_under_agreement": _complained,
}


async def build_scenarios(client, worlds) -> dict[str, Scenario]:
    out = {}
    for kind, build in SCENARIOS.items():
        world = await worlds.create()
        a = await actors(client, worlds, world)
        items, evaluate_on = await build(client, worlds, a)
        if evaluate_on is not None:
            await evaluate_county(worlds, world, evaluate_on)
        scenario = Scenario(kind=kind, target="item", items=items)
        for name, item_id in items.items():
            scenario.active[name] = await active_kinds(client, a.ho, item_id)
        r = await client.get("/api/ledger/flags", params={"active": True, "page_size": 200}, headers=a.ho)
        assert r.status_code == 200, r.text
        scenario.world_flags = {(f["item_id"], f["kind"]) for f in r.json()["items"]}
        out[kind] = scenario
    return out

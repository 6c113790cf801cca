"""The ledger list as clerks use it: every filter selects exactly the items it should, the row
carries what the table shows (unit and person names, flags in effect, last update week, key case),
and the name search finds two-character Chinese fragments through the bigram index."""

from __future__ import annotations

import asyncpg
import pytest

from ledger_api.weekly.rules import week_start
from tests.platform.test_database_roles import _dsn
from tests.support.flag_scenarios import TODAY, actors, new_creditor, new_debtor, new_item, verify
from tests.support.ledger_helpers import make_debt, report_with_receipt
from tests.support.world import bearer, login


async def ids(client, h, **params) -> set[str]:
    r = await client.get("/api/ledger/items", params={"page_size": 200, **params}, headers=h)
    assert r.status_code == 200, r.text
    return {i["id"] for i in r.json()["items"]}


async def rows(client, h, **params) -> dict[str, dict]:
    r = await client.get("/api/ledger/items", params={"page_size": 200, **params}, headers=h)
    assert r.status_code == 200, r.text
    return {i["id"]: i for i in r.json()["items"]}


async def test_filters_and_row_fields(client, worlds, world):
    a = await actors(client, worlds, world)
    person = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    supervisor = await worlds.user(world, roles=["office_admin"], unit=world.office)
    hp = bearer((await login(client, person.username, ip=world.client_ip))["access_token"])
    plain = await make_debt(client, a.h, world)
    assigned = await make_debt(client, a.h, world, responsible_person_id=person.id, debtor_type="soe")
    billed = await make_debt(client, a.h, world)
    repayment = await report_with_receipt(client, a.h, billed["id"], "100.00", method="commercial_bill")
    await verify(client, a.ho, billed["id"], repayment["id"])
    r = await client.post(
        f"/api/ledger/items/{plain['id']}/key-case",
        json={"supervisor_id": supervisor.id, "deadline": "2030-01-31", "reason": "化解进度缓慢"},
        headers=a.ho,
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/ledger/items/{assigned['id']}/weekly-updates",
        json={"progress": "已约谈", "paid_this_week": "0.00", "next_step": "督促支付"},
        headers=hp,
    )
    assert r.status_code == 201, r.text
    everything = {plain["id"], assigned["id"], billed["id"]}

    assert await ids(client, a.ho) == everything
    assert await ids(client, a.ho, key_case="true") == {plain["id"]}
    assert await ids(client, a.ho, key_case="false") == everything - {plain["id"]}
    assert await ids(client, hp, mine="true") == {assigned["id"]}
    assert await ids(client, a.h, mine="true") == set(), "nothing is the operator's own"
    assert await ids(client, a.ho, responsible_person_id=person.id) == {assigned["id"]}
    assert await ids(client, a.ho, debtor_type="soe") == {assigned["id"]}
    assert await ids(client, a.ho, debtor_type="government_agency") == {plain["id"], billed["id"]}
    assert await ids(client, a.ho, flag="commercial_bill") == {billed["id"]}
    assert await ids(client, a.ho, flagged="true") == {billed["id"]}
    assert await ids(client, a.ho, flagged="false") == everything - {billed["id"]}
    totals = (await client.get("/api/ledger/items/totals", params={"debtor_type": "soe"}, headers=a.ho)).json()
    assert totals["items"] == 1 and totals["principal"] == assigned["principal"]

    listed = await rows(client, a.ho)
    assert listed[assigned["id"]]["responsible_person_name"] == person.display_name
    assert listed[assigned["id"]]["responsible_unit_name"] == world.unit_a.name
    assert listed[assigned["id"]]["debtor_type"] == "soe" and listed[assigned["id"]]["debtor_name"]
    assert listed[assigned["id"]]["last_update_week"] == week_start(TODAY).isoformat()
    assert listed[plain["id"]]["last_update_week"] is None and listed[plain["id"]]["responsible_person_name"] is None
    assert listed[plain["id"]]["key_case"] is True and listed[billed["id"]]["key_case"] is False
    assert listed[billed["id"]]["active_flags"] == ["commercial_bill"] and listed[plain["id"]]["active_flags"] == []
    detail = (await client.get(f"/api/ledger/items/{assigned['id']}", headers=a.ho)).json()
    assert (
        detail["responsible_person_name"] == person.display_name
        and detail["last_update_week"] == week_start(TODAY).isoformat()
    )


async def test_search_by_two_character_fragments(client, worlds, world):
    a = await actors(client, worlds, world)
    tag = world.tag[-6:]
    bureau = await new_debtor(client, a, name=f"徐闻{tag}县财政局")
    builder = await new_creditor(client, a, name=f"湛江{tag}鑫达建材有限公司")
    other_debtor = await new_debtor(client, a, name=f"海康{tag}县教育局")
    other_creditor = await new_creditor(client, a, name=f"遂溪{tag}物业服务有限公司")
    by_debtor = await new_item(
        client, a, debtor=bureau, creditor=other_creditor, principal="10.00", contract="办公楼维修"
    )
    by_creditor = await new_item(
        client, a, debtor=other_debtor, creditor=builder, principal="10.00", contract="校舍维修"
    )
    by_contract = await new_item(
        client, a, debtor=other_debtor, creditor=other_creditor, principal="10.00", contract="智慧财政一体化平台建设"
    )
    neither = await new_item(
        client, a, debtor=other_debtor, creditor=other_creditor, principal="10.00", contract="道路"
    )

    assert await ids(client, a.ho, q="财政") == {by_debtor["id"], by_contract["id"]}
    assert await ids(client, a.ho, q="鑫达") == {by_creditor["id"]}
    assert await ids(client, a.ho, q=f"徐闻{tag}") == {by_debtor["id"]}, "longer fragments too"
    assert await ids(client, a.ho, q="一体化平台") == {by_contract["id"]}
    assert await ids(client, a.ho, q="财") == {by_debtor["id"], by_contract["id"]}, "one character: no index, same rule"
    assert await ids(client, a.ho, q=neither["ledger_no"][-6:]) == {neither["id"]}
    # LIKE's wildcards are searched for as themselves.
    assert await ids(client, a.ho, q="%") == set() and await ids(client, a.ho, q="_") == set()
    # A search with few matches pages among its matches (router: count first, then that page).
    pages = [
        (await client.get("/api/ledger/items", params={"q": "财政", "page_size": 1, "page": n}, headers=a.ho)).json()
        for n in (1, 2, 3)
    ]
    assert [(p["total"], p["total_exact"]) for p in pages] == [(2, True)] * 3, "the count counts each match once"
    newest_first = [by_contract["id"], by_debtor["id"]]
    assert [i["id"] for p in pages for i in p["items"]] == newest_first
    by_number = (await client.get("/api/ledger/items", params={"q": "财政", "sort": "ledger_no"}, headers=a.ho)).json()
    assert [i["id"] for i in by_number["items"]] == [by_debtor["id"], by_contract["id"]], "entered in that order"
    found = (await client.get("/api/ledger/debtors", params={"q": "财政"}, headers=a.h)).json()["items"]
    assert bureau["id"] in {d["id"] for d in found} and other_debtor["id"] not in {d["id"] for d in found}


async def test_item_debtor_type_is_the_debtors_own(platform_db, worlds, world, client):
    """The list filters on a copy of the debtor's type; the database refuses a copy that differs."""
    a = await actors(client, worlds, world)
    item = await make_debt(client, a.h, world, debtor_type="platform_company")
    assert item["debtor_type"] == "platform_company"
    conn = await asyncpg.connect(_dsn(platform_db.databases["ledger"].owner_url))
    try:
        with pytest.raises(asyncpg.ForeignKeyViolationError, match="fk_arrears_item_debtor_type"):
            await conn.execute("UPDATE ledger.arrears_item SET debtor_type = 'soe' WHERE id = $1", item["id"])
    finally:
        await conn.close()


async def test_a_reused_statement_runs_with_each_callers_own_values(client, worlds, world):
    """The list's SQL is built once per shape and reused: two operators of two units, same filters,
    each sees only their own unit's items, however often they alternate."""
    a = await actors(client, worlds, world)
    other = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    hb = bearer((await login(client, other.username, ip=world.client_ip))["access_token"])
    mine = await make_debt(client, a.h, world)
    theirs = await make_debt(client, hb, world, unit=world.unit_b)
    # Both debtors are "…财政局…"; only theirs carries their ledger number.
    cases = (({}, True), ({"status": "open"}, True), ({"q": "财政"}, True), ({"q": theirs["ledger_no"][-6:]}, False))
    for _ in range(3):
        for params, mine_matches in cases:
            assert await ids(client, hb, **params) == {theirs["id"]}, params
            assert await ids(client, a.h, **params) == ({mine["id"]} if mine_matches else set()), params


def test_a_statement_without_its_values_does_not_run():
    """Parameters are required: a cached statement never falls back to the values it was built with."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.exc import ArgumentError, InvalidRequestError

    from ledger_api.ledger import listing
    from qq_kernel.auth.principal import Principal

    operator = Principal(
        kind="user",
        subject="u1",
        username="u1",
        unit_id="unit-1",
        region_path="/99/",
        roles=frozenset({"unit_operator"}),
    )
    stmt = listing.page_statement(operator, listing.ItemFilters(unit_id="unit-1"), "-created_at")
    compiled = stmt.compile(dialect=postgresql.asyncpg.dialect())
    with pytest.raises((ArgumentError, InvalidRequestError), match=r"scope_unit|f_unit|page_limit"):
        compiled.construct_params({}, _check=True)

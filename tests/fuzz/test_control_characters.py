"""Issue 14, cause 2: NUL bytes reached PostgreSQL ("invalid byte sequence for encoding UTF8:
0x00", a 500). NUL and the other C0 control characters (tab and line breaks excepted) are refused
once, in the kernel (qq_kernel.text.TextInputMiddleware, installed by create_service_app), in every
string of a JSON body and every query or path parameter of every service: 422 naming the field,
nothing written."""

from __future__ import annotations

import json

import pytest

from tests.fuzz.conftest import assert_problem
from tests.support.ledger_helpers import make_debt, uscc


def creditor(**over) -> dict:
    return {"name": "海澄建材有限公司", "uscc": uscc(), "size": "small", **over}


@pytest.mark.parametrize("field", ["name", "contact_person"])
async def test_nul_in_creditor_fields(client, actors, field):
    body = creditor(**{field: "海澄\u0000建材"})
    r = await client.post("/api/ledger/creditors", json=body, headers=actors.h)
    assert_problem(r, 422, field, "control_character")
    found = await client.get("/api/ledger/creditors", params={"q": body["uscc"]}, headers=actors.h)
    assert found.json()["total"] == 0, "nothing written"


@pytest.mark.parametrize("field", ["contract_name", "resolution_measures", "debtor_id"])
async def test_nul_in_item_fields(client, actors, field):
    item = await make_debt(client, actors.h, actors.world)
    body = {
        "debtor_id": item["debtor_id"],
        "creditor_id": item["creditor_id"],
        "contract_name": "县城道路维修工程",
        "procurement_type": "works",
        "principal": "1000.00",
        "responsible_unit_id": actors.world.unit_a.id,
        "resolution_measures": "协商",
    }
    body[field] = body[field][:4] + "\u0000" + body[field][4:]
    r = await client.post("/api/ledger/items", json=body, headers=actors.h)
    assert_problem(r, 422, field, "control_character")


async def test_nul_in_adjustment_reason_and_weekly_progress(client, actors):
    item = await make_debt(client, actors.h, actors.world)
    r = await client.post(
        f"/api/ledger/items/{item['id']}/adjustments",
        json={"amount": "-10.00", "reason": "核减\u0000差额"},
        headers=actors.ho,
    )
    assert_problem(r, 422, "reason", "control_character")
    r = await client.post(
        f"/api/ledger/items/{item['id']}/weekly-updates",
        json={"progress": "已约谈\u0000", "paid_this_week": "0.00", "next_step": "继续督促"},
        headers=actors.h,
    )
    assert_problem(r, 422, "progress", "control_character")


async def test_nul_in_key_case_ids(client, actors):
    item = await make_debt(client, actors.h, actors.world)
    r = await client.post(
        f"/api/ledger/items/{item['id']}/key-case",
        json={"supervisor_id": "\u0000", "deadline": "2027-01-31", "reason": "化解进度缓慢"},
        headers=actors.ho,
    )
    assert_problem(r, 422, "supervisor_id", "control_character")
    url = f"/api/ledger/items/{item['id']}/key-cases/%00/close"
    r = await client.post(url, json={"note": "已化解"}, headers=actors.ho)
    assert_problem(r, 422, "path", "control_character")


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/ledger/items", "q=a%00b", "query.q"),
        ("/api/ledger/items", "region=/99/%00", "query.region"),
        ("/api/ledger/items", "unit_id=%00", "query.unit_id"),
        ("/api/ledger/users", "q=%00", "query.q"),
        ("/api/ledger/org/units", "q=%00", "query.q"),
        ("/api/ledger/people", "q=%00", "query.q"),
        ("/api/ledger/flags", "unit_id=%00", "query.unit_id"),
        ("/api/ledger/creditors", "q=%00", "query.q"),
        ("/api/ledger/items/totals", "region=%00", "query.region"),
        ("/api/complaints/healthz", "x=%1b", "query.x"),
        ("/api/notify/healthz", "x=%00", "query.x"),
    ],
)
async def test_control_characters_in_query_parameters(client, actors, path, query, field):
    r = await client.get(f"{path}?{query}", headers=actors.ho)
    assert_problem(r, 422, field, "control_character")


@pytest.mark.parametrize("char", ["\u0001", "\u001b", "\u001a", "\u0014", "\ud800", "\uffff"])
async def test_other_control_characters_and_lone_surrogates(client, actors, char):
    # json.dumps escapes them (\\u001b, \\ud800): what a client's JSON encoder sends.
    body = json.dumps(creditor(name=f"海澄{char}建材")).encode()
    r = await client.post(
        "/api/ledger/creditors", content=body, headers={**actors.h, "Content-Type": "application/json"}
    )
    assert_problem(r, 422, "name", "control_character")


async def test_tab_and_line_breaks_pass_in_free_text(client, actors):
    item = await make_debt(client, actors.h, actors.world)
    r = await client.post(
        f"/api/ledger/items/{item['id']}/weekly-updates",
        json={"progress": "一、已约谈\r\n二、\t已拨付", "paid_this_week": "0.00", "next_step": "继续督促"},
        headers=actors.h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["progress"] == "一、已约谈\r\n二、\t已拨付"


async def test_escaped_backslash_u0000_is_text_not_nul(client, actors):
    # JSON "\\u0000" is a backslash followed by "u0000": six harmless characters.
    r = await client.post(
        "/api/ledger/creditors",
        content=('{"name": "海澄\\\\u0000建材", "uscc": "' + uscc() + '", "size": "small"}').encode(),
        headers={**actors.h, "Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "海澄\\u0000建材"


@pytest.mark.parametrize("char", ["\n", "\t", "\r"])
async def test_one_line_fields_refuse_line_breaks_and_tabs(client, actors, char):
    r = await client.post("/api/ledger/creditors", json=creditor(name=f"海澄{char}建材"), headers=actors.h)
    assert_problem(r, 422, "name", "single_line")

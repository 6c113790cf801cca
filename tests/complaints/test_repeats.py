"""Repeat complaints (same respondent and complainant, or the same contract of the respondent)
linked both ways and counted; respondents complained about again and again, by period."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from tests.complaints.helpers import TestClock as Clock
from tests.complaints.helpers import complaint_app, county, uscc
from tests.complaints.lifecycle import act, receive

D = date
A, B = uscc("91"), uscc("91")
R, S = uscc("11"), uscc("11")


def parties(complainant: str, respondent: str, contract: str, number: str | None) -> dict:
    return {
        "complainant": {"name": f"投诉企业{complainant[-4:]}", "uscc": complainant},
        "respondent": {"name": f"被投诉单位{respondent[-4:]}", "uscc": respondent, "kind": "government_agency"},
        "contract": {"name": contract, "number": number},
    }


@pytest.fixture(scope="module")
async def repeats_county(gateway, worlds):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway.test") as c:
        cty = await county(c, worlds, await worlds.create())
        clock = Clock(complaint_app(gateway))
        try:
            ids = {
                "r1": await receive(c, cty, clock, D(2026, 5, 6), **parties(A, R, "县道养护服务合同", "N-1")),
                "r2": await receive(c, cty, clock, D(2026, 5, 7), **parties(A, R, "桥梁检测合同", "N-2")),
                "r3": await receive(c, cty, clock, D(2026, 5, 8), **parties(B, R, "县道 养护服务合同", None)),
                "r4": await receive(c, cty, clock, D(2026, 5, 8), **parties(B, S, "县道养护服务合同", None)),
                "r5": await receive(c, cty, clock, D(2026, 6, 1), **parties(B, R, "桥梁检测合同", "N-2")),
            }
            await act(
                c,
                cty,
                clock,
                ids["r5"],
                "reject",
                D(2026, 6, 1),
                {"reason": "repeat_without_new_facts", "explanation": "与此前投诉事实相同，无新的事实和理由。"},
            )
            yield cty, ids
        finally:
            clock.restore()


async def _repeats(client, cty, cid):
    r = await client.get(f"/api/complaints/complaints/{cid}/repeats", headers=cty.office)
    assert r.status_code == 200, r.text
    return r.json()


async def test_repeats_are_linked_both_ways_with_their_basis(client, repeats_county):
    cty, ids = repeats_county
    name = {v: k for k, v in ids.items()}
    r1 = await _repeats(client, cty, ids["r1"])
    assert (r1["count"], r1["earlier"]) == (2, 0)
    assert [(name[c["complaint_id"]], c["basis"]) for c in r1["complaints"]] == [
        ("r2", ["same_parties"]),
        ("r3", ["same_contract"]),  # the same contract name (spaces aside); r3 has no number
    ]
    r3 = await _repeats(client, cty, ids["r3"])
    assert [(name[c["complaint_id"]], c["basis"]) for c in r3["complaints"]] == [
        ("r1", ["same_contract"]),
        ("r5", ["same_parties"]),
    ]
    assert r3["earlier"] == 1
    r5 = await _repeats(client, cty, ids["r5"])
    assert [(name[c["complaint_id"]], c["basis"]) for c in r5["complaints"]] == [
        ("r2", ["same_contract"]),
        ("r3", ["same_parties"]),
    ]
    r4 = await _repeats(client, cty, ids["r4"])
    assert (r4["count"], r4["complaints"]) == (0, []), "another respondent's contract of the same name is no repeat"


async def test_respondents_complained_about_again_and_again_by_period(client, repeats_county):
    cty, _ = repeats_county
    url = "/api/complaints/statistics/repeat-respondents"
    r = await client.get(url, params={"from": "2026-05-01", "to": "2026-06-30"}, headers=cty.office)
    assert r.status_code == 200, r.text
    assert [
        (
            x["respondent_uscc"],
            x["complaints"],
            x["complainants"],
            x["open_complaints"],
            x["first_received_on"],
            x["last_received_on"],
        )
        for x in r.json()
    ] == [(R, 4, 2, 3, "2026-05-06", "2026-06-01")]
    assert r.json()[0]["respondent_name"] == f"被投诉单位{R[-4:]}"
    # May alone: still R (3 complaints); at least 4: nobody.
    r = await client.get(url, params={"from": "2026-05-01", "to": "2026-05-31"}, headers=cty.office)
    assert [(x["respondent_uscc"], x["complaints"]) for x in r.json()] == [(R, 3)]
    r = await client.get(
        url, params={"from": "2026-05-01", "to": "2026-05-31", "min_complaints": 4}, headers=cty.office
    )
    assert r.json() == []
    # A unit with none of them assigned sees none.
    r = await client.get(url, params={"from": "2026-05-01", "to": "2026-06-30"}, headers=cty.unit)
    assert r.status_code == 200 and r.json() == []

"""Issue 10 acceptance 2, driven from the one table (complaint_api.complaints.states):

- every row: the action by its party, on a complaint in the row's state, succeeds and leads to
  the row's next state (both outcomes of the revisit), with a timeline entry and an audit row;
- every (state, action) not in the table, by the action's party: 409 naming the allowed actions;
- every action by every other kind of caller: 403 (no permission, or not the party) or 404
  (cannot see the complaint), whatever the state.

Each case has exactly one expected status, derived from the table and the roles, never listed
by hand."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg
import pytest

from complaint_api.complaints.states import (
    ACTION_PARTY,
    PARTY_PERMISSION,
    TRANSITIONS,
    Action,
    Party,
    State,
    allowed_actions,
    transition,
)
from qq_kernel.auth.principal import permissions_of
from tests.complaints.helpers import County, staff_body

BASE = "/api/complaints/complaints"
REACHABLE_FROM_RECEIVED = {State.received}


def body_for(action: Action, cty: County, *, dissatisfied: bool = False) -> dict:
    reply_by = (date.today() + timedelta(days=20)).isoformat()
    return {
        Action.accept: {"note": "材料齐全，正式受理"},
        Action.reject: {"reason": "in_other_proceedings", "explanation": "该纠纷已由县人民法院立案受理。"},
        Action.assign: {"unit_id": cty.world.unit_a.id},
        Action.return_: {"reason": "不属于本单位职责"},
        Action.start: {},
        Action.urge: {"note": "请加快办理"},
        Action.supervise: {"requirements": "限期办结\n书面反馈", "reply_deadline": reply_by},
        Action.request_extension: {"days": 15, "reason": "需会同财政部门核实结算金额"},
        Action.approve_extension: {"note": "同意"},
        Action.reject_extension: {"note": "理由不足"},
        Action.reply: {"result": "已协调交通局于本月底前支付全部款项。", "attachment_ids": []},
        Action.revisit: {"satisfaction": "dissatisfied" if dissatisfied else "satisfied", "note": "电话回访"},
        Action.reopen: {"reason": "投诉人反映款项仍未支付"},
        Action.review: {"note": "提交复核"},
        Action.close: {"note": "办结"},
    }[action]


def path_of(action: Action) -> str:
    return {
        Action.request_extension: "extensions",
        Action.approve_extension: "extensions/{extension_id}/approve",
        Action.reject_extension: "extensions/{extension_id}/reject",
    }.get(action, action.value)


def routes_to_every_state() -> dict[State, list[tuple[Action, bool]]]:
    """The shortest way from `received` to each state, read from the table: (action, dissatisfied)."""
    found: dict[State, list[tuple[Action, bool]]] = {State.received: []}
    todo = deque([State.received])
    while todo:
        state = todo.popleft()
        for t in TRANSITIONS:
            if t.state != state:
                continue
            outcomes = [(t.next, False)] + ([(t.next_if_dissatisfied, True)] if t.next_if_dissatisfied else [])
            for nxt, dissatisfied in outcomes:
                if nxt not in found:
                    found[nxt] = [*found[state], (t.action, dissatisfied)]
                    todo.append(nxt)
    return found


ROUTES = routes_to_every_state()


def test_every_state_is_reachable_and_every_open_state_has_a_way_out():
    assert set(ROUTES) == set(State)
    for state in State:
        assert (not allowed_actions(state)) == (state in (State.closed, State.not_accepted)), state


@dataclass
class Actor:
    name: str
    role: str
    headers: dict
    in_handling_unit: bool  # sits in unit_a, where the matrix assigns complaints
    region_scoped: bool


def actors(cty: County) -> list[Actor]:
    return [
        Actor("office", "office_admin", cty.office, False, True),
        Actor("unit", "unit_operator", cty.unit, True, False),
        Actor("leader", "unit_leader", cty.leader, True, False),
        Actor("other_unit", "unit_operator", cty.other_unit, False, False),
        Actor("auditor", "auditor", cty.auditor, False, True),
        Actor("platform", "integration", cty.platform, False, False),
    ]


PARTY_ACTOR = {Party.office: "office", Party.unit: "unit", Party.unit_leader: "leader"}


def is_party(actor: Actor, party: Party, handling_unit_is_a: bool) -> bool:
    """The parties of states.py in terms of roles: the office is region-wide; the handling unit's
    staff (operators and leaders alike hold complaints:write) and its leaders sit in the unit."""
    if PARTY_PERMISSION[party] not in permissions_of({actor.role}):
        return False
    if party is Party.office:
        return actor.region_scoped
    return actor.in_handling_unit and handling_unit_is_a


def expected_refusal(actor: Actor, action: Action, handling_unit_is_a: bool) -> int | None:
    """The status a caller who is not the action's party gets; None when it is the party."""
    party = ACTION_PARTY[action]
    if PARTY_PERMISSION[party] not in permissions_of({actor.role}):
        return 403  # the route's guard
    visible = actor.region_scoped or (actor.in_handling_unit and handling_unit_is_a)
    if not visible:
        return 404
    if not is_party(actor, party, handling_unit_is_a):
        return 403  # sees it, holds the permission, is not the party (e.g. the office replying)
    return None


class Driver:
    def __init__(self, client, cty: County) -> None:
        self.client = client
        self.cty = cty
        self.by_name = {a.name: a for a in actors(cty)}

    async def act(self, complaint_id: str, action: Action, *, as_: str, dissatisfied: bool = False, ext: str = "x"):
        url = f"{BASE}/{complaint_id}/" + path_of(action).format(extension_id=ext)
        return await self.client.post(
            url, json=body_for(action, self.cty, dissatisfied=dissatisfied), headers=self.by_name[as_].headers
        )

    async def new_in(self, state: State) -> dict:
        r = await self.client.post(BASE, json=staff_body(), headers=self.cty.office)
        assert r.status_code == 201, r.text
        complaint = r.json()
        for action, dissatisfied in ROUTES[state]:
            r = await self.act(
                complaint["id"], action, as_=PARTY_ACTOR[ACTION_PARTY[action]], dissatisfied=dissatisfied
            )
            assert r.status_code == 200, (action, r.text)
            complaint = r.json()
        assert complaint["status"] == state.value
        return complaint

    async def pending_extension(self, complaint_id: str) -> str:
        r = await self.act(complaint_id, Action.request_extension, as_="unit")
        assert r.status_code == 201, r.text
        return r.json()["id"]


async def _events(platform_db, complaint_id: str) -> tuple[list[str], list[str]]:
    conn = await asyncpg.connect(platform_db.databases["complaint"].owner_url)
    try:
        timeline = [
            r["kind"]
            for r in await conn.fetch(
                "SELECT kind FROM complaint.complaint_event WHERE complaint_id = $1 ORDER BY id", complaint_id
            )
        ]
        trail = [
            r["action"]
            for r in await conn.fetch(
                "SELECT action FROM complaint.audit_log WHERE object_id = $1 ORDER BY id", complaint_id
            )
        ]
    finally:
        await conn.close()
    return timeline, trail


SUCCESS_CASES = [(t, False) for t in TRANSITIONS] + [(t, True) for t in TRANSITIONS if t.next_if_dissatisfied]


@pytest.mark.parametrize(
    ("row", "dissatisfied"),
    SUCCESS_CASES,
    ids=[f"{t.state}-{t.action}{'-dissatisfied' if d else ''}" for t, d in SUCCESS_CASES],
)
async def test_allowed_transition_by_its_party_succeeds(client, cty, platform_db, row, dissatisfied):
    driver = Driver(client, cty)
    complaint = await driver.new_in(row.state)
    ext = "x"
    if row.action in (Action.approve_extension, Action.reject_extension):
        ext = await driver.pending_extension(complaint["id"])
    r = await driver.act(complaint["id"], row.action, as_=PARTY_ACTOR[row.party], dissatisfied=dissatisfied, ext=ext)
    expected_status = 201 if row.action is Action.request_extension else 200
    assert r.status_code == expected_status, r.text
    after = (await client.get(f"{BASE}/{complaint['id']}", headers=cty.office)).json()
    want = row.next_if_dissatisfied if dissatisfied else row.next
    assert after["status"] == want.value
    assert after["version"] > complaint["version"]
    timeline, trail = await _events(platform_db, complaint["id"])
    assert timeline[-1] == row.action.value
    assert trail[-1] == f"complaint.{row.action.value}"
    assert len(timeline) == 1 + len(ROUTES[row.state]) + (ext != "x") + 1  # intake, the way there, the action


REFUSED_CASES = [(s, a) for s in State for a in Action if transition(s, a) is None]


@pytest.mark.parametrize(("state", "action"), REFUSED_CASES, ids=[f"{s}-{a}" for s, a in REFUSED_CASES])
async def test_transition_not_in_the_table_is_409_naming_the_allowed_ones(client, cty, platform_db, state, action):
    driver = Driver(client, cty)
    complaint = await driver.new_in(state)
    handled_by_a = complaint["handling_unit_id"] == cty.world.unit_a.id
    party = PARTY_ACTOR[ACTION_PARTY[action]]
    r = await driver.act(complaint["id"], action, as_=party)
    if party != "office" and not handled_by_a:
        # The unit's people cannot see a complaint not (or no longer) assigned to them.
        assert r.status_code == 404, r.text
    else:
        assert r.status_code == 409, r.text
        problem = r.json()
        assert problem["code"] == "transition_not_allowed"
        assert problem["allowed_actions"] == [a.value for a in allowed_actions(state)]
    after = (await client.get(f"{BASE}/{complaint['id']}", headers=cty.office)).json()
    assert (after["status"], after["version"]) == (state.value, complaint["version"])
    timeline, _ = await _events(platform_db, complaint["id"])
    assert len(timeline) == len(ROUTES[state]) + 1


@pytest.mark.parametrize("state", list(State), ids=str)
async def test_every_other_caller_is_refused_in_every_state(client, cty, state):
    """Everyone but the party, for every action: 403 or 404 (derived), and nothing changes."""
    driver = Driver(client, cty)
    complaint = await driver.new_in(state)
    handled_by_a = complaint["handling_unit_id"] == cty.world.unit_a.id
    failures = []
    checked = 0
    for action in Action:
        for actor in actors(cty):
            want = expected_refusal(actor, action, handled_by_a)
            if want is None:
                continue
            checked += 1
            r = await driver.act(complaint["id"], action, as_=actor.name)
            if r.status_code != want:
                failures.append(f"{actor.name} {action}: want {want}, got {r.status_code} {r.text[:120]}")
    assert checked >= len(Action) * 3
    assert not failures, "\n".join(failures)
    after = (await client.get(f"{BASE}/{complaint['id']}", headers=cty.office)).json()
    assert (after["status"], after["version"]) == (state.value, complaint["version"])


async def test_extension_four_eyes_and_ninety_day_cap(client, cty):
    driver = Driver(client, cty)
    complaint = await driver.new_in(State.handling)
    cid = complaint["id"]
    # 30 + 61 > 90: refused with the field named, nothing written.
    r = await client.post(f"{BASE}/{cid}/extensions", json={"days": 61, "reason": "情况复杂需延期"}, headers=cty.unit)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["days"]
    # An operator cannot approve at all; a leader cannot approve what they asked for themselves.
    r = await client.post(f"{BASE}/{cid}/extensions", json={"days": 15, "reason": "情况复杂需延期"}, headers=cty.leader)
    assert r.status_code == 201, r.text
    ext = r.json()["id"]
    r = await client.post(f"{BASE}/{cid}/extensions", json={"days": 5, "reason": "再次申请延期"}, headers=cty.unit)
    assert (r.status_code, r.json()["code"]) == (409, "extension_pending")
    r = await client.post(f"{BASE}/{cid}/extensions/{ext}/approve", json={}, headers=cty.unit)
    assert r.status_code == 403, r.text
    r = await client.post(f"{BASE}/{cid}/extensions/{ext}/approve", json={}, headers=cty.leader)
    assert (r.status_code, r.json()["code"]) == (403, "four_eyes")
    r = await client.post(f"{BASE}/{cid}/extensions/{ext}/approve", json={"note": "同意延期"}, headers=cty.deputy)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    after = (await client.get(f"{BASE}/{cid}", headers=cty.office)).json()
    assert after["extension_days"] == 15
    result = next(d for d in after["deadlines"] if d["kind"] == "result")
    assert date.fromisoformat(result["due"]) >= date.fromisoformat(result["start"]) + timedelta(days=45)
    assert "延期 15 日" in result["basis"]
    r = await client.post(f"{BASE}/{cid}/extensions/{ext}/approve", json={}, headers=cty.deputy)
    assert (r.status_code, r.json()["code"]) == (409, "extension_decided")
    # 30 + 15 + 46 > 90.
    r = await client.post(f"{BASE}/{cid}/extensions", json={"days": 46, "reason": "情况复杂需延期"}, headers=cty.unit)
    assert r.status_code == 422, r.text


async def test_supervision_notice_is_a_word_document(client, cty):
    from io import BytesIO

    from docx import Document

    driver = Driver(client, cty)
    complaint = await driver.new_in(State.handling)
    r = await driver.act(complaint["id"], Action.supervise, as_="office")
    assert r.status_code == 200, r.text
    notice = r.json()
    doc = await client.get(f"{BASE}/{complaint['id']}/notices/{notice['id']}/document", headers=cty.unit)
    assert doc.status_code == 200, doc.text
    text = "\n".join(p.text for p in Document(BytesIO(doc.content)).paragraphs)
    assert notice["notice_no"] in text
    assert cty.world.unit_a.name in text
    assert complaint["complaint_no"] in text


def test_the_documented_table_is_the_code_table():
    from pathlib import Path

    from complaint_api.complaints.states import markdown_table

    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    documented = text.split("<!-- complaint-states:begin -->\n", 1)[1].split("\n<!-- complaint-states:end -->", 1)[0]
    assert documented == markdown_table()

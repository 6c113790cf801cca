"""Review A: complaint files are capped per complaint and purpose, refused once the complaint is
finished or was not accepted, uploaded only by the party the purpose belongs to, and the same
bytes sent twice at once end as one record."""

from __future__ import annotations

import asyncio

import pytest

from tests.complaints.conftest import cty  # noqa: F401  (fixture)
from tests.complaints.helpers import complaint_app, intake_body, platform_id, staff_body

BASE = "/api/complaints/complaints"
INTAKE = "/api/complaints/intake"


def _pdf(n: int) -> dict:
    return {"file": (f"证据{n}.pdf", b"%PDF-1.4\n%" + str(n).encode() + b"\n%%EOF\n", "application/pdf")}


async def _registered(client, cty) -> str:  # noqa: F811
    r = await client.post(BASE, json=staff_body(), headers=cty.office)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _assigned(client, cty) -> str:  # noqa: F811
    cid = await _registered(client, cty)
    assert (await client.post(f"{BASE}/{cid}/accept", json={}, headers=cty.office)).status_code == 200
    r = await client.post(f"{BASE}/{cid}/assign", json={"unit_id": cty.world.unit_a.id}, headers=cty.office)
    assert r.status_code == 200, r.text
    return cid


@pytest.fixture
def cap_of_two(gateway):
    app = complaint_app(gateway)
    saved = app.state.settings
    app.state.settings = saved.model_copy(update={"max_files_per_purpose": 2})
    yield
    app.state.settings = saved


async def test_files_per_complaint_and_purpose_are_capped(client, cty, cap_of_two):  # noqa: F811
    cid = await _registered(client, cty)
    for n in range(2):
        r = await client.post(f"{BASE}/{cid}/files", files=_pdf(n), headers=cty.office)
        assert r.status_code == 201, r.text
    third = await client.post(f"{BASE}/{cid}/files", files=_pdf(2), headers=cty.office)
    assert third.status_code == 409, third.text
    assert third.json()["code"] == "too_many_files"
    assert [e["field"] for e in third.json()["errors"]] == ["file"]
    listed = (await client.get(f"{BASE}/{cid}/files", headers=cty.office)).json()
    assert len(listed) == 2


async def test_not_accepted_complaint_takes_no_files(client, cty):  # noqa: F811
    cid = await _registered(client, cty)
    r = await client.post(
        f"{BASE}/{cid}/reject",
        json={"reason": "in_other_proceedings", "explanation": "该纠纷已由县人民法院立案受理。"},
        headers=cty.office,
    )
    assert r.status_code == 200, r.text
    refused = await client.post(f"{BASE}/{cid}/files", files=_pdf(1), headers=cty.office)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert body["code"] == "complaint_files_closed"
    assert body["state"] == "not_accepted"
    assert "不予受理" in body["detail"]
    assert (await client.get(f"{BASE}/{cid}/files", headers=cty.office)).json() == []


async def test_intake_files_refused_once_not_accepted(client, cty):  # noqa: F811
    pid = platform_id()
    r = await client.post(INTAKE, json=intake_body(pid), headers=cty.platform)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = await client.post(
        f"{BASE}/{cid}/reject",
        json={"reason": "in_other_proceedings", "explanation": "该纠纷已由县人民法院立案受理。"},
        headers=cty.office,
    )
    assert r.status_code == 200, r.text
    refused = await client.post(f"{INTAKE}/{pid}/files", files=_pdf(1), headers=cty.platform)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "complaint_files_closed"


async def test_reply_files_only_by_the_unit_evidence_only_by_the_office(client, cty):  # noqa: F811
    cid = await _assigned(client, cty)
    office_reply = await client.post(
        f"{BASE}/{cid}/files", files=_pdf(1), data={"purpose": "reply"}, headers=cty.office
    )
    assert office_reply.status_code == 403, office_reply.text
    unit_evidence = await client.post(
        f"{BASE}/{cid}/files", files=_pdf(2), data={"purpose": "evidence"}, headers=cty.unit
    )
    assert unit_evidence.status_code == 403, unit_evidence.text
    assert (await client.get(f"{BASE}/{cid}/files", headers=cty.office)).json() == []
    unit_reply = await client.post(f"{BASE}/{cid}/files", files=_pdf(3), data={"purpose": "reply"}, headers=cty.unit)
    assert unit_reply.status_code == 201, unit_reply.text
    office_evidence = await client.post(f"{BASE}/{cid}/files", files=_pdf(4), headers=cty.office)
    assert office_evidence.status_code == 201, office_evidence.text


async def test_concurrent_intake_of_the_same_file_ends_as_one_record(client, cty):  # noqa: F811
    pid = platform_id()
    r = await client.post(INTAKE, json=intake_body(pid), headers=cty.platform)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    answers = await asyncio.gather(
        *(client.post(f"{INTAKE}/{pid}/files", files=_pdf(7), headers=cty.platform) for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    listed = (await client.get(f"{BASE}/{cid}/files", headers=cty.office)).json()
    assert len(listed) == 1

"""Issue 10 acceptance 3: the complaint platform's intake is idempotent on (integration account,
platform complaint id): repeats return the existing complaint, 50 concurrent identical posts
create one, a changed repeat is a 409 naming the fields, bad payloads get field-level errors
and write nothing. Also staff registration, masking and the logged reveal."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.complaints.helpers import intake_body, platform_id, staff_body

INTAKE = "/api/complaints/intake"


async def _count(platform_db, account_id: str, pid: str | None = None) -> int:
    conn = await asyncpg.connect(platform_db.databases["complaint"].owner_url)
    try:
        if pid is None:
            return await conn.fetchval(
                "SELECT count(*) FROM complaint.complaint WHERE integration_account_id = $1", account_id
            )
        return await conn.fetchval(
            "SELECT count(*) FROM complaint.complaint WHERE integration_account_id = $1 AND platform_complaint_id = $2",
            account_id,
            pid,
        )
    finally:
        await conn.close()


async def test_repeat_returns_the_existing_complaint_with_the_same_body(client, cty):
    body = intake_body(platform_id())
    first = await client.post(INTAKE, json=body, headers=cty.platform)
    assert first.status_code == 201, first.text
    again = await client.post(INTAKE, json=body, headers=cty.platform)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    created = first.json()
    assert created["status"] == "received"
    assert created["source"] == "platform"
    assert created["platform_complaint_id"] == body["platform_complaint_id"]
    assert created["amount"] == "128000.50"
    # The platform never holds personal_data:read: contacts come back masked.
    assert created["complainant"]["contact_phone"] == "138****5678"
    assert created["complainant"]["contact_person"] == "张**"
    assert created["contact_masked"] is True


async def test_fifty_concurrent_identical_posts_create_one_complaint(client, cty, platform_db):
    pid = platform_id()
    body = intake_body(pid)
    # The token's introspection answer cached first: the race under test is the intake's, not 50
    # look-ups of one token at ledger-api.
    assert (await client.get("/api/complaints/whoami", headers=cty.platform)).status_code == 200
    responses = await asyncio.gather(*(client.post(INTAKE, json=body, headers=cty.platform) for _ in range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 49 + [201], [r.text for r in responses if r.status_code not in (200, 201)][:3]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await _count(platform_db, cty.platform_account_id, pid) == 1


async def test_changed_repeat_is_409_naming_the_differing_fields(client, cty, platform_db):
    pid = platform_id()
    first = await client.post(INTAKE, json=intake_body(pid), headers=cty.platform)
    assert first.status_code == 201, first.text
    changed = intake_body(pid, amount="130000.00", complainant={"contact_phone": "13900001111"})
    r = await client.post(INTAKE, json=changed, headers=cty.platform)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "intake_conflict"
    assert problem["differing_fields"] == ["amount", "complainant.contact_phone"]
    assert [e["field"] for e in problem["errors"]] == ["amount", "complainant.contact_phone"]
    assert problem["complaint_id"] == first.json()["id"]
    assert await _count(platform_db, cty.platform_account_id, pid) == 1
    # The stored complaint is the first one, untouched.
    stored = await client.get(f"/api/complaints/complaints/{first.json()['id']}", headers=cty.office)
    assert stored.json()["amount"] == "128000.50"


async def test_normalised_repeat_is_the_same_complaint(client, cty):
    """A credit code in lower case, money as a whole number: the same complaint after normalising."""
    pid = platform_id()
    body = intake_body(pid, amount="128000.00")
    first = await client.post(INTAKE, json=body, headers=cty.platform)
    assert first.status_code == 201, first.text
    same = intake_body(pid, amount=128000, complainant={"uscc": body["complainant"]["uscc"].lower()})
    r = await client.post(INTAKE, json=same, headers=cty.platform)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"complainant": {"uscc": "91440101MA5ABCDE1X"}}, "complainant.uscc", "uscc_org_check"),
        ({"respondent": {"kind": "church"}}, "respondent.kind", "literal_error"),
        ({"amount": 1280.5}, "amount", "money"),
        ({"amount": "-3.00"}, "amount", "money_not_positive"),
        ({"pledge_no_other_proceedings": False}, "pledge_no_other_proceedings", "literal_error"),
        ({"procurement_type": "loan"}, "procurement_type", "literal_error"),
        ({"complainant": {"contact_phone": "call me"}}, "complainant.contact_phone", "string_pattern_mismatch"),
        ({"facts": ""}, "facts", "string_too_short"),
        ({"platform_complaint_id": ""}, "platform_complaint_id", "string_too_short"),
        ({"surprise": "x"}, "surprise", "extra_forbidden"),
        ({"facts": "事实\u0000与理由"}, "facts", "control_character"),
        ({"complainant": {"name": "示例\u0007公司"}}, "complainant.name", "control_character"),
    ],
)
async def test_bad_payload_gets_field_errors_and_writes_nothing(client, cty, platform_db, overrides, field, code):
    before = await _count(platform_db, cty.platform_account_id)
    r = await client.post(INTAKE, json=intake_body(platform_id(), **overrides), headers=cty.platform)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors
    assert errors[0]["code"] == code, errors
    assert await _count(platform_db, cty.platform_account_id) == before


async def test_same_platform_id_from_another_account_is_another_complaint(client, worlds, cty):
    from tests.complaints.helpers import county

    other = await county(client, worlds, cty.world)
    pid = platform_id()
    a = await client.post(INTAKE, json=intake_body(pid), headers=cty.platform)
    b = await client.post(INTAKE, json=intake_body(pid), headers=other.platform)
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


async def test_intake_needs_the_intake_scope(client, cty):
    r = await client.post(INTAKE, json=intake_body(platform_id()), headers=cty.unit)
    assert r.status_code == 403, r.text


async def test_staff_register_phone_complaint_masked_and_revealed_with_a_log(client, cty, platform_db):
    r = await client.post("/api/complaints/complaints", json=staff_body(source="walk_in"), headers=cty.office)
    assert r.status_code == 201, r.text
    complaint = r.json()
    assert complaint["source"] == "walk_in"
    assert complaint["platform_complaint_id"] is None
    assert complaint["complainant"]["contact_phone"] == "138****5678"
    url = f"/api/complaints/complaints/{complaint['id']}"
    # A unit operator may register (a call taken at the unit) but holds no personal_data:read.
    denied = await client.get(f"{url}?reveal=true", headers=cty.auditor)
    assert denied.status_code == 403, denied.text
    shown = await client.get(f"{url}?reveal=true", headers=cty.office)
    assert shown.status_code == 200, shown.text
    assert shown.json()["complainant"]["contact_phone"] == "13812345678"
    assert shown.json()["contact_masked"] is False
    conn = await asyncpg.connect(platform_db.databases["complaint"].owner_url)
    try:
        logged = await conn.fetchval(
            "SELECT count(*) FROM complaint.audit_log WHERE action = 'complaint.contact_viewed' AND object_id = $1",
            complaint["id"],
        )
    finally:
        await conn.close()
    assert logged == 1


async def test_staff_registration_refuses_a_future_date_and_writes_nothing(client, cty):
    r = await client.post("/api/complaints/complaints", json=staff_body(received_on="2999-01-01"), headers=cty.office)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["received_on"]


async def test_platform_evidence_for_its_own_complaint_once_per_file(client, cty):
    pid = platform_id()
    assert (await client.post(INTAKE, json=intake_body(pid), headers=cty.platform)).status_code == 201
    url = f"{INTAKE}/{pid}/files"
    pdf = {"file": ("合同.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
    first = await client.post(url, files=pdf, headers=cty.platform)
    assert first.status_code == 201, first.text
    assert first.json()["purpose"] == "evidence"
    again = await client.post(url, files=pdf, headers=cty.platform)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    bad = await client.post(url, files={"file": ("a.pdf", b"<script>", "application/pdf")}, headers=cty.platform)
    assert bad.status_code == 415, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["file"]
    unknown = await client.post(f"{INTAKE}/NOT-SENT-{pid}/files", files=pdf, headers=cty.platform)
    assert unknown.status_code == 404, unknown.text

"""The platform calendar in ledger-api: who may load a year, what a bad year looks like, a
correction needs If-Match; services read the years (uses years no other test loads)."""

from __future__ import annotations

import httpx

from qq_kernel.calendar_source import CalendarSource

YEARS = "/api/ledger/calendar/years"
GOOD = {"holidays": ["2031-01-01", "2031-01-22~2031-01-28"], "workdays": ["2031-01-19"], "notice": "测试 2031"}


async def test_only_calendar_managers_load_a_year(client, cty):
    r = await client.put(f"{YEARS}/2031", json=GOOD, headers=cty.office)
    assert r.status_code == 403, r.text
    r = await client.get(YEARS, headers=cty.office)
    assert r.status_code == 403, r.text


async def test_bad_years_are_field_errors_and_write_nothing(client, cty):
    cases = [
        ({**GOOD, "holidays": ["2032-01-01"]}, "holidays", "wrong_year"),
        ({**GOOD, "workdays": ["2031-01-20"]}, "workdays", "calendar_conflict"),  # a Monday
        ({**GOOD, "holidays": ["2031-13-01"]}, "holidays", "calendar_date"),
        ({**GOOD, "holidays": ["2031-01-19"], "workdays": ["2031-01-19"]}, "workdays", "calendar_conflict"),
    ]
    for body, field, code in cases:
        r = await client.post(f"{YEARS}/2031/preview", json=body, headers=cty.security)
        assert r.status_code == 422, r.text
        assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [(field, code)], body
        r = await client.put(f"{YEARS}/2031", json=body, headers=cty.security)
        assert r.status_code == 422, r.text
    years = (await client.get(YEARS, headers=cty.security)).json()["items"]
    assert 2031 not in [y["year"] for y in years]


async def test_load_then_correct_with_if_match(client, cty):
    body = {**GOOD, "holidays": ["2032-02-10~2032-02-16"], "workdays": ["2032-02-07"], "notice": "测试 2032"}
    r = await client.put(f"{YEARS}/2032", json=body, headers=cty.security)
    assert r.status_code == 200, r.text
    etag = r.headers["etag"]
    assert r.json()["holidays"][0] == "2032-02-10" and len(r.json()["holidays"]) == 7
    fixed = {**body, "holidays": ["2032-02-10~2032-02-17"]}
    r = await client.put(f"{YEARS}/2032", json=fixed, headers=cty.security)
    assert r.status_code == 428, r.text
    preview = await client.post(f"{YEARS}/2032/preview", json=fixed, headers=cty.security)
    assert preview.json()["current"] == "loaded"
    assert preview.json()["added_holidays"] == ["2032-02-17"]
    r = await client.put(f"{YEARS}/2032", json=fixed, headers={**cty.security, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert len(r.json()["holidays"]) == 8


async def test_calendar_source_keeps_the_last_years_when_ledger_is_unreachable(client, cty, gateway):
    """Read the real years through the gateway with complaint-api's identity, then lose the
    connection (a port nobody listens on): the years read last keep serving."""
    from datetime import date

    from tests.complaints.helpers import complaint_app
    from tests.support import procs

    body = {"holidays": ["2034-01-02"], "workdays": [], "notice": "测试 2034"}
    assert (await client.put(f"{YEARS}/2034", json=body, headers=cty.security)).status_code == 200
    app = complaint_app(gateway)
    now = {"t": 0.0}
    source = CalendarSource(app.state.http, max_age=60, clock=lambda: now["t"])
    first = await source.calendar()
    assert first.covers(2034) and not first.is_workday(date(2034, 1, 2))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{procs.free_port()}", timeout=1) as dead:
        source.http = dead
        now["t"] = 61
        second = await source.calendar()
    assert second is first

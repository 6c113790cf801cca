"""The demo county `make run` shows a newcomer: loaded through the API by the demo staff, every
item status, red flag, dispute route and supervision tool represented; loading twice adds nothing."""

from __future__ import annotations

from collections import Counter

from qqctl import bootstrap, demo
from tests.support.world import bearer, login


async def test_demo_county_shows_every_status_flag_and_route(client, platform_db, gateway):
    ledger_db = platform_db.databases["ledger"]
    created = await bootstrap.load_demo(ledger_db.runtime_url)
    assert created is not None, "the demo staff are created once per database"
    _, password = created
    kwargs = {
        "password": password,
        "complaint_secret": platform_db.client_secret("complaint-api"),
        "ledger_owner_url": ledger_db.owner_url,
        "complaint_owner_url": platform_db.databases["complaint"].owner_url,
    }
    assert await demo.load(client, **kwargs) is True
    counts = await demo.evaluate_flags(ledger_db.runtime_url)
    assert counts["raised"] > 0
    weeks = await demo.take_snapshots(ledger_db.runtime_url)

    h = bearer((await login(client, "office01", password))["access_token"])
    totals = (await client.get("/api/ledger/items/totals", headers=h)).json()
    assert set(totals["by_status"]) == {"open", "resolving", "claimed_cleared", "written_off", "void"}
    items = (await client.get("/api/ledger/items", params={"page_size": 200}, headers=h)).json()["items"]
    assert {i["dispute_route"] for i in items if i["disputed"]} >= {
        "negotiation",
        "mediation",
        "arbitration",
        "litigation",
    }
    assert {i["debtor_type"] for i in items} == {
        "government_agency",
        "fully_funded_institution",
        "other_institution",
        "platform_company",
        "soe",
        "large_enterprise",
    }
    flags = (await client.get("/api/ledger/flags", params={"active": True, "page_size": 200}, headers=h)).json()
    kinds = Counter(f["kind"] for f in flags["items"])
    assert set(kinds) == {
        "dispute_reclassified",
        "installment_unpaid",
        "plan_extended_repeatedly",
        "repayment_without_evidence",
        "commercial_bill",
        "no_weekly_update",
        "chain_funds_received",
    }
    assert (await client.get("/api/ledger/key-cases", headers=h)).json()["total"] == 2
    assert (await client.get("/api/ledger/candidates", headers=h)).json()["total"] == 1
    await _complaints_in_every_state(client, h, gateway)
    assert await demo.load(client, **kwargs) is False, "a second start reuses the data"

    # Issue 11, acceptance 4: the demo ledger exported and imported again changes nothing.
    from tests.transfer.helpers import dry_run

    export = await client.get("/api/ledger/transfer/export", headers=h)
    assert export.status_code == 200, export.text
    job, preview = await dry_run(client, h, export.content)
    everything = sum(totals["by_status"].values())
    assert job["counts"] == {"create": 0, "update": 0, "unchanged": everything, "refused": 0}, preview[:5]
    # The dashboard of a real county: units, types, twelve weeks of trend that move, a ranking.
    dash = (await client.get("/api/ledger/reports/dashboard", headers=h)).json()
    assert len(weeks) >= 12
    assert dash["total"]["items"] >= 75
    assert len([u for u in dash["by_unit"] if u["items"]]) >= 7
    assert len(dash["by_debtor_type"]) == 6
    past = [p for p in dash["trend"]["points"] if not p["live"]]
    assert len(past) == 12
    assert len({p["verified_repaid"] for p in past}) >= 6, "repayments move the trend week by week"
    assert dash["trend"]["change"] is not None
    assert all(row["updates_due"] > 0 for row in dash["ranking"]["rows"][:5])
    assert {b["key"] for b in dash["ageing"]["buckets"] if b["items"]} >= {"not_due", "d1_30", "d366_"}


async def _complaints_in_every_state(client, h, gateway) -> None:
    from datetime import timedelta

    from complaint_api.complaints.states import State
    from qq_kernel.clock import china_today
    from tests.complaints.helpers import complaint_app

    rows = (await client.get("/api/complaints/complaints", params={"sort": "received", "limit": 100}, headers=h)).json()
    assert {r["status"] for r in rows["items"]} == {s.value for s in State}
    running = (await client.get("/api/complaints/complaints", params={"limit": 100}, headers=h)).json()["items"]
    assert sum(r["overdue"] for r in running) == 1
    # Assigned (and reopened) today: 30 days run into the next year, provisional exactly while
    # complaint-api's calendar has no schedule for it (another test may have loaded one).
    calendar = await complaint_app(gateway).state.calendar_source.calendar()
    year_unknown = not calendar.covers((china_today() + timedelta(days=30)).year)
    provisional = [(r["next_due"], r["status"]) for r in running if r["next_due_provisional"]]
    assert bool(provisional) == year_unknown, (provisional, year_unknown, calendar.years[-3:])
    assert all(due >= "2027-01-01" for due, _ in provisional)
    details = [(await client.get(f"/api/complaints/complaints/{r['id']}", headers=h)).json() for r in rows["items"]]
    assert sum(d["reopen_count"] for d in details) == 1
    assert {d["source"] for d in details} == {"platform", "phone", "letter", "walk_in"}
    # Deadlines across the 2026 National Day holiday: 2026-09-02 + 30 = 10-02 → 10-08; 09-10 + 30 = 10-10
    # (a make-up Saturday).
    result_dues = {dl["due"] for d in details for dl in d["deadlines"] if dl["kind"] == "result"}
    assert {"2026-10-08", "2026-10-10"} <= result_dues

"""The scheduled red-flag job is set-based (ledger_api/flags/scheduled.py): it must leave exactly
the flags, evidence and audit trail that evaluating each item on its own (the request path) leaves,
write nothing when nothing changed, clear what no longer holds, and skip items a user is changing.

Every flag scenario of tests/flag_scenarios.py is built in ONE county here, so the rules meet each
other's data, and the job is compared with the per-item evaluation on several days. The SQL rules
are also checked against the former Python evaluation (tests/flag_oracle.py), evidence included."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, text

from ledger_api.audit.models import AuditLog
from ledger_api.flags import service as flags
from ledger_api.flags.models import RedFlag
from ledger_api.flags.scheduled import evaluate_all
from ledger_api.ledger.models import ArrearsItem
from qq_kernel.audit import redact
from tests.support import flag_oracle
from tests.support.flag_scenarios import SCENARIOS, TODAY, actors, report, verify
from tests.support.ledger_helpers import make_debt, report_with_receipt

# Days on which each time-based rule changes its mind about some scenario item.
DAYS = [0, 4, 8, 21, 31]


@pytest.fixture(scope="module")
async def county(gateway, worlds):
    """All seven scenarios in one world, plus a written-off-like mix: an item with a rejected
    bill, a verified repayment with proof, and a void item."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway.test") as c:
        world = await worlds.create()
        a = await actors(c, worlds, world)
        items: dict[str, str] = {}
        for kind, build in SCENARIOS.items():
            built, _ = await build(c, worlds, a)
            items.update({f"{kind}:{name}": item_id for name, item_id in built.items()})
        proven = await make_debt(c, a.h, world)
        paid = await report_with_receipt(c, a.h, proven["id"], "700.00")
        await verify(c, a.ho, proven["id"], paid["id"])
        items["proven"] = proven["id"]
        rejected = await make_debt(c, a.h, world)
        bill = await report(c, a.h, rejected["id"], "900.00", method="commercial_bill")
        r = await c.post(
            f"/api/ledger/items/{rejected['id']}/repayments/{bill['id']}/reject",
            json={"reason": "不得以商票支付"},
            headers=a.ho,
        )
        assert r.status_code == 200, r.text
        items["rejected_bill"] = rejected["id"]
        return world, items


async def _county_ids(session, world) -> list[str]:
    return list(
        await session.scalars(
            select(ArrearsItem.id).where(ArrearsItem.region_path.startswith(world.county.path)).order_by(ArrearsItem.id)
        )
    )


async def _active(session, ids) -> dict[tuple[str, str], dict]:
    rows = await session.execute(
        select(RedFlag.item_id, RedFlag.kind, RedFlag.evidence).where(
            RedFlag.item_id.in_(ids), RedFlag.cleared_at.is_(None)
        )
    )
    return {(i, k): e for i, k, e in rows.all()}


async def _audit_since(session, ids, after_id: int) -> list[tuple]:
    """The flag audit rows written since ``after_id``, without what differs by nature (row id,
    time, the new flag's uuid, request id)."""
    rows = await session.scalars(
        select(AuditLog).where(AuditLog.object_id.in_(ids), AuditLog.id > after_id).order_by(AuditLog.id)
    )
    out = []
    for row in rows:
        after = {k: v for k, v in (row.after or {}).items() if k != "flag_id"}
        out.append(
            (
                row.action,
                row.service,
                row.result,
                row.actor_kind,
                row.actor_id,
                row.actor_name,
                row.actor_roles,
                row.object_type,
                row.object_id,
                row.unit_id,
                row.region_path,
                row.before,
                repr(sorted(after.items())),
                row.ip,
                row.user_agent,
            )
        )
    return sorted(out)


async def _max_audit_id(session) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(AuditLog.id), 0))))


async def test_sql_rules_find_what_the_python_evaluation_found(county, worlds):
    world, _ = county
    async with worlds.sessions() as session:
        ids = await _county_ids(session, world)
        items = list(await session.scalars(select(ArrearsItem).where(ArrearsItem.id.in_(ids))))
        for offset in DAYS:
            on = TODAY + timedelta(days=offset)
            expected = {}
            for item in items:
                for kind, evidence in (await flag_oracle.conditions(session, item, on)).items():
                    expected[(item.id, kind)] = evidence
            found = await flags.conditions(session, ids, on)
            assert found.keys() == expected.keys(), f"day +{offset}"
            for key, evidence in expected.items():
                assert found[key] == evidence, f"day +{offset}, {key}"
            # Every kind meets its scenario on some day.
        all_kinds = {k for offset in DAYS for _, k in await flags.conditions(session, ids, TODAY + timedelta(offset))}
        assert all_kinds == set(SCENARIOS)


@pytest.mark.parametrize("offset", [*DAYS, 2])  # forward in time, then back: raises, then clears
async def test_the_job_leaves_what_per_item_evaluation_leaves(county, worlds, offset):
    """From the same starting state: each item evaluated on its own (rolled back afterwards), then
    the job over the county in small chunks; same active flags with the same evidence, and the
    same audit rows."""
    world, _ = county
    on = TODAY + timedelta(days=offset)
    async with worlds.sessions() as session:
        ids = await _county_ids(session, world)
        start = await _max_audit_id(session)
        for item in list(await session.scalars(select(ArrearsItem).where(ArrearsItem.id.in_(ids)))):
            await flags.evaluate_item(session, item, on)
        per_item = await _active(session, ids)
        per_item_audit = await _audit_since(session, ids, start)
        await session.rollback()

    counts = await evaluate_all(worlds.sessions, on, region_path=world.county.path, chunk_size=3)
    async with worlds.sessions() as session:
        assert await _active(session, ids) == per_item
        job_audit = await _audit_since(session, ids, start)
    # The job does not visit closed items (written off: only conduct flags that no longer change).
    assert job_audit == per_item_audit
    assert counts["raised"] == sum(1 for e in job_audit if e[0] == "flag.raised")
    assert counts["cleared"] == sum(1 for e in job_audit if e[0] == "flag.cleared")
    assert counts["skipped"] == 0


async def test_a_second_run_writes_nothing(county, worlds):
    world, _ = county
    on = TODAY + timedelta(days=21)
    await evaluate_all(worlds.sessions, on, region_path=world.county.path)
    async with worlds.sessions() as session:
        ids = await _county_ids(session, world)
        before_audit = await _max_audit_id(session)
        flag_rows = (
            await session.execute(
                text("SELECT id, cleared_at, xmin::text FROM ledger.red_flag WHERE item_id = ANY(:ids)"), {"ids": ids}
            )
        ).all()
        item_rows = (
            await session.execute(
                text("SELECT id, xmin::text, xmax::text FROM ledger.arrears_item WHERE id = ANY(:ids)"), {"ids": ids}
            )
        ).all()
    counts = await evaluate_all(worlds.sessions, on, region_path=world.county.path)
    assert counts["raised"] == counts["cleared"] == counts["skipped"] == 0
    assert counts["evaluated"] > 0
    async with worlds.sessions() as session:
        assert not await _audit_since(session, ids, before_audit)
        assert (
            await session.execute(
                text("SELECT id, cleared_at, xmin::text FROM ledger.red_flag WHERE item_id = ANY(:ids)"), {"ids": ids}
            )
        ).all() == flag_rows
        # Not even a row lock was taken (a lock would set xmax on the item rows).
        assert (
            await session.execute(
                text("SELECT id, xmin::text, xmax::text FROM ledger.arrears_item WHERE id = ANY(:ids)"), {"ids": ids}
            )
        ).all() == item_rows


async def test_the_job_clears_what_no_longer_holds(county, worlds):
    world, items = county
    later = await evaluate_all(worlds.sessions, TODAY + timedelta(days=31), region_path=world.county.path)
    async with worlds.sessions() as session:
        ids = await _county_ids(session, world)
        raised_then = await _active(session, ids)
        start = await _max_audit_id(session)
    assert (items["no_weekly_update:item"], "no_weekly_update") in raised_then
    assert (items["installment_unpaid:item"], "installment_unpaid") in raised_then
    assert later["evaluated"] > 0

    back = await evaluate_all(worlds.sessions, TODAY, region_path=world.county.path)
    async with worlds.sessions() as session:
        now_active = await _active(session, ids)
        gone = set(raised_then) - set(now_active)
        assert (items["no_weekly_update:item"], "no_weekly_update") in gone
        assert (items["installment_unpaid:item"], "installment_unpaid") in gone
        assert back["cleared"] == len(gone) and back["raised"] == len(set(now_active) - set(raised_then))
        # Cleared, not deleted; one audit row each, by the system, on the item's timeline.
        cleared_rows = (
            await session.execute(
                select(RedFlag.item_id, RedFlag.kind, RedFlag.cleared_at).where(
                    RedFlag.item_id.in_(ids), RedFlag.cleared_at.is_not(None)
                )
            )
        ).all()
        assert gone <= {(i, k) for i, k, _ in cleared_rows}
        audit = (
            await session.scalars(
                select(AuditLog).where(
                    AuditLog.object_id.in_(ids), AuditLog.id > start, AuditLog.action == "flag.cleared"
                )
            )
        ).all()
        assert {(row.object_id, row.after["kind"]) for row in audit} == gone
        assert all(
            row.actor_name == "system" and row.object_type == "item" and row.unit_id == world.unit_a.id for row in audit
        )


async def test_an_item_being_changed_is_skipped_and_done_next_time(county, worlds):
    world, items = county
    target = items["no_weekly_update:item"]
    on = TODAY + timedelta(days=21)
    await evaluate_all(worlds.sessions, TODAY, region_path=world.county.path)  # nothing stale today
    async with worlds.sessions() as holder:
        await holder.execute(select(ArrearsItem.id).where(ArrearsItem.id == target).with_for_update())
        counts = await evaluate_all(worlds.sessions, on, region_path=world.county.path)
        assert counts["skipped"] >= 1
        async with worlds.sessions() as session:
            assert (target, "no_weekly_update") not in await _active(session, [target])
        await holder.rollback()
    counts = await evaluate_all(worlds.sessions, on, region_path=world.county.path)
    assert counts["skipped"] == 0
    async with worlds.sessions() as session:
        assert (target, "no_weekly_update") in await _active(session, [target])


async def test_evidence_carries_nothing_the_audit_trail_would_redact(county, worlds):
    """The job writes audit rows in SQL, without qq_kernel.audit.redact: the evidence must be
    something redact leaves as it is."""
    world, _ = county
    async with worlds.sessions() as session:
        ids = await _county_ids(session, world)
        held = {}
        for offset in DAYS:
            for (item_id, kind), evidence in (
                await flags.conditions(session, ids, TODAY + timedelta(days=offset))
            ).items():
                held[(offset, item_id, kind)] = evidence
    # The county's scenarios raise every kind on some day: the check below looks at real evidence.
    assert {kind for _, _, kind in held} == set(flags.ALL_KINDS)
    assert {key: redact(evidence) for key, evidence in held.items()} == held


async def test_cron_entry_point_shares_the_jobs_advisory_lock(county, worlds, platform_db, monkeypatch):
    """``python -m ledger_api.flags.scheduled`` (cron) takes the lock the replicas' job takes, so
    the two never run together."""
    from ledger_api.flags import scheduled

    world, _ = county
    monkeypatch.setenv("LEDGER_DATABASE_URL", platform_db.databases["ledger"].runtime_url)
    async with worlds.engine.connect() as conn:
        assert await conn.scalar(text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": scheduled.JOB_NAME})
        try:
            assert await scheduled.run(TODAY, region_path=world.county.path) == {"skipped_run": 1}
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": scheduled.JOB_NAME})
    done = await scheduled.run(TODAY, region_path=world.county.path)
    assert done["evaluated"] > 0 and "skipped_run" not in done

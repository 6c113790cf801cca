"""Issue 12 acceptance 1 and 2: events through the ledger's outbox to notify-api's inbox survive
notify-api being down, a relay killed in the middle of a batch, and several replicas of the relay
and of notify-api working at once: every event stored once, every notification once per recipient.

The 5,000 events come from a ledger operation, the red-flag job: 5,000 items of one county that
owe a weekly update for weeks (one item entered over HTTP, cloned in SQL to save four minutes of
requests), evaluated on a day when ``no_weekly_update`` holds for each of them."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from ledger_api.flags.scheduled import evaluate_all
from ledger_api.outbox import events as ledger_events
from ledger_api.outbox.models import Outbox, OutboxAttempt
from notify_api.events import service as fan
from qq_kernel.outbox import Destination, Relay
from tests.notify.helpers import FAR_FUTURE
from tests.notify.replicas import Replicas
from tests.support.ledger_helpers import make_debt, report_with_receipt
from tests.support.world import bearer, login

N_ITEMS = 5000


class RelayKilled(BaseException):
    """The relay process dying (not an error it could handle)."""


async def _clone_items(ledger_app, item_id: str, n: int) -> None:
    async with ledger_app.state.session_factory() as s:
        columns = list(
            await s.scalars(
                text(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'ledger'"
                    " AND table_name = 'arrears_item' AND is_generated = 'NEVER' ORDER BY ordinal_position"
                )
            )
        )
        copied = [c for c in columns if c not in ("id", "ledger_no")]
        await s.execute(
            text(
                f"INSERT INTO arrears_item (id, ledger_no, {', '.join(copied)})"
                f" SELECT gen_random_uuid()::text, i.ledger_no || '-' || g, {', '.join('i.' + c for c in copied)}"
                " FROM arrears_item i CROSS JOIN generate_series(1, :n) g WHERE i.id = :id"
            ),
            {"id": item_id, "n": n},
        )
        await s.commit()


async def _counts(ledger_app, notify_app, region: str) -> dict[str, int]:
    async with ledger_app.state.session_factory() as s:
        ids = list(
            await s.scalars(text("SELECT event_id FROM outbox WHERE payload->>'region_path' = :r"), {"r": region})
        )
        delivered_twice = await s.scalar(
            text(
                "SELECT count(*) FROM (SELECT a.outbox_id FROM outbox_attempt a JOIN outbox o ON o.id = a.outbox_id"
                " WHERE a.outcome = 'delivered' AND o.payload->>'region_path' = :r"
                " GROUP BY a.outbox_id HAVING count(*) > 1) d"
            ),
            {"r": region},
        )
        undelivered = await s.scalar(
            text("SELECT count(*) FROM outbox WHERE payload->>'region_path' = :r AND delivered_at IS NULL"),
            {"r": region},
        )
    async with notify_app.state.session_factory() as s:
        stored = await s.scalar(text("SELECT count(*) FROM event WHERE event_id = ANY(:ids)"), {"ids": ids})
        pending = await s.scalar(
            text("SELECT count(*) FROM event WHERE event_id = ANY(:ids) AND fanned_out_at IS NULL"), {"ids": ids}
        )
        notes = await s.scalar(text("SELECT count(*) FROM notification WHERE event_id = ANY(:ids)"), {"ids": ids})
    return {
        "produced": len(ids),
        "stored": stored,
        "pending_fan_out": pending,
        "notifications": notes,
        "delivered_twice": delivered_twice,
        "undelivered": undelivered,
    }


async def test_notify_down_then_a_relay_killed_mid_batch_still_every_event_once(client, gateway, worlds, platform_db):
    world = await worlds.create()
    operator = await worlds.user(world, roles=["unit_operator"])
    responsible = await worlds.user(world, roles=["unit_operator"])
    leader = await worlds.user(world, roles=["unit_leader"])
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)  # sees none of it
    h = bearer((await login(client, operator.username))["access_token"])
    item = await make_debt(client, h, world, responsible_person_id=responsible.id)

    async with Replicas(platform_db, gateway, ledger=1, notify=1) as replicas:
        ledger_app, notify_app = replicas.ledger_apps[0], replicas.notify_apps[0]
        await _clone_items(ledger_app, item["id"], N_ITEMS - 1)

        replicas.network.notify_down = True
        counts = await evaluate_all(
            ledger_app.state.session_factory, date.today() + timedelta(days=35), region_path=world.county.path
        )
        assert counts["raised"] == N_ITEMS
        # notify-api is down: every attempt fails and is kept; nothing is lost.
        stats = await replicas.relays[0].run_once(due_by=FAR_FUTURE)
        assert stats.claimed == 500 and stats.failed == 500 and stats.delivered == 0
        assert replicas.network.refused == 1

        replicas.network.notify_down = False
        # A relay dies after notify-api stored its batch, before it could mark the batch delivered.
        real = ledger_events.destination(ledger_app)

        async def deliver_then_die(batch):
            await real.deliver_batch(batch)
            raise RelayKilled

        doomed = Relay(
            session_factory=ledger_app.state.session_factory,
            outbox_model=Outbox,
            attempt_model=OutboxAttempt,
            destinations=[Destination(name="notify", deliver_batch=deliver_then_die, batch_size=500)],
            name="doomed",
        )
        with pytest.raises(RelayKilled):
            await doomed.run_once(due_by=FAR_FUTURE)
        mid = await _counts(ledger_app, notify_app, world.county.path)
        assert mid["stored"] == 500 and mid["undelivered"] == N_ITEMS

        await replicas.relays[0].drain(due_by=FAR_FUTURE)
        await fan.drain(notify_app.state.session_factory, notify_app.state.directory)
        final = await _counts(ledger_app, notify_app, world.county.path)
        # Each flag: its responsible person, the unit's leader and the office; nobody else.
        assert final == {
            "produced": N_ITEMS,
            "stored": N_ITEMS,
            "pending_fan_out": 0,
            "notifications": 3 * N_ITEMS,
            "delivered_twice": 0,
            "undelivered": 0,
        }
        async with notify_app.state.session_factory() as s:
            per_user = dict(
                (
                    await s.execute(
                        text(
                            "SELECT user_id, count(*) FROM notification WHERE kind = 'flag.raised'"
                            " AND user_id = ANY(:u) GROUP BY user_id"
                        ),
                        {"u": [responsible.id, leader.id, office.id, operator.id]},
                    )
                ).all()
            )
        assert per_user == {responsible.id: N_ITEMS, leader.id: N_ITEMS, office.id: N_ITEMS}


async def test_two_relays_and_two_notify_replicas_no_duplicate_no_miss(client, gateway, worlds, platform_db):
    world = await worlds.create()
    operator = await worlds.user(world, roles=["unit_operator"])
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    h = bearer((await login(client, operator.username))["access_token"])
    items = [await make_debt(client, h, world) for _ in range(8)]

    async with Replicas(platform_db, gateway, ledger=2, notify=2) as replicas:
        for relay in replicas.relays:
            relay.start(poll_seconds=0.05)
        fan_outs = [asyncio.create_task(fan._loop(app, 0.05)) for app in replicas.notify_apps]
        try:
            # Changes made while everything runs: 8 items × 6 repayments reported, concurrently.
            async def report(item):
                for _ in range(6):
                    await report_with_receipt(client, h, item["id"], "1.00")

            await asyncio.gather(*(report(i) for i in items))
            final: dict[str, int] = {}
            for _ in range(300):
                final = await _counts(replicas.ledger_apps[0], replicas.notify_apps[0], world.county.path)
                if final["undelivered"] == 0 and final["pending_fan_out"] == 0 and final["stored"] == final["produced"]:
                    break
                await asyncio.sleep(0.1)
        finally:
            for relay in replicas.relays:
                await relay.stop()
            for task in fan_outs:
                task.cancel()
            await asyncio.gather(*fan_outs, return_exceptions=True)
    # 48 repayments reported, each to the county's office only.
    assert final == {
        "produced": 48,
        "stored": 48,
        "pending_fan_out": 0,
        "notifications": 48,
        "delivered_twice": 0,
        "undelivered": 0,
    }
    r = await client.get(
        "/api/notify/inbox/unread-count", headers=bearer((await login(client, office.username))["access_token"])
    )
    assert r.json() == {"unread": 48}

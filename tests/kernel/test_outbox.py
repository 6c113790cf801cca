"""qq_kernel.outbox on a real PostgreSQL (complaint-api's outbox table): events commit with the
change or not at all; two relays (two engines, as two replicas) racing over one outbox deliver
every event exactly once, in order per ordering key; failures are retried with backoff and every
attempt is kept; a retry budget ends in a dead letter; the lag is a metric."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import func, select

from complaint_api.outbox.models import Outbox, OutboxAttempt
from qq_kernel.db import create_engine, create_session_factory
from qq_kernel.outbox import DeliveryFailed, Destination, OutboxMetrics, Relay, enqueue

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture
async def sessions(platform_db):
    engines = [create_engine(platform_db.databases["complaint"].runtime_url, pool_size=4) for _ in range(2)]
    yield [create_session_factory(e) for e in engines]
    for e in engines:
        await e.dispose()


def _relay(factory, destination: Destination, name: str, metrics=None) -> Relay:
    return Relay(
        session_factory=factory,
        outbox_model=Outbox,
        attempt_model=OutboxAttempt,
        destinations=[destination],
        name=name,
        metrics=metrics,
    )


async def _produce(factory, destination: str, n: int, keys: int) -> list[str]:
    ids = []
    async with factory() as s:
        async with s.begin():
            for i in range(n):
                ids.append(
                    await enqueue(
                        s,
                        Outbox,
                        destination=destination,
                        kind="test.event",
                        payload={"seq": i},
                        ordering_key=f"k{i % keys}" if keys else None,
                    )
                )
    return ids


async def test_an_event_rolls_back_with_its_change(sessions):
    destination = f"t-{uuid.uuid4().hex[:12]}"
    async with sessions[0]() as s:
        await enqueue(s, Outbox, destination=destination, kind="test.event", payload={})
        await s.rollback()
    async with sessions[0]() as s:
        assert await s.scalar(select(func.count()).select_from(Outbox).where(Outbox.destination == destination)) == 0


async def test_two_relays_racing_deliver_each_event_once_in_order_per_key(sessions):
    destination = f"t-{uuid.uuid4().hex[:12]}"
    event_ids = await _produce(sessions[0], destination, 400, keys=25)
    received: list[tuple[str, str, int]] = []  # (relay, event_id, seq)
    rng = random.Random(7)

    def make(relay_name: str) -> Destination:
        async def deliver(event):
            # Slow, uneven deliveries so that the two relays' batches overlap in time.
            await asyncio.sleep(rng.random() * 0.004)
            received.append((relay_name, event.event_id, event.payload["seq"]))

        return Destination(destination, deliver, batch_size=17, concurrency=8)

    relays = [_relay(sessions[0], make("a"), "a"), _relay(sessions[1], make("b"), "b")]

    async def run(relay):
        while True:
            stats = await relay.run_once()
            if stats.claimed == 0:
                # The other relay may still hold a head of a key; look again after it commits.
                await asyncio.sleep(0.05)
                if (await relay.run_once()).claimed == 0:
                    return

    await asyncio.gather(*(run(r) for r in relays))

    delivered = Counter(e for _, e, _ in received)
    assert len(received) == 400
    assert set(delivered) == set(event_ids)
    assert max(delivered.values()) == 1
    assert {r for r, _, _ in received} == {"a", "b"}, "both relays took part"
    per_key = defaultdict(list)
    for _, _, seq in received:
        per_key[seq % 25].append(seq)
    assert all(seqs == sorted(seqs) for seqs in per_key.values())
    async with sessions[0]() as s:
        pending = await s.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.destination == destination, Outbox.delivered_at.is_(None))
        )
        attempts = await s.scalar(
            select(func.count()).select_from(OutboxAttempt).where(OutboxAttempt.event_id.in_(event_ids))
        )
    assert pending == 0
    assert attempts == 400


async def test_failures_back_off_and_are_retried_until_delivered(sessions):
    destination = f"t-{uuid.uuid4().hex[:12]}"
    [event_id] = await _produce(sessions[0], destination, 1, keys=1)
    up = False
    calls = []

    async def deliver(event):
        calls.append(event.attempt)
        if not up:
            raise DeliveryFailed("receiver down", status_code=503)
        return "ok"

    relay = _relay(sessions[0], Destination(destination, deliver, backoff_base_seconds=60), "r")
    assert (await relay.run_once()).failed == 1
    # Backing off: not claimable now, only when the backoff is waived.
    assert (await relay.run_once()).claimed == 0
    assert (await relay.run_once(due_by=FAR_FUTURE)).failed == 1
    async with sessions[0]() as s:
        row = await s.scalar(select(Outbox).where(Outbox.event_id == event_id))
        # Second failure: base·2 = 120 s ± 20 %.
        wait = (row.available_at - datetime.now(UTC)).total_seconds()
    assert 80 < wait <= 144
    up = True
    assert (await relay.run_once(due_by=FAR_FUTURE)).delivered == 1
    assert calls == [1, 2, 3]
    async with sessions[0]() as s:
        attempts = (
            await s.scalars(
                select(OutboxAttempt).where(OutboxAttempt.event_id == event_id).order_by(OutboxAttempt.attempt)
            )
        ).all()
        row = await s.scalar(select(Outbox).where(Outbox.event_id == event_id))
    assert [(a.attempt, a.outcome, a.status_code) for a in attempts] == [
        (1, "failed", 503),
        (2, "failed", 503),
        (3, "delivered", None),
    ]
    assert row.attempts == 3 and row.delivered_at is not None


async def test_a_retry_budget_ends_in_a_dead_letter_and_the_next_of_its_key_goes_on(sessions):
    destination = f"t-{uuid.uuid4().hex[:12]}"
    first, second = await _produce(sessions[0], destination, 2, keys=1)
    delivered = []

    async def deliver(event):
        if event.event_id == first:
            raise DeliveryFailed("refused", status_code=400)
        delivered.append(event.event_id)

    relay = _relay(sessions[0], Destination(destination, deliver, max_attempts=2), "r")
    await relay.run_once(due_by=FAR_FUTURE)
    assert delivered == [], "the second waits behind the first of its key"
    await relay.run_once(due_by=FAR_FUTURE)
    await relay.run_once(due_by=FAR_FUTURE)
    assert delivered == [second]
    async with sessions[0]() as s:
        row = await s.scalar(select(Outbox).where(Outbox.event_id == first))
    assert row.dead_at is not None and row.delivered_at is None and row.attempts == 2


async def test_the_lag_of_the_oldest_undelivered_event_is_a_metric(sessions):
    destination = f"t-{uuid.uuid4().hex[:12]}"
    registry = CollectorRegistry()
    metrics = OutboxMetrics(registry, "complaint-api")

    async def deliver(event):
        raise DeliveryFailed("down")

    relay = _relay(sessions[0], Destination(destination, deliver), "r", metrics=metrics)
    await _produce(sessions[0], destination, 3, keys=0)
    async with sessions[0]() as s:
        oldest = await s.scalar(select(func.min(Outbox.created_at)).where(Outbox.destination == destination))
    await relay.refresh_metrics()
    text = generate_latest(registry).decode()
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith("qq_outbox_lag_seconds") and f'destination="{destination}"' in ln
    )
    lag = float(line.rsplit(" ", 1)[1])
    expected = (datetime.now(UTC) - oldest).total_seconds()
    assert expected - 1 <= lag <= expected + 1
    assert f'qq_outbox_pending_events{{destination="{destination}",service="complaint-api"}} 3.0' in text
    assert (await relay.run_once()).failed == 3
    assert (
        f'qq_outbox_failed_attempts_total{{destination="{destination}",service="complaint-api"}} 3.0'
        in generate_latest(registry).decode()
    )
    # Once nothing waits, the lag is zero.
    relay.destinations[destination] = Destination(destination, lambda e: asyncio.sleep(0))
    await relay.run_once(due_by=FAR_FUTURE)
    await relay.refresh_metrics()
    assert (
        f'qq_outbox_lag_seconds{{destination="{destination}",service="complaint-api"}} 0.0'
        in generate_latest(registry).decode()
    )


async def test_a_relay_that_dies_mid_batch_leaves_the_batch_to_the_next(sessions):
    destination = f"t-{uuid.uuid4().hex[:12]}"
    ids = await _produce(sessions[0], destination, 5, keys=0)
    seen = []

    async def crash(event):
        seen.append(event.event_id)
        raise asyncio.CancelledError  # the process is killed while delivering

    dying = _relay(sessions[0], Destination(destination, crash, concurrency=1), "dying")
    with pytest.raises(asyncio.CancelledError):
        await dying.run_once()
    got = []

    async def deliver(event):
        got.append(event.event_id)

    survivor = _relay(sessions[1], Destination(destination, deliver), "survivor")
    await survivor.drain()
    assert sorted(got) == sorted(ids)


async def test_a_batch_destination_gets_the_claimed_batch_in_one_call(sessions):
    destination = f"t-{uuid.uuid4().hex[:12]}"
    ids = await _produce(sessions[0], destination, 5, keys=0)
    calls: list[list[str]] = []

    async def deliver_batch(events):
        calls.append([e.event_id for e in events])
        # The consumer stores all but the last; that one is refused and comes back later.
        return {
            e.event_id: ("stored" if e.event_id != ids[-1] else DeliveryFailed("refused", status_code=409))
            for e in events
        }

    relay = _relay(sessions[0], Destination(destination, deliver_batch=deliver_batch), "r")
    stats = await relay.run_once()
    assert (stats.claimed, stats.delivered, stats.failed) == (5, 4, 1)
    assert calls == [ids]
    await relay.run_once(due_by=FAR_FUTURE)
    assert calls[1] == [ids[-1]]
    with pytest.raises(ValueError):
        Destination("nowhere")


async def test_a_permanent_refusal_is_a_dead_letter_at_once(sessions):
    destination = f"t-{uuid.uuid4().hex[:12]}"
    [event_id] = await _produce(sessions[0], destination, 1, keys=0)

    async def deliver(event):
        raise DeliveryFailed("unprocessable", status_code=422, permanent=True)

    relay = _relay(sessions[0], Destination(destination, deliver), "r")  # no retry budget: forever, but not this
    assert (await relay.run_once()).dead == 1
    assert (await relay.run_once(due_by=FAR_FUTURE)).claimed == 0
    async with sessions[0]() as s:
        row = await s.scalar(select(Outbox).where(Outbox.event_id == event_id))
    assert (row.attempts, row.dead_at is not None, row.last_error) == (1, True, "DeliveryFailed: unprocessable")


async def test_a_delivery_carries_the_request_id_of_the_change(sessions):
    from qq_kernel.request_id import current_request_id, reset_request_id, set_request_id

    destination = f"t-{uuid.uuid4().hex[:12]}"
    token = set_request_id("req-of-the-acceptance")
    try:
        [event_id] = await _produce(sessions[0], destination, 1, keys=0)
    finally:
        reset_request_id(token)
    seen = []

    async def deliver(event):
        seen.append((event.event_id, current_request_id()))

    await _relay(sessions[0], Destination(destination, deliver), "r").run_once()
    assert seen == [(event_id, "req-of-the-acceptance")]
    assert current_request_id() is None

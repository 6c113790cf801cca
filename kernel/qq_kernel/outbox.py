"""Transactional outbox: events written in the producer's own transaction, delivered by a relay.

A producer calls :func:`enqueue` with the session of the change that causes the event: the event
row commits or rolls back with that change, so there is no event without its change and no
change without its event (never "commit, then send"). A relay (:class:`Relay`, one per replica,
any number of replicas) delivers the rows over HTTP to their *destination*, marks them done and
keeps every attempt; a failure is retried with exponential backoff.

Several relays share one outbox through PostgreSQL row locks: a relay claims a batch with
``SELECT ... FOR UPDATE SKIP LOCKED`` and keeps the lock (its transaction open) while it delivers
the batch, then writes the outcome and commits. Another relay skips the locked rows and takes the
next ones, so no event is delivered twice by two live relays; an event is only ever left behind
while it is locked or waiting for its backoff, so none is skipped. If a relay dies mid-batch, its
transaction rolls back and the batch is claimed again: delivery is *at least once*, and each
event carries a stable ``event_id`` its consumer is idempotent on (docs/architecture.md, "Outbox").

Events with the same ``ordering_key`` on a destination are delivered in the order they were
written: only the oldest undelivered one of a key can be claimed, the next one waits until it is
done (a callback of complaint X never overtakes an earlier one of complaint X; a complaint that
waits never holds up another).

Each service adds the two tables to its schema (:class:`OutboxMixin`, :class:`OutboxAttemptMixin`,
:func:`create_outbox_tables` in a migration) and declares its destinations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import BigInteger, DateTime, Index, Integer, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from qq_kernel.request_id import current_request_id, set_request_id

log = logging.getLogger("qq.outbox")

OUTBOX_TABLE = "outbox"
ATTEMPT_TABLE = "outbox_attempt"


class OutboxMixin:
    """Columns of ``outbox``; each service's Base makes the table in its own schema."""

    __tablename__ = OUTBOX_TABLE

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return outbox_indexes()

    # The order events were written in (a sequence): batches and ordering keys follow it.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    # What the consumer is idempotent on: the same event redelivered carries the same id.
    event_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    destination: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    # Events of one key on one destination are delivered one after the other, in id order.
    ordering_key: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[dict] = mapped_column(JSONB, nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    # Not claimable before this moment (backoff after a failed attempt).
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Given up after the destination's retry budget (a dead letter; requeue clears it).
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def outbox_indexes(table: str = OUTBOX_TABLE) -> tuple:
    pending = text("delivered_at IS NULL AND dead_at IS NULL")
    return (
        # The claim: the pending rows of a destination in id order (stays small: delivered rows leave it).
        Index(f"ix_{table}_pending", "destination", "id", postgresql_where=pending),
        # The ordering check: is there an older pending row of this key?
        Index(f"ix_{table}_pending_key", "destination", "ordering_key", "id", postgresql_where=pending),
        # Events of one subject (a complaint's callbacks, shown to the office).
        Index(f"ix_{table}_key", "ordering_key", "id"),
    )


class OutboxAttemptMixin:
    """One row per delivery attempt, whatever its outcome (kept, like the audit trail)."""

    __tablename__ = ATTEMPT_TABLE

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (Index(f"ix_{ATTEMPT_TABLE}_outbox", "outbox_id", "attempt"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)  # delivered | failed | dead
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    relay: Mapped[str | None] = mapped_column(String(64))


def create_outbox_tables(op, schema: str) -> None:
    """The migration of a service that adds the outbox (same DDL as the mixins)."""
    op.create_table(
        OUTBOX_TABLE,
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("ordering_key", sa.String(128)),
        sa.Column("payload", JSONB(), nullable=False),
        sa.Column("request_id", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("dead_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name=f"pk_{OUTBOX_TABLE}"),
        sa.UniqueConstraint("event_id", name=f"uq_{OUTBOX_TABLE}_event_id"),
        schema=schema,
    )
    pending = sa.text("delivered_at IS NULL AND dead_at IS NULL")
    op.create_index(
        f"ix_{OUTBOX_TABLE}_pending", OUTBOX_TABLE, ["destination", "id"], schema=schema, postgresql_where=pending
    )
    op.create_index(
        f"ix_{OUTBOX_TABLE}_pending_key",
        OUTBOX_TABLE,
        ["destination", "ordering_key", "id"],
        schema=schema,
        postgresql_where=pending,
    )
    op.create_index(f"ix_{OUTBOX_TABLE}_key", OUTBOX_TABLE, ["ordering_key", "id"], schema=schema)
    op.create_table(
        ATTEMPT_TABLE,
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("outbox_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("error", sa.String(500)),
        sa.Column("relay", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name=f"pk_{ATTEMPT_TABLE}"),
        schema=schema,
    )
    op.create_index(f"ix_{ATTEMPT_TABLE}_outbox", ATTEMPT_TABLE, ["outbox_id", "attempt"], schema=schema)


def drop_outbox_tables(op, schema: str) -> None:
    op.drop_table(ATTEMPT_TABLE, schema=schema)
    op.drop_table(OUTBOX_TABLE, schema=schema)


async def enqueue(
    session: AsyncSession,
    model: type,
    *,
    destination: str,
    kind: str,
    payload: dict[str, Any],
    ordering_key: str | None = None,
    event_id: str | None = None,
) -> str:
    """Add an event to the caller's session: it is flushed and committed with the change that
    caused it, by the caller's own commit (or rolled back with it). Returns its event id.
    ``payload`` must be JSON (strings for money and dates)."""
    event_id = event_id or str(uuid.uuid4())
    session.add(
        model(
            event_id=event_id,
            destination=destination,
            kind=kind,
            ordering_key=ordering_key,
            payload=payload,
            request_id=current_request_id(),
        )
    )
    return event_id


# ---------------------------------------------------------------- delivery


@dataclass(frozen=True)
class OutboxEvent:
    """What a destination's ``deliver`` gets: a claimed row, read-only."""

    id: int
    event_id: str
    destination: str
    kind: str
    ordering_key: str | None
    payload: dict[str, Any]
    request_id: str | None
    created_at: datetime
    attempt: int  # 1 for the first attempt


class DeliveryFailed(Exception):
    """A delivery that did not succeed; ``status_code`` when the other side answered.
    ``permanent``: retrying cannot help (the consumer refused the event itself): a dead letter at
    once, whatever the retry budget."""

    def __init__(self, message: str, *, status_code: int | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.permanent = permanent


@dataclass(frozen=True)
class Destination:
    """Where events of one ``destination`` name go and how.

    ``deliver(event)`` does the sending (HTTP); it returns a result, or raises (any exception is a
    failed attempt, :class:`DeliveryFailed` may carry the answer's status). Or ``deliver_batch(events)``
    sends a whole claimed batch in one call (a consumer that takes many events per request, like
    notify-api) and returns ``{event_id: result or exception}``; an event missing from the answer
    failed. ``on_delivered(session,
    event, result)`` runs after a success in the relay's transaction, the one that marks the
    event done: what the service keeps of the outcome commits together with "delivered".
    ``max_attempts`` None retries forever (until acknowledged); otherwise the event becomes a
    dead letter after that many failures."""

    name: str
    deliver: Callable[[OutboxEvent], Awaitable[Any]] | None = None
    on_delivered: Callable[[AsyncSession, OutboxEvent, Any], Awaitable[None]] | None = None
    max_attempts: int | None = None
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 600.0
    batch_size: int = 50
    concurrency: int = 10
    deliver_batch: Callable[[list[OutboxEvent]], Awaitable[dict[str, Any]]] | None = None

    def __post_init__(self) -> None:
        if (self.deliver is None) == (self.deliver_batch is None):
            raise ValueError(f"destination {self.name}: give deliver or deliver_batch, one of them")

    def backoff(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds before attempt ``attempts + 1``: base·2^(attempts−1), capped, ±20 % jitter so
        that events failed together do not all come back in the same instant."""
        delay = min(self.backoff_base_seconds * (2 ** max(attempts - 1, 0)), self.backoff_max_seconds)
        return delay * (0.8 + 0.4 * (rng or random).random())


@dataclass
class RelayStats:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    by_destination: dict[str, int] = field(default_factory=dict)

    def add(self, other: RelayStats) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.failed += other.failed
        self.dead += other.dead
        for k, v in other.by_destination.items():
            self.by_destination[k] = self.by_destination.get(k, 0) + v


def _claim_sql(table: str) -> str:
    # Only the oldest pending row of an ordering key is claimable; rows locked by another relay
    # are skipped (not waited for). The outer ORDER BY keeps delivery in id order inside a batch.
    return f"""
SELECT o.id, o.event_id, o.destination, o.kind, o.ordering_key, o.payload, o.request_id, o.created_at, o.attempts
FROM {table} o
WHERE o.destination = :destination
  AND o.delivered_at IS NULL AND o.dead_at IS NULL
  AND o.available_at <= coalesce(CAST(:due_by AS timestamptz), now())
  AND (o.ordering_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM {table} p
        WHERE p.destination = o.destination AND p.ordering_key = o.ordering_key AND p.id < o.id
          AND p.delivered_at IS NULL AND p.dead_at IS NULL))
ORDER BY o.id
LIMIT :limit
FOR UPDATE OF o SKIP LOCKED
"""


_MARK_SQL = """
UPDATE {table} o SET
    attempts = v.attempts,
    last_error = v.error,
    delivered_at = CASE WHEN v.outcome = 'delivered' THEN now() END,
    dead_at = CASE WHEN v.outcome = 'dead' THEN now() END,
    available_at = CASE WHEN v.outcome = 'failed' THEN now() + make_interval(secs => v.delay) ELSE o.available_at END
FROM unnest(CAST(:ids AS bigint[]), CAST(:attempts AS int[]), CAST(:errors AS varchar[]),
            CAST(:outcomes AS varchar[]), CAST(:delays AS float8[])) AS v(id, attempts, error, outcome, delay)
WHERE o.id = v.id
"""


class OutboxMetrics:
    """Outbox figures on the service's Prometheus registry. The lag (age of the oldest undelivered
    event per destination) is computed at scrape time from what the relay last read, so it keeps
    growing while nothing is delivered."""

    def __init__(self, registry: CollectorRegistry, service: str) -> None:
        self.service = service
        self.oldest: dict[str, float | None] = {}
        self.pending: dict[str, int] = {}
        self.delivered = Counter(
            "qq_outbox_delivered_total", "Outbox events delivered", ["service", "destination"], registry=registry
        )
        self.failures = Counter(
            "qq_outbox_failed_attempts_total",
            "Outbox delivery attempts that failed",
            ["service", "destination"],
            registry=registry,
        )
        registry.register(self)

    def describe(self):
        return []

    def collect(self):
        lag = GaugeMetricFamily(
            "qq_outbox_lag_seconds", "Age of the oldest undelivered outbox event", labels=["service", "destination"]
        )
        pending = GaugeMetricFamily(
            "qq_outbox_pending_events", "Outbox events not yet delivered", labels=["service", "destination"]
        )
        now = time.time()
        for destination, oldest in sorted(self.oldest.items()):
            lag.add_metric([self.service, destination], max(0.0, now - oldest) if oldest else 0.0)
            pending.add_metric([self.service, destination], self.pending.get(destination, 0))
        yield lag
        yield pending


class Relay:
    """Delivers one service's outbox. Run :meth:`run_once` (tests, a worker) or :meth:`start`
    (a background task in the service process; every replica runs one)."""

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        outbox_model: type,
        attempt_model: type,
        destinations: Iterable[Destination],
        name: str | None = None,
        metrics: OutboxMetrics | None = None,
    ) -> None:
        self.sessions = session_factory
        self.outbox = outbox_model
        self.attempt_model = attempt_model
        self.destinations = {d.name: d for d in destinations}
        self.name = name or f"relay-{uuid.uuid4().hex[:8]}"
        self.metrics = metrics
        self._table = outbox_model.__table__.fullname
        self._task: asyncio.Task | None = None

    async def run_once(
        self, *, destinations: Sequence[str] | None = None, due_by: datetime | None = None
    ) -> RelayStats:
        """One batch per destination. ``due_by``: claim events waiting for their backoff until
        then too (tests; "retry now")."""
        stats = RelayStats()
        for name in destinations or list(self.destinations):
            stats.add(await self._batch(self.destinations[name], due_by))
        return stats

    async def drain(
        self, *, destinations: Sequence[str] | None = None, due_by: datetime | None = None, max_rounds: int = 1000
    ) -> RelayStats:
        """Batches until a round claims nothing (everything due delivered or failed once more)."""
        total = RelayStats()
        for _ in range(max_rounds):
            stats = await self.run_once(destinations=destinations, due_by=due_by)
            total.add(stats)
            if stats.claimed == 0 or stats.delivered == 0:
                break
        return total

    async def _batch(self, destination: Destination, due_by: datetime | None) -> RelayStats:
        stats = RelayStats()
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    text(_claim_sql(self._table)),
                    {"destination": destination.name, "due_by": due_by, "limit": destination.batch_size},
                )
            ).all()
            if not rows:
                await session.rollback()
                return stats
            events = [
                OutboxEvent(
                    id=r.id,
                    event_id=r.event_id,
                    destination=r.destination,
                    kind=r.kind,
                    ordering_key=r.ordering_key,
                    payload=r.payload,
                    request_id=r.request_id,
                    created_at=r.created_at,
                    attempt=r.attempts + 1,
                )
                for r in rows
            ]
            stats.claimed = len(events)
            semaphore = asyncio.Semaphore(destination.concurrency)

            async def attempt(event: OutboxEvent):
                # Each attempt is its own task: the request id of the change that wrote the event
                # goes with the calls it makes (logs of both services line up).
                set_request_id(event.request_id or event.event_id)
                async with semaphore:
                    started, t0 = datetime.now(UTC), time.perf_counter()
                    try:
                        result = await destination.deliver(event)
                        return event, started, time.perf_counter() - t0, result, None
                    except Exception as exc:  # any failure is an attempt to record and retry
                        return event, started, time.perf_counter() - t0, None, exc

            if destination.deliver_batch is not None:
                outcomes = await self._batch_attempt(destination, events)
            else:
                outcomes = await asyncio.gather(*(attempt(e) for e in events))
            marks: list[dict[str, Any]] = []
            for event, started, seconds, result, error in outcomes:
                if error is None:
                    if destination.on_delivered is not None:
                        await destination.on_delivered(session, event, result)
                    marks.append(self._mark(event, started, seconds, "delivered"))
                    stats.delivered += 1
                else:
                    dead = getattr(error, "permanent", False) or (
                        destination.max_attempts is not None and event.attempt >= destination.max_attempts
                    )
                    marks.append(
                        self._mark(
                            event,
                            started,
                            seconds,
                            "dead" if dead else "failed",
                            error=error,
                            retry_in=0.0 if dead else destination.backoff(event.attempt),
                        )
                    )
                    stats.failed += 1
                    stats.dead += int(dead)
                    log.warning(
                        "outbox delivery failed",
                        extra={"destination": destination.name, "event_id": event.event_id, "error": str(error)[:200]},
                    )
            await self._write_marks(session, marks)
            await session.commit()
        stats.by_destination[destination.name] = stats.delivered
        if self.metrics is not None:
            self.metrics.delivered.labels(self.metrics.service, destination.name).inc(stats.delivered)
            self.metrics.failures.labels(self.metrics.service, destination.name).inc(stats.failed)
        return stats

    @staticmethod
    async def _batch_attempt(destination: Destination, events: list[OutboxEvent]) -> list[tuple]:
        started, t0 = datetime.now(UTC), time.perf_counter()
        try:
            answers = await destination.deliver_batch(events)
        except Exception as exc:  # the whole batch failed (no answer): each event records it
            answers = {e.event_id: exc for e in events}
        seconds = time.perf_counter() - t0
        outcomes = []
        for event in events:
            answer = answers.get(event.event_id, DeliveryFailed("no answer for this event in the batch"))
            if isinstance(answer, BaseException):
                outcomes.append((event, started, seconds, None, answer))
            else:
                outcomes.append((event, started, seconds, answer, None))
        return outcomes

    def _mark(
        self,
        event: OutboxEvent,
        started: datetime,
        seconds: float,
        outcome: str,
        *,
        error: BaseException | None = None,
        retry_in: float = 0.0,
    ) -> dict[str, Any]:
        return {
            "outbox_id": event.id,
            "event_id": event.event_id,
            "attempt": event.attempt,
            "started_at": started,
            "duration_ms": int(seconds * 1000),
            "outcome": outcome,
            "status_code": getattr(error, "status_code", None),
            "error": None if error is None else (f"{type(error).__name__}: {error}")[:500],
            "relay": self.name,
            "retry_in": retry_in,
        }

    async def _write_marks(self, session: AsyncSession, marks: list[dict[str, Any]]) -> None:
        """The outcome of a whole batch in two statements (an UPDATE over the unnested outcomes,
        one multi-row INSERT of the attempts), not two per event: the batch's transaction holds
        its row locks until this commits."""
        if not marks:
            return
        await session.execute(
            text(_MARK_SQL.format(table=self._table)),
            {
                "ids": [m["outbox_id"] for m in marks],
                "attempts": [m["attempt"] for m in marks],
                "errors": [m["error"] for m in marks],
                "outcomes": [m["outcome"] for m in marks],
                "delays": [m["retry_in"] for m in marks],
            },
        )
        await session.execute(
            sa.insert(self.attempt_model), [{k: v for k, v in m.items() if k != "retry_in"} for m in marks]
        )

    async def refresh_metrics(self) -> None:
        """Read the oldest undelivered event and the pending count per destination."""
        if self.metrics is None:
            return
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    text(
                        f"SELECT destination, min(created_at), count(*) FROM {self._table}"
                        " WHERE delivered_at IS NULL AND dead_at IS NULL GROUP BY destination"
                    )
                )
            ).all()
        found = {d: (oldest.timestamp(), n) for d, oldest, n in rows}
        for name in self.destinations:
            oldest, n = found.get(name, (None, 0))
            self.metrics.oldest[name] = oldest
            self.metrics.pending[name] = n

    async def _loop(self, poll_seconds: float) -> None:
        while True:
            try:
                stats = await self.run_once()
                await self.refresh_metrics()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay round failed", extra={"relay": self.name})
                stats = RelayStats()
            # A full batch means more are waiting: go on at once; otherwise poll.
            full = any(stats.by_destination.get(d.name, 0) >= d.batch_size for d in self.destinations.values())
            if not full:
                await asyncio.sleep(poll_seconds)

    def start(self, poll_seconds: float = 1.0) -> None:
        self._task = asyncio.create_task(self._loop(poll_seconds), name=f"outbox:{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def relay_hooks(
    outbox_model: type,
    attempt_model: type,
    make_destinations: Callable[[FastAPI], Iterable[Destination]],
    *,
    poll_seconds: float = 1.0,
) -> tuple[Callable[[FastAPI], Awaitable[None]], Callable[[FastAPI], Awaitable[None]]]:
    """(startup, shutdown) hooks for ``create_service_app``: ``app.state.outbox_relay`` is the
    service's relay (tests call ``run_once``); its loop runs only with ``scheduled_jobs`` on."""

    async def start(app: FastAPI) -> None:
        metrics = getattr(app.state, "outbox_metrics", None)
        if metrics is None:
            metrics = OutboxMetrics(app.state.metrics.registry, app.state.settings.service_name)
            app.state.outbox_metrics = metrics
        relay = Relay(
            session_factory=app.state.session_factory,
            outbox_model=outbox_model,
            attempt_model=attempt_model,
            destinations=make_destinations(app),
            metrics=metrics,
        )
        app.state.outbox_relay = relay
        if app.state.settings.scheduled_jobs:
            relay.start(poll_seconds)

    async def stop(app: FastAPI) -> None:
        relay: Relay | None = getattr(app.state, "outbox_relay", None)
        if relay is not None:
            await relay.stop()

    return start, stop

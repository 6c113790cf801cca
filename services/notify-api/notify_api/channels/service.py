"""Deliveries on e-mail, webhook and SMS: written with the notifications (one per notification and
channel the person has a contact on), sent by any number of replicas (each claims a batch with
``FOR UPDATE SKIP LOCKED`` and keeps the lock while sending), retried with exponential backoff,
every attempt logged, a dead letter after ``delivery_max_attempts``; admins requeue dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notify_api.channels import preferences, senders
from notify_api.channels.models import Contact, Delivery, DeliveryAttempt
from notify_api.inbox.models import Notification
from qq_kernel.db import insert_ignoring_conflicts

log = logging.getLogger("notify_api.channels")
SEND_BATCH = 50


async def add_deliveries(
    session: AsyncSession, event_ids: Sequence[str], roles: dict[str, frozenset[str]] | None = None
) -> None:
    """In the fan-out's transaction: a delivery for each new notification of ``event_ids`` on each
    channel its recipient has an active contact on and wants it on (preferences over role
    defaults; mandatory kinds always). ``roles``: the recipients' roles (for the defaults)."""
    if not event_ids:
        return
    roles = roles or {}
    rows = await session.execute(
        select(Notification.id, Notification.event_id, Notification.user_id, Notification.kind, Contact)
        .join(Contact, Contact.user_id == Notification.user_id)
        .where(Notification.event_id.in_(event_ids), Contact.active.is_(True))
    )
    values = [
        {
            "notification_id": n_id,
            "event_id": event_id,
            "user_id": user_id,
            "kind": kind,
            "channel": contact.channel,
            "address": contact.address,
            "format": contact.format,
        }
        for n_id, event_id, user_id, kind, contact in rows
    ]
    chosen = await preferences.choices(session, list({v["user_id"] for v in values}))
    values = [
        v
        for v in values
        if preferences.wanted(v["kind"], v["channel"], v["user_id"], roles.get(v["user_id"], frozenset()), chosen)
    ]
    if values:
        await insert_ignoring_conflicts(session, Delivery, values)


async def _send(app: FastAPI, delivery: Delivery, note: Notification) -> None:
    settings = app.state.settings
    if delivery.channel == "email":
        await senders.send_email(settings, delivery.address, note.title, note.body)
    elif delivery.channel == "webhook":
        payload = {
            "id": delivery.id,
            "event_id": delivery.event_id,
            "kind": delivery.kind,
            "title": note.title,
            "body": note.body,
            "link": note.link,
        }
        await senders.send_webhook(app.state.outbound_http, settings, delivery.address, delivery.format, payload)
    elif delivery.channel == "sms":
        await senders.send_sms(
            app.state.outbound_http, settings, delivery.address, f"【{settings.sms_sign_name}】{note.title}"
        )
    else:
        raise RuntimeError(f"unknown channel {delivery.channel}")


def backoff(settings, attempts: int) -> float:
    return settings.delivery_backoff_base_seconds * (2 ** max(attempts - 1, 0)) * (0.8 + 0.4 * random.random())  # noqa: S311  (jitter, not a secret)


async def send_due(app: FastAPI, *, due_by: datetime | None = None) -> dict[str, int]:
    """One batch of due deliveries. ``due_by``: also those waiting for their backoff (tests)."""
    settings = app.state.settings
    counts = {"claimed": 0, "sent": 0, "failed": 0, "dead": 0}
    async with app.state.session_factory() as session:
        deliveries = list(
            await session.scalars(
                select(Delivery)
                .where(Delivery.status == "pending", Delivery.available_at <= (due_by or func.now()))
                .order_by(Delivery.id)
                .limit(SEND_BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        if not deliveries:
            return counts
        notes = {
            n.id: n
            for n in await session.scalars(
                select(Notification).where(Notification.id.in_([d.notification_id for d in deliveries]))
            )
        }
        counts["claimed"] = len(deliveries)

        async def attempt(d: Delivery) -> BaseException | None:
            try:
                await _send(app, d, notes[d.notification_id])
                return None
            except Exception as exc:  # any failure is an attempt to log and retry
                return exc

        outcomes = await asyncio.gather(*(attempt(d) for d in deliveries))
        now = datetime.now(UTC)
        for d, error in zip(deliveries, outcomes, strict=True):
            d.attempts += 1
            if error is None:
                d.status, d.sent_at, d.last_error, outcome = "sent", now, None, "sent"
                counts["sent"] += 1
            else:
                d.last_error = f"{type(error).__name__}: {error}"[:500]
                counts["failed"] += 1
                if d.attempts >= settings.delivery_max_attempts:
                    d.status, d.dead_at, outcome = "dead", now, "dead"
                    counts["dead"] += 1
                else:
                    d.available_at, outcome = now + timedelta(seconds=backoff(settings, d.attempts)), "failed"
            session.add(DeliveryAttempt(delivery_id=d.id, attempt=d.attempts, outcome=outcome, error=d.last_error))
        await session.commit()
    return counts


async def requeue(session: AsyncSession, ids: Sequence[int]) -> list[int]:
    """Dead letters back to pending (a fresh retry budget); returns the ids requeued."""
    requeued = list(
        await session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(list(ids)), Delivery.status == "dead")
            .values(status="pending", attempts=0, available_at=func.now(), dead_at=None)
            .returning(Delivery.id)
        )
    )
    if requeued:
        await session.execute(
            insert(DeliveryAttempt).values(
                [{"delivery_id": i, "attempt": 0, "outcome": "requeued", "error": None} for i in requeued]
            )
        )
    await session.commit()
    return requeued


async def _loop(app: FastAPI, poll_seconds: float) -> None:
    while True:
        try:
            counts = await send_due(app)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivery round failed")
            counts = {"claimed": 0}
        if counts["claimed"] < SEND_BATCH:
            await asyncio.sleep(poll_seconds)


async def start_sender(app: FastAPI) -> None:
    # Outbound calls go to outside addresses, without the service identity.
    app.state.outbound_http = httpx.AsyncClient(timeout=app.state.settings.http_timeout_seconds)
    app.state.sender_task = (
        asyncio.create_task(_loop(app, 1.0), name="notify:deliveries") if app.state.settings.scheduled_jobs else None
    )


async def stop_sender(app: FastAPI) -> None:
    task = getattr(app.state, "sender_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    client = getattr(app.state, "outbound_http", None)
    if client is not None:
        await client.aclose()

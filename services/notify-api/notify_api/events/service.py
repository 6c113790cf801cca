"""Events in, notifications out.

:func:`store` keeps each delivered event once: ``INSERT ... ON CONFLICT (event_id) DO NOTHING``
in one statement per batch, so a batch redelivered after a lost answer, or delivered by two relays
racing to two notify-api replicas, stores nothing twice.

:func:`fan_out` turns stored events into inbox notifications. Any number of replicas run it: each
claims a batch of pending events with ``FOR UPDATE SKIP LOCKED``, resolves their recipients (over
HTTP, cached), writes the notifications (unique per event and person) and marks the events done in
the same transaction. A replica that dies mid-batch rolls back and the batch is claimed again."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notify_api.channels import service as channels
from notify_api.events import schemas
from notify_api.events.models import Event
from notify_api.events.texts import render
from notify_api.inbox.models import Notification
from notify_api.recipients.service import Directory, RecipientsUnavailable, choose
from qq_kernel.db import insert_ignoring_conflicts

log = logging.getLogger("notify_api.events")
FAN_OUT_BATCH = 200


async def store(session: AsyncSession, batch: schemas.EventBatchIn) -> list[schemas.EventResult]:
    if not batch.events:
        return []
    rows = [e.model_dump() for e in batch.events]
    stored = set(
        await session.scalars(
            insert(Event).values(rows).on_conflict_do_nothing(index_elements=["event_id"]).returning(Event.event_id)
        )
    )
    await session.commit()
    return [schemas.EventResult(event_id=e.event_id, stored=e.event_id in stored) for e in batch.events]


async def fan_out(session_factory: async_sessionmaker[AsyncSession], directory: Directory) -> int:
    """One batch of pending events to the inbox. Returns how many events were fanned out."""
    async with session_factory() as session:
        events = list(
            await session.scalars(
                select(Event)
                .where(Event.fanned_out_at.is_(None))
                .order_by(Event.received_at, Event.event_id)
                .limit(FAN_OUT_BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        if not events:
            return 0
        rows: list[dict] = []
        done: list[str] = []
        roles: dict[str, frozenset[str]] = {}
        for event in events:
            payload = event.payload
            # No unit (a candidate proposed for a region): only region-scoped people see it.
            unit_id = payload.get("responsible_unit_id") or payload.get("unit_id") or ""
            region_path = payload.get("region_path")
            if region_path:
                try:
                    people = await directory.seeing(unit_id, region_path)
                except RecipientsUnavailable as exc:
                    # Left pending (not marked): the next round tries again.
                    log.warning("recipients unavailable", extra={"event_id": event.event_id, "error": str(exc)})
                    continue
                chosen = choose(
                    event.kind, people, unit_id=unit_id, responsible_person_id=payload.get("responsible_person_id")
                )
            else:
                chosen = []
            title, body, link = render(event.kind, payload)
            for person in chosen:
                roles[person.id] = person.roles
                rows.append(
                    {
                        "event_id": event.event_id,
                        "user_id": person.id,
                        "kind": event.kind,
                        "title": title,
                        "body": body,
                        "link": link,
                        "item_id": payload.get("item_id"),
                        "complaint_id": payload.get("complaint_id"),
                    }
                )
            done.append(event.event_id)
        if rows:
            await insert_ignoring_conflicts(session, Notification, rows)
            await channels.add_deliveries(session, done, roles)
        if done:
            await session.execute(update(Event).where(Event.event_id.in_(done)).values(fanned_out_at=func.now()))
        await session.commit()
        return len(done)


async def drain(session_factory: async_sessionmaker[AsyncSession], directory: Directory) -> int:
    total = 0
    while n := await fan_out(session_factory, directory):
        total += n
    return total


async def _loop(app: FastAPI, poll_seconds: float) -> None:
    while True:
        try:
            n = await fan_out(app.state.session_factory, app.state.directory)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("fan-out round failed")
            n = 0
        if n < FAN_OUT_BATCH:
            await asyncio.sleep(poll_seconds)


async def start_fan_out(app: FastAPI) -> None:
    app.state.directory = Directory(app.state.http, max_age=app.state.settings.recipients_max_age_seconds)
    app.state.fan_out_task = None
    if app.state.settings.scheduled_jobs:
        app.state.fan_out_task = asyncio.create_task(_loop(app, 0.2), name="notify:fan-out")


async def stop_fan_out(app: FastAPI) -> None:
    task = getattr(app.state, "fan_out_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

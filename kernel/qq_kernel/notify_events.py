"""Sending events to notify-api: the outbox destination every producing service declares.

notify-api takes a whole claimed batch per request (POST /api/notify/internal/events, with the
producer's service identity) and answers per event: stored now or already stored (it is
idempotent on the event id, so a batch redelivered after a lost answer stores nothing twice)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from qq_kernel.outbox import DeliveryFailed, Destination, OutboxEvent

INGEST_PATH = "/api/notify/internal/events"
NOTIFY = "notify"  # the destination's name in every producer's outbox


def notify_destination(app: FastAPI, source: str) -> Destination:
    async def deliver_batch(events: list[OutboxEvent]) -> dict[str, Any]:
        body = {
            "events": [
                {
                    "event_id": e.event_id,
                    "kind": e.kind,
                    "source": source,
                    "occurred_at": e.created_at.isoformat(),
                    "payload": e.payload,
                }
                for e in events
            ]
        }
        try:
            # app.state.http authenticates as the service itself.
            response = await app.state.http.post(INGEST_PATH, json=body)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"notify-api unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise DeliveryFailed(
                f"notify-api: {response.status_code} {response.text[:300]}", status_code=response.status_code
            )
        return {r["event_id"]: r for r in response.json()["results"]}

    # Retried until notify-api takes them (no dead letters: a notification is never given up).
    return Destination(name=NOTIFY, deliver_batch=deliver_batch, batch_size=500, backoff_max_seconds=60.0)

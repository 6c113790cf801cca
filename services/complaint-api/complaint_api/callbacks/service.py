"""Callbacks to the complaint platform: every status change of a complaint it sent us, signed,
in order, retried until acknowledged.

A status change writes its callback into the outbox in the transition's own transaction
(:func:`enqueue_status_change`), with the complaint as ordering key: the relay delivers the
callbacks of one complaint strictly one after the other (a later one waits until the earlier one
is acknowledged), those of different complaints independently. Any 2xx acknowledges; anything
else, or no answer, is retried with exponential backoff (capped at 10 minutes) for as long as it
takes. Every attempt is kept (``outbox_attempt``) and shown to the office.

Signature (docs/api.md, "Callbacks"): ``X-QQ-Signature: sha256=<hex>`` where ``<hex>`` is
HMAC-SHA256 with the account's secret over ``<X-QQ-Timestamp>.<raw body>``; the timestamp is
Unix seconds at the attempt, so the receiver rejects stale ones (replay) and a retry carries a
fresh signature. The body is fixed when the change happens and carries ``event_id`` and the
complaint's ``sequence``: a receiver deduplicates on the first and sees gaps with the second.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.callbacks import schemas
from complaint_api.callbacks.models import CallbackEndpoint
from complaint_api.complaints.models import Complaint
from complaint_api.complaints.states import STATE_LABELS, State
from complaint_api.outbox.models import CALLBACK, Outbox, OutboxAttempt
from qq_kernel import outbox
from qq_kernel.outbox import DeliveryFailed, Destination, OutboxEvent

# What the platform hears of: every state but the internal reshuffle of a misrouted complaint
# (returned to the office and reassigned; the platform sees the new assignment).
CALLBACK_STATES = frozenset(State) - {State.returned}
SECRET_PREFIX = "qqcb_"


# ---------------------------------------------------------------- secrets and signatures


def _fernet(sealing_key: str) -> Fernet:
    key = hmac.new(sealing_key.encode(), b"qingqian:callback-secrets", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def seal(sealing_key: str, secret: str) -> str:
    return _fernet(sealing_key).encrypt(secret.encode()).decode()


def unseal(sealing_key: str, ciphertext: str) -> str:
    return _fernet(sealing_key).decrypt(ciphertext.encode()).decode()


def canonical_body(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 over ``<timestamp>.<body>``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


# ---------------------------------------------------------------- producing


async def enqueue_status_change(
    session: AsyncSession, complaint: Complaint, *, action: str, from_status: str | None
) -> str | None:
    """In the transition's transaction: the callback of this change, when the complaint came
    from the platform, its account has a callback endpoint, and the platform should hear of it."""
    if complaint.source != "platform" or complaint.integration_account_id is None:
        return None
    if complaint.status == from_status or complaint.status not in CALLBACK_STATES:
        return None
    endpoint = await session.get(CallbackEndpoint, complaint.integration_account_id)
    if endpoint is None or not endpoint.enabled:
        return None
    # The complaint row is locked by the transition: the count cannot race.
    sent = await session.scalar(
        select(func.count())
        .select_from(Outbox)
        .where(Outbox.destination == CALLBACK, Outbox.ordering_key == complaint.id)
    )
    event_id = str(uuid.uuid4())
    body = {
        "event_id": event_id,
        "event": "complaint.status_changed",
        "sequence": sent + 1,
        "complaint_id": complaint.id,
        "complaint_no": complaint.complaint_no,
        "platform_complaint_id": complaint.platform_complaint_id,
        "status": complaint.status,
        "status_label": STATE_LABELS[State(complaint.status)],
        "previous_status": from_status,
        "action": action,
        "occurred_at": datetime.now(UTC).isoformat(),
        **_details(complaint),
    }
    return await outbox.enqueue(
        session,
        Outbox,
        destination=CALLBACK,
        kind="complaint.status_changed",
        payload={"account_id": complaint.integration_account_id, "body": body},
        ordering_key=complaint.id,
        event_id=event_id,
    )


def _details(c: Complaint) -> dict[str, Any]:
    """What the complainant is owed with some of the changes."""
    if c.status == State.not_accepted:
        return {"not_accepted_reason": c.not_accepted_reason, "explanation": c.not_accepted_explanation}
    if c.status == State.replied:
        return {"result": c.reply_text, "replied_on": c.replied_on.isoformat() if c.replied_on else None}
    if c.status in (State.revisited, State.dissatisfied):
        return {"satisfaction": c.satisfaction}
    return {}


# ---------------------------------------------------------------- delivering


def destination(app: FastAPI) -> Destination:
    """The ``callback`` destination of this service's relay. Its own HTTP client: the platform is
    outside, not behind our gateway."""
    settings = app.state.settings

    def client() -> httpx.AsyncClient:
        if getattr(app.state, "callback_http", None) is None:
            app.state.callback_http = httpx.AsyncClient(
                timeout=httpx.Timeout(settings.http_timeout_seconds, connect=5.0), follow_redirects=False
            )
        return app.state.callback_http

    async def deliver(event: OutboxEvent) -> dict:
        async with app.state.session_factory() as session:
            endpoint = await session.get(CallbackEndpoint, event.payload["account_id"])
        if endpoint is None or not endpoint.enabled:
            raise DeliveryFailed("该对接账号的回调地址未配置或已停用")
        body = canonical_body(event.payload["body"])
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            schemas.EVENT_ID_HEADER: event.event_id,
            schemas.TIMESTAMP_HEADER: timestamp,
            schemas.SIGNATURE_HEADER: signature(
                unseal(settings.callback_sealing_key, endpoint.secret_ciphertext), timestamp, body
            ),
        }
        try:
            response = await client().post(endpoint.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"回调地址无法连接：{type(exc).__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"回调地址返回 {response.status_code}", status_code=response.status_code)
        return {"status_code": response.status_code}

    return Destination(CALLBACK, deliver, backoff_base_seconds=5.0, backoff_max_seconds=600.0)


async def close_client(app: FastAPI) -> None:
    if getattr(app.state, "callback_http", None) is not None:
        await app.state.callback_http.aclose()
        app.state.callback_http = None


# ---------------------------------------------------------------- reading


async def callbacks_of(session: AsyncSession, complaint_id: str) -> list[schemas.CallbackOut]:
    events = list(
        await session.scalars(
            select(Outbox)
            .where(Outbox.destination == CALLBACK, Outbox.ordering_key == complaint_id)
            .order_by(Outbox.id)
        )
    )
    attempts: dict[int, list[OutboxAttempt]] = {}
    if events:
        for a in await session.scalars(
            select(OutboxAttempt)
            .where(OutboxAttempt.outbox_id.in_([e.id for e in events]))
            .order_by(OutboxAttempt.outbox_id, OutboxAttempt.attempt)
        ):
            attempts.setdefault(a.outbox_id, []).append(a)
    return [
        schemas.CallbackOut(
            event_id=e.event_id,
            sequence=e.payload["body"]["sequence"],
            status=e.payload["body"]["status"],
            previous_status=e.payload["body"]["previous_status"],
            created_at=e.created_at,
            delivered_at=e.delivered_at,
            next_attempt_at=None if e.delivered_at else e.available_at,
            attempts=[
                schemas.CallbackAttemptOut(
                    attempt=a.attempt,
                    started_at=a.started_at,
                    duration_ms=a.duration_ms,
                    outcome=a.outcome,
                    status_code=a.status_code,
                    error=a.error,
                )
                for a in attempts.get(e.id, [])
            ],
        )
        for e in events
    ]

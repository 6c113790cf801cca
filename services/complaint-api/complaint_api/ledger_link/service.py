"""Linking an accepted complaint to the ledger, through the outbox.

Accepting a complaint enqueues one ``ledger_link`` event in the acceptance's own transaction
(:func:`enqueue_link`): the acceptance never waits for ledger-api and never fails because of it.
The relay then asks ledger-api, with this service's identity, to match the complaint
(``POST /api/ledger/complaint-links``, idempotent on the complaint id); when nothing matches it
proposes an off-ledger candidate (``POST /api/ledger/candidates``, idempotent on the complaint id
as ``source_ref``). While ledger-api is down the event is retried with backoff. The answer is
kept here (:class:`LedgerLink`) in the relay's transaction that marks the event delivered, with
a timeline entry. Both calls being idempotent on the complaint id on the ledger side, a
redelivery (a relay killed after ledger-api answered, before its commit) finds the first answer:
one link or one candidate per complaint, whatever the number of replicas or retries.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.complaints.models import Complaint
from complaint_api.complaints.service import record_event
from complaint_api.ledger_link import schemas
from complaint_api.ledger_link.models import LedgerLink
from complaint_api.outbox.models import LEDGER_LINK, Outbox
from qq_kernel import outbox
from qq_kernel.outbox import DeliveryFailed, Destination, OutboxEvent

MATCH_PATH = "/api/ledger/complaint-links"
CANDIDATE_PATH = "/api/ledger/candidates"


def link_request(complaint: Complaint) -> dict[str, Any]:
    """What ledger-api is asked, fixed when the complaint is accepted."""
    match = {
        "complaint_id": complaint.id,
        "complaint_no": complaint.complaint_no,
        "region_path": complaint.region_path,
        "respondent_name": complaint.respondent_name,
        "respondent_uscc": complaint.respondent_uscc,
        "complainant_name": complaint.complainant_name,
        "complainant_uscc": complaint.complainant_uscc,
        "contract_name": complaint.contract_name,
        "amount": f"{complaint.amount:.2f}",
    }
    candidate = {
        "source": "complaint",
        "source_ref": complaint.id,
        "region_path": complaint.region_path,
        "debtor_name": complaint.respondent_name,
        "debtor_uscc": complaint.respondent_uscc,
        "creditor_name": complaint.complainant_name,
        "creditor_uscc": complaint.complainant_uscc,
        "creditor_size": complaint.complainant_size,
        "amount": f"{complaint.amount:.2f}",
        "contract_name": complaint.contract_name,
        "facts": f"投诉编号 {complaint.complaint_no}：{complaint.facts}"[:4000],
    }
    return {"complaint_id": complaint.id, "match": match, "candidate": candidate}


async def enqueue_link(session: AsyncSession, complaint: Complaint) -> str:
    """In the acceptance's transaction: the link job of this complaint (one per complaint: the
    event id is derived from the complaint id, and the outbox's event ids are unique)."""
    return await outbox.enqueue(
        session,
        Outbox,
        destination=LEDGER_LINK,
        kind="complaint.accepted",
        payload=link_request(complaint),
        ordering_key=complaint.id,
        event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"qingqian:ledger-link:{complaint.id}")),
    )


async def _post(http: httpx.AsyncClient, path: str, body: dict) -> dict:
    try:
        response = await http.post(path, json=body)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"ledger-api unreachable: {type(exc).__name__}") from exc
    if response.status_code not in (200, 201):
        # ledger-api refused the request itself (a payload it cannot take): retrying cannot
        # help, the job becomes a dead letter the office sees; anything else is retried.
        permanent = response.status_code in (400, 404, 422)
        raise DeliveryFailed(
            f"ledger-api {path}: {response.status_code} {response.text[:300]}",
            status_code=response.status_code,
            permanent=permanent,
        )
    return response.json()


def destination(app: FastAPI) -> Destination:
    """The ``ledger_link`` destination of this service's relay."""

    async def deliver(event: OutboxEvent) -> dict:
        # app.state.http authenticates as complaint-api itself (service identity).
        match = await _post(app.state.http, MATCH_PATH, event.payload["match"])
        candidate = None
        if match["outcome"] == "unmatched":
            candidate = await _post(app.state.http, CANDIDATE_PATH, event.payload["candidate"])
        return {"match": match, "candidate": candidate}

    async def on_delivered(session: AsyncSession, event: OutboxEvent, result: dict) -> None:
        complaint_id = event.payload["complaint_id"]
        match, candidate = result["match"], result["candidate"]
        outcome = "candidate" if candidate is not None else "matched"
        inserted = await session.scalar(
            insert(LedgerLink)
            .values(
                complaint_id=complaint_id,
                outcome=outcome,
                matched_by=match.get("matched_by"),
                items=match["items"],
                candidate_id=candidate["id"] if candidate else None,
                event_id=event.event_id,
            )
            .on_conflict_do_nothing()
            .returning(LedgerLink.complaint_id)
        )
        if inserted is None:
            return
        complaint = await session.get(Complaint, complaint_id)
        data = (
            {
                "outcome": outcome,
                "item_ids": [i["item_id"] for i in match["items"]],
                "ledger_nos": [i["ledger_no"] for i in match["items"]],
            }
            if candidate is None
            else {"outcome": outcome, "candidate_id": candidate["id"]}
        )
        note = (
            f"已关联台账明细 {'、'.join(i['ledger_no'] for i in match['items'])}"
            if candidate is None
            else "台账中无此欠款，已提交为台账外欠款，待专班办公室确认"
        )
        await record_event(
            session, None, complaint, kind="ledger_linked", principal=None, before=None, note=note, data=data
        )

    return Destination(LEDGER_LINK, deliver, on_delivered, backoff_base_seconds=5.0, backoff_max_seconds=600.0)


async def link_state(session: AsyncSession, complaint: Complaint) -> schemas.LedgerLinkOut:
    link = await session.get(LedgerLink, complaint.id)
    if link is not None:
        return schemas.LedgerLinkOut(
            state="linked",
            outcome=link.outcome,
            matched_by=link.matched_by,
            items=[schemas.LinkedItem.model_validate(i) for i in link.items],
            candidate_id=link.candidate_id,
            linked_at=link.linked_at,
        )
    pending = await session.scalar(
        select(Outbox).where(Outbox.destination == LEDGER_LINK, Outbox.ordering_key == complaint.id).order_by(Outbox.id)
    )
    if pending is None:
        return schemas.LedgerLinkOut(state="not_applicable")
    return schemas.LedgerLinkOut(
        state="failed" if pending.dead_at is not None else "pending",
        attempts=pending.attempts,
        last_error=pending.last_error,
        next_attempt_at=pending.available_at,
    )

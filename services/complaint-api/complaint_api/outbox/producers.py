"""What a complaint's status change sends out, written in the transition's own transaction.

The workflow (complaints/workflow.py) calls :func:`after_transition` once per applied action,
after the complaint and its timeline are flushed: here each consumer of status changes adds its
outbox event (the ledger link on acceptance, the callback to the complaint platform; issue 12's
notifications join here)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.callbacks.service import enqueue_status_change
from complaint_api.complaints.models import Complaint
from complaint_api.complaints.states import State
from complaint_api.ledger_link.service import enqueue_link


async def after_transition(
    session: AsyncSession, complaint: Complaint, *, action: str, from_status: str | None
) -> None:
    if complaint.status == State.accepted and from_status == State.received:
        await enqueue_link(session, complaint)
    await enqueue_status_change(session, complaint, action=action, from_status=from_status)

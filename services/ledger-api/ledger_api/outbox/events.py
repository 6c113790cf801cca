"""The events ledger-api sends to notify-api, written in the change's own transaction.

Every business change of the ledger writes an audit row in its transaction (the platform's rule),
so the audit row is where an event is born: a ``before_flush`` listener turns each new audit row
whose action is a notifiable kind into an outbox row in the same flush. One call site serves
every kind, and no route can change data, audit it and forget its event. Red flags are raised by
SQL (flags/service.py), which calls :func:`flags_raised` for the rows it inserted.

The payload carries what notify-api needs to choose recipients without reading ledger data: the
item, its responsible unit, person and region (the data scope), and a short Chinese summary."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ledger_api.audit.models import AuditLog
from ledger_api.ledger.models import ArrearsItem
from ledger_api.outbox.models import NOTIFY, Outbox
from qq_kernel.notify_events import notify_destination
from qq_kernel.outbox import Destination
from qq_kernel.request_id import current_request_id

SOURCE = "ledger-api"

# audit action → event kind (the names notify-api's templates and preferences use).
KINDS: dict[str, str] = {
    "repayment.reported": "repayment.reported",
    "repayment.verified": "repayment.verified",
    "repayment.rejected": "repayment.rejected",
    "key_case.marked": "key_case.marked",
    "interview.recorded": "interview.scheduled",
    "notice.issued": "supervision.notice_issued",
    "candidate.proposed": "candidate.proposed",
}


def _item_fields(session: Session, item_id: str | None) -> dict[str, Any]:
    item = session.identity_map.get(identity_key(ArrearsItem, item_id)) if item_id else None
    if item is None:
        return {"item_id": item_id}
    return {
        "item_id": item.id,
        "ledger_no": item.ledger_no,
        "responsible_unit_id": item.responsible_unit_id,
        "responsible_person_id": item.responsible_person_id,
        "region_path": item.region_path,
    }


def _event_row(kind: str, event_id: str, payload: dict[str, Any], ordering_key: str | None) -> Outbox:
    return Outbox(
        event_id=event_id,
        destination=NOTIFY,
        kind=kind,
        ordering_key=ordering_key,
        payload={"source": SOURCE, "kind": kind, **payload},
        request_id=current_request_id(),
    )


def _from_audit(session: Session, row: AuditLog) -> Outbox:
    kind = KINDS[row.action]
    item_id = row.object_id if row.object_type == "item" else (row.after or {}).get("item_id")
    payload = {
        **_item_fields(session, item_id),
        "object_type": row.object_type,
        "object_id": row.object_id,
        "unit_id": row.unit_id,
        "region_path": row.region_path if row.region_path else None,
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "data": row.after or {},
    }
    if payload.get("responsible_unit_id") is None:
        payload["responsible_unit_id"] = row.unit_id
    # An item's events keep their order (reported before verified).
    return _event_row(kind, str(uuid.uuid4()), payload, item_id or row.object_id)


@event.listens_for(Session, "before_flush")
def _audit_rows_to_events(session: Session, flush_context, instances) -> None:
    for obj in list(session.new):
        if isinstance(obj, AuditLog) and obj.result == "success" and obj.action in KINDS:
            session.add(_from_audit(session, obj))


async def flags_raised(session: AsyncSession, raised: list[tuple[str, str]], items: dict[str, dict]) -> None:
    """In the transaction that raised them: one ``flag.raised`` event per (item, kind).
    ``items``: the raised items' scope fields (id → responsible unit, person, region, ledger no)."""
    for item_id, kind in raised:
        payload = {"item_id": item_id, **items.get(item_id, {}), "data": {"flag_kind": kind}}
        session.add(_event_row("flag.raised", str(uuid.uuid4()), payload, item_id))


def destination(app: FastAPI) -> Destination:
    return notify_destination(app, SOURCE)

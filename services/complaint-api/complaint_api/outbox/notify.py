"""The events complaint-api sends to notify-api, from the workflow's one hook (after_transition),
in the transition's own transaction. The payload carries the complaint's handling unit and region
(the data scope notify-api chooses recipients in) and a link target."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.complaints.models import Complaint
from complaint_api.outbox.models import Outbox
from qq_kernel import outbox
from qq_kernel.notify_events import NOTIFY, notify_destination
from qq_kernel.outbox import Destination

SOURCE = "complaint-api"

# workflow action → event kind
KINDS = {
    "assign": "complaint.assigned",
    "return": "complaint.returned",
    "urge": "complaint.urged",
    "supervise": "complaint.supervised",
    "reopen": "complaint.reopened",
}


async def enqueue_notification(
    session: AsyncSession, complaint: Complaint, *, action: str, from_status: str | None
) -> str | None:
    kind = KINDS.get(action)
    if kind is None:
        return None
    return await outbox.enqueue(
        session,
        Outbox,
        destination=NOTIFY,
        kind=kind,
        payload={
            "source": SOURCE,
            "kind": kind,
            "complaint_id": complaint.id,
            "complaint_no": complaint.complaint_no,
            "responsible_unit_id": complaint.handling_unit_id,
            "region_path": complaint.region_path,
            "data": {"action": action, "from_status": from_status, "to_status": complaint.status},
        },
        ordering_key=complaint.id,
        event_id=str(uuid.uuid4()),
    )


def destination(app: FastAPI) -> Destination:
    return notify_destination(app, SOURCE)

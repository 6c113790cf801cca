"""The workbench queues: the complaints a caller sees, by running deadline or by arrival,
keyset-paged (a cursor, never an OFFSET into 300,000 rows) with a capped count. Each shape meets
one of the queue indexes of models.Complaint (bench/README.md, "Complaint queue")."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Literal

from sqlalchemy import Select, and_, or_, select

from complaint_api.complaints.models import Complaint
from complaint_api.complaints.service import visible_clause
from qq_kernel.auth.principal import Principal
from qq_kernel.problems import ProblemError

Sort = Literal["due", "received"]


def encode_cursor(key: date | datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([key.isoformat(), row_id]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> tuple[date | datetime, str]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = date.fromisoformat(raw[0]) if sort == "due" else datetime.fromisoformat(raw[0])
        return key, str(raw[1])
    except (ValueError, TypeError, IndexError, json.JSONDecodeError, UnicodeDecodeError):
        raise ProblemError(
            422,
            detail="cursor: 游标无效",
            errors=[{"field": "query.cursor", "message": "游标无效，请从第一页重新查询", "code": "invalid"}],
        ) from None


def queue_query(
    principal: Principal,
    *,
    sort: Sort,
    statuses: list[str] | None,
    unit_id: str | None,
    due_before: date | None,
    provisional: bool | None,
) -> Select:
    """Filters without the keyset condition and order (also what the count counts)."""
    query = select(Complaint).where(visible_clause(principal))
    if sort == "due":
        # Only complaints whose deadline runs: the partial queue indexes.
        query = query.where(Complaint.next_due.is_not(None))
    if statuses:
        query = query.where(Complaint.status.in_(statuses))
    if unit_id:
        query = query.where(Complaint.handling_unit_id == unit_id)
    if due_before is not None:
        query = query.where(Complaint.next_due <= due_before)
    if provisional is not None:
        query = query.where(Complaint.next_due_provisional.is_(provisional))
    return query


def page_query(query: Select, *, sort: Sort, cursor: str | None, limit: int) -> Select:
    key_col = Complaint.next_due if sort == "due" else Complaint.received_at
    if cursor:
        key, row_id = decode_cursor(cursor, sort)
        query = query.where(or_(key_col > key, and_(key_col == key, Complaint.id > row_id)))
    return query.order_by(key_col, Complaint.id).limit(limit + 1)

"""The people directory (人员名录): GET /people, for choosing and naming the responsible person of
an item. Only active people of the caller's data scope (its unit; the region for office roles),
and only id, name and unit name: usernames, phones and roles stay with user administration."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from ledger_api.identity.models import Unit, User
from ledger_api.identity.schemas import PersonOut
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import scope_clause
from qq_kernel.db import Session
from qq_kernel.pagination import Page, PageParams, capped_count

router = APIRouter(prefix="/people", tags=["people"])


@router.get("", name="list_people", response_model=Page[PersonOut])
async def list_people(
    session: Session,
    principal: Principal = Depends(require("ledger:write")),
    params: PageParams = Depends(PageParams.from_query),
    unit_id: str | None = Query(None, description="单位"),
    q: str | None = Query(None, max_length=64, description="姓名片段"),
) -> Page[PersonOut]:
    query = (
        select(User.id, User.display_name, Unit.name)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            scope_clause(principal, unit_col=User.unit_id, region_col=User.region_path),
            User.active.is_(True),
            User.kind == "person",
        )
    )
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    if q:
        query = query.where(User.display_name.contains(q, autoescape=True))
    rows = (
        await session.execute(
            query.order_by(Unit.name, User.display_name, User.id).limit(params.page_size).offset(params.offset)
        )
    ).all()
    total, exact = await capped_count(session, query)
    return Page.of(
        [PersonOut(id=i, display_name=name, unit_name=unit) for i, name, unit in rows],
        total,
        params,
        total_exact=exact,
    )

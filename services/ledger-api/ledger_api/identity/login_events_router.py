"""HTTP of the login log (登录日志): /login-events."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from sqlalchemy import or_, select

from ledger_api.identity import schemas
from ledger_api.identity.models import LoginEvent
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import region_subtree_clause
from qq_kernel.db import Session
from qq_kernel.pagination import Page, PageParams, paginate

router = APIRouter(prefix="/login-events", tags=["audit"])


@router.get("", name="list_login_events", response_model=Page[schemas.LoginEventOut])
async def list_login_events(
    session: Session,
    principal: Principal = Depends(require("audit:read", "users:manage", any_of=True)),
    params: PageParams = Depends(PageParams.from_query),
    username: str | None = Query(None, max_length=64),
    result: str | None = Query(None, max_length=16),
    since: datetime | None = Query(None, description="起始时间（含）"),
    until: datetime | None = Query(None, description="截止时间（不含）"),
) -> Page[schemas.LoginEventOut]:
    """登录日志 of the caller's region (attempts on unknown usernames carry no region: shown to
    administrators of the top of the tree only)."""
    scope = region_subtree_clause(principal, LoginEvent.region_path)
    if principal.region_path and principal.region_path.count("/") <= 2:
        scope = or_(scope, LoginEvent.region_path.is_(None))
    query = select(LoginEvent).where(scope)
    if username:
        query = query.where(LoginEvent.username == username)
    if result:
        query = query.where(LoginEvent.result == result)
    if since:
        query = query.where(LoginEvent.occurred_at >= since)
    if until:
        query = query.where(LoginEvent.occurred_at < until)
    rows, total = await paginate(session, query.order_by(LoginEvent.occurred_at.desc(), LoginEvent.id.desc()), params)
    return Page.of(
        [schemas.LoginEventOut.model_validate(r) for r in rows],
        total,
        params,
    )

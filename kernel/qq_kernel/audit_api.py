"""``GET /audit``: the audit trail of a service, read by auditors (everything in their region)
and audit administrators (what administrators did), with filters. ``GET /audit/verify``: the
hash chains of the trail (and of the service's other chained tables) walked, with the first
broken link. One router, three services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from qq_kernel.audit import verify_chain
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import region_subtree_clause
from qq_kernel.db import get_session
from qq_kernel.masking import mask_id_number, mask_name, mask_phone
from qq_kernel.pagination import Page, PageParams, paginate

# What audit_admin reviews (三员分立): the administrators' own actions.
ADMIN_OBJECT_TYPES = ("user", "api_token", "unit", "region", "signing_key", "session")
ADMIN_ROLES = ("office_admin", "security_admin", "audit_admin")


class AuditEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    occurred_at: datetime
    service: str
    action: str
    result: str
    actor_kind: str | None
    actor_id: str | None
    actor_name: str | None
    actor_roles: list[str] | None
    object_type: str | None
    object_id: str | None
    unit_id: str | None
    region_path: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str | None
    request_id: str | None
    ip: str | None


class BrokenLink(BaseModel):
    id: int
    chain_seq: int | None
    reason: str  # unchained | rows_missing_before | previous_row_changed | row_changed


class ChainReport(BaseModel):
    table: str
    rows: int
    intact: bool
    head_seq: int | None
    head_hash: str | None
    first_broken: BrokenLink | None


class ChainVerification(BaseModel):
    intact: bool
    chains: list[ChainReport]


# Personal data inside before/after, masked as the lists mask it unless the reader holds
# personal_data:read (docs/domain.md §5): the trail must not be a way around the masking.
_PERSONAL_MASKS = (
    (("phone", "mobile"), mask_phone),
    (("contact_person", "contact_name", "legal_representative", "real_name", "person_name"), mask_name),
    (("id_number", "id_card", "identity_number"), mask_id_number),
)


def mask_personal(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            lowered = key.lower()
            mask = next((m for names, m in _PERSONAL_MASKS if any(n in lowered for n in names)), None)
            out[key] = mask(item) if mask is not None and isinstance(item, str) else mask_personal(item)
        return out
    if isinstance(value, list):
        return [mask_personal(v) for v in value]
    return value


def audit_router(model: type, chained_tables: tuple[str, ...] = ("audit_log",)) -> APIRouter:
    router = APIRouter(prefix="/audit", tags=["audit"])
    schema = model.__table__.schema

    @router.get("/verify", name="verify_audit_chain", response_model=ChainVerification)
    async def verify_audit_chain(
        principal: Principal = Depends(require("audit:read")),
        session: AsyncSession = Depends(get_session),
    ) -> ChainVerification:
        """Walks every chained table of this service; reveals counts and hashes only, so any
        auditor may run it whatever their region."""
        reports = [ChainReport.model_validate(await verify_chain(session, schema, table)) for table in chained_tables]
        return ChainVerification(intact=all(r.intact for r in reports), chains=reports)

    @router.get("", name="list_audit", response_model=Page[AuditEntry])
    async def list_audit(
        principal: Principal = Depends(require("audit:read")),
        session: AsyncSession = Depends(get_session),
        params: PageParams = Depends(PageParams.from_query),
        actor_id: str | None = Query(None, max_length=64),
        actor_name: str | None = Query(None, max_length=128),
        action: str | None = Query(None, max_length=64, description="动作前缀，如 user. 或 auth.login"),
        object_type: str | None = Query(None, max_length=64),
        object_id: str | None = Query(None, max_length=64),
        request_id: str | None = Query(None, max_length=128),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page[AuditEntry]:
        subtree = region_subtree_clause(principal, model.region_path)
        # A province-level auditor also reads the rows that belong to no region (logins, keys...).
        province_level = (principal.region_path or "/").count("/") <= 2
        query = select(model).where(or_(subtree, model.region_path.is_(None)) if province_level else subtree)
        if not principal.can("audit:read_all"):
            # audit:read_admin alone (audit_admin): the administrators' actions on identity objects.
            query = query.where(
                or_(
                    model.object_type.in_(ADMIN_OBJECT_TYPES),
                    model.actor_roles.has_any(postgresql.array(list(ADMIN_ROLES))),
                )
            )
        for column, value in (
            (model.actor_id, actor_id),
            (model.actor_name, actor_name),
            (model.object_type, object_type),
            (model.object_id, object_id),
            (model.request_id, request_id),
        ):
            if value:
                query = query.where(column == value)
        if action:
            query = query.where(model.action.startswith(action, autoescape=True))
        if since:
            query = query.where(model.occurred_at >= since)
        if until:
            query = query.where(model.occurred_at < until)
        rows, total = await paginate(session, query.order_by(model.occurred_at.desc(), model.id.desc()), params)
        entries = [AuditEntry.model_validate(r) for r in rows]
        if not principal.can("personal_data:read"):
            entries = [
                e.model_copy(update={"before": mask_personal(e.before), "after": mask_personal(e.after)})
                for e in entries
            ]
        return Page.of(entries, total, params)

    return router

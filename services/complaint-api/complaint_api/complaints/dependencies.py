"""Guards and loaders of complaint routes. An action's route loads the complaint under a row
lock and checks the caller is the action's party *before* the body is read, so a caller who may
never take the action hears 403 whatever it sent (the authorization matrix relies on it)."""

from __future__ import annotations

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.complaints import service
from complaint_api.complaints.models import Complaint
from complaint_api.complaints.states import ACTION_PARTY, PARTY_PERMISSION, Action
from qq_kernel.auth.permissions import Permission, require
from qq_kernel.auth.principal import Principal
from qq_kernel.db import get_session
from qq_kernel.problems import ProblemError

read_complaints = require("complaints:read")
write_complaints = require("complaints:write")
intake_complaints = require("complaints:intake")
GUARDS: dict[str, Permission] = {
    "complaints:triage": require("complaints:triage"),
    "complaints:write": write_complaints,
    "complaints:approve": require("complaints:approve"),
}


def guard_of(action: Action) -> Permission:
    return GUARDS[PARTY_PERMISSION[ACTION_PARTY[action]]]


async def readable_complaint(
    complaint_id: str, principal: Principal = Depends(read_complaints), session: AsyncSession = Depends(get_session)
) -> Complaint:
    return await service.load(session, principal, complaint_id)


async def file_writable_complaint(
    complaint_id: str, principal: Principal = Depends(write_complaints), session: AsyncSession = Depends(get_session)
) -> Complaint:
    """Evidence is added by the office; reply attachments by the handling unit."""
    complaint = await service.load(session, principal, complaint_id)
    if not (
        service.is_party(principal, complaint, ACTION_PARTY[Action.accept])
        or service.is_party(principal, complaint, ACTION_PARTY[Action.reply])
    ):
        raise ProblemError(403, code="not_party", detail="只有专班办公室或承办单位可以上传材料")
    return complaint


async def platform_complaint(
    platform_complaint_id: str,
    principal: Principal = Depends(intake_complaints),
    session: AsyncSession = Depends(get_session),
) -> Complaint:
    """A complaint the calling integration account sent itself (404 for anyone else's)."""
    complaint = await session.scalar(
        select(Complaint).where(
            Complaint.integration_account_id == service.actor_id(principal),
            Complaint.platform_complaint_id == platform_complaint_id,
        )
    )
    if complaint is None:
        raise ProblemError(404, detail="该平台编号的投诉不存在")
    return complaint


def acting_on(action: Action):
    """Dependency: the complaint, locked, when the caller is the party of ``action``."""
    guard = guard_of(action)

    async def dependency(
        complaint_id: str, principal: Principal = Depends(guard), session: AsyncSession = Depends(get_session)
    ) -> Complaint:
        complaint = await service.load(session, principal, complaint_id, lock=True)
        service.check_party(principal, complaint, action)
        return complaint

    dependency.__name__ = f"acting_on_{action.value}"
    return dependency


async def bearer_header(request: Request) -> dict[str, str]:
    return {"Authorization": request.headers.get("authorization", "")}

"""API tokens (opaque, ``qq_<id>_<secret>``): scopes never beyond the owner's permissions,
stored as a hash, revocable."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.identity import revocations
from ledger_api.identity.models import (
    ApiToken,
    User,
)
from ledger_api.identity.passwords import sha256
from ledger_api.identity.tokens import ACTIVITY_WRITE_EVERY
from qq_kernel.auth.principal import Principal, permissions_of
from qq_kernel.auth.scope import in_scope
from qq_kernel.clock import now
from qq_kernel.problems import ProblemError, field_error

API_TOKEN_PREFIX = "qq_"


def split_api_token(token: str) -> tuple[str, str] | None:
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    parts = token[len(API_TOKEN_PREFIX) :].split("_", 1)
    return (parts[0], parts[1]) if len(parts) == 2 and parts[0] and parts[1] else None


async def api_token_principal(session: AsyncSession, token: str) -> Principal | None:
    parts = split_api_token(token)
    if parts is None:
        return None
    row = await session.get(ApiToken, parts[0])
    t = now()
    if row is None or not hmac.compare_digest(row.token_hash, sha256(token)):
        return None
    if row.revoked_at is not None or row.expires_at <= t:
        return None
    owner = await session.get(User, row.owner_id)
    if owner is None or not owner.active:
        return None
    if row.last_used_at is None or t - row.last_used_at > ACTIVITY_WRITE_EVERY:
        row.last_used_at = t
        await session.commit()
    # A token never holds more than its owner does today.
    granted = frozenset(row.scopes) & permissions_of(frozenset(owner.roles))
    return Principal(
        kind="api_token",
        subject=row.id,
        username=owner.username,
        display_name=f"{owner.display_name}（令牌：{row.name}）",
        unit_id=owner.unit_id,
        region_path=owner.region_path,
        roles=frozenset(owner.roles),
        permissions=granted,
        token_id=row.id,
        extra={"user_id": owner.id},
    )


async def create_api_token(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    name: str,
    scopes: list[str],
    expires_in_days: int,
    owner_id: str | None,
) -> tuple[ApiToken, str]:
    if principal.kind != "user":
        raise ProblemError(403, detail="只有登录用户可以创建 API 令牌")
    owner_id = owner_id or principal.subject
    owner = await session.get(User, owner_id)
    if owner is None or not in_scope(principal, unit_id=owner.unit_id, region_path=owner.region_path):
        raise field_error("owner_id", "令牌所属用户不存在或不在您的管辖范围内", "not_found")
    if owner.id != principal.subject:
        if not principal.can("tokens:manage") or owner.kind != "integration":
            raise ProblemError(403, detail="只能为本人创建令牌；安全管理员可为对接账号创建令牌")
    allowed = permissions_of(frozenset(owner.roles))
    beyond = sorted(set(scopes) - allowed)
    if beyond:
        raise field_error("scopes", f"令牌权限不能超出所属用户的权限：{'、'.join(beyond)}", "scope_exceeds_owner")
    token_id = secrets.token_hex(8)
    token = f"{API_TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    row = ApiToken(
        id=token_id,
        name=name,
        owner_id=owner.id,
        created_by=principal.subject,
        unit_id=owner.unit_id,
        region_path=owner.region_path,
        scopes=scopes,
        token_hash=sha256(token),
        expires_at=now() + timedelta(days=expires_in_days),
    )
    session.add(row)
    await session.flush()
    await AUDIT.record(
        session,
        action="token.created",
        principal=principal,
        request=request,
        object_type="api_token",
        object_id=row.id,
        unit_id=row.unit_id,
        region_path=row.region_path,
        after={"name": name, "owner_id": owner.id, "scopes": scopes, "expires_at": row.expires_at.isoformat()},
    )
    return row, token


async def revoke_api_token(
    session: AsyncSession, *, principal: Principal, request: Request, token: ApiToken
) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = now()
        token.revoked_by = principal.subject
        revocations.record(session, kind="api_token", subject_id=token.id, reason="revoked")
        await AUDIT.record(
            session,
            action="token.revoked",
            principal=principal,
            request=request,
            object_type="api_token",
            object_id=token.id,
            unit_id=token.unit_id,
            region_path=token.region_path,
        )
    return token

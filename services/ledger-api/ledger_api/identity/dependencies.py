"""Load-and-validate dependencies: an object outside the caller's scope is a 404, exactly like
one that does not exist (no probing of other units' ids)."""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.identity.models import ApiToken, Unit, User
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import in_scope
from qq_kernel.db import get_session
from qq_kernel.problems import ProblemError

manage_users = require("users:manage")
manage_org = require("org:manage")
use_tokens = require("tokens:own", "tokens:manage", any_of=True)


async def valid_user_id(
    user_id: str, principal: Principal = Depends(manage_users), session: AsyncSession = Depends(get_session)
) -> User:
    user = await session.get(User, user_id)
    if user is None or not in_scope(principal, unit_id=user.unit_id, region_path=user.region_path):
        raise ProblemError(404, detail="用户不存在")
    return user


async def valid_unit_id(
    unit_id: str, principal: Principal = Depends(manage_org), session: AsyncSession = Depends(get_session)
) -> Unit:
    unit = await session.get(Unit, unit_id)
    if unit is None or not in_scope(principal, unit_id=unit.id, region_path=unit.region_path):
        raise ProblemError(404, detail="单位不存在")
    return unit


async def valid_token_id(
    token_id: str,
    principal: Principal = Depends(use_tokens),
    session: AsyncSession = Depends(get_session),
) -> ApiToken:
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise ProblemError(404, detail="令牌不存在")
    own = token.owner_id == principal.user_id or token.created_by == principal.user_id
    managed = principal.can("tokens:manage") and in_scope(
        principal, unit_id=token.unit_id, region_path=token.region_path
    )
    if not (own or managed):
        raise ProblemError(404, detail="令牌不存在")
    return token

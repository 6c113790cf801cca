"""Authentication of requests inside ledger-api (the identity provider): access tokens verified
locally, sessions checked for revocation and idle timeout, API tokens looked up; and the
introspection other services ask for."""

from __future__ import annotations

import time

from fastapi import Request
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.config import Settings
from ledger_api.identity import keys
from ledger_api.identity.api_tokens import api_token_principal
from ledger_api.identity.models import (
    AuthSession,
)
from ledger_api.identity.tokens import ACTIVITY_WRITE_EVERY, IDLE_TIMEOUT
from qq_kernel.auth import jwt as qjwt
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.remote import JWKS_TTL
from qq_kernel.clock import now


class LocalAuthenticator:
    """ledger-api's own authenticator: it holds the keys, the sessions and the API tokens."""

    def __init__(self, app) -> None:
        self.app = app
        self._jwks: dict[str, dict] = {}
        self._jwks_read_at = 0.0

    @property
    def settings(self) -> Settings:
        return self.app.state.settings

    async def _jwk(self, session: AsyncSession, kid: str) -> dict:
        # Re-read the published keys on an unknown kid and at least every JWKS_TTL: a key taken
        # out of the JWKS (retired long enough, or removed in an emergency) stops verifying here
        # as it does on the other services.
        if kid not in self._jwks or time.monotonic() - self._jwks_read_at >= JWKS_TTL:
            self._jwks = {k.kid: k.public_jwk for k in await keys.published_keys(session)}
            self._jwks_read_at = time.monotonic()
        if kid not in self._jwks:
            raise qjwt.TokenRejected("token_kid_unknown", "令牌签名密钥未知")
        return self._jwks[kid]

    async def authenticate(self, token: str, request: Request, session: AsyncSession) -> Principal:
        if qjwt.looks_like_jwt(token):
            kid = qjwt.unverified_kid(token)
            claims = qjwt.verify(
                token,
                jwk=await self._jwk(session, kid),
                issuer=self.settings.jwt_issuer,
                audience=self.settings.jwt_audience,
            )
            principal = qjwt.principal_from_claims(claims)
            if principal.kind == "user":
                await self._check_session(session, principal)
            return principal
        principal = await api_token_principal(session, token)
        if principal is None:
            raise qjwt.TokenRejected("token_inactive", "API 令牌无效、已过期或已被吊销")
        return principal

    async def _check_session(self, session: AsyncSession, principal: Principal) -> None:
        # Every request of every user passes here: Core statements built once, on the request's
        # connection, not the ORM (bench/README.md: the ORM get was a tenth of a list request).
        conn = await session.connection()
        state = (await conn.execute(_SESSION_STATE, {"sid": principal.session_id or ""})).first()
        t = now()
        if state is None or state.revoked_at is not None:
            raise qjwt.TokenRejected("session_revoked", "会话已结束，请重新登录")
        if t - state.last_activity_at > IDLE_TIMEOUT:
            raise qjwt.TokenRejected("session_idle_timeout", "超过 30 分钟未操作，请重新登录")
        if t - state.last_activity_at > ACTIVITY_WRITE_EVERY:
            await conn.execute(_SESSION_ACTIVITY, {"sid": principal.session_id, "t": t})
            await session.commit()


_SESSION_STATE = select(AuthSession.revoked_at, AuthSession.last_activity_at).where(AuthSession.id == bindparam("sid"))
_SESSION_ACTIVITY = (
    update(AuthSession).where(AuthSession.id == bindparam("sid")).values(last_activity_at=bindparam("t"))
)


async def introspect(session: AsyncSession, *, token: str) -> dict:
    principal = await api_token_principal(session, token)
    if principal is None:
        return {"active": False}
    return {
        "active": True,
        "kind": principal.kind,
        "sub": principal.subject,
        "username": principal.username,
        "display_name": principal.display_name,
        "unit_id": principal.unit_id,
        "region_path": principal.region_path,
        "roles": sorted(principal.roles),
        "permissions": sorted(principal.permissions),
        "token_id": principal.token_id,
        "user_id": principal.user_id,
    }

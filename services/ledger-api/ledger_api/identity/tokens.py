"""Issuing tokens: password login (with lockout and per-address limits), refresh, client
credentials of a service, logout, password change. Every attempt lands in the login log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.config import SERVICE_CLIENTS, Settings
from ledger_api.identity import keys, passwords, revocations
from ledger_api.identity.models import (
    AuthSession,
    LoginEvent,
    PasswordHistory,
    RefreshToken,
    User,
)
from ledger_api.identity.passwords import sha256
from qq_kernel import audit
from qq_kernel.auth import jwt as qjwt
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.service_identity import ServiceClients
from qq_kernel.clock import now
from qq_kernel.problems import ProblemError, field_error

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_DURATION = timedelta(minutes=15)
IP_FAILURES_PER_WINDOW = 30
IDLE_TIMEOUT = timedelta(minutes=30)
ACTIVITY_WRITE_EVERY = timedelta(seconds=60)
REFRESH_LIFETIME = timedelta(hours=12)
# A session ends this long after its login, however often it is refreshed.
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
PASSWORD_HISTORY = 5  # the current password and the four before it may not come back


# The same words for a wrong password and an unknown user: no telling which usernames exist.
BAD_CREDENTIALS = f"用户名或密码错误；连续 {LOCKOUT_FAILURES} 次错误将锁定 15 分钟"
SERVICE_TOKEN_SECONDS = 15 * 60


@dataclass
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str | None
    must_change_password: bool


async def _sign(session: AsyncSession, settings: Settings, claims: dict) -> str:
    vault = keys.KeyVault.of(settings)
    key = await keys.ensure_key(session, vault)
    return qjwt.sign(claims, private_pem=keys.private_pem(key, vault), kid=key.kid)


async def _issue(session: AsyncSession, settings: Settings, *, user: User, auth_session: AuthSession) -> IssuedTokens:
    refresh = secrets.token_urlsafe(48)
    t = now()
    ends = auth_session.created_at + SESSION_ABSOLUTE_LIFETIME
    session.add(
        RefreshToken(session_id=auth_session.id, token_hash=sha256(refresh), expires_at=min(t + REFRESH_LIFETIME, ends))
    )
    # No access token outlives the session's absolute end either.
    lifetime = max(1, min(qjwt.ACCESS_TOKEN_SECONDS, int((ends - t).total_seconds())))
    claims = qjwt.access_claims(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        subject=user.id,
        kind="user",
        username=user.username,
        display_name=user.display_name,
        unit_id=user.unit_id,
        region_path=user.region_path,
        roles=list(user.roles),
        session_id=auth_session.id,
        must_change_password=user.must_change_password,
        lifetime=lifetime,
    )
    access = await _sign(session, settings, claims)
    return IssuedTokens(access, lifetime, refresh, user.must_change_password)


async def _record_login(
    session: AsyncSession, *, username: str, user: User | None, request: Request, result: str
) -> None:
    session.add(
        LoginEvent(
            username=username[:64],
            user_id=user.id if user else None,
            region_path=user.region_path if user else None,
            ip=audit.client_ip(request),
            user_agent=request.headers.get("user-agent", "")[:300],
            result=result,
        )
    )
    await AUDIT.record(
        session,
        action=f"auth.login.{result}",
        result="success" if result == "success" else "failure",
        request=request,
        object_type="user",
        object_id=user.id if user else None,
        unit_id=user.unit_id if user else None,
        region_path=user.region_path if user else None,
        actor_name=username[:64],
    )


async def login(
    session: AsyncSession, settings: Settings, *, username: str, password: str, request: Request
) -> IssuedTokens:
    t = now()
    ip = audit.client_ip(request)
    ip_failures = await session.scalar(
        select(func.count()).where(
            LoginEvent.ip == ip, LoginEvent.occurred_at > t - LOCKOUT_WINDOW, LoginEvent.result != "success"
        )
    )
    if ip_failures >= IP_FAILURES_PER_WINDOW:
        await _record_login(session, username=username, user=None, request=request, result="rate_limited")
        await session.commit()
        raise ProblemError(429, detail="该地址登录失败次数过多，请 15 分钟后再试", headers={"Retry-After": "900"})

    user = await session.scalar(select(User).where(User.username == username).with_for_update())
    if user is None:
        passwords.verify_password(None, password)  # same work as a real check: no username probing by timing
        await _record_login(session, username=username, user=None, request=request, result="unknown_user")
        await session.commit()
        raise _bad_credentials()
    # Integration accounts and locked accounts answer exactly as a wrong password does (and after
    # the same work): the answer never tells which usernames exist. The login log says why.
    if user.kind == "integration":
        # No password to try: refused before any check, so it never counts towards a lockout.
        passwords.verify_password(None, password)
        await _record_login(session, username=username, user=user, request=request, result="disabled")
        await session.commit()
        raise _bad_credentials()
    if user.locked_until and user.locked_until > t:
        passwords.verify_password(None, password)
        await _record_login(session, username=username, user=user, request=request, result="locked")
        await session.commit()
        raise _bad_credentials()
    if not passwords.verify_password(user.password_hash, password):
        await _record_login(session, username=username, user=user, request=request, result="bad_password")
        await session.flush()
        since = max(t - LOCKOUT_WINDOW, user.password_changed_at or t - LOCKOUT_WINDOW)
        last_success = await session.scalar(
            select(func.max(LoginEvent.occurred_at)).where(
                LoginEvent.user_id == user.id, LoginEvent.result == "success"
            )
        )
        if last_success and last_success > since:
            since = last_success
        failures = await session.scalar(
            select(func.count()).where(
                LoginEvent.user_id == user.id, LoginEvent.result == "bad_password", LoginEvent.occurred_at > since
            )
        )
        if failures >= LOCKOUT_FAILURES:
            user.locked_until = t + LOCKOUT_DURATION
            await AUDIT.record(
                session,
                action="user.locked",
                request=request,
                object_type="user",
                object_id=user.id,
                unit_id=user.unit_id,
                region_path=user.region_path,
                actor_name="system",
                detail=f"连续 {failures} 次密码错误，锁定 15 分钟",
            )
            await session.commit()
            raise _bad_credentials()
        await session.commit()
        raise _bad_credentials()
    if not user.active:
        await _record_login(session, username=username, user=user, request=request, result="disabled")
        await session.commit()
        raise ProblemError(403, code="account_disabled", detail="账户已停用")
    user.locked_until = None
    if _password_expired(user, settings, t):
        # Periodic change (MLPS): the session may do nothing but change the password.
        user.must_change_password = True
    auth_session = AuthSession(
        user_id=user.id, ip=ip, user_agent=request.headers.get("user-agent", "")[:300], created_at=t, last_activity_at=t
    )
    session.add(auth_session)
    await session.flush()
    await _record_login(session, username=username, user=user, request=request, result="success")
    issued = await _issue(session, settings, user=user, auth_session=auth_session)
    await session.commit()
    return issued


def _password_expired(user: User, settings: Settings, t: datetime) -> bool:
    if settings.password_max_age_days <= 0 or user.password_changed_at is None:
        return False
    return t - user.password_changed_at > timedelta(days=settings.password_max_age_days)


def remember_password(session: AsyncSession, user: User) -> None:
    """Keep the outgoing password's hash, for the reuse check of the next changes."""
    if user.password_hash:
        session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, replaced_at=now()))


async def _recent_password_hashes(session: AsyncSession, user: User) -> list[str]:
    """The current password's hash and the ones before it, PASSWORD_HISTORY in all."""
    previous = await session.scalars(
        select(PasswordHistory.password_hash)
        .where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc())
        .limit(PASSWORD_HISTORY - 1)
    )
    return list(previous)


def _bad_credentials() -> ProblemError:
    return ProblemError(401, code="invalid_credentials", title="用户名或密码错误", detail=BAD_CREDENTIALS)


async def refresh(session: AsyncSession, settings: Settings, *, refresh_token: str, request: Request) -> IssuedTokens:
    t = now()
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == sha256(refresh_token)).with_for_update()
    )
    if row is None:
        raise ProblemError(401, code="refresh_invalid", detail="刷新令牌无效，请重新登录")
    auth_session = await session.get(AuthSession, row.session_id, with_for_update=True)
    user = await session.get(User, auth_session.user_id)
    if auth_session.revoked_at is not None:
        raise ProblemError(401, code="session_revoked", detail="会话已结束，请重新登录")
    if row.used_at is not None:
        # A refresh token used twice means it was copied: end the whole family.
        auth_session.revoked_at = t
        auth_session.revoke_reason = "refresh_reuse"
        revocations.record(session, kind="session", subject_id=auth_session.id, reason="refresh_reuse", at=t)
        await AUDIT.record(
            session,
            action="auth.refresh_reuse",
            result="failure",
            request=request,
            object_type="session",
            object_id=auth_session.id,
            unit_id=user.unit_id,
            region_path=user.region_path,
            actor_name=user.username,
            detail="旧刷新令牌被重复使用，已吊销整个会话",
        )
        await session.commit()
        raise ProblemError(401, code="refresh_reused", detail="刷新令牌已被使用过，为安全起见会话已结束，请重新登录")
    if row.expires_at <= t:
        raise ProblemError(401, code="refresh_expired", detail="登录已过期，请重新登录")
    if t - auth_session.created_at > SESSION_ABSOLUTE_LIFETIME:
        auth_session.revoked_at = t
        auth_session.revoke_reason = "absolute_lifetime"
        revocations.record(session, kind="session", subject_id=auth_session.id, reason="absolute_lifetime", at=t)
        await session.commit()
        raise ProblemError(401, code="session_expired", detail="登录已超过 12 小时，请重新登录")
    if t - auth_session.last_activity_at > IDLE_TIMEOUT:
        auth_session.revoked_at = t
        auth_session.revoke_reason = "idle_timeout"
        revocations.record(session, kind="session", subject_id=auth_session.id, reason="idle_timeout", at=t)
        await session.commit()
        raise ProblemError(401, code="session_idle_timeout", detail="超过 30 分钟未操作，请重新登录")
    if not user.active:
        raise ProblemError(401, code="account_disabled", detail="账户已停用")
    row.used_at = t
    auth_session.last_activity_at = t
    issued = await _issue(session, settings, user=user, auth_session=auth_session)
    await session.commit()
    return issued


async def client_credentials(
    session: AsyncSession, settings: Settings, *, client_id: str, client_secret: str, request: Request
) -> IssuedTokens:
    """A service's token: only for a known client presenting its own secret, carrying only that
    client's permissions; each issue and each refusal is on the audit trail."""
    client_id = client_id[:64]
    if not ServiceClients(settings.service_clients).verify(client_id, client_secret, known_clients=SERVICE_CLIENTS):
        await AUDIT.record(
            session,
            action="service.token_refused",
            result="failure",
            request=request,
            object_type="service",
            object_id=client_id,
            actor_name=f"service:{client_id}",
            detail="服务身份校验失败",
        )
        await session.commit()
        raise ProblemError(401, code="invalid_client", detail="服务身份校验失败")
    permissions = sorted(SERVICE_CLIENTS[client_id])
    claims = qjwt.access_claims(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        subject=f"service:{client_id}",
        kind="service",
        username=client_id,
        unit_id=None,
        region_path=None,
        roles=[],
        session_id=None,
        lifetime=SERVICE_TOKEN_SECONDS,
        service_permissions=permissions,
    )
    access = await _sign(session, settings, claims)
    await AUDIT.record(
        session,
        action="service.token_issued",
        request=request,
        object_type="service",
        object_id=client_id,
        actor_name=f"service:{client_id}",
        after={"jti": claims["jti"], "permissions": permissions, "expires_in": SERVICE_TOKEN_SECONDS},
    )
    await session.commit()
    return IssuedTokens(access, SERVICE_TOKEN_SECONDS, None, False)


async def logout(session: AsyncSession, *, principal: Principal, request: Request) -> None:
    if principal.session_id:
        auth_session = await session.get(AuthSession, principal.session_id)
        if auth_session and auth_session.revoked_at is None:
            auth_session.revoked_at = now()
            auth_session.revoke_reason = "logout"
            revocations.record(session, kind="session", subject_id=auth_session.id, reason="logout")
    await AUDIT.record(
        session,
        action="auth.logout",
        principal=principal,
        request=request,
        object_type="session",
        object_id=principal.session_id,
        unit_id=principal.unit_id,
        region_path=principal.region_path,
    )
    await session.commit()


async def change_password(
    session: AsyncSession, *, principal: Principal, old_password: str, new_password: str, request: Request
) -> None:
    user = await session.get(User, principal.subject, with_for_update=True)
    if user is None or principal.kind != "user":
        raise ProblemError(403, detail="只有用户可以修改密码")
    if not passwords.verify_password(user.password_hash, old_password):
        raise field_error("old_password", "原密码不正确", "wrong_password")
    problems = passwords.complexity_problems(new_password, username=user.username)
    if old_password == new_password:
        problems.append("新密码不得与原密码相同")
    elif any(passwords.verify_password(h, new_password) for h in await _recent_password_hashes(session, user)):
        problems.append(f"新密码不得与最近 {PASSWORD_HISTORY} 次使用过的密码相同")
    if problems:
        raise ProblemError(
            422,
            detail="；".join(problems),
            errors=[{"field": "new_password", "message": p, "code": "password_policy"} for p in problems],
        )
    remember_password(session, user)
    user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = now()
    # Other sessions of this user end; this one goes on with a fresh token after re-login.
    await revocations.end_sessions(session, user_id=user.id, reason="password_changed", keep=principal.session_id)
    await AUDIT.record(
        session,
        action="user.password_changed",
        principal=principal,
        request=request,
        object_type="user",
        object_id=user.id,
        unit_id=user.unit_id,
        region_path=user.region_path,
    )
    await session.commit()

"""Identity rules: login with lockout and rate limits, sessions with rotating refresh tokens,
access tokens, API tokens, users and the organisation tree. Keyword-only functions, typed
returns; the routers only translate HTTP."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.config import SERVICE_CLIENTS, Settings
from ledger_api.identity import keys, passwords
from ledger_api.identity.models import (
    ApiToken,
    AuthSession,
    LoginEvent,
    RefreshToken,
    Region,
    Unit,
    User,
)
from qq_kernel import audit
from qq_kernel.auth import jwt as qjwt
from qq_kernel.auth.principal import ROLE_PERMISSIONS, Principal, Role, permissions_of
from qq_kernel.auth.scope import in_scope
from qq_kernel.auth.service_identity import ServiceCredentials
from qq_kernel.clock import CHINA, now
from qq_kernel.problems import ProblemError, field_error

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_DURATION = timedelta(minutes=15)
IP_FAILURES_PER_WINDOW = 30
IDLE_TIMEOUT = timedelta(minutes=30)
REFRESH_LIFETIME = timedelta(hours=12)
ACTIVITY_WRITE_EVERY = timedelta(seconds=60)
# The same words for a wrong password and an unknown user: no telling which usernames exist.
BAD_CREDENTIALS = f"用户名或密码错误；连续 {LOCKOUT_FAILURES} 次错误将锁定 15 分钟"
SERVICE_TOKEN_SECONDS = 15 * 60
API_TOKEN_PREFIX = "qq_"

# Roles only a security administrator hands out (三员分立: separation of duties).
ADMIN_ROLES = frozenset({Role.office_admin, Role.security_admin, Role.audit_admin})


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def user_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "unit_id": user.unit_id,
        "roles": list(user.roles),
        "active": user.active,
        "kind": user.kind,
        "phone": user.phone,
    }


# ---------------------------------------------------------------- tokens


@dataclass
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str | None
    must_change_password: bool


async def _sign(session: AsyncSession, settings: Settings, claims: dict) -> str:
    key = await keys.ensure_key(session, settings.service_secret)
    return qjwt.sign(claims, private_pem=keys.private_pem(key, settings.service_secret), kid=key.kid)


async def _issue(session: AsyncSession, settings: Settings, *, user: User, auth_session: AuthSession) -> IssuedTokens:
    refresh = secrets.token_urlsafe(48)
    session.add(
        RefreshToken(session_id=auth_session.id, token_hash=sha256(refresh), expires_at=now() + REFRESH_LIFETIME)
    )
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
    )
    access = await _sign(session, settings, claims)
    return IssuedTokens(access, qjwt.ACCESS_TOKEN_SECONDS, refresh, user.must_change_password)


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
        raise ProblemError(401, code="invalid_credentials", title="用户名或密码错误", detail=BAD_CREDENTIALS)
    if user.kind == "integration":
        # No password to try: refused before any check, so it never counts towards a lockout.
        await _record_login(session, username=username, user=user, request=request, result="disabled")
        await session.commit()
        raise ProblemError(403, code="integration_account", detail="对接账号不能交互式登录，请使用 API 令牌")
    if user.locked_until and user.locked_until > t:
        await _record_login(session, username=username, user=user, request=request, result="locked")
        await session.commit()
        raise ProblemError(423, code="account_locked", detail=f"账户已锁定，请于 {_local(user.locked_until)} 后重试")
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
            raise ProblemError(
                423, code="account_locked", detail=f"密码错误次数过多，账户已锁定至 {_local(user.locked_until)}"
            )
        await session.commit()
        raise ProblemError(401, code="invalid_credentials", title="用户名或密码错误", detail=BAD_CREDENTIALS)
    if not user.active:
        await _record_login(session, username=username, user=user, request=request, result="disabled")
        await session.commit()
        raise ProblemError(403, code="account_disabled", detail="账户已停用")
    user.locked_until = None
    auth_session = AuthSession(user_id=user.id, ip=ip, user_agent=request.headers.get("user-agent", "")[:300])
    session.add(auth_session)
    await session.flush()
    await _record_login(session, username=username, user=user, request=request, result="success")
    issued = await _issue(session, settings, user=user, auth_session=auth_session)
    await session.commit()
    return issued


def _local(t: datetime) -> str:
    return t.astimezone(timezone_cn()).strftime("%H:%M")


def timezone_cn():
    return CHINA


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
    if t - auth_session.last_activity_at > IDLE_TIMEOUT:
        auth_session.revoked_at = t
        auth_session.revoke_reason = "idle_timeout"
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
    session: AsyncSession, settings: Settings, *, client_id: str, client_secret: str
) -> IssuedTokens:
    if not ServiceCredentials(settings.service_secret).verify(client_id, client_secret, known_clients=SERVICE_CLIENTS):
        raise ProblemError(401, code="invalid_client", detail="服务身份校验失败")
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
    )
    access = await _sign(session, settings, claims)
    await session.commit()
    return IssuedTokens(access, SERVICE_TOKEN_SECONDS, None, False)


async def logout(session: AsyncSession, *, principal: Principal, request: Request) -> None:
    if principal.session_id:
        auth_session = await session.get(AuthSession, principal.session_id)
        if auth_session and auth_session.revoked_at is None:
            auth_session.revoked_at = now()
            auth_session.revoke_reason = "logout"
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
    if problems:
        raise ProblemError(
            422,
            detail="；".join(problems),
            errors=[{"field": "new_password", "message": p, "code": "password_policy"} for p in problems],
        )
    user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = now()
    # Other sessions of this user end; this one goes on with a fresh token after re-login.
    await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None), AuthSession.id != principal.session_id)
        .values(revoked_at=now(), revoke_reason="password_changed")
    )
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


# ---------------------------------------------------------------- authentication of requests


class LocalAuthenticator:
    """ledger-api's own authenticator: it holds the keys, the sessions and the API tokens."""

    def __init__(self, app) -> None:
        self.app = app
        self._jwks: dict[str, dict] = {}

    @property
    def settings(self) -> Settings:
        return self.app.state.settings

    async def _jwk(self, session: AsyncSession, kid: str) -> dict:
        if kid not in self._jwks:
            self._jwks = {k.kid: k.public_jwk for k in await keys.published_keys(session)}
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


# ---------------------------------------------------------------- organisation


async def create_region(session: AsyncSession, *, code: str, name: str, level: str, parent_id: str | None) -> Region:
    parent = await session.get(Region, parent_id) if parent_id else None
    if parent_id and parent is None:
        raise field_error("parent_id", "上级行政区划不存在", "not_found")
    if await session.scalar(select(Region.id).where(Region.code == code)):
        raise field_error("code", f"行政区划代码 {code} 已存在", "duplicate")
    region = Region(
        code=code, name=name, level=level, parent_id=parent_id, path=f"{parent.path if parent else '/'}{code}/"
    )
    session.add(region)
    await session.flush()
    return region


async def create_unit(session: AsyncSession, *, name: str, region: Region, is_office: bool = False) -> Unit:
    unit = Unit(name=name, region_id=region.id, region_path=region.path, is_office=is_office)
    session.add(unit)
    await session.flush()
    return unit


# ---------------------------------------------------------------- users


def assignable_roles(principal: Principal) -> frozenset[str]:
    if principal.can("roles:manage"):
        return frozenset(Role.__members__)
    if principal.can("users:manage"):
        return frozenset(Role.__members__) - ADMIN_ROLES
    return frozenset()


def check_role_grant(principal: Principal, roles: list[str]) -> None:
    refused = sorted(set(roles) - assignable_roles(principal))
    if refused:
        raise ProblemError(
            403,
            code="role_not_assignable",
            detail=f"无权授予角色：{'、'.join(refused)}（管理员角色须由安全管理员授予）",
        )


async def scoped_unit(session: AsyncSession, principal: Principal, unit_id: str, *, field: str = "unit_id") -> Unit:
    unit = await session.get(Unit, unit_id)
    if unit is None or not in_scope(principal, unit_id=unit.id, region_path=unit.region_path):
        raise field_error(field, "单位不存在或不在您的管辖范围内", "not_found")
    if not unit.active:
        raise field_error(field, "单位已停用", "inactive")
    return unit


async def create_user(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    username: str,
    display_name: str,
    unit_id: str,
    phone: str | None,
    roles: list[str],
    kind: str,
) -> tuple[User, str | None]:
    check_role_grant(principal, roles)
    unit = await scoped_unit(session, principal, unit_id)
    if await session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise field_error("username", f"登录名 {username} 已被使用", "duplicate")
    # Integration accounts never log in: no password, only API tokens.
    otp = passwords.one_time_password() if kind == "person" else None
    user = User(
        username=username,
        display_name=display_name,
        unit_id=unit.id,
        region_path=unit.region_path,
        phone=phone,
        roles=roles,
        kind=kind,
        password_hash=passwords.hash_password(otp) if otp else None,
        must_change_password=otp is not None,
    )
    session.add(user)
    await session.flush()
    await AUDIT.record(
        session,
        action="user.created",
        principal=principal,
        request=request,
        object_type="user",
        object_id=user.id,
        unit_id=user.unit_id,
        region_path=user.region_path,
        after=user_snapshot(user),
    )
    return user, otp


async def update_user(
    session: AsyncSession, *, principal: Principal, request: Request, user: User, changes: dict
) -> User:
    before = user_snapshot(user)
    if "roles" in changes and changes["roles"] is not None:
        if user.id == principal.user_id and set(changes["roles"]) != set(user.roles):
            raise ProblemError(409, code="own_roles", detail="不能修改自己的角色（三员分立：须由另一名管理员操作）")
        # Removing a role is a grant decision too: both old and new sets must be within reach.
        check_role_grant(principal, sorted(set(changes["roles"]) ^ set(user.roles)))
        user.roles = changes["roles"]
    if changes.get("unit_id"):
        unit = await scoped_unit(session, principal, changes["unit_id"])
        user.unit_id, user.region_path = unit.id, unit.region_path
    for key in ("display_name", "phone"):
        if key in changes and changes[key] is not None:
            setattr(user, key, changes[key])
    if changes.get("active") is not None and changes["active"] != user.active:
        if user.id == principal.user_id:
            raise ProblemError(409, code="self_disable", detail="不能停用自己的账户")
        user.active = changes["active"]
        if not user.active:
            await _end_sessions(session, user.id, "disabled")
    await session.flush()
    after = user_snapshot(user)
    action = "user.roles_changed" if before["roles"] != after["roles"] else "user.updated"
    await AUDIT.record(
        session,
        action=action,
        principal=principal,
        request=request,
        object_type="user",
        object_id=user.id,
        unit_id=user.unit_id,
        region_path=user.region_path,
        before=before,
        after=after,
    )
    return user


async def _end_sessions(session: AsyncSession, user_id: str, reason: str) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now(), revoke_reason=reason)
    )


async def reset_password(session: AsyncSession, *, principal: Principal, request: Request, user: User) -> str:
    if user.kind != "person":
        raise ProblemError(409, code="integration_account", detail="对接账号没有密码，请为其创建 API 令牌")
    otp = passwords.one_time_password()
    user.password_hash = passwords.hash_password(otp)
    user.must_change_password = True
    user.locked_until = None
    await _end_sessions(session, user.id, "password_reset")
    await AUDIT.record(
        session,
        action="user.password_reset",
        principal=principal,
        request=request,
        object_type="user",
        object_id=user.id,
        unit_id=user.unit_id,
        region_path=user.region_path,
    )
    return otp


# ---------------------------------------------------------------- API tokens


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


def all_role_permissions() -> dict[str, list[str]]:
    return {role.value: sorted(perms) for role, perms in ROLE_PERMISSIONS.items()}

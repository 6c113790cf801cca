"""Users: roles handed out only within what the caller may grant (三员分立), unit scope,
password resets that end the user's sessions."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.identity import passwords, revocations, tokens
from ledger_api.identity.models import (
    Unit,
    User,
)
from qq_kernel.auth.principal import ROLE_PERMISSIONS, Principal, Role
from qq_kernel.auth.scope import in_scope
from qq_kernel.problems import ProblemError, field_error

# Roles only a security administrator hands out (三员分立: separation of duties).
ADMIN_ROLES = frozenset({Role.office_admin, Role.security_admin, Role.audit_admin})


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


def assignable_roles(principal: Principal) -> frozenset[str]:
    if principal.can("roles:manage"):
        return frozenset(Role.__members__)
    if principal.can("users:manage"):
        return frozenset(Role.__members__) - ADMIN_ROLES
    return frozenset()


def check_manageable(principal: Principal, user: User) -> None:
    """三员分立: a caller resets, disables, moves or edits only users whose every role it could
    grant; an office administrator never takes over a security or audit administrator."""
    out_of_reach = sorted(set(user.roles) - assignable_roles(principal))
    if out_of_reach:
        raise ProblemError(
            403,
            code="user_not_manageable",
            detail=f"无权管理该用户：其角色（{'、'.join(out_of_reach)}）超出您可授予的范围（三员分立）",
        )


def check_admin_separation(roles: list[str]) -> None:
    """Security, audit and office administration stay separate people. The bootstrap
    administrator (office_admin + security_admin, made by qqctl) is the one documented exception
    and is never made through the API."""
    held = sorted(set(roles) & ADMIN_ROLES)
    if len(held) > 1:
        raise field_error(
            "roles", f"管理员角色须由不同人员担任（三员分立），不能同时授予：{'、'.join(held)}", "admin_roles_combined"
        )


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
    check_admin_separation(roles)
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
    check_manageable(principal, user)
    before = user_snapshot(user)
    if "roles" in changes and changes["roles"] is not None:
        if user.id == principal.user_id and set(changes["roles"]) != set(user.roles):
            raise ProblemError(409, code="own_roles", detail="不能修改自己的角色（三员分立：须由另一名管理员操作）")
        # Removing a role is a grant decision too: both old and new sets must be within reach.
        check_role_grant(principal, sorted(set(changes["roles"]) ^ set(user.roles)))
        if set(changes["roles"]) != set(user.roles):
            check_admin_separation(changes["roles"])
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
    """Every session of the user ends, on every service within seconds (the revocation feed);
    the other services also drop what they cached about the user's API tokens."""
    await revocations.end_sessions(session, user_id=user_id, reason=reason)
    revocations.record(session, kind="user", subject_id=user_id, reason=reason)


async def reset_password(session: AsyncSession, *, principal: Principal, request: Request, user: User) -> str:
    if user.kind != "person":
        raise ProblemError(409, code="integration_account", detail="对接账号没有密码，请为其创建 API 令牌")
    check_manageable(principal, user)
    otp = passwords.one_time_password()
    tokens.remember_password(session, user)
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


def all_role_permissions() -> dict[str, list[str]]:
    return {role.value: sorted(perms) for role, perms in ROLE_PERMISSIONS.items()}

"""First start: the region tree of the deployment, the task-force office and the first
administrator, whose random one-time password is printed once. There is no default password."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.identity import org, passwords, users
from ledger_api.identity.models import Region, Unit, User
from ledger_api.identity.schemas import USERNAME_PATTERN
from qq_kernel.auth.principal import Role

# code:name/code:name/... from the top of the tree down to the deployment's own level.
DEFAULT_REGION_TREE = "99:示范省/9901:示范市/990121:海澄县"
LEVELS = ("province", "city", "county")
OFFICE_NAME = "科工贸和信息化局（清欠专班办公室）"


@dataclass
class Bootstrapped:
    region: Region
    office: Unit
    admin_username: str | None = None
    admin_password: str | None = None


async def ensure_region_tree(session: AsyncSession, tree: str = DEFAULT_REGION_TREE) -> Region:
    parts = [p for p in tree.split("/") if p.strip()]
    if not 1 <= len(parts) <= len(LEVELS) or any(":" not in p for p in parts):
        raise ValueError(f"QQ_REGION_TREE must be 1 to 3 'code:name' parts joined by '/', e.g. {DEFAULT_REGION_TREE}")
    parent: Region | None = None
    for level, part in zip(LEVELS, parts, strict=False):
        code, name = part.split(":", 1)
        region = await session.scalar(select(Region).where(Region.code == code))
        if region is None:
            region = await org.create_region(
                session, code=code, name=name, level=level, parent_id=parent.id if parent else None
            )
        parent = region
    assert parent is not None
    return parent


async def ensure_office(session: AsyncSession, region: Region) -> Unit:
    office = await session.scalar(select(Unit).where(Unit.region_id == region.id, Unit.is_office.is_(True)))
    return office or await org.create_unit(session, name=f"{region.name}{OFFICE_NAME}", region=region, is_office=True)


async def first_start(
    session: AsyncSession, *, tree: str = DEFAULT_REGION_TREE, admin_username: str = "admin"
) -> Bootstrapped:
    region = await ensure_region_tree(session, tree)
    office = await ensure_office(session, region)
    result = Bootstrapped(region=region, office=office)
    if not await session.scalar(select(func.count()).select_from(User)):
        password = passwords.one_time_password()
        admin = User(
            username=admin_username,
            display_name="系统管理员",
            unit_id=office.id,
            region_path=office.region_path,
            roles=["office_admin", "security_admin"],
            password_hash=passwords.hash_password(password),
            must_change_password=True,
        )
        session.add(admin)
        await session.flush()
        await AUDIT.record(
            session,
            action="user.bootstrap_admin",
            object_type="user",
            object_id=admin.id,
            unit_id=office.id,
            region_path=office.region_path,
            actor_name="system",
            after=users.user_snapshot(admin),
        )
        result.admin_username, result.admin_password = admin_username, password
    await session.commit()
    return result


async def create_admin(session: AsyncSession, *, username: str, unit_id: str, roles: list[str]) -> str:
    """``qqctl create-admin``: an administrator with a one-time password (printed once)."""
    unknown = sorted(set(roles) - set(Role.__members__))
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(unknown)} (known: {', '.join(Role.__members__)})")
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise ValueError("username: 3-64 letters, digits, '_', '.' or '-'")
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise ValueError(f"unit {unit_id} does not exist")
    if await session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise ValueError(f"username {username} is taken")
    password = passwords.one_time_password()
    user = User(
        username=username,
        display_name=username,
        unit_id=unit.id,
        region_path=unit.region_path,
        roles=roles,
        password_hash=passwords.hash_password(password),
        must_change_password=True,
    )
    session.add(user)
    await session.flush()
    await AUDIT.record(
        session,
        action="user.created_by_cli",
        object_type="user",
        object_id=user.id,
        unit_id=unit.id,
        region_path=unit.region_path,
        actor_name="qqctl",
        after=users.user_snapshot(user),
    )
    await session.commit()
    return password

"""The organisation: regions (行政区划) and units (成员单位, 专班办公室), with the scope rule
for changing them."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import String, and_, cast, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.identity import schemas
from ledger_api.identity.models import (
    Region,
    Unit,
    User,
)
from qq_kernel.auth.principal import REGION_SCOPED_ROLES, Principal
from qq_kernel.auth.scope import in_region_subtree
from qq_kernel.problems import field_error


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


async def refuse_duplicate_name(
    session: AsyncSession, *, name: str, region_id: str, except_id: str | None = None
) -> None:
    """Two units of one region may not share a name (two 财政局 rows were accepted once); the
    unique index ``uq_unit_region_name`` is the backstop."""
    query = select(Unit.id).where(Unit.region_id == region_id, Unit.name == name)
    if except_id:
        query = query.where(Unit.id != except_id)
    if await session.scalar(query.limit(1)):
        raise field_error("body.name", f"本行政区划已有名为“{name}”的单位", "duplicate_name")


async def create_unit(session: AsyncSession, *, name: str, region: Region, is_office: bool = False) -> Unit:
    await refuse_duplicate_name(session, name=name, region_id=region.id)
    unit = Unit(name=name, region_id=region.id, region_path=region.path, is_office=is_office)
    session.add(unit)
    await session.flush()
    return unit


async def add_region(
    session: AsyncSession, *, principal: Principal, request: Request, body: schemas.RegionIn
) -> Region:
    """A region below one of the caller's own subtree."""
    parent = await session.get(Region, body.parent_id) if body.parent_id else None
    if parent is None or not in_region_subtree(principal, parent.path):
        raise field_error("parent_id", "上级行政区划不存在或不在您的管辖范围内", "not_found")
    region = await create_region(session, code=body.code, name=body.name, level=body.level, parent_id=parent.id)
    await AUDIT.record(
        session,
        action="region.created",
        principal=principal,
        request=request,
        object_type="region",
        object_id=region.id,
        region_path=region.path,
        after=body.model_dump(),
    )
    return region


async def add_unit(session: AsyncSession, *, principal: Principal, request: Request, body: schemas.UnitIn) -> Unit:
    """A unit in a region of the caller's subtree."""
    region = await session.get(Region, body.region_id)
    if region is None or not in_region_subtree(principal, region.path):
        raise field_error("region_id", "行政区划不存在或不在您的管辖范围内", "not_found")
    unit = await create_unit(session, name=body.name, region=region, is_office=body.is_office)
    await AUDIT.record(
        session,
        action="unit.created",
        principal=principal,
        request=request,
        object_type="unit",
        object_id=unit.id,
        unit_id=unit.id,
        region_path=unit.region_path,
        after=body.model_dump(),
    )
    return unit


async def update_unit(
    session: AsyncSession, *, principal: Principal, request: Request, unit: Unit, body: schemas.UnitPatch
) -> Unit:
    before = {"name": unit.name, "active": unit.active}
    if body.name is not None and body.name != unit.name:
        await refuse_duplicate_name(session, name=body.name, region_id=unit.region_id, except_id=unit.id)
    for key, value in body.model_dump(exclude_none=True).items():
        setattr(unit, key, value)
    await session.flush()
    await AUDIT.record(
        session,
        action="unit.updated",
        principal=principal,
        request=request,
        object_type="unit",
        object_id=unit.id,
        unit_id=unit.id,
        region_path=unit.region_path,
        before=before,
        after={"name": unit.name, "active": unit.active},
    )
    return unit


async def recipients(session: AsyncSession, *, unit_id: str, region_path: str) -> list[schemas.RecipientOut]:
    """Active people who see data of ``unit_id`` in ``region_path``: the unit's own people, and the
    region-scoped roles (office, auditors, ...) whose region is ``region_path`` or one above it."""
    region_scoped = [str(r) for r in REGION_SCOPED_ROLES]
    in_scope = or_(
        User.unit_id == unit_id,
        and_(
            User.roles.overlap(cast(region_scoped, ARRAY(String(32)))),
            literal(region_path).startswith(User.region_path, autoescape=False),
        ),
    )
    rows = await session.scalars(
        select(User).where(User.active.is_(True), User.kind == "person", in_scope).order_by(User.id)
    )
    return [
        schemas.RecipientOut(
            id=u.id,
            display_name=u.display_name,
            unit_id=u.unit_id,
            region_path=u.region_path,
            roles=list(u.roles),
            phone=u.phone,
        )
        for u in rows
    ]

"""HTTP of the organisation: /org/regions and /org/units."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import or_, select

from ledger_api.flow import CHANGE
from ledger_api.identity import org, schemas
from ledger_api.identity.dependencies import (
    manage_org,
    valid_unit_id,
)
from ledger_api.identity.models import Region, Unit
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import scope_clause
from qq_kernel.concurrency import check_if_match, set_etag
from qq_kernel.db import Session

router = APIRouter(prefix="/org", tags=["org"])


# A province has about 1,500 townships and as many units per level: these lists are read whole by
# the SPA's pickers, capped so that no answer is unbounded (the cap is in the contract).
ORG_LIST_CAP = 5_000


@router.get("/regions", name="list_regions", response_model=list[schemas.RegionOut])
async def list_regions(
    session: Session,
    principal: Principal = Depends(require("org:read")),
    limit: int = Query(ORG_LIST_CAP, ge=1, le=ORG_LIST_CAP, description=f"至多返回条数（上限 {ORG_LIST_CAP}）"),
) -> list[Region]:
    """Regions the caller may see: its own region, the subtree below it and the ancestors above it
    (at most ``limit``, in path order)."""
    path = principal.region_path or "/"
    ancestors = [
        "/" + "/".join(path.strip("/").split("/")[: i + 1]) + "/" for i in range(len(path.strip("/").split("/")))
    ]
    rows = await session.scalars(
        select(Region)
        .where(or_(Region.path.startswith(path, autoescape=True), Region.path.in_(ancestors)))
        .order_by(Region.path)
        .limit(limit)
    )
    return list(rows)


@router.post("/regions", name="create_region", response_model=schemas.RegionOut, status_code=201)
async def create_region(
    body: schemas.RegionIn, request: Request, session: Session, principal: Principal = Depends(manage_org)
) -> Region:
    region = await org.add_region(session, principal=principal, request=request, body=body)
    await CHANGE.commit(session)
    return region


@router.get("/units", name="list_units", response_model=list[schemas.UnitOut])
async def list_units(
    session: Session,
    principal: Principal = Depends(require("org:read")),
    q: str | None = Query(None, max_length=64, description="按名称片段搜索"),
    limit: int = Query(ORG_LIST_CAP, ge=1, le=ORG_LIST_CAP, description=f"至多返回条数（上限 {ORG_LIST_CAP}）"),
) -> list[Unit]:
    query = select(Unit).where(scope_clause(principal, unit_col=Unit.id, region_col=Unit.region_path))
    if q:
        query = query.where(Unit.name.contains(q, autoescape=True))
    return list(await session.scalars(query.order_by(Unit.region_path, Unit.name, Unit.id).limit(limit)))


@router.post("/units", name="create_unit", response_model=schemas.UnitOut, status_code=201)
async def create_unit(
    body: schemas.UnitIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(manage_org),
) -> Unit:
    unit = await org.add_unit(session, principal=principal, request=request, body=body)
    await CHANGE.commit(session)
    set_etag(response, unit.version)
    return unit


@router.patch("/units/{unit_id}", name="update_unit", response_model=schemas.UnitOut)
async def update_unit(
    body: schemas.UnitPatch,
    request: Request,
    response: Response,
    session: Session,
    unit: Unit = Depends(valid_unit_id),
    principal: Principal = Depends(manage_org),
) -> Unit:
    check_if_match(request, unit.version)
    await org.update_unit(session, principal=principal, request=request, unit=unit, body=body)
    await CHANGE.commit(session)
    set_etag(response, unit.version)
    return unit


@router.get("/recipients", name="list_recipients", response_model=list[schemas.RecipientOut])
async def list_recipients(
    session: Session,
    _: Principal = Depends(require("service:notify_recipients")),
    unit_id: str = Query(..., max_length=36, description="事项的责任单位"),
    region_path: str = Query(..., max_length=255, description="事项所在区域路径"),
) -> list[schemas.RecipientOut]:
    """For notify-api: the active people whose data scope includes something of ``unit_id`` in
    ``region_path`` (the unit's own people, and region-scoped roles of that region or above it),
    with their roles, so that notify-api picks who is told without ever widening a scope."""
    return await org.recipients(session, unit_id=unit_id, region_path=region_path)

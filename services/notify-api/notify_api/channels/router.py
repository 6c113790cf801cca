"""HTTP of the channels: a person's own contacts (/channels/contacts), and for the office the
delivery log with its dead letters and their requeue (/admin/deliveries)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from notify_api.channels import preferences, schemas, service
from notify_api.channels.models import Contact, Delivery
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.db import Session
from qq_kernel.pagination import Page, PageParams
from qq_kernel.problems import field_error

router = APIRouter(tags=["channels"])
Channel = Literal["email", "webhook", "sms"]
admin = require("notify:publish")


@router.get("/channels/contacts", name="list_my_contacts", response_model=list[schemas.ContactOut])
async def list_contacts(session: Session, principal: Principal = Depends(require("notify:read"))):
    rows = await session.scalars(select(Contact).where(Contact.user_id == principal.actor_id).order_by(Contact.channel))
    return [schemas.ContactOut(channel=c.channel, address=c.address, format=c.format, active=c.active) for c in rows]


@router.put("/channels/contacts/{channel}", name="set_my_contact", response_model=schemas.ContactOut)
async def set_contact(
    channel: Channel, body: schemas.ContactIn, session: Session, principal: Principal = Depends(require("notify:read"))
) -> schemas.ContactOut:
    values = {"address": body.address, "format": body.format, "active": body.active, "updated_at": func.now()}
    await session.execute(
        insert(Contact)
        .values(user_id=principal.actor_id, channel=channel, **values)
        .on_conflict_do_update(constraint="uq_contact_user_channel", set_=values)
    )
    await session.commit()
    return schemas.ContactOut(channel=channel, address=body.address, format=body.format, active=body.active)


@router.get("/admin/deliveries", name="list_deliveries", response_model=Page[schemas.DeliveryOut])
async def list_deliveries(
    session: Session,
    _: Principal = Depends(admin),
    params: PageParams = Depends(PageParams.from_query),
    status: Literal["pending", "sent", "dead"] | None = Query(None, description="状态；dead 为死信"),
    channel: Channel | None = Query(None, description="渠道"),
    kind: str | None = Query(None, max_length=64, description="通知类型"),
) -> Page[schemas.DeliveryOut]:
    query = select(Delivery)
    if status:
        query = query.where(Delivery.status == status)
    if channel:
        query = query.where(Delivery.channel == channel)
    if kind:
        query = query.where(Delivery.kind == kind)
    rows = await session.scalars(query.order_by(Delivery.id.desc()).limit(params.page_size).offset(params.offset))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    return Page.of([schemas.DeliveryOut.model_validate(d, from_attributes=True) for d in rows], total or 0, params)


@router.post("/admin/deliveries/requeue", name="requeue_deliveries", response_model=schemas.RequeueOut)
async def requeue_deliveries(
    body: schemas.RequeueIn, session: Session, _: Principal = Depends(admin)
) -> schemas.RequeueOut:
    return schemas.RequeueOut(requeued=await service.requeue(session, body.ids))


@router.get("/preferences", name="list_my_preferences", response_model=list[schemas.PreferenceOut])
async def list_preferences(
    session: Session, principal: Principal = Depends(require("notify:read"))
) -> list[schemas.PreferenceOut]:
    """Every kind × channel for the caller: their choice, else their roles' default."""
    chosen = await preferences.choices(session, [principal.actor_id])
    roles = frozenset(principal.roles)
    return [
        schemas.PreferenceOut(
            kind=kind,
            channel=channel,
            enabled=preferences.wanted(kind, channel, principal.actor_id, roles, chosen),
            mandatory=kind in preferences.MANDATORY,
        )
        for kind in preferences.KINDS
        for channel in preferences.CHANNELS
    ]


@router.put("/preferences", name="set_my_preference", response_model=schemas.PreferenceOut)
async def set_preference(
    body: schemas.PreferenceIn, session: Session, principal: Principal = Depends(require("notify:read"))
) -> schemas.PreferenceOut:
    if body.kind not in preferences.KINDS:
        raise field_error("kind", "没有这种通知类型", code="unknown_kind")
    if body.kind in preferences.MANDATORY and not body.enabled:
        raise field_error("enabled", "督办和升级类通知不能关闭", code="mandatory_kind")
    await preferences.set_choice(session, principal.actor_id, body.kind, body.channel, body.enabled)
    return schemas.PreferenceOut(
        kind=body.kind, channel=body.channel, enabled=body.enabled, mandatory=body.kind in preferences.MANDATORY
    )

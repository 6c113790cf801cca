"""Who wants what on which channel: per-person choices over role defaults; mandatory kinds
(supervision, escalation) go out on every channel the person has, whatever was chosen."""

from __future__ import annotations

from sqlalchemy import Boolean, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from notify_api.db import Base
from notify_api.events.texts import TITLES

KINDS = tuple(TITLES)
CHANNELS = ("email", "webhook", "sms")
MANDATORY = frozenset({"supervision.notice_issued", "complaint.supervised"}) | frozenset(
    k for k in KINDS if k.startswith("escalation.")
)
# Role defaults: e-mail and webhooks for everything; SMS (paid, intrusive) only for mandatory kinds,
# and for a unit leader also red flags.
SMS_BY_ROLE = {"unit_leader": frozenset({"flag.raised"})}


class Preference(Base):
    __tablename__ = "preference"
    __table_args__ = (UniqueConstraint("user_id", "kind", "channel", name="uq_preference_user_kind_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)


def default(kind: str, channel: str, roles: frozenset[str]) -> bool:
    if kind in MANDATORY or channel != "sms":
        return True
    return any(kind in SMS_BY_ROLE.get(r, frozenset()) for r in roles)


async def choices(session: AsyncSession, user_ids: list[str]) -> dict[tuple[str, str, str], bool]:
    rows = await session.execute(
        select(Preference.user_id, Preference.kind, Preference.channel, Preference.enabled).where(
            Preference.user_id.in_(user_ids)
        )
    )
    return {(u, k, c): e for u, k, c, e in rows}


def wanted(kind: str, channel: str, user_id: str, roles: frozenset[str], chosen: dict) -> bool:
    if kind in MANDATORY:
        return True
    return chosen.get((user_id, kind, channel), default(kind, channel, roles))


async def set_choice(session: AsyncSession, user_id: str, kind: str, channel: str, enabled: bool) -> None:
    await session.execute(
        insert(Preference)
        .values(user_id=user_id, kind=kind, channel=channel, enabled=enabled)
        .on_conflict_do_update(constraint="uq_preference_user_kind_channel", set_={"enabled": enabled})
    )
    await session.commit()

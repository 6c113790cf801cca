"""Member units (the seed notice's list) and invented staff with a shared random demo password."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.identity import org, passwords
from ledger_api.identity.bootstrap import first_start
from ledger_api.identity.models import Unit, User

MEMBER_UNITS = (
    "发展和改革局",
    "财政局",
    "国资局",
    "人民法院",
    "审计局",
    "教育局",
    "司法局",
    "住建局",
    "交通局",
    "水务局",
    "农业农村局",
    "卫生健康局",
    "市场监管局",
    "人社局",
    "金融局",
)

# (username, display name, unit suffix or None for the office, roles). Names are invented.
PEOPLE = (
    ("office01", "林晓岚", None, ["office_admin"]),
    ("office02", "郑志远", None, ["office_admin"]),
    ("secadmin", "许安澜", None, ["security_admin"]),
    ("auditadmin", "顾明哲", None, ["audit_admin"]),
    ("caizheng01", "黄思源", "财政局", ["unit_operator"]),
    ("caizheng_lead", "邓卫国", "财政局", ["unit_leader"]),
    ("jiaoyu01", "何佳怡", "教育局", ["unit_operator"]),
    ("jiaoyu_lead", "罗建平", "教育局", ["unit_leader"]),
    ("zhujian01", "梁宇航", "住建局", ["unit_operator"]),
    ("zhujian_lead", "彭国强", "住建局", ["unit_leader"]),
    ("jiaotong01", "蔡雨婷", "交通局", ["unit_operator"]),
    ("shuiwu01", "苏文博", "水务局", ["unit_operator"]),
    ("weijian01", "谢静雯", "卫生健康局", ["unit_operator"]),
    ("guozi01", "韩子轩", "国资局", ["unit_operator"]),
    ("shenji01", "冯若溪", "审计局", ["auditor"]),
    ("fayuan01", "曾立诚", "人民法院", ["court"]),
)


async def load(session: AsyncSession, *, password: str | None = None) -> tuple[list[str], str] | None:
    """Create the units and people unless they exist; returns (usernames, password) when created."""
    boot = await first_start(session)
    if await session.scalar(select(User.id).where(User.username == PEOPLE[0][0])):
        return None
    units = {None: boot.office}
    for name in MEMBER_UNITS:
        full = f"{boot.region.name}{name}"
        unit = await session.scalar(select(Unit).where(Unit.name == full))
        units[name] = unit or await org.create_unit(session, name=full, region=boot.region)
    password = password or passwords.one_time_password()
    hashed = passwords.hash_password(password)
    for username, display, unit_key, roles in PEOPLE:
        unit = units[unit_key]
        session.add(
            User(
                username=username,
                display_name=display,
                unit_id=unit.id,
                region_path=unit.region_path,
                roles=roles,
                phone=f"1380759{len(username):02d}{len(display):02d}",
                password_hash=hashed,
                must_change_password=False,
            )
        )
    await session.commit()
    return [p[0] for p in PEOPLE], password

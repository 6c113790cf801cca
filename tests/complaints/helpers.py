"""A county for complaint tests: the office, two member units, their people and an API token of
the complaint platform (scope complaints:intake), all through the real APIs."""

from __future__ import annotations

import itertools
import random
import secrets
from dataclasses import dataclass, field
from datetime import date

import httpx
from fastapi import FastAPI

from qq_kernel.uscc import random_uscc
from tests.support.world import World, bearer, login

_seq = itertools.count(1)


def complaint_app(gateway) -> FastAPI:
    return next(app for prefix, app in gateway.services if prefix == "/api/complaints")


_rng = random.Random(20261203)


def uscc(head: str = "91") -> str:
    """A valid credit code (check characters computed)."""
    return random_uscc(_rng, head=head)


COMPLAINANT_USCC = uscc("91")
RESPONDENT_USCC = uscc("11")


def intake_body(platform_id: str, **overrides) -> dict:
    body = {
        "platform_complaint_id": platform_id,
        "complainant": {
            "name": "示例科技有限公司",
            "uscc": COMPLAINANT_USCC,
            "size": "small",
            "contact_person": "张三丰",
            "contact_phone": "13812345678",
        },
        "respondent": {"name": "示例县交通局", "uscc": RESPONDENT_USCC, "kind": "government_agency"},
        "amount": "128000.50",
        "contract": {"name": "县道养护服务合同", "number": "JT-2025-017"},
        "procurement_type": "services",
        "facts": "2025年6月完成养护服务并通过验收，至今未付款。",
        "request": "请求督促支付服务款。",
        "pledge_no_other_proceedings": True,
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return body


def staff_body(**overrides) -> dict:
    body = intake_body("x", **overrides)
    body.pop("platform_complaint_id")
    body.setdefault("source", "phone")
    return body


@dataclass
class County:
    world: World
    office: dict[str, str]
    unit: dict[str, str]  # operator of unit_a (the usual handling unit)
    leader: dict[str, str]  # leader of unit_a
    deputy: dict[str, str]  # a second leader of unit_a (four eyes)
    other_unit: dict[str, str]  # operator of unit_b
    auditor: dict[str, str]
    security: dict[str, str]
    platform: dict[str, str]  # API token of the complaint platform
    platform_account_id: str
    ids: dict[str, str] = field(default_factory=dict)


async def county(client: httpx.AsyncClient, worlds, world: World) -> County:
    async def person(roles, unit):
        user = await worlds.user(world, roles=roles, unit=unit)
        return bearer((await login(client, user.username, ip=world.client_ip))["access_token"]), user

    office, office_user = await person(["office_admin"], world.office)
    unit, unit_user = await person(["unit_operator"], world.unit_a)
    leader, _ = await person(["unit_leader"], world.unit_a)
    deputy, _ = await person(["unit_leader"], world.unit_a)
    other_unit, _ = await person(["unit_operator"], world.unit_b)
    auditor, _ = await person(["auditor"], world.office)
    security, _ = await person(["security_admin"], world.office)
    account = await worlds.user(world, roles=["integration"], unit=world.office, kind="integration")
    r = await client.post(
        "/api/ledger/tokens",
        json={"name": f"投诉平台-{secrets.token_hex(3)}", "scopes": ["complaints:intake"], "owner_id": account.id},
        headers=security,
    )
    assert r.status_code == 201, r.text
    return County(
        world=world,
        office=office,
        unit=unit,
        leader=leader,
        deputy=deputy,
        other_unit=other_unit,
        auditor=auditor,
        security=security,
        platform=bearer(r.json()["token"]),
        platform_account_id=account.id,
        ids={"office_user": office_user.id, "unit_user": unit_user.id},
    )


def platform_id() -> str:
    return f"P{date.today():%Y%m%d}-{next(_seq):05d}-{secrets.token_hex(3)}"


class TestClock:
    """Sets complaint-api's "today" for the duration of a test."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.saved = getattr(app.state, "today", None)

    def set(self, day: date) -> None:
        self.app.state.today = lambda: day

    def restore(self) -> None:
        self.app.state.today = self.saved

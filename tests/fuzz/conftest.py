"""Shared actors for the regression tests of issue 14 (one module per cause)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.world import bearer, login


@dataclass
class Actors:
    h: dict  # unit operator of unit_a
    ho: dict  # office admin of the county, who also administers security and audit here
    world: object


@pytest.fixture
async def actors(client, worlds, world) -> Actors:
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    office = await worlds.user(world, roles=["office_admin", "security_admin", "audit_admin"], unit=world.office)
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    return Actors(h, ho, world)


def assert_problem(r, status: int, field: str | None = None, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status and body["request_id"]
    if field is not None:
        assert [e["field"] for e in body["errors"]] == [field], body
    if code is not None:
        assert body["errors"][0]["code"] == code, body
    return body

"""Issue 14, cause 1: page numbers overflowed the database integer (500 "value out of int32
range"). `page` is bounded in the shared pagination (qq_kernel.pagination.MAX_PAGE)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qq_kernel.pagination import MAX_PAGE
from tests.fuzz.conftest import assert_problem

LISTS = [
    "/api/ledger/items",
    "/api/ledger/creditors",
    "/api/ledger/debtors",
    "/api/ledger/candidates",
    "/api/ledger/users",
    "/api/ledger/tokens",
    "/api/ledger/people",
    "/api/ledger/login-events",
    "/api/ledger/key-cases",
    "/api/ledger/flags",
    "/api/ledger/repayments",
]


@pytest.mark.parametrize("path", LISTS)
async def test_page_past_the_bound_is_a_named_422(client, actors, path):
    r = await client.get(path, params={"page": 1_000_000_000_000}, headers=actors.ho)
    assert_problem(r, 422, "query.page", "less_than_equal")


async def test_page_times_size_past_int32_on_items(client, actors):
    r = await client.get("/api/ledger/items", params={"page": 69587060, "page_size": 74}, headers=actors.ho)
    assert_problem(r, 422, "query.page")


async def test_page_past_int64_on_creditors(client, actors):
    r = await client.get("/api/ledger/creditors", params={"page": 2305843009213693953}, headers=actors.ho)
    assert_problem(r, 422, "query.page")


async def test_the_last_allowed_page_answers_an_empty_page(client, actors):
    r = await client.get("/api/ledger/items", params={"page": MAX_PAGE, "page_size": 200}, headers=actors.ho)
    assert r.status_code == 200 and r.json()["items"] == []


def test_the_bound_is_in_the_contract():
    contract = json.loads((Path(__file__).resolve().parents[2] / "contracts" / "ledger.openapi.json").read_text())
    page = next(p for p in contract["paths"]["/api/ledger/items"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["maximum"] == MAX_PAGE

"""Acceptance 1 and 5 of the foundation: health, readiness, contracts served, problem+json for
every kind of error, request id in the response and in the log line."""

from __future__ import annotations

import logging

import pytest

from qqctl.services import SERVICES

PREFIXES = [s.prefix for s in SERVICES]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_health_and_readiness(client, prefix):
    r = await client.get(f"{prefix}/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    r = await client.get(f"{prefix}/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["database"] == "ok" and body["migration"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_openapi_served_with_stable_operation_ids(client, prefix):
    r = await client.get(f"{prefix}/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    ops = [op["operationId"] for path in doc["paths"].values() for op in path.values()]
    assert len(ops) == len(set(ops)), "operation ids must be unique"
    assert "operations_healthz" in ops
    assert all(p.startswith(prefix) for p in doc["paths"]), "every path lives under the service prefix"


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_unknown_path_is_problem_404_with_request_id(client, prefix, caplog):
    caplog.set_level(logging.INFO, logger="qq.access")
    r = await client.get(f"{prefix}/no-such-thing", headers={"X-Request-ID": "trace-abc-123"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "not_found" and body["title"] and body["status"] == 404
    assert r.headers["x-request-id"] == "trace-abc-123" == body["request_id"]
    lines = [rec for rec in caplog.records if rec.name == "qq.access" and rec.path == f"{prefix}/no-such-thing"]
    assert lines and lines[-1].request_id == "trace-abc-123" and lines[-1].status == 404


async def test_wrong_method_is_problem_405(client, caplog):
    caplog.set_level(logging.INFO, logger="qq.access")
    r = await client.delete("/api/ledger/healthz")
    assert r.status_code == 405
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "method_not_allowed"
    rid = r.headers["x-request-id"]
    assert len(rid) >= 16, "a request id is generated when none is sent"
    assert any(getattr(rec, "request_id", None) == rid for rec in caplog.records if rec.name == "qq.access")


async def test_unknown_service_is_problem_404(client):
    r = await client.get("/api/nothing/here")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert r.headers["x-request-id"]


async def test_hostile_request_id_is_replaced(client):
    r = await client.get("/api/ledger/healthz", headers={"X-Request-ID": "bad id\nwith newline" * 20})
    assert r.headers["x-request-id"] != "bad id"
    assert " " not in r.headers["x-request-id"]


def test_no_route_dependency_runs_in_the_thread_pool(gateway):
    """FastAPI runs a plain ``def`` dependency or endpoint in its thread pool: a thread hop per
    request on the hottest paths (the ledger list measured it). Every one is ``async``."""
    from fastapi.dependencies.models import _is_async_gen_callable, _is_coroutine_callable
    from fastapi.routing import APIRoute, iter_route_contexts

    sync = set()
    for _, app in gateway.services:
        for context in iter_route_contexts(app.routes):
            route = context.original_route
            if not isinstance(route, APIRoute):
                continue
            if not _is_coroutine_callable(route.endpoint):
                sync.add(f"endpoint {context.path}")
            stack = list(route.dependant.dependencies)
            while stack:
                dep = stack.pop()
                stack.extend(dep.dependencies)
                if dep.call and not (_is_coroutine_callable(dep.call) or _is_async_gen_callable(dep.call)):
                    sync.add(f"{getattr(dep.call, '__qualname__', dep.call)} in {context.path}")
    assert not sync, sorted(sync)

"""Runs ledger-api's first-start and demo loaders against its database (as its runtime role)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ledger_api.demo import identity as demo_identity
from ledger_api.identity import bootstrap as identity_bootstrap
from qq_kernel.db import create_engine, create_session_factory

T = TypeVar("T")


async def _with_session(url: str, fn: Callable[..., Awaitable[T]], **kwargs) -> T:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with create_session_factory(engine)() as session:
            return await fn(session, **kwargs)
    finally:
        await engine.dispose()


async def first_start(url: str, region_tree: str | None = None) -> identity_bootstrap.Bootstrapped:
    """``region_tree`` (QQ_REGION_TREE) names the deployment's regions, e.g.
    ``44:广东省/4408:湛江市/440825:徐闻县``; without it the fictional demo county is used."""
    kwargs = {"tree": region_tree} if region_tree else {}
    return await _with_session(url, identity_bootstrap.first_start, **kwargs)


async def load_demo(url: str):
    return await _with_session(url, demo_identity.load)


async def create_admin(url: str, *, username: str, roles: list[str]) -> str:
    async def _create(session, **kw):
        tree = os.environ.get("QQ_REGION_TREE")
        boot = await identity_bootstrap.first_start(session, **({"tree": tree} if tree else {}))
        return await identity_bootstrap.create_admin(session, unit_id=boot.office.id, **kw)

    return await _with_session(url, _create, username=username, roles=roles)

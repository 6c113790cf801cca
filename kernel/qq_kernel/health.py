"""``/healthz``: the process answers. ``/readyz``: the database answers and the schema is at
the migration head (a replica that starts before its migration ran is not ready)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from qq_kernel.migrations import current_revisions, head_revisions
from qq_kernel.problems import ProblemError


class Health(BaseModel):
    status: str
    service: str


class Readiness(Health):
    database: str
    migration: str


def health_router(*, prefix: str, service: str, schema: str, migrations_dir: Path, public) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["operations"])
    heads = head_revisions(migrations_dir)

    @router.get("/healthz", name="healthz", response_model=Health, dependencies=[public])
    async def healthz() -> Health:
        return Health(status="ok", service=service)

    @router.get("/readyz", name="readyz", response_model=Readiness, dependencies=[public])
    async def readyz(request: Request) -> Readiness:
        engine = request.app.state.engine
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await current_revisions(engine, schema)
        except Exception as exc:  # the database is down or unreachable
            raise ProblemError(503, code="database_unavailable", detail=f"数据库不可用：{type(exc).__name__}") from exc
        if current != heads:
            raise ProblemError(
                503,
                code="migration_pending",
                detail=f"数据库结构版本 {sorted(current) or '无'} 与代码 {sorted(heads)} 不一致，请先执行迁移",
            )
        return Readiness(status="ok", service=service, database="ok", migration=",".join(sorted(current)))

    return router

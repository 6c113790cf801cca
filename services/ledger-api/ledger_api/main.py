"""App factory of ledger-api."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from ledger_api.audit.models import AuditLog
from ledger_api.candidates.router import router as candidates_router
from ledger_api.config import PREFIX, Settings
from ledger_api.flags.router import router as flags_router
from ledger_api.flags.scheduled import evaluate_all
from ledger_api.identity.people_router import router as people_router
from ledger_api.identity.router import ROUTERS as IDENTITY_ROUTERS
from ledger_api.identity.service import LocalAuthenticator
from ledger_api.ledger.interest_router import router as interest_router
from ledger_api.ledger.queue_router import router as repayment_queue_router
from ledger_api.ledger.router import ROUTERS as LEDGER_ROUTERS
from ledger_api.plans.router import router as plans_router
from ledger_api.reports.router import router as reports_router
from ledger_api.reports.scheduled import take_snapshots
from ledger_api.supervision.router import router as supervision_router
from ledger_api.weekly.router import router as weekly_router
from qq_kernel.app import create_service_app
from qq_kernel.audit_api import audit_router
from qq_kernel.migrations import migrations_dir_of
from qq_kernel.scheduler import Job, scheduler_hooks

MIGRATIONS_DIR = migrations_dir_of(__file__)


def create_app(settings: Settings | None = None, *, http_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        settings=settings,
        title="ledger-api",
        description="ledger-api: the ledger of overdue debts and the identity provider",
        prefix=PREFIX,
        migrations_dir=MIGRATIONS_DIR,
        routers=[
            *IDENTITY_ROUTERS,
            *LEDGER_ROUTERS,
            interest_router,
            repayment_queue_router,
            people_router,
            supervision_router,
            candidates_router,
            plans_router,
            weekly_router,
            flags_router,
            reports_router,
            audit_router(AuditLog),
        ],
        make_authenticator=LocalAuthenticator,
        on_startup=[start_jobs],
        on_shutdown=[stop_jobs],
        http_transport=http_transport,
    )


async def _evaluate_flags(app: FastAPI) -> dict[str, int]:
    return await evaluate_all(app.state.session_factory)


# Time-based red flags (a week without update, an installment falling due) appear without anyone
# touching the item: re-evaluate every hour, so a new day's flags show within the hour (idempotent;
# item changes evaluate themselves at once). Set-based, a run over a province's million items takes
# about a minute and writes nothing when nothing changed (bench/README.md, "Red-flag job").
async def _take_snapshots(app: FastAPI) -> dict[str, list[str]]:
    return await take_snapshots(app.state.session_factory)


# Weekly snapshots for the reports' trend: hourly, so a week's snapshot exists within the hour
# after it ends (and a fresh deployment backfills the past half year from history).
start_jobs, stop_jobs = scheduler_hooks(
    Job("ledger.flags.evaluate", 3600, _evaluate_flags, first_delay_seconds=300),
    Job("ledger.reports.snapshots", 3600, _take_snapshots, first_delay_seconds=120),
)

"""App factory of ledger-api."""

from __future__ import annotations

from ledger_api import business_dates
from ledger_api.audit.models import AUDIT
from ledger_api.calendar.router import router as calendar_router
from ledger_api.candidates.router import router as candidates_router
from ledger_api.complaint_links.router import router as complaint_links_router
from ledger_api.config import PREFIX, Settings
from ledger_api.flags.router import router as flags_router
from ledger_api.flags.scheduled import FLAGS_JOB
from ledger_api.identity.auth_router import auth_router, jwks_router
from ledger_api.identity.login_events_router import router as login_events_router
from ledger_api.identity.org_router import router as org_router
from ledger_api.identity.people_router import router as people_router
from ledger_api.identity.sessions import LocalAuthenticator
from ledger_api.identity.tokens_router import router as tokens_router
from ledger_api.identity.users_router import router as users_router
from ledger_api.ledger.interest_router import router as interest_router
from ledger_api.ledger.queue_router import router as repayment_queue_router
from ledger_api.ledger.router import ROUTERS as LEDGER_ROUTERS
from ledger_api.parties.router import router as registry_router
from ledger_api.plans.router import router as plans_router
from ledger_api.reports.router import router as reports_router
from ledger_api.reports.scheduled import SNAPSHOTS_JOB
from ledger_api.supervision.router import router as supervision_router
from ledger_api.transfer import service as transfer
from ledger_api.transfer.router import router as transfer_router
from ledger_api.weekly.router import router as weekly_router
from qq_kernel.app import service_app_factory
from qq_kernel.migrations import migrations_dir_of
from qq_kernel.scheduler import scheduler_hooks

MIGRATIONS_DIR = migrations_dir_of(__file__)

start_jobs, stop_jobs = scheduler_hooks(FLAGS_JOB, SNAPSHOTS_JOB)

create_app = service_app_factory(
    Settings,
    title="ledger-api",
    description="ledger-api: the ledger of overdue debts and the identity provider",
    prefix=PREFIX,
    migrations_dir=MIGRATIONS_DIR,
    audit=AUDIT,
    routers=[
        auth_router,
        jwks_router,
        org_router,
        users_router,
        tokens_router,
        login_events_router,
        registry_router,
        *LEDGER_ROUTERS,
        interest_router,
        repayment_queue_router,
        people_router,
        supervision_router,
        candidates_router,
        complaint_links_router,
        plans_router,
        weekly_router,
        flags_router,
        reports_router,
        calendar_router,
        transfer_router,
    ],
    make_authenticator=LocalAuthenticator,
    on_startup=[business_dates.configure_from, start_jobs, transfer.start_worker],
    on_shutdown=[stop_jobs, transfer.stop_worker],
)

"""App factory of complaint-api."""

from __future__ import annotations

from fastapi import FastAPI

from complaint_api.audit.models import AUDIT
from complaint_api.callbacks import service as callbacks
from complaint_api.callbacks.router import router as callbacks_router
from complaint_api.complaints import scheduled
from complaint_api.complaints.router import router as complaints_router
from complaint_api.config import PREFIX, Settings
from complaint_api.ledger_link import service as ledger_link
from complaint_api.ledger_link.router import router as ledger_link_router
from complaint_api.outbox.models import Outbox, OutboxAttempt
from complaint_api.repeats.router import router as repeats_router
from complaint_api.sampling.router import router as sampling_router
from complaint_api.statistics.router import router as statistics_router
from qq_kernel.app import service_app_factory
from qq_kernel.calendar_source import CalendarSource
from qq_kernel.migrations import migrations_dir_of
from qq_kernel.outbox import relay_hooks
from qq_kernel.scheduler import Job, scheduler_hooks

MIGRATIONS_DIR = migrations_dir_of(__file__)


async def start_calendar(app: FastAPI) -> None:
    # The platform calendar (years loaded in ledger-api), read over the service's own client,
    # which carries the service's identity.
    app.state.calendar_source = CalendarSource(app.state.http, max_age=app.state.settings.calendar_max_age_seconds)


# A loaded year recomputes the provisional deadlines within about two minutes (the calendar's
# minute of staleness, then the job's minute); a round that finds the years unchanged reads nothing.
start_jobs, stop_jobs = scheduler_hooks(Job(scheduled.JOB_NAME, 60, scheduled.run, first_delay_seconds=60))

# The outbox relay (every replica runs one; row locks share the work): the ledger link of
# accepted complaints and the callbacks to the complaint platform.
start_relay, stop_relay = relay_hooks(
    Outbox, OutboxAttempt, lambda app: [ledger_link.destination(app), callbacks.destination(app)]
)

create_app = service_app_factory(
    Settings,
    title="complaint-api",
    description="complaint-api: complaint intake and handling",
    prefix=PREFIX,
    migrations_dir=MIGRATIONS_DIR,
    audit=AUDIT,
    routers=[
        complaints_router,
        ledger_link_router,
        callbacks_router,
        repeats_router,
        statistics_router,
        sampling_router,
    ],
    on_startup=[start_calendar, start_jobs, start_relay],
    on_shutdown=[stop_relay, callbacks.close_client, stop_jobs],
)

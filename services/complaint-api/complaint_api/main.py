"""App factory of complaint-api."""

from __future__ import annotations

from fastapi import FastAPI

from complaint_api.audit.models import AUDIT
from complaint_api.complaints import scheduled
from complaint_api.complaints.router import router as complaints_router
from complaint_api.config import PREFIX, Settings
from qq_kernel.app import service_app_factory
from qq_kernel.calendar_source import CalendarSource
from qq_kernel.migrations import migrations_dir_of
from qq_kernel.scheduler import Job, scheduler_hooks

MIGRATIONS_DIR = migrations_dir_of(__file__)


async def start_calendar(app: FastAPI) -> None:
    # The platform calendar (years loaded in ledger-api), read over the service's own client,
    # which carries the service's identity.
    app.state.calendar_source = CalendarSource(app.state.http, max_age=app.state.settings.calendar_max_age_seconds)


# A loaded year recomputes the provisional deadlines within about two minutes (the calendar's
# minute of staleness, then the job's minute); a round that finds the years unchanged reads nothing.
start_jobs, stop_jobs = scheduler_hooks(Job(scheduled.JOB_NAME, 60, scheduled.run, first_delay_seconds=60))

create_app = service_app_factory(
    Settings,
    title="complaint-api",
    description="complaint-api: complaint intake and handling",
    prefix=PREFIX,
    migrations_dir=MIGRATIONS_DIR,
    audit=AUDIT,
    routers=[complaints_router],
    on_startup=[start_calendar, start_jobs],
    on_shutdown=[stop_jobs],
)

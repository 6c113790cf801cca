"""App factory of notify-api."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from notify_api.audit.models import AuditLog
from notify_api.config import PREFIX, SERVICE_NAME, Settings
from qq_kernel.app import create_service_app
from qq_kernel.audit_api import audit_router
from qq_kernel.auth.remote import RemoteAuthenticator
from qq_kernel.migrations import migrations_dir_of

MIGRATIONS_DIR = migrations_dir_of(__file__)


def create_app(settings: Settings | None = None, *, http_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        settings=settings,
        title="notify-api",
        description="notify-api: notifications, escalations and bulletins",
        prefix=PREFIX,
        migrations_dir=MIGRATIONS_DIR,
        routers=[audit_router(AuditLog)],
        make_authenticator=lambda app: RemoteAuthenticator(
            app.state.http,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            service=SERVICE_NAME,
            master_secret=settings.service_secret,
        ),
        http_transport=http_transport,
    )

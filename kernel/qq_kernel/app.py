"""The service app factory every service calls: one place that wires settings, database,
problem details, request ids, logs, metrics, health, the HTTP client and authentication."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from qq_kernel.audit import AuditRecorder
from qq_kernel.audit_api import audit_router
from qq_kernel.auth.permissions import PUBLIC
from qq_kernel.auth.remote import RemoteAuthenticator, service_auth
from qq_kernel.db import create_engine, create_session_factory
from qq_kernel.files import MAX_EVIDENCE_BYTES
from qq_kernel.health import health_router
from qq_kernel.http import build_client
from qq_kernel.logging import configure_logging
from qq_kernel.metrics import ServiceMetrics
from qq_kernel.middleware import BodyLimitMiddleware, RequestContextMiddleware
from qq_kernel.problems import PROBLEM_RESPONSES, install_problem_handlers
from qq_kernel.settings import ServiceSettings
from qq_kernel.text import TextInputMiddleware
from qq_kernel.whoami import whoami_router

Hook = Callable[[FastAPI], Awaitable[None]]


def operation_id(route: APIRoute) -> str:
    """Stable operation ids (``<tag>_<function name>``) so generated clients do not churn."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}_{route.name}"


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    prefix: str,
    migrations_dir: Path,
    routers: Iterable[APIRouter],
    make_authenticator: Callable[[FastAPI], object],
    audit: AuditRecorder | None = None,
    on_startup: Iterable[Hook] = (),
    on_shutdown: Iterable[Hook] = (),
    http_transport: httpx.AsyncBaseTransport | None = None,
    version: str = "0.1.0",
) -> FastAPI:
    configure_logging(settings.log_level)
    metrics = ServiceMetrics(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(
            settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )
        app.state.session_factory = create_session_factory(app.state.engine)
        # Any call this service makes to another goes as this service (client credentials).
        app.state.http = build_client(
            settings.gateway_url,
            timeout=settings.http_timeout_seconds,
            transport=app.state.http_transport,
            auth=service_auth(settings),
        )
        app.state.authenticator = make_authenticator(app)
        if hasattr(app.state.authenticator, "start"):
            app.state.authenticator.start()
        try:
            for hook in on_startup:
                await hook(app)
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            if hasattr(app.state.authenticator, "stop"):
                await app.state.authenticator.stop()
            await app.state.http.aclose()
            await app.state.engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        # Off in production unless asked for; app.openapi() still builds it (qqctl contracts).
        openapi_url=f"{prefix}/openapi.json" if settings.api_docs_published else None,
        docs_url=f"{prefix}/docs" if settings.api_docs_published else None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
        responses=PROBLEM_RESPONSES,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.http_transport = http_transport
    app.state.audit = audit
    install_problem_handlers(app)
    app.include_router(
        health_router(
            prefix=prefix,
            service=settings.service_name,
            schema=settings.db_schema,
            migrations_dir=migrations_dir,
            public=PUBLIC,
        )
    )
    app.include_router(metrics.router(prefix, PUBLIC))
    app.include_router(whoami_router(prefix, settings.service_name))
    routers = [*routers, audit_router(audit.model, audit.chained_tables)] if audit is not None else list(routers)
    for router in routers:
        app.include_router(router, prefix=prefix)
    # Input rules every service gets without asking (docs/architecture.md, "Input at the door"):
    # innermost the text rules (control characters, unparseable JSON → 422), then the body size
    # (413 before a byte too many is read), outermost the request id that every answer carries.
    app.add_middleware(TextInputMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        body_limit=settings.max_body_bytes,
        upload_limit=MAX_EVIDENCE_BYTES + settings.max_body_bytes,
        bulk_limit=settings.bulk_body_bytes,
        bulk_prefixes=tuple(settings.bulk_path_prefixes),
    )
    app.add_middleware(RequestContextMiddleware, service=settings.service_name, metrics=metrics)
    return app


def remote_authenticator(app: FastAPI) -> RemoteAuthenticator:
    """Authentication of a service that is not the identity provider: tokens verified against the
    provider (``settings.identity_base_path``) over the service's own, authenticated client."""
    settings: ServiceSettings = app.state.settings
    return RemoteAuthenticator(
        app.state.http,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        identity_base_path=settings.identity_base_path,
        # The feed is read with the service's own identity: without one there is nothing to read.
        revocation_poll_seconds=settings.revocation_poll_seconds if app.state.http.auth is not None else None,
        revocation_max_staleness_seconds=settings.revocation_max_staleness_seconds,
    )


AppFactory = Callable[..., FastAPI]


def service_app_factory(
    settings_cls: type[ServiceSettings],
    *,
    title: str,
    description: str,
    prefix: str,
    migrations_dir: Path,
    audit: AuditRecorder,
    routers: Iterable[APIRouter] = (),
    make_authenticator: Callable[[FastAPI], object] = remote_authenticator,
    on_startup: Iterable[Hook] = (),
    on_shutdown: Iterable[Hook] = (),
) -> AppFactory:
    """A service's ``create_app(settings=None, *, http_transport=None)``, declared in one call:
    the service's ``main.py`` names its settings, routers, audit trail and migrations, nothing else."""

    def create_app(
        settings: ServiceSettings | None = None, *, http_transport: httpx.AsyncBaseTransport | None = None
    ) -> FastAPI:
        return create_service_app(
            settings=settings or settings_cls(),
            title=title,
            description=description,
            prefix=prefix,
            migrations_dir=migrations_dir,
            routers=routers,
            make_authenticator=make_authenticator,
            audit=audit,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            http_transport=http_transport,
        )

    return create_app

"""Settings shared by every service, read from environment variables (pydantic-settings).

Each service subclasses :class:`ServiceSettings` with its own ``env_prefix`` (``LEDGER_``,
``COMPLAINT_``, ``NOTIFY_``) so the three can live in one process (all-in-one) or three
(split) and still each take their own ``DATABASE_URL``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    # Set by each subclass; not read from the environment.
    service_name: str = "service"
    db_schema: str = "public"

    environment: Literal["development", "test", "production"] = "development"
    # Runtime role: DML only on this service's schema, never DDL, never DELETE.
    database_url: str = ""
    # Owner role: runs the migrations. Falls back to database_url when not given.
    migration_database_url: str = ""
    # Connections kept open per replica (opened on demand). Beyond it, "overflow" connections are
    # closed after each use: under load that is a connect and a fresh PostgreSQL backend per
    # request, which the bench saw as churn. Size it to the concurrent requests a replica takes.
    db_pool_size: int = 20
    db_max_overflow: int = 10
    # Where the other services are reached over HTTP (gateway or loopback).
    gateway_url: str = "http://127.0.0.1:8000"
    http_timeout_seconds: float = 10.0
    log_level: str = "INFO"
    # Take the client address from X-Real-IP (set by our nginx). Only behind the gateway:
    # in all-in-one mode a client could otherwise choose its own address.
    trust_proxy_headers: bool = False
    # Background jobs (red-flag evaluation, escalations) in this process; replicas take turns.
    scheduled_jobs: bool = True
    # Largest request body other than a file upload (JSON); an upload may carry the evidence cap
    # (qq_kernel.files.MAX_EVIDENCE_BYTES) plus this much form. Larger → 413 before it is read.
    max_body_bytes: int = 1024 * 1024
    # JSON bodies of bulk endpoints (paths starting with one of these) may be this large instead.
    bulk_body_bytes: int = 16 * 1024 * 1024
    bulk_path_prefixes: list[str] = []
    # Identity (issued by ledger-api, verified everywhere).
    jwt_issuer: str = "qingqian-ledger"
    jwt_audience: str = "qingqian"
    # Base path of the identity provider's API behind the gateway (its token, JWKS and
    # introspection endpoints hang below it); each service's settings name it.
    identity_base_path: str = ""
    # A shared secret by which services prove who they are to each other (service identity).
    service_secret: str = Field(default="", repr=False)

    @model_validator(mode="after")
    def _refuse_defaults_in_production(self) -> ServiceSettings:
        if self.environment == "production":
            if not self.database_url:
                raise ValueError(f"{self.service_name}: DATABASE_URL is required in production")
            if len(self.service_secret) < 32:
                raise ValueError(f"{self.service_name}: SERVICE_SECRET must be at least 32 characters in production")
        return self

    @property
    def owner_url(self) -> str:
        return self.migration_database_url or self.database_url

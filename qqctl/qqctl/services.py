"""The three services as the runner sees them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import complaint_api.config
import complaint_api.main
import ledger_api.config
import ledger_api.main
import notify_api.config
import notify_api.main


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # ledger-api
    key: str  # ledger: schema name, role suffix, contract file name stem
    contract: str  # contracts/<contract>.openapi.json
    prefix: str  # /api/ledger
    env_prefix: str  # LEDGER_
    settings_cls: type
    create_app: Callable
    migrations_dir: Path
    factory_path: str  # for uvicorn --factory


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "ledger-api",
        "ledger",
        "ledger",
        ledger_api.config.PREFIX,
        "LEDGER_",
        ledger_api.config.Settings,
        ledger_api.main.create_app,
        ledger_api.main.MIGRATIONS_DIR,
        "ledger_api.main:create_app",
    ),
    ServiceSpec(
        "complaint-api",
        "complaint",
        "complaint",
        complaint_api.config.PREFIX,
        "COMPLAINT_",
        complaint_api.config.Settings,
        complaint_api.main.create_app,
        complaint_api.main.MIGRATIONS_DIR,
        "complaint_api.main:create_app",
    ),
    ServiceSpec(
        "notify-api",
        "notify",
        "notify",
        notify_api.config.PREFIX,
        "NOTIFY_",
        notify_api.config.Settings,
        notify_api.main.create_app,
        notify_api.main.MIGRATIONS_DIR,
        "notify_api.main:create_app",
    ),
)


def by_key(key: str) -> ServiceSpec:
    for spec in SERVICES:
        if key in (spec.key, spec.name):
            return spec
    raise KeyError(key)

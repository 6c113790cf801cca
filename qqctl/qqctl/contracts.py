"""OpenAPI contracts, exported by importing the apps (no server, no database)."""

from __future__ import annotations

import json
from pathlib import Path

from qqctl.services import SERVICES


def render_all() -> dict[str, str]:
    out = {}
    for spec in SERVICES:
        app = spec.create_app(spec.settings_cls(database_url="postgresql://contract-export@invalid/none"))
        out[f"{spec.contract}.openapi.json"] = json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
    return out


def write(directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_all().items():
        (directory / name).write_text(text, encoding="utf-8")
        written.append(name)
    return written


def check(directory: Path) -> list[str]:
    """Names of contracts whose committed file differs from what the code produces."""
    drift = []
    for name, text in render_all().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            drift.append(name)
    return drift

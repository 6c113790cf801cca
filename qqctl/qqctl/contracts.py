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
    out["complaint-intake.schema.json"] = json.dumps(intake_schema(), indent=2, ensure_ascii=False) + "\n"
    return out


def intake_schema() -> dict:
    """The complaint platform's intake request as a standalone JSON Schema (docs/api.md,
    "Complaints"): what the other system validates against before it posts."""
    from complaint_api.complaints.schemas import PlatformIntake

    schema = PlatformIntake.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://qingqian.example/contracts/complaint-intake.schema.json",
        "title": "投诉平台推送投诉（POST /api/complaints/intake）",
        **{k: v for k, v in schema.items() if k != "title"},
    }


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

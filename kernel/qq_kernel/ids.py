"""Primary keys: random UUIDs as text (no guessable sequence in URLs)."""

from __future__ import annotations

import uuid


def new_id() -> str:
    return str(uuid.uuid4())

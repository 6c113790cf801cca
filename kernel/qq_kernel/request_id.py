"""Request ids: taken from ``X-Request-ID`` when a caller (nginx, another service) sends a sane
one, generated otherwise; kept in a context variable so logs and outgoing calls carry it."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# Accept only short printable ids, so a caller cannot inject log lines or huge headers.
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None):
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


def accept_or_generate(incoming: str | None) -> str:
    if incoming and _VALID.match(incoming):
        return incoming
    return uuid.uuid4().hex

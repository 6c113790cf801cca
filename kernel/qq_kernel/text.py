"""Text input rules, applied once for every service by the app factory (``create_service_app``).

PostgreSQL refuses NUL in text, python-docx refuses every C0 control character but tab and line
breaks, and a lone UTF-16 surrogate cannot be encoded at all: each used to become a 500 somewhere
downstream. :class:`TextInputMiddleware` refuses them at the door, before any route runs, in the
path, in every query parameter and in every string (and key) of a JSON body, with a 422 problem
naming the field. Because the factory installs it, a new service cannot forget it; a route needs
nothing. Tab, CR and LF pass here (free text such as 进展 or 整改要求 may contain them); a one-line
field that must not contain them uses :data:`SingleLine`.

The same middleware turns a JSON body that cannot be parsed (invalid UTF-8, nesting beyond
:data:`MAX_JSON_DEPTH`, not JSON) into the ordinary 422 ``validation_failed`` every other
validation error gets, so no service answers Starlette's bare 400 "error parsing the body".
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qq_kernel.problems import problem_response

__all__ = [
    "MAX_JSON_DEPTH",
    "SingleLine",
    "TextInputMiddleware",
    "forbidden_character",
    "xml_safe",
]

# C0 controls but TAB, LF, CR; the two non-characters XML forbids; lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n\r]")
# Our deepest body (an item with funding lines) is 3 levels; 32 leaves plenty of room. Deeper
# documents the parser itself refuses (RecursionError) are answered the same way.
MAX_JSON_DEPTH = 32


def forbidden_character(value: str) -> str | None:
    """The first character no field of ours accepts, as ``U+0000``, or None."""
    match = _FORBIDDEN.search(value)
    return None if match is None else f"U+{ord(match.group()):04X}"


def xml_safe(value: str) -> str:
    """``value`` without the characters XML 1.0 (and so a .docx) cannot hold: for text stored
    before these rules existed."""
    return _FORBIDDEN.sub("", value)


def _single_line(value: str) -> str:
    if _LINE_BREAKS.search(value):
        raise PydanticCustomError("single_line", "不能包含换行符或制表符")
    return value


SingleLine = Annotated[str, AfterValidator(_single_line)]
"""A one-line text (names, numbers, codes): no tab or line break either."""


class _BadBody(Exception):
    def __init__(self, field: str, message: str, code: str) -> None:
        self.field, self.message, self.code = field, message, code


def _check_json(value: Any, path: list[str], depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise _BadBody("body", f"嵌套层级超过 {MAX_JSON_DEPTH}", "json_too_deep")
    if isinstance(value, str):
        bad = forbidden_character(value)
        if bad:
            raise _BadBody(".".join(path) or "body", f"包含不允许的控制字符（{bad}）", "control_character")
    elif isinstance(value, dict):
        for key, item in value.items():
            bad = forbidden_character(key)
            if bad:
                raise _BadBody(".".join(path) or "body", f"字段名包含不允许的控制字符（{bad}）", "control_character")
            _check_json(item, [*path, key], depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, [*path, str(index)], depth + 1)


def _is_json(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    # FastAPI parses a body without Content-Type as JSON too.
    return True


class TextInputMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check_url(scope)
        except _BadBody as bad:
            await self._refuse(scope, receive, send, bad)
            return
        if scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS") or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body:
            try:
                self._check_body(body)
            except _BadBody as bad:
                await self._refuse(scope, receive, send, bad)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _check_url(scope: Scope) -> None:
        raw_path = scope.get("raw_path")
        try:
            path = unquote(raw_path.decode("ascii"), errors="strict") if raw_path else scope.get("path", "")
        except UnicodeDecodeError:
            raise _BadBody("path", "路径不是合法的 UTF-8", "invalid_encoding") from None
        bad = forbidden_character(path)
        if bad:
            raise _BadBody("path", f"路径包含不允许的控制字符（{bad}）", "control_character")
        query = scope.get("query_string", b"")
        if not query:
            return
        try:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise _BadBody("query", "查询参数不是合法的 UTF-8", "invalid_encoding") from None
        for name, value in pairs:
            bad = forbidden_character(name) or forbidden_character(value)
            if bad:
                field = f"query.{name}" if not forbidden_character(name) else "query"
                raise _BadBody(field, f"包含不允许的控制字符（{bad}）", "control_character")

    @staticmethod
    def _check_body(body: bytes) -> None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _BadBody("body", "请求体不是合法的 UTF-8", "invalid_encoding") from None
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            raise _BadBody("body", "请求体不是合法的 JSON", "json_invalid") from None
        _check_json(document, [], 0)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, bad: _BadBody) -> None:
        response = problem_response(
            Request(scope),
            422,
            detail=f"{bad.field}: {bad.message}",
            errors=[{"field": bad.field, "message": bad.message, "code": bad.code}],
        )
        await response(scope, receive, send)

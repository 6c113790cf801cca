"""The one outgoing HTTP client of a service: created in the lifespan, with timeouts, carrying
the current request id and, through its ``auth``, the service's own identity (never a borrowed
user password). See :class:`qq_kernel.auth.remote.ServiceTokenSource`."""

from __future__ import annotations

import httpx

from qq_kernel.request_id import REQUEST_ID_HEADER, current_request_id


async def _add_request_id(request: httpx.Request) -> None:
    rid = current_request_id()
    if rid and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = rid


def build_client(
    base_url: str,
    *,
    timeout: float = 10.0,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: dict[str, str] | None = None,
    auth: httpx.Auth | None = None,
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        transport=transport,
        headers=headers,
        auth=auth,
        event_hooks={"request": [_add_request_id]},
    )

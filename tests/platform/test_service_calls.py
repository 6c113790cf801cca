"""A service calls another through the kernel's HTTP client, authenticated as itself."""

from __future__ import annotations

from qq_kernel.auth.remote import ServiceTokenSource
from tests.support.world import bearer, login


def _app(gateway, prefix: str):
    return dict(gateway.services)[prefix]


async def test_complaint_api_calls_a_ledger_route_as_itself(gateway):
    complaint = _app(gateway, "/api/complaints")
    assert isinstance(complaint.state.http.auth, ServiceTokenSource)

    response = await complaint.state.http.get("/api/ledger/whoami")

    assert response.status_code == 200
    me = response.json()
    assert me["service"] == "ledger-api"
    assert me["kind"] == "service"
    assert me["subject"] == "service:complaint-api"
    assert me["username"] == "complaint-api"


async def test_notify_api_is_seen_as_notify_api(gateway):
    response = await _app(gateway, "/api/notify").state.http.get("/api/ledger/whoami")

    assert response.status_code == 200
    assert response.json()["subject"] == "service:notify-api"


async def test_a_service_token_is_fetched_once_and_reused(gateway):
    http = _app(gateway, "/api/complaints").state.http
    await http.get("/api/ledger/whoami")
    first = http.auth.token
    await http.get("/api/ledger/whoami")
    assert http.auth.token == first


async def test_a_revoked_service_token_is_replaced_once(gateway):
    """A 401 with a cached token (the provider restarted, the key was rotated) fetches a new
    token and repeats the request once."""
    http = _app(gateway, "/api/complaints").state.http
    await http.get("/api/ledger/whoami")
    http.auth.token = "not-a-token"

    response = await http.get("/api/ledger/whoami")

    assert response.status_code == 200
    assert response.json()["subject"] == "service:complaint-api"
    assert http.auth.token != "not-a-token"


async def test_complaint_api_accepts_a_users_token_through_the_provider(gateway, client, worlds, world):
    """The receiving side of the same client: complaint-api verifies a caller's token against
    the identity provider's keys (configured base path, no hard-coded service)."""
    user = await worlds.user(world, roles=["unit_operator"])
    token = (await login(client, user.username, ip=world.client_ip))["access_token"]

    response = await client.get("/api/complaints/whoami", headers=bearer(token))

    assert response.status_code == 200
    assert response.json()["service"] == "complaint-api"
    assert response.json()["username"] == user.username

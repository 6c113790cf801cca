"""How a service that is not the identity provider authenticates callers without reading the
provider's tables (the provider's base path is configuration: ``identity_base_path``).

- Access tokens (JWT): verified locally against ledger-api's JWKS, cached; an unknown ``kid``
  triggers one refetch (key rotation without downtime), at most every few seconds.
- API tokens (opaque): ledger-api's introspection endpoint answers; answers are cached for
  ``INTROSPECTION_TTL`` seconds, so a revoked token stops working everywhere within a minute.
- This service proves who it is to the identity provider with a client-credentials token of its
  own, carried by its HTTP client (:class:`ServiceTokenSource`).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import httpx
from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from qq_kernel.auth import jwt as qjwt
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.revocation import FEED_PATH, RevocationWatcher
from qq_kernel.auth.service_identity import ServiceCredentials
from qq_kernel.problems import ProblemError

# Relative to the identity provider's base path (``settings.identity_base_path``).
JWKS_PATH = "/.well-known/jwks.json"
INTROSPECT_PATH = "/auth/introspect"
TOKEN_PATH = "/auth/token"
JWKS_TTL = 600.0
JWKS_MIN_REFETCH = 5.0
INTROSPECTION_TTL = 30.0


# Seconds a caller should wait before retrying when ledger-api cannot be reached.
IDENTITY_RETRY_AFTER = 5


def identity_unavailable(detail: str) -> ProblemError:
    return ProblemError(
        503, code="identity_unavailable", detail=detail, headers={"Retry-After": str(IDENTITY_RETRY_AFTER)}
    )


class JwksCache:
    def __init__(self, http: httpx.AsyncClient, path: str) -> None:
        self.http = http
        self.path = path
        self.keys: dict[str, dict[str, Any]] = {}
        self.fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> dict[str, Any]:
        now = time.monotonic()
        if kid in self.keys and now - self.fetched_at < JWKS_TTL:
            return self.keys[kid]
        async with self._lock:
            if kid not in self.keys or time.monotonic() - self.fetched_at >= JWKS_TTL:
                if time.monotonic() - self.fetched_at >= JWKS_MIN_REFETCH or kid in self.keys:
                    await self._fetch()
        if kid not in self.keys:
            raise qjwt.TokenRejected("token_kid_unknown", "令牌签名密钥未知")
        return self.keys[kid]

    async def _fetch(self) -> None:
        try:
            response = await self.http.get(self.path, auth=None)  # public: no service token needed
            response.raise_for_status()
        except httpx.HTTPError as exc:
            if self.keys:  # keep serving with the keys we have
                return
            raise identity_unavailable("身份服务暂不可用") from exc
        self.keys = {k["kid"]: k for k in response.json().get("keys", []) if k.get("alg") == qjwt.ALGORITHM}
        self.fetched_at = time.monotonic()


class ServiceTokenSource(httpx.Auth):
    """This service's identity as an ``httpx.Auth``: every request of the client that carries it
    goes with a client-credentials access token of the service, fetched from the identity
    provider on first use and renewed a minute before it expires (or once, on a 401)."""

    def __init__(self, *, identity_base_path: str, service: str, credentials: ServiceCredentials) -> None:
        if not identity_base_path:
            raise RuntimeError(f"{service}: the identity provider's base path is not configured")
        self.token_path = identity_base_path.rstrip("/") + TOKEN_PATH
        self.service = service
        self.credentials = credentials
        self.token: str | None = None
        self.expires_at = 0.0

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        return httpx.Request(
            "POST",
            request.url.join(self.token_path),
            data={
                "grant_type": "client_credentials",
                "client_id": self.service,
                "client_secret": self.credentials.secret(),
            },
        )

    def _take(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            raise identity_unavailable("无法取得服务身份令牌")
        body = response.json()
        self.token = body["access_token"]
        self.expires_at = time.monotonic() + int(body.get("expires_in", 300))

    async def async_auth_flow(self, request: httpx.Request):
        fresh = False
        if not self.token or time.monotonic() >= self.expires_at - 60:
            response = yield self._token_request(request)
            await response.aread()
            self._take(response)
            fresh = True
        request.headers["Authorization"] = f"Bearer {self.token}"
        response = yield request
        if response.status_code == 401 and not fresh:  # revoked signing key, restarted provider...
            response = yield self._token_request(request)
            await response.aread()
            self._take(response)
            request.headers["Authorization"] = f"Bearer {self.token}"
            yield request


def service_auth(settings) -> ServiceTokenSource | None:
    """The identity a service's HTTP client carries; none when no client secret is configured
    (a development process that calls nobody)."""
    credentials = ServiceCredentials(settings.client_secret)
    if not credentials.configured or not settings.identity_base_path:
        return None
    return ServiceTokenSource(
        identity_base_path=settings.identity_base_path, service=settings.service_name, credentials=credentials
    )


class RemoteAuthenticator:
    """Verifies callers for a service that is not the identity provider. ``http`` is the
    service's own client: it carries the service's identity to the introspection endpoint."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        issuer: str,
        audience: str,
        identity_base_path: str,
        revocation_poll_seconds: float | None = None,
        revocation_max_staleness_seconds: float = 60.0,
    ) -> None:
        self.http = http
        self.issuer = issuer
        self.audience = audience
        base = identity_base_path.rstrip("/")
        self.jwks = JwksCache(http, base + JWKS_PATH)
        self.introspect_path = base + INTROSPECT_PATH
        self._introspected: dict[str, tuple[float, Principal | None]] = {}
        # None: no revocation feed (a process without a service identity cannot read it).
        self.revocations = (
            RevocationWatcher(
                http,
                base + FEED_PATH,
                poll_seconds=revocation_poll_seconds,
                max_staleness_seconds=revocation_max_staleness_seconds,
                on_purge=self._purge,
            )
            if revocation_poll_seconds
            else None
        )

    def start(self) -> None:
        if self.revocations is not None:
            self.revocations.start()

    async def stop(self) -> None:
        if self.revocations is not None:
            await self.revocations.stop()

    async def authenticate(self, token: str, request: Request, session: AsyncSession | None = None) -> Principal:
        if qjwt.looks_like_jwt(token):
            kid = qjwt.unverified_kid(token)
            claims = qjwt.verify(token, jwk=await self.jwks.key(kid), issuer=self.issuer, audience=self.audience)
            principal = qjwt.principal_from_claims(claims)
            if principal.kind == "user" and self.revocations is not None:
                await self.revocations.check(principal)
            return principal
        return await self._introspect(token)

    def _purge(self, kind: str, subject_id: str) -> None:
        """A user's or a token's API-token answers are stale: drop them (the next use asks)."""
        self._introspected = {
            digest: (at, p)
            for digest, (at, p) in self._introspected.items()
            if p is not None and p.token_id != subject_id and p.user_id != subject_id and p.subject != subject_id
        }

    async def _introspect(self, token: str) -> Principal:
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._introspected.get(digest)
        now = time.monotonic()
        if cached and now - cached[0] < INTROSPECTION_TTL:
            principal = cached[1]
        else:
            try:
                response = await self.http.post(self.introspect_path, json={"token": token})
            except httpx.HTTPError as exc:  # ledger-api down or unreachable: the caller may retry
                raise identity_unavailable("身份服务暂不可用，无法核验 API 令牌") from exc
            if response.status_code != 200:
                raise identity_unavailable("身份服务暂不可用，无法核验 API 令牌")
            body = response.json()
            principal = principal_from_introspection(body) if body.get("active") else None
            if len(self._introspected) > 10_000:
                self._introspected.clear()
            self._introspected[digest] = (now, principal)
        if principal is None:
            raise qjwt.TokenRejected("token_inactive", "API 令牌无效、已过期或已被吊销")
        return principal


def principal_from_introspection(body: dict[str, Any]) -> Principal:
    return Principal(
        kind=body["kind"],
        subject=body["sub"],
        username=body.get("username", ""),
        display_name=body.get("display_name", ""),
        unit_id=body.get("unit_id"),
        region_path=body.get("region_path"),
        roles=frozenset(body.get("roles", [])),
        permissions=frozenset(body.get("permissions", [])),
        token_id=body.get("token_id"),
        extra={"user_id": body.get("user_id")},
    )

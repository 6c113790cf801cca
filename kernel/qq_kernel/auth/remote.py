"""How complaint-api and notify-api authenticate callers without reading ledger-api's tables.

- Access tokens (JWT): verified locally against ledger-api's JWKS, cached; an unknown ``kid``
  triggers one refetch (key rotation without downtime), at most every few seconds.
- API tokens (opaque): ledger-api's introspection endpoint answers; answers are cached for
  ``INTROSPECTION_TTL`` seconds, so a revoked token stops working everywhere within a minute.
- This service proves who it is to ledger-api with a client-credentials token of its own.
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
from qq_kernel.auth.service_identity import client_secret_for
from qq_kernel.problems import ProblemError

JWKS_PATH = "/api/ledger/.well-known/jwks.json"
INTROSPECT_PATH = "/api/ledger/auth/introspect"
TOKEN_PATH = "/api/ledger/auth/token"
JWKS_TTL = 600.0
JWKS_MIN_REFETCH = 5.0
INTROSPECTION_TTL = 30.0


class JwksCache:
    def __init__(self, http: httpx.AsyncClient, path: str = JWKS_PATH) -> None:
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
            response = await self.http.get(self.path)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            if self.keys:  # keep serving with the keys we have
                return
            raise identity_unavailable("身份服务暂不可用") from exc
        self.keys = {k["kid"]: k for k in response.json().get("keys", []) if k.get("alg") == qjwt.ALGORITHM}
        self.fetched_at = time.monotonic()


# Seconds a caller should wait before retrying when ledger-api cannot be reached.
IDENTITY_RETRY_AFTER = 5


def identity_unavailable(detail: str) -> ProblemError:
    return ProblemError(
        503, code="identity_unavailable", detail=detail, headers={"Retry-After": str(IDENTITY_RETRY_AFTER)}
    )


class ServiceTokenSource:
    """Client-credentials access token of this service, renewed a minute before it expires."""

    def __init__(self, http: httpx.AsyncClient, *, service: str, master_secret: str) -> None:
        self.http = http
        self.service = service
        self.master_secret = master_secret
        self.token: str | None = None
        self.expires_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        if self.token and time.monotonic() < self.expires_at - 60:
            return self.token
        async with self._lock:
            if not self.token or time.monotonic() >= self.expires_at - 60:
                try:
                    response = await self.http.post(
                        TOKEN_PATH,
                        data={
                            "grant_type": "client_credentials",
                            "client_id": self.service,
                            "client_secret": client_secret_for(self.master_secret, self.service),
                        },
                    )
                except httpx.HTTPError as exc:
                    raise identity_unavailable("无法取得服务身份令牌") from exc
                if response.status_code != 200:
                    raise identity_unavailable("无法取得服务身份令牌")
                body = response.json()
                self.token = body["access_token"]
                self.expires_at = time.monotonic() + int(body.get("expires_in", 300))
        return self.token

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.get()}"}


class RemoteAuthenticator:
    def __init__(
        self, http: httpx.AsyncClient, *, issuer: str, audience: str, service: str, master_secret: str
    ) -> None:
        self.http = http
        self.issuer = issuer
        self.audience = audience
        self.jwks = JwksCache(http)
        self.service_token = ServiceTokenSource(http, service=service, master_secret=master_secret)
        self._introspected: dict[str, tuple[float, Principal | None]] = {}

    async def authenticate(self, token: str, request: Request, session: AsyncSession | None = None) -> Principal:
        if qjwt.looks_like_jwt(token):
            kid = qjwt.unverified_kid(token)
            claims = qjwt.verify(token, jwk=await self.jwks.key(kid), issuer=self.issuer, audience=self.audience)
            return qjwt.principal_from_claims(claims)
        return await self._introspect(token)

    async def _introspect(self, token: str) -> Principal:
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._introspected.get(digest)
        now = time.monotonic()
        if cached and now - cached[0] < INTROSPECTION_TTL:
            principal = cached[1]
        else:
            try:
                response = await self.http.post(
                    INTROSPECT_PATH, json={"token": token}, headers=await self.service_token.headers()
                )
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

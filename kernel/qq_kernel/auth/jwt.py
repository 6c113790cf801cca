"""RS256 access tokens: signed by ledger-api, verified by every service against its JWKS.

Every decode names its one allowed algorithm (CVE-2024-33663/33664: algorithm confusion) and
checks issuer, audience, expiry and ``kid``. python-jose >= 3.5 with the cryptography backend.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from jose import jwt
from jose.exceptions import ExpiredSignatureError, JOSEError, JWTClaimsError

from qq_kernel.auth.principal import Principal, permissions_of
from qq_kernel.problems import ProblemError

ALGORITHM = "RS256"
ACCESS_TOKEN_SECONDS = 10 * 60


class TokenRejected(ProblemError):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(401, code=code, detail=detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def unverified_kid(token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError as exc:
        raise TokenRejected("token_malformed", "令牌格式错误") from exc
    if header.get("alg") != ALGORITHM:
        raise TokenRejected("token_algorithm", f"不接受的签名算法：{header.get('alg')}")
    kid = header.get("kid")
    if not kid:
        raise TokenRejected("token_kid_missing", "令牌缺少 kid")
    return kid


def sign(claims: dict[str, Any], *, private_pem: str, kid: str) -> str:
    return jwt.encode(claims, private_pem, algorithm=ALGORITHM, headers={"kid": kid})


def access_claims(
    *,
    issuer: str,
    audience: str,
    subject: str,
    kind: str,
    username: str,
    unit_id: str | None,
    region_path: str | None,
    roles: list[str],
    session_id: str | None,
    must_change_password: bool = False,
    display_name: str = "",
    lifetime: int = ACCESS_TOKEN_SECONDS,
    service_permissions: list[str] | None = None,
) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
        "typ": kind,
        "name": username,
        "dn": display_name,
        "unit": unit_id,
        "rp": region_path,
        "roles": roles,
        "sid": session_id,
        "pcp": must_change_password,
    }
    if service_permissions is not None:
        claims["scp"] = sorted(service_permissions)
    return claims


LEEWAY_SECONDS = 30
# A token verified once is not verified again while it lives: an RSA signature check per request
# was a twentieth of a list request's CPU. Keyed by the token, the key that verified it, issuer and
# audience; expiry is still checked on every use. Bounded; cleared when full.
_VERIFIED: dict[tuple[str, str, str, str], dict[str, Any]] = {}
_VERIFIED_MAX = 4096


def verify(token: str, *, jwk: dict[str, Any], issuer: str, audience: str) -> dict[str, Any]:
    key = (token, str(jwk.get("n") or jwk.get("x") or jwk), issuer, audience)
    claims = _VERIFIED.get(key)
    if claims is not None:
        if time.time() > float(claims["exp"]) + LEEWAY_SECONDS:
            _VERIFIED.pop(key, None)
            raise TokenRejected("token_expired", "登录已过期，请重新登录")
        return claims
    claims = _verify_signature_and_claims(token, jwk=jwk, issuer=issuer, audience=audience)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = claims
    return claims


def _verify_signature_and_claims(token: str, *, jwk: dict[str, Any], issuer: str, audience: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            jwk,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={"require_exp": True, "require_iat": True, "require_sub": True, "leeway": LEEWAY_SECONDS},
        )
    except ExpiredSignatureError as exc:
        raise TokenRejected("token_expired", "登录已过期，请重新登录") from exc
    except JWTClaimsError as exc:
        raise TokenRejected("token_claims", f"令牌声明无效：{exc}") from exc
    except JOSEError as exc:
        raise TokenRejected("token_invalid", "令牌签名无效") from exc


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    roles = frozenset(claims.get("roles") or [])
    kind = claims.get("typ", "user")
    if kind == "service":
        from qq_kernel.auth.principal import SERVICE_PERMISSIONS

        # Each service holds only what the identity provider granted its client (``scp``), never
        # a user permission: a token without the claim can do nothing.
        permissions = frozenset(claims.get("scp") or []) & SERVICE_PERMISSIONS
    else:
        permissions = permissions_of(roles)
    return Principal(
        kind=kind,
        subject=str(claims["sub"]),
        username=claims.get("name", ""),
        display_name=claims.get("dn", ""),
        unit_id=claims.get("unit"),
        region_path=claims.get("rp"),
        roles=roles,
        permissions=permissions,
        session_id=claims.get("sid"),
        must_change_password=bool(claims.get("pcp")),
    )

"""HTTP of authentication: /auth (token, refresh, logout, password, me, roles, introspection, key
rotation) and /.well-known/jwks.json."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response

from ledger_api.flow import CHANGE
from ledger_api.identity import keys, revocations, schemas, sessions, tokens, users
from ledger_api.identity.models import Unit
from qq_kernel.auth.permissions import PUBLIC, require
from qq_kernel.auth.principal import ROLE_LABELS_ZH, Principal
from qq_kernel.db import Session
from qq_kernel.problems import field_error

auth_router = APIRouter(prefix="/auth", tags=["auth"])
jwks_router = APIRouter(tags=["auth"])


def _tokens(issued: tokens.IssuedTokens) -> schemas.TokenResponse:
    return schemas.TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        must_change_password=issued.must_change_password,
    )


@auth_router.post("/token", name="token", response_model=schemas.TokenResponse, dependencies=[PUBLIC])
async def token(
    request: Request,
    session: Session,
    grant_type: Annotated[str, Form(pattern="^(password|refresh_token|client_credentials)$")] = "password",
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    refresh_token: Annotated[str | None, Form(max_length=256)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
) -> schemas.TokenResponse:
    """OAuth2 token endpoint: password grant (login), refresh_token grant (rotation), and
    client_credentials for the platform's own services."""
    settings = request.app.state.settings
    if grant_type == "password":
        if not username:
            raise field_error("username", "必填项", "missing")
        if not password:
            raise field_error("password", "必填项", "missing")
        issued = await tokens.login(session, settings, username=username, password=password, request=request)
    elif grant_type == "refresh_token":
        if not refresh_token:
            raise field_error("refresh_token", "必填项", "missing")
        issued = await tokens.refresh(session, settings, refresh_token=refresh_token, request=request)
    else:
        if not client_id or not client_secret:
            raise field_error("client_id" if not client_id else "client_secret", "必填项", "missing")
        issued = await tokens.client_credentials(
            session, settings, client_id=client_id, client_secret=client_secret, request=request
        )
    return _tokens(issued)


@auth_router.post("/logout", name="logout", status_code=204)
async def logout(
    request: Request, session: Session, principal: Principal = Depends(require(allow_password_change_pending=True))
) -> Response:
    await tokens.logout(session, principal=principal, request=request)
    return Response(status_code=204)


@auth_router.post("/password", name="change_password", status_code=204)
async def change_password(
    body: schemas.PasswordChange,
    request: Request,
    session: Session,
    principal: Principal = Depends(require(allow_password_change_pending=True)),
) -> Response:
    await tokens.change_password(
        session, principal=principal, old_password=body.old_password, new_password=body.new_password, request=request
    )
    return Response(status_code=204)


@auth_router.get("/me", name="me", response_model=schemas.Me)
async def me(
    session: Session, principal: Principal = Depends(require(allow_password_change_pending=True))
) -> schemas.Me:
    unit = await session.get(Unit, principal.unit_id) if principal.unit_id else None
    return schemas.Me(
        id=principal.subject,
        kind=principal.kind,
        username=principal.username,
        display_name=principal.display_name,
        unit_id=principal.unit_id,
        unit_name=unit.name if unit else None,
        region_path=principal.region_path,
        roles=sorted(principal.roles),
        permissions=sorted(principal.permissions),
        must_change_password=principal.must_change_password,
        idle_timeout_seconds=int(tokens.IDLE_TIMEOUT.total_seconds()),
    )


@auth_router.get("/roles", name="roles", response_model=schemas.RolesOut, dependencies=[Depends(require("org:read"))])
async def roles() -> schemas.RolesOut:
    """Roles, their Chinese names and their permissions (the SPA shows and the docs explain these)."""
    permissions = users.all_role_permissions()
    return schemas.RolesOut(
        roles=[
            schemas.RoleOut(code=role.value, label=label, permissions=permissions[role.value])
            for role, label in ROLE_LABELS_ZH.items()
        ]
    )


@auth_router.post("/introspect", name="introspect", response_model=schemas.Introspection)
async def introspect(
    body: schemas.IntrospectionRequest, session: Session, _: Principal = Depends(require("service:introspect"))
) -> schemas.Introspection:
    """For complaint-api and notify-api (service identity only): is this API token active, and whose is it?"""
    return schemas.Introspection(**await sessions.introspect(session, token=body.token))


@auth_router.get("/revocations", name="revocations", response_model=schemas.RevocationFeed)
async def revocation_feed(
    session: Session,
    since: datetime | None = Query(None, description="上次应答的 cursor；首次请求省略"),
    _: Principal = Depends(require("service:revocations_read")),
) -> schemas.RevocationFeed:
    """For complaint-api and notify-api (service identity only), polled every ~2 s by each
    replica: sessions ended (logout, disabled user, password reset or change, refresh reuse) and
    users and API tokens whose cached answers must go, since ``since``."""
    rows, cursor = await revocations.since(session, since)
    return schemas.RevocationFeed(
        cursor=cursor,
        revocations=[schemas.RevocationOut.model_validate(r) for r in rows],
        horizon_seconds=int(revocations.HORIZON.total_seconds()),
    )


@auth_router.post("/keys/rotate", name="rotate_signing_key", status_code=201)
async def rotate_signing_key(
    request: Request, session: Session, principal: Principal = Depends(require("roles:manage"))
) -> dict:
    key = await keys.rotate_by(
        session, principal=principal, request=request, vault=keys.KeyVault.of(request.app.state.settings)
    )
    await CHANGE.commit(session)
    return {"kid": key.kid, "signing_from": key.signing_from.isoformat()}


@jwks_router.get("/.well-known/jwks.json", name="jwks", response_model=schemas.Jwks, dependencies=[PUBLIC])
async def jwks(request: Request, response: Response, session: Session) -> schemas.Jwks:
    await keys.ensure_key(session, keys.KeyVault.of(request.app.state.settings))
    await CHANGE.commit(session)
    response.headers["Cache-Control"] = "public, max-age=300"
    return schemas.Jwks(keys=[k.public_jwk for k in await keys.published_keys(session)])

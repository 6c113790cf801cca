"""HTTP of identity: /auth, /.well-known/jwks.json, /org, /users, /tokens, /login-events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.identity import keys, schemas, service
from ledger_api.identity.dependencies import (
    manage_org,
    manage_users,
    use_tokens,
    valid_token_id,
    valid_unit_id,
    valid_user_id,
)
from ledger_api.identity.models import ApiToken, LoginEvent, Region, Unit, User
from qq_kernel.auth.permissions import PUBLIC, require
from qq_kernel.auth.principal import ROLE_LABELS_ZH, Principal
from qq_kernel.auth.scope import scope_clause
from qq_kernel.concurrency import check_if_match, set_etag
from qq_kernel.db import get_session
from qq_kernel.pagination import Page, PageParams, paginate
from qq_kernel.problems import field_error

auth_router = APIRouter(prefix="/auth", tags=["auth"])
jwks_router = APIRouter(tags=["auth"])
org_router = APIRouter(prefix="/org", tags=["org"])
users_router = APIRouter(prefix="/users", tags=["users"])
tokens_router = APIRouter(prefix="/tokens", tags=["tokens"])
logs_router = APIRouter(prefix="/login-events", tags=["audit"])

Session = Annotated[AsyncSession, Depends(get_session)]


def _tokens(issued: service.IssuedTokens) -> schemas.TokenResponse:
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
        issued = await service.login(session, settings, username=username, password=password, request=request)
    elif grant_type == "refresh_token":
        if not refresh_token:
            raise field_error("refresh_token", "必填项", "missing")
        issued = await service.refresh(session, settings, refresh_token=refresh_token, request=request)
    else:
        if not client_id or not client_secret:
            raise field_error("client_id" if not client_id else "client_secret", "必填项", "missing")
        issued = await service.client_credentials(session, settings, client_id=client_id, client_secret=client_secret)
    return _tokens(issued)


@auth_router.post("/logout", name="logout", status_code=204)
async def logout(
    request: Request, session: Session, principal: Principal = Depends(require(allow_password_change_pending=True))
) -> Response:
    await service.logout(session, principal=principal, request=request)
    return Response(status_code=204)


@auth_router.post("/password", name="change_password", status_code=204)
async def change_password(
    body: schemas.PasswordChange,
    request: Request,
    session: Session,
    principal: Principal = Depends(require(allow_password_change_pending=True)),
) -> Response:
    await service.change_password(
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
        idle_timeout_seconds=int(service.IDLE_TIMEOUT.total_seconds()),
    )


@auth_router.get("/roles", name="roles", response_model=schemas.RolesOut, dependencies=[Depends(require("org:read"))])
async def roles() -> schemas.RolesOut:
    """Roles, their Chinese names and their permissions (the SPA shows and the docs explain these)."""
    permissions = service.all_role_permissions()
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
    return schemas.Introspection(**await service.introspect(session, token=body.token))


@auth_router.post("/keys/rotate", name="rotate_signing_key", status_code=201)
async def rotate_signing_key(
    request: Request, session: Session, principal: Principal = Depends(require("roles:manage"))
) -> dict:
    key = await keys.rotate(session, request.app.state.settings.service_secret)
    await service.audit_event(
        session,
        action="signing_key.rotated",
        principal=principal,
        request=request,
        object_type="signing_key",
        object_id=key.kid,
        region_path=principal.region_path,
    )
    await session.commit()
    return {"kid": key.kid, "signing_from": key.signing_from.isoformat()}


@jwks_router.get("/.well-known/jwks.json", name="jwks", response_model=schemas.Jwks, dependencies=[PUBLIC])
async def jwks(request: Request, response: Response, session: Session) -> schemas.Jwks:
    await keys.ensure_key(session, request.app.state.settings.service_secret)
    await session.commit()
    response.headers["Cache-Control"] = "public, max-age=300"
    return schemas.Jwks(keys=[k.public_jwk for k in await keys.published_keys(session)])


# ---------------------------------------------------------------- organisation


# A province has about 1,500 townships and as many units per level: these lists are read whole by
# the SPA's pickers, capped so that no answer is unbounded (the cap is in the contract).
ORG_LIST_CAP = 5_000


@org_router.get("/regions", name="list_regions", response_model=list[schemas.RegionOut])
async def list_regions(
    session: Session,
    principal: Principal = Depends(require("org:read")),
    limit: int = Query(ORG_LIST_CAP, ge=1, le=ORG_LIST_CAP, description=f"至多返回条数（上限 {ORG_LIST_CAP}）"),
) -> list[Region]:
    """Regions the caller may see: its own region, the subtree below it and the ancestors above it
    (at most ``limit``, in path order)."""
    path = principal.region_path or "/"
    ancestors = [
        "/" + "/".join(path.strip("/").split("/")[: i + 1]) + "/" for i in range(len(path.strip("/").split("/")))
    ]
    rows = await session.scalars(
        select(Region)
        .where(or_(Region.path.startswith(path, autoescape=True), Region.path.in_(ancestors)))
        .order_by(Region.path)
        .limit(limit)
    )
    return list(rows)


@org_router.post("/regions", name="create_region", response_model=schemas.RegionOut, status_code=201)
async def create_region(
    body: schemas.RegionIn, request: Request, session: Session, principal: Principal = Depends(manage_org)
) -> Region:
    parent = await session.get(Region, body.parent_id) if body.parent_id else None
    if parent is None or not (principal.region_path and parent.path.startswith(principal.region_path)):
        raise field_error("parent_id", "上级行政区划不存在或不在您的管辖范围内", "not_found")
    region = await service.create_region(session, code=body.code, name=body.name, level=body.level, parent_id=parent.id)
    await service.audit_event(
        session,
        action="region.created",
        principal=principal,
        request=request,
        object_type="region",
        object_id=region.id,
        region_path=region.path,
        after=body.model_dump(),
    )
    await session.commit()
    return region


@org_router.get("/units", name="list_units", response_model=list[schemas.UnitOut])
async def list_units(
    session: Session,
    principal: Principal = Depends(require("org:read")),
    q: str | None = Query(None, max_length=64, description="按名称片段搜索"),
    limit: int = Query(ORG_LIST_CAP, ge=1, le=ORG_LIST_CAP, description=f"至多返回条数（上限 {ORG_LIST_CAP}）"),
) -> list[Unit]:
    query = select(Unit).where(scope_clause(principal, unit_col=Unit.id, region_col=Unit.region_path))
    if q:
        query = query.where(Unit.name.contains(q, autoescape=True))
    return list(await session.scalars(query.order_by(Unit.region_path, Unit.name, Unit.id).limit(limit)))


@org_router.post("/units", name="create_unit", response_model=schemas.UnitOut, status_code=201)
async def create_unit(
    body: schemas.UnitIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(manage_org),
) -> Unit:
    region = await session.get(Region, body.region_id)
    if region is None or not (principal.region_path and region.path.startswith(principal.region_path)):
        raise field_error("region_id", "行政区划不存在或不在您的管辖范围内", "not_found")
    unit = await service.create_unit(session, name=body.name, region=region, is_office=body.is_office)
    await service.audit_event(
        session,
        action="unit.created",
        principal=principal,
        request=request,
        object_type="unit",
        object_id=unit.id,
        unit_id=unit.id,
        region_path=unit.region_path,
        after=body.model_dump(),
    )
    await session.commit()
    set_etag(response, unit.version)
    return unit


@org_router.patch("/units/{unit_id}", name="update_unit", response_model=schemas.UnitOut)
async def update_unit(
    body: schemas.UnitPatch,
    request: Request,
    response: Response,
    session: Session,
    unit: Unit = Depends(valid_unit_id),
    principal: Principal = Depends(manage_org),
) -> Unit:
    check_if_match(request, unit.version)
    before = {"name": unit.name, "active": unit.active}
    for key, value in body.model_dump(exclude_none=True).items():
        setattr(unit, key, value)
    await session.flush()
    await service.audit_event(
        session,
        action="unit.updated",
        principal=principal,
        request=request,
        object_type="unit",
        object_id=unit.id,
        unit_id=unit.id,
        region_path=unit.region_path,
        before=before,
        after={"name": unit.name, "active": unit.active},
    )
    await session.commit()
    set_etag(response, unit.version)
    return unit


# ---------------------------------------------------------------- users


@users_router.get("", name="list_users", response_model=Page[schemas.UserOut])
async def list_users(
    session: Session,
    principal: Principal = Depends(manage_users),
    params: PageParams = Depends(PageParams.from_query),
    q: str | None = Query(None, max_length=64, description="登录名或姓名片段"),
    unit_id: str | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> Page[schemas.UserOut]:
    query = select(User).where(scope_clause(principal, unit_col=User.unit_id, region_col=User.region_path))
    if q:
        query = query.where(
            or_(User.username.contains(q, autoescape=True), User.display_name.contains(q, autoescape=True))
        )
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    if role:
        query = query.where(User.roles.any(role))
    if active is not None:
        query = query.where(User.active.is_(active))
    rows, total = await paginate(session, query.order_by(User.created_at.desc(), User.id), params)
    return Page(
        items=[schemas.UserOut.model_validate(r) for r in rows],
        total=total,
        page=params.page,
        page_size=params.page_size,
    )


@users_router.post("", name="create_user", response_model=schemas.UserCreated, status_code=201)
async def create_user(
    body: schemas.UserIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(manage_users),
) -> schemas.UserCreated:
    user, otp = await service.create_user(session, principal=principal, request=request, **body.model_dump())
    await session.commit()
    set_etag(response, user.version)
    return schemas.UserCreated(**schemas.UserOut.model_validate(user).model_dump(), one_time_password=otp)


@users_router.get("/{user_id}", name="get_user", response_model=schemas.UserOut)
async def get_user(response: Response, user: User = Depends(valid_user_id)) -> User:
    set_etag(response, user.version)
    return user


@users_router.patch("/{user_id}", name="update_user", response_model=schemas.UserOut)
async def update_user(
    body: schemas.UserPatch,
    request: Request,
    response: Response,
    session: Session,
    user: User = Depends(valid_user_id),
    principal: Principal = Depends(manage_users),
) -> User:
    check_if_match(request, user.version)
    await service.update_user(
        session, principal=principal, request=request, user=user, changes=body.model_dump(exclude_unset=True)
    )
    await session.commit()
    set_etag(response, user.version)
    return user


@users_router.post("/{user_id}/reset-password", name="reset_password", response_model=schemas.PasswordReset)
async def reset_password(
    request: Request,
    session: Session,
    user: User = Depends(valid_user_id),
    principal: Principal = Depends(manage_users),
) -> schemas.PasswordReset:
    otp = await service.reset_password(session, principal=principal, request=request, user=user)
    await session.commit()
    return schemas.PasswordReset(one_time_password=otp)


# ---------------------------------------------------------------- API tokens


@tokens_router.get("", name="list_tokens", response_model=Page[schemas.ApiTokenOut])
async def list_tokens(
    session: Session,
    principal: Principal = Depends(use_tokens),
    params: PageParams = Depends(PageParams.from_query),
    include_revoked: bool = False,
    mine: bool = Query(False, description="只看本人名下的令牌（安全管理员默认看到本区域全部）"),
) -> Page[schemas.ApiTokenOut]:
    """The caller's own tokens; a security administrator sees every token in its region."""
    query = select(ApiToken, User.username, User.display_name).join(User, User.id == ApiToken.owner_id)
    if principal.can("tokens:manage") and not mine:
        query = query.where(scope_clause(principal, unit_col=ApiToken.unit_id, region_col=ApiToken.region_path))
    else:
        query = query.where(ApiToken.owner_id == principal.user_id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    query = query.order_by(ApiToken.created_at.desc())
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.execute(query.limit(params.page_size).offset(params.offset))).all()
    return Page(
        items=[
            schemas.ApiTokenOut.model_validate(token).model_copy(
                update={"owner_username": username, "owner_display_name": display_name}
            )
            for token, username, display_name in rows
        ],
        total=total,
        page=params.page,
        page_size=params.page_size,
    )


@tokens_router.post("", name="create_token", response_model=schemas.ApiTokenCreated, status_code=201)
async def create_token(
    body: schemas.ApiTokenIn,
    request: Request,
    session: Session,
    principal: Principal = Depends(use_tokens),
) -> schemas.ApiTokenCreated:
    row, token = await service.create_api_token(session, principal=principal, request=request, **body.model_dump())
    await session.commit()
    owner = await session.get(User, row.owner_id)
    return schemas.ApiTokenCreated(
        **schemas.ApiTokenOut.model_validate(row).model_dump(exclude={"owner_username", "owner_display_name"}),
        owner_username=owner.username,
        owner_display_name=owner.display_name,
        token=token,
    )


@tokens_router.post("/{token_id}/revoke", name="revoke_token", response_model=schemas.ApiTokenOut)
async def revoke_token(
    request: Request,
    session: Session,
    token: ApiToken = Depends(valid_token_id),
    principal: Principal = Depends(use_tokens),
) -> ApiToken:
    await service.revoke_api_token(session, principal=principal, request=request, token=token)
    await session.commit()
    return token


# ---------------------------------------------------------------- login log


@logs_router.get("", name="list_login_events", response_model=Page[schemas.LoginEventOut])
async def list_login_events(
    session: Session,
    principal: Principal = Depends(require("audit:read", "users:manage", any_of=True)),
    params: PageParams = Depends(PageParams.from_query),
    username: str | None = Query(None, max_length=64),
    result: str | None = Query(None, max_length=16),
    since: datetime | None = Query(None, description="起始时间（含）"),
    until: datetime | None = Query(None, description="截止时间（不含）"),
) -> Page[schemas.LoginEventOut]:
    """登录日志 of the caller's region (attempts on unknown usernames carry no region: shown to
    administrators of the top of the tree only)."""
    scope = LoginEvent.region_path.startswith(principal.region_path or "/nowhere/", autoescape=True)
    if principal.region_path and principal.region_path.count("/") <= 2:
        scope = or_(scope, LoginEvent.region_path.is_(None))
    query = select(LoginEvent).where(scope)
    if username:
        query = query.where(LoginEvent.username == username)
    if result:
        query = query.where(LoginEvent.result == result)
    if since:
        query = query.where(LoginEvent.occurred_at >= since)
    if until:
        query = query.where(LoginEvent.occurred_at < until)
    rows, total = await paginate(session, query.order_by(LoginEvent.occurred_at.desc(), LoginEvent.id.desc()), params)
    return Page(
        items=[schemas.LoginEventOut.model_validate(r) for r in rows],
        total=total,
        page=params.page,
        page_size=params.page_size,
    )


ROUTERS = [auth_router, jwks_router, org_router, users_router, tokens_router, logs_router]

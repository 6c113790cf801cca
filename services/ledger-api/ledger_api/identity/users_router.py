"""HTTP of users: /users."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import or_, select

from ledger_api.flow import CHANGE
from ledger_api.identity import schemas, users
from ledger_api.identity.dependencies import (
    manage_users,
    valid_user_id,
)
from ledger_api.identity.models import User
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import scope_clause
from qq_kernel.concurrency import check_if_match, set_etag
from qq_kernel.db import Session
from qq_kernel.pagination import Page, PageParams, paginate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", name="list_users", response_model=Page[schemas.UserOut])
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
    return Page.of(
        [schemas.UserOut.model_validate(r) for r in rows],
        total,
        params,
    )


@router.post("", name="create_user", response_model=schemas.UserCreated, status_code=201)
async def create_user(
    body: schemas.UserIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(manage_users),
) -> schemas.UserCreated:
    user, otp = await users.create_user(session, principal=principal, request=request, **body.model_dump())
    await CHANGE.commit(session)
    set_etag(response, user.version)
    return schemas.UserCreated(**schemas.UserOut.model_validate(user).model_dump(), one_time_password=otp)


@router.get("/{user_id}", name="get_user", response_model=schemas.UserOut)
async def get_user(response: Response, user: User = Depends(valid_user_id)) -> User:
    set_etag(response, user.version)
    return user


@router.patch("/{user_id}", name="update_user", response_model=schemas.UserOut)
async def update_user(
    body: schemas.UserPatch,
    request: Request,
    response: Response,
    session: Session,
    user: User = Depends(valid_user_id),
    principal: Principal = Depends(manage_users),
) -> User:
    check_if_match(request, user.version)
    await users.update_user(
        session, principal=principal, request=request, user=user, changes=body.model_dump(exclude_unset=True)
    )
    await CHANGE.commit(session)
    set_etag(response, user.version)
    return user


@router.post("/{user_id}/reset-password", name="reset_password", response_model=schemas.PasswordReset)
async def reset_password(
    request: Request,
    session: Session,
    user: User = Depends(valid_user_id),
    principal: Principal = Depends(manage_users),
) -> schemas.PasswordReset:
    otp = await users.reset_password(session, principal=principal, request=request, user=user)
    await CHANGE.commit(session)
    return schemas.PasswordReset(one_time_password=otp)

"""HTTP of API tokens: /tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, select

from ledger_api.flow import CHANGE
from ledger_api.identity import api_tokens, schemas
from ledger_api.identity.dependencies import (
    use_tokens,
    valid_token_id,
)
from ledger_api.identity.models import ApiToken, User
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import scope_clause
from qq_kernel.db import Session
from qq_kernel.pagination import Page, PageParams

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("", name="list_tokens", response_model=Page[schemas.ApiTokenOut])
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
    return Page.of(
        [
            schemas.ApiTokenOut.model_validate(token).model_copy(
                update={"owner_username": username, "owner_display_name": display_name}
            )
            for token, username, display_name in rows
        ],
        total,
        params,
    )


@router.post("", name="create_token", response_model=schemas.ApiTokenCreated, status_code=201)
async def create_token(
    body: schemas.ApiTokenIn,
    request: Request,
    session: Session,
    principal: Principal = Depends(use_tokens),
) -> schemas.ApiTokenCreated:
    row, token = await api_tokens.create_api_token(session, principal=principal, request=request, **body.model_dump())
    await CHANGE.commit(session)
    owner = await session.get(User, row.owner_id)
    return schemas.ApiTokenCreated(
        **schemas.ApiTokenOut.model_validate(row).model_dump(exclude={"owner_username", "owner_display_name"}),
        owner_username=owner.username,
        owner_display_name=owner.display_name,
        token=token,
    )


@router.post("/{token_id}/revoke", name="revoke_token", response_model=schemas.ApiTokenOut)
async def revoke_token(
    request: Request,
    session: Session,
    token: ApiToken = Depends(valid_token_id),
    principal: Principal = Depends(use_tokens),
) -> ApiToken:
    await api_tokens.revoke_api_token(session, principal=principal, request=request, token=token)
    await CHANGE.commit(session)
    return token

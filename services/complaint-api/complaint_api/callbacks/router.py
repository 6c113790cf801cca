"""HTTP of callbacks: the endpoint of each integration account (managed by those who manage
integration accounts: users:manage, i.e. the office's and the security administrators), and the
callbacks of a complaint with every attempt (for the office)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.audit.models import AuditLog
from complaint_api.callbacks import schemas, service
from complaint_api.callbacks.models import CallbackEndpoint
from complaint_api.complaints import service as complaints
from complaint_api.complaints.models import Complaint
from complaint_api.config import SERVICE_NAME
from qq_kernel import audit
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.concurrency import check_if_match, set_etag
from qq_kernel.db import get_session
from qq_kernel.problems import ProblemError, field_error

router = APIRouter(tags=["callbacks"])
Session = Annotated[AsyncSession, Depends(get_session)]
manage_integrations = require("users:manage")
triage = require("complaints:triage")


def _in_region(principal: Principal, region_path: str) -> bool:
    return bool(principal.region_path) and region_path.startswith(principal.region_path)


async def integration_account(
    account_id: str, request: Request, principal: Principal = Depends(manage_integrations)
) -> dict:
    """The integration account, as ledger-api shows it to this caller (out of its scope: 404)."""
    # Asked with the caller's own token (auth=None: not as this service), so ledger-api applies
    # the caller's scope.
    response = await request.app.state.http.get(
        f"/api/ledger/users/{account_id}",
        headers={"Authorization": request.headers.get("authorization", "")},
        auth=None,
    )
    if response.status_code == 404:
        raise ProblemError(404, detail="对接账号不存在")
    if response.status_code != 200:
        raise ProblemError(503, code="identity_unavailable", detail="身份服务暂不可用")
    account = response.json()
    if account["kind"] != "integration":
        raise ProblemError(409, code="not_integration_account", detail="该账号不是系统对接账号，不能配置回调")
    return account


async def _audit(session, request, principal, endpoint: CallbackEndpoint, action: str, before=None) -> None:
    await audit.record(
        session,
        AuditLog,
        service=SERVICE_NAME,
        action=action,
        principal=principal,
        request=request,
        object_type="callback_endpoint",
        object_id=endpoint.account_id,
        region_path=endpoint.region_path,
        before=before,
        after={"url": endpoint.url, "enabled": endpoint.enabled, "secret_prefix": endpoint.secret_prefix},
    )


def _check_url(request: Request, body: schemas.CallbackEndpointIn) -> str:
    url = str(body.url)
    if request.app.state.settings.environment == "production" and body.url.scheme != "https":
        raise field_error("url", "生产环境的回调地址须使用 https", "https_required")
    return url


@router.get("/callback-endpoints", name="list_callback_endpoints", response_model=list[schemas.CallbackEndpointOut])
async def list_callback_endpoints(
    session: Session, principal: Principal = Depends(manage_integrations)
) -> list[CallbackEndpoint]:
    return list(
        await session.scalars(
            select(CallbackEndpoint)
            .where(CallbackEndpoint.region_path.startswith(principal.region_path or "/nowhere/", autoescape=True))
            .order_by(CallbackEndpoint.account_name)
        )
    )


@router.put(
    "/callback-endpoints/{account_id}",
    name="put_callback_endpoint",
    # 201 carries the secret (shown once), 200 does not.
    response_model=schemas.CallbackEndpointWithSecret | schemas.CallbackEndpointOut,
    status_code=200,
    responses={201: {"description": "新建；响应含仅显示一次的签名密钥", "model": schemas.CallbackEndpointWithSecret}},
)
async def put_callback_endpoint(
    body: schemas.CallbackEndpointIn,
    request: Request,
    response: Response,
    session: Session,
    account: dict = Depends(integration_account),
    principal: Principal = Depends(manage_integrations),
):
    """Set the account's callback URL. The first time, a signing secret is made and shown in
    this answer only (201); later changes (If-Match) keep the secret."""
    url = _check_url(request, body)
    endpoint = await session.get(CallbackEndpoint, account["id"], with_for_update=True)
    if endpoint is None:
        secret = service.new_secret()
        endpoint = CallbackEndpoint(
            account_id=account["id"],
            account_name=account["username"],
            url=url,
            enabled=body.enabled,
            secret_ciphertext=service.seal(request.app.state.settings.callback_sealing_key, secret),
            secret_prefix=secret[:10],
            region_path=account["region_path"],
            created_by=principal.subject,
        )
        session.add(endpoint)
        await session.flush()
        await _audit(session, request, principal, endpoint, "callback_endpoint.created")
        await session.commit()
        response.status_code = 201
        set_etag(response, endpoint.version)
        return schemas.CallbackEndpointWithSecret(
            **schemas.CallbackEndpointOut.model_validate(endpoint).model_dump(), secret=secret
        )
    check_if_match(request, endpoint.version)
    before = {"url": endpoint.url, "enabled": endpoint.enabled}
    endpoint.url, endpoint.enabled = url, body.enabled
    endpoint.updated_at = datetime.now(UTC)
    await session.flush()
    await _audit(session, request, principal, endpoint, "callback_endpoint.updated", before=before)
    await session.commit()
    set_etag(response, endpoint.version)
    return schemas.CallbackEndpointOut.model_validate(endpoint)


@router.post(
    "/callback-endpoints/{account_id}/secret",
    name="rotate_callback_secret",
    response_model=schemas.CallbackEndpointWithSecret,
)
async def rotate_callback_secret(
    request: Request,
    response: Response,
    session: Session,
    account: dict = Depends(integration_account),
    principal: Principal = Depends(manage_integrations),
) -> schemas.CallbackEndpointWithSecret:
    """A new signing secret, shown in this answer only; the old one stops at once (callbacks not
    yet acknowledged are signed with the new one at their next attempt)."""
    endpoint = await session.get(CallbackEndpoint, account["id"], with_for_update=True)
    if endpoint is None:
        raise ProblemError(409, code="callback_not_configured", detail="该对接账号尚未配置回调地址")
    check_if_match(request, endpoint.version)
    secret = service.new_secret()
    endpoint.secret_ciphertext = service.seal(request.app.state.settings.callback_sealing_key, secret)
    endpoint.secret_prefix = secret[:10]
    endpoint.secret_rotated_at = endpoint.updated_at = datetime.now(UTC)
    await session.flush()
    await _audit(session, request, principal, endpoint, "callback_endpoint.secret_rotated")
    await session.commit()
    set_etag(response, endpoint.version)
    return schemas.CallbackEndpointWithSecret(
        **schemas.CallbackEndpointOut.model_validate(endpoint).model_dump(), secret=secret
    )


async def office_complaint(
    complaint_id: str, principal: Principal = Depends(triage), session: AsyncSession = Depends(get_session)
) -> Complaint:
    return await complaints.load(session, principal, complaint_id)


@router.get(
    "/complaints/{complaint_id}/callbacks", name="list_complaint_callbacks", response_model=list[schemas.CallbackOut]
)
async def list_complaint_callbacks(
    session: Session, complaint: Complaint = Depends(office_complaint)
) -> list[schemas.CallbackOut]:
    """The status changes sent to the complaint platform, each with every delivery attempt."""
    return await service.callbacks_of(session, complaint.id)

"""``GET /whoami`` on every service: who the bearer token says you are, as this service sees it.
The first call an integrator makes with a new API token."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal


class WhoAmI(BaseModel):
    service: str
    kind: str
    subject: str
    username: str
    display_name: str
    unit_id: str | None
    region_path: str | None
    roles: list[str]
    permissions: list[str]


def whoami_router(prefix: str, service: str) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["auth"])

    @router.get("/whoami", name="whoami", response_model=WhoAmI)
    async def whoami(principal: Principal = Depends(require(allow_password_change_pending=True))) -> WhoAmI:
        return WhoAmI(
            service=service,
            kind=principal.kind,
            subject=principal.subject,
            username=principal.username,
            display_name=principal.display_name,
            unit_id=principal.unit_id,
            region_path=principal.region_path,
            roles=sorted(principal.roles),
            permissions=sorted(principal.permissions),
        )

    return router

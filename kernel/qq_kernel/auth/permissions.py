"""The one permission mechanism: every route declares ``Depends(require("perm"))`` or
``PUBLIC``; a test fails for any route that declares neither.

The dependency authenticates the bearer token through ``app.state.authenticator`` (ledger-api
checks its own tables; the other services verify JWTs locally and ask ledger-api about opaque API
tokens) and returns the :class:`Principal` for the route to scope its queries with.
"""

from __future__ import annotations

from typing import Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from qq_kernel.auth.principal import Principal
from qq_kernel.db import get_session
from qq_kernel.problems import ProblemError

bearer = HTTPBearer(auto_error=False, description="Access token (JWT) or API token")


class Authenticator(Protocol):
    async def authenticate(self, token: str, request: Request, session: AsyncSession) -> Principal:
        """``session`` is the request's own database session (the route's too): one connection and
        one transaction per request, however many dependencies read the database."""
        ...


class Permission:
    """Route guard. ``any_of=True`` admits a caller holding any one of the permissions."""

    def __init__(self, *permissions: str, any_of: bool = False, allow_password_change_pending: bool = False) -> None:
        self.permissions = frozenset(permissions)
        self.any_of = any_of
        self.allow_password_change_pending = allow_password_change_pending

    async def __call__(
        self,
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
        session: AsyncSession = Depends(get_session),
    ) -> Principal:
        if credentials is None or not credentials.credentials:
            raise ProblemError(401, detail="请先登录", headers={"WWW-Authenticate": "Bearer"})
        authenticator: Authenticator = request.app.state.authenticator
        principal = await authenticator.authenticate(credentials.credentials, request, session)
        if principal.must_change_password and not self.allow_password_change_pending:
            raise ProblemError(403, code="password_change_required", detail="首次登录或密码被重置后须先修改密码")
        held = principal.permissions
        ok = bool(held & self.permissions) if self.any_of else self.permissions <= held
        if not ok:
            raise ProblemError(403, detail=f"需要权限：{'、'.join(sorted(self.permissions))}")
        request.state.principal = principal
        return principal

    def __repr__(self) -> str:
        return f"Permission({', '.join(sorted(self.permissions))})"


class Public:
    """Marks a route as intentionally open (health, JWKS, login)."""

    async def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "Public()"


def require(*permissions: str, any_of: bool = False, allow_password_change_pending: bool = False) -> Permission:
    return Permission(*permissions, any_of=any_of, allow_password_change_pending=allow_password_change_pending)


PUBLIC = Depends(Public())


def declared_guard(route) -> Permission | Public | None:
    """The guard a route declared, found by walking its dependency tree (used by the tests)."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, (Permission, Public)):
            return dep.call
        stack.extend(dep.dependencies)
    return None


def route_guards(app) -> list[tuple[str, str, Permission | Public | None]]:
    """(method, full path, declared guard) of every API route of an app, through included routers."""
    from fastapi.routing import APIRoute, iter_route_contexts

    out = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in sorted(context.methods or ()):
                out.append((method, context.path, declared_guard(route)))
    return out

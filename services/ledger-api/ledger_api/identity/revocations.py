"""The revocation feed: what complaint-api and notify-api must stop accepting within seconds.

Each revoking change writes its rows here in its own transaction (:func:`sessions_ended`,
:func:`record`); each replica of the other services reads ``GET /auth/revocations`` every ~2 s
(``qq_kernel.auth.revocation``). ledger-api itself checks its sessions table on every request and
does not read the feed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.identity.models import AuthSession, Revocation
from qq_kernel.auth.jwt import ACCESS_TOKEN_SECONDS, LEEWAY_SECONDS
from qq_kernel.clock import now

# Rows older than an access token's life (and its leeway) concern no live token.
HORIZON = timedelta(seconds=ACCESS_TOKEN_SECONDS + LEEWAY_SECONDS + 60)
# A revoking transaction may commit after a later one: each read looks this far behind its cursor.
OVERLAP = timedelta(seconds=10)
MAX_ROWS = 5000


def record(session: AsyncSession, *, kind: str, subject_id: str, reason: str, at: datetime | None = None) -> None:
    session.add(Revocation(kind=kind, subject_id=subject_id, reason=reason, revoked_at=at or now()))


async def end_sessions(session: AsyncSession, *, user_id: str, reason: str, keep: str | None = None) -> None:
    """End the user's open sessions (all but ``keep``) and put each on the feed."""
    t = now()
    condition = [AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)]
    if keep:
        condition.append(AuthSession.id != keep)
    ended = (
        await session.scalars(
            update(AuthSession).where(*condition).values(revoked_at=t, revoke_reason=reason).returning(AuthSession.id)
        )
    ).all()
    for sid in ended:
        record(session, kind="session", subject_id=sid, reason=reason, at=t)


async def since(session: AsyncSession, cursor: datetime | None) -> tuple[list[Revocation], datetime]:
    """Rows after ``cursor`` (less the overlap; from the horizon at the first read) and the next
    cursor: the database's time of this read, so a reader never skips ahead of a slow commit by
    more than the overlap."""
    t = now()
    start = t - HORIZON if cursor is None else max(cursor - OVERLAP, t - HORIZON)
    rows = (
        await session.scalars(
            select(Revocation).where(Revocation.revoked_at > start).order_by(Revocation.revoked_at).limit(MAX_ROWS)
        )
    ).all()
    if len(rows) == MAX_ROWS:  # the rest on the next read
        return list(rows), rows[-1].revoked_at + OVERLAP
    return list(rows), t

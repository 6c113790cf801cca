"""How every changing route ends: change → audit → after-change hooks → commit.

The domain rule (``service.py``) makes the change and adds its audit row to the session; the
route then hands the session to the service's :class:`ChangeFlow`, which runs the hooks the
service declared (ledger-api re-evaluates an item's red flags) in the same transaction and
commits once. Nothing is half-written: a hook that fails rolls the change back with it.

    ITEM_CHANGE = ChangeFlow(flags.after_item_change)       # the service declares it once
    item = await ITEM_CHANGE(session, items.update_item(session, ..., item=item), on=item)
    await ITEM_CHANGE.commit(session, item)                  # when the change was awaited already
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
AfterChange = Callable[[AsyncSession, Any], Awaitable[object]]


class ChangeFlow:
    def __init__(self, *after_change: AfterChange) -> None:
        self.after_change = after_change

    async def commit(self, session: AsyncSession, subject: Any = None) -> None:
        """Run the after-change hooks on ``subject`` (what changed), then commit."""
        for hook in self.after_change:
            await hook(session, subject)
        await session.commit()

    async def __call__(self, session: AsyncSession, change: Awaitable[T], *, on: Any = None) -> T:
        """Await the change (which audits itself), then :meth:`commit` on ``on`` (default: its result)."""
        result = await change
        await self.commit(session, result if on is None else on)
        return result


# A change with nothing to re-evaluate: audit row and change, one commit.
CHANGE = ChangeFlow()

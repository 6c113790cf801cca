"""Load-and-validate dependencies of the red-flag routes (out of scope = not found)."""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.ledger import access
from ledger_api.ledger.models import ArrearsItem
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.db import get_session

approve_ledger = require("ledger:approve")


async def approvable_item(
    item_id: str, principal: Principal = Depends(approve_ledger), session: AsyncSession = Depends(get_session)
) -> ArrearsItem:
    return await access.load_item(session, principal, item_id, lock=True)

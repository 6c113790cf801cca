"""Load-and-validate dependencies of the ledger routes (out of scope = not found)."""

from __future__ import annotations

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.ledger import access
from ledger_api.ledger.models import ArrearsItem
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.concurrency import check_if_match
from qq_kernel.db import get_session

read_ledger = require("ledger:read")
# Items themselves are also readable by the court, on the judicial route only (see access.item_scope).
read_items = require("ledger:read", "ledger:read_judicial", any_of=True)
court_record = require("ledger:court_record")
write_ledger = require("ledger:write")
verify_ledger = require("ledger:verify")


async def readable_item(
    item_id: str, principal: Principal = Depends(read_ledger), session: AsyncSession = Depends(get_session)
) -> ArrearsItem:
    return await access.load_item(session, principal, item_id)


async def viewable_item(
    item_id: str, principal: Principal = Depends(read_items), session: AsyncSession = Depends(get_session)
) -> ArrearsItem:
    """The item itself and its timeline: ledger readers, and the court on the judicial route."""
    return await access.load_item(session, principal, item_id)


async def writable_item(
    item_id: str, principal: Principal = Depends(write_ledger), session: AsyncSession = Depends(get_session)
) -> ArrearsItem:
    """Locked for the rest of the transaction: money on one item moves one change at a time."""
    return await access.load_item(session, principal, item_id, lock=True)


async def verifiable_item(
    item_id: str, principal: Principal = Depends(verify_ledger), session: AsyncSession = Depends(get_session)
) -> ArrearsItem:
    return await access.load_item(session, principal, item_id, lock=True)


async def versioned_writable_item(request: Request, item: ArrearsItem = Depends(writable_item)) -> ArrearsItem:
    check_if_match(request, item.version)
    return item


async def versioned_verifiable_item(request: Request, item: ArrearsItem = Depends(verifiable_item)) -> ArrearsItem:
    check_if_match(request, item.version)
    return item

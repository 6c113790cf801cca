"""Load-and-validate dependency of the weekly-update writes: in scope (else 404), and the caller
is the item's responsible person or belongs to its responsible unit (else 403), checked before
the body is read."""

from __future__ import annotations

from fastapi import Depends

from ledger_api.ledger.dependencies import writable_item, write_ledger
from ledger_api.ledger.models import ArrearsItem
from ledger_api.weekly.service import check_responsible
from qq_kernel.auth.principal import Principal


async def reporting_item(
    item: ArrearsItem = Depends(writable_item), principal: Principal = Depends(write_ledger)
) -> ArrearsItem:
    check_responsible(principal, item)
    return item

"""ledger-api's change flows (:mod:`qq_kernel.flow`): a change to an item, or to anything that
hangs off one, re-evaluates the item's red flags in the same transaction before the commit."""

from ledger_api.flags.service import after_item_change
from qq_kernel.flow import CHANGE, ChangeFlow

ITEM_CHANGE = ChangeFlow(after_item_change)

__all__ = ["CHANGE", "ITEM_CHANGE"]

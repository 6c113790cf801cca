"""The window a business date (delivery, acceptance, due, repayment, deadline, interest as_of)
must fall in. 0001-01-01 or 9999-12-31 is a typo, not a date of a debt: refused with a 422 that
names the field, before it can reach a computation (interest over 8,000 years) or a report.

The window is a setting of ledger-api (``LEDGER_BUSINESS_DATE_MIN_YEAR``,
``LEDGER_BUSINESS_DATE_MAX_YEARS_AHEAD``), applied when ledger-api starts (:func:`configure_from`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from qq_kernel.clock import china_today


@dataclass
class DateWindow:
    min_year: int = 1990
    max_years_ahead: int = 10

    def bounds(self) -> tuple[date, date]:
        today = china_today()
        return date(self.min_year, 1, 1), date(min(today.year + self.max_years_ahead, 9999), 12, 31)

    def check(self, value: date) -> date:
        low, high = self.bounds()
        if not low <= value <= high:
            message = f"日期应在 {low.isoformat()} 至 {high.isoformat()} 之间"
            raise PydanticCustomError("date_out_of_window", message)
        return value


WINDOW = DateWindow()


def configure(min_year: int, max_years_ahead: int) -> None:
    WINDOW.min_year, WINDOW.max_years_ahead = min_year, max_years_ahead


async def configure_from(app) -> None:
    """Startup hook of ledger-api: the window from its settings."""
    settings = app.state.settings
    configure(settings.business_date_min_year, settings.business_date_max_years_ahead)


BusinessDate = Annotated[date, AfterValidator(lambda v: WINDOW.check(v))]
"""An input date of the ledger's business, inside :data:`WINDOW`."""

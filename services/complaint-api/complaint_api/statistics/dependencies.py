from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Query

from qq_kernel.problems import field_error

MAX_DAYS = 366 * 5


@dataclass(frozen=True)
class Period:
    start: date
    end: date


async def period(
    start: Annotated[date, Query(alias="from", description="起始日期（含），按收到投诉的日期")],
    end: Annotated[date, Query(alias="to", description="截止日期（含）")],
) -> Period:
    if end < start:
        raise field_error("to", "截止日期不能早于起始日期", "before_start")
    if (end - start).days > MAX_DAYS:
        raise field_error("to", "统计期间最长五年", "too_long")
    return Period(start, end)

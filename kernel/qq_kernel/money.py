"""Money: yuan as ``Decimal`` with exactly 2 places (fen), never float.

Amounts are stored as NUMERIC(18,2): at most 16 integer digits. One debt, repayment, adjustment
or funding line entered by a person is at most :data:`MAX_SINGLE_AMOUNT` (just under 10¹² 元; no
real debt of a county or province is larger), so that an item's running totals can never reach the
column's limit. Sums over many items (a province's totals) and computed figures are answered as
:data:`TotalMoney`, which has room for any sum PostgreSQL's unbounded SUM can produce. On the wire they travel as JSON
strings ("1234.50") so that no client ever round-trips them through a binary float; plain JSON
integers are accepted on input too (a whole number of yuan has no rounding problem), floats never.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = [
    "CENT",
    "MAX_INTEGER_DIGITS",
    "MAX_SINGLE_AMOUNT",
    "MONEY_PATTERN",
    "ZERO",
    "Amount",
    "Money",
    "MoneyError",
    "NonNegativeAmount",
    "NonNegativeMoney",
    "PositiveAmount",
    "PositiveMoney",
    "TotalMoney",
    "format_yuan",
    "money_str",
    "parse_money",
    "quantize",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_INTEGER_DIGITS = 16  # NUMERIC(18,2)
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
MAX_SINGLE_AMOUNT = Decimal("999999999999.99")  # 12 integer digits: under one trillion yuan
SINGLE_PATTERN = r"^-?\d{1,12}(\.\d{1,2})?$"
POSITIVE_SINGLE_PATTERN = r"^(?!0+(\.0{1,2})?$)\d{1,12}(\.\d{1,2})?$"
NON_NEGATIVE_SINGLE_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"
TOTAL_PATTERN = r"^-?\d{1,24}(\.\d{1,2})?$"

# The canonical wire form; the parser accepts exactly this (after trimming surrounding blanks).
MONEY_PATTERN = r"^-?\d{1,16}(\.\d{1,2})?$"
NON_NEGATIVE_PATTERN = r"^\d{1,16}(\.\d{1,2})?$"
POSITIVE_PATTERN = r"^(?!0+(\.0{1,2})?$)\d{1,16}(\.\d{1,2})?$"
_SHAPE = re.compile(r"^(-?)([0-9]+)(?:\.([0-9]+))?$")


class MoneyError(ValueError):
    """An amount that is not acceptable; the message is Chinese, for the user."""


def _finish(value: Decimal) -> Decimal:
    """Check range and places of a finite Decimal and return it with exactly 2 places."""
    if abs(value) >= _LIMIT:
        raise MoneyError(f"金额过大：整数部分不能超过{MAX_INTEGER_DIGITS}位")
    exact = value.quantize(CENT)  # safe: at most 18 significant digits here
    if exact != value:
        raise MoneyError("金额最多保留两位小数（精确到分）")
    return exact if exact != 0 else ZERO  # no "-0.00"


def parse_money(value: str | int | Decimal) -> Decimal:
    """Parse an amount of yuan. Strings must look like ``1234.50`` (minus allowed, no thousands
    separators, no exponent); ints are whole yuan; Decimals are checked by value. Floats raise
    TypeError: they are how fen get lost."""
    if isinstance(value, float):
        raise TypeError("金额不能使用浮点数，请以字符串传递，如“1234.50”")
    if value is None:
        raise TypeError("金额不能为空")
    if isinstance(value, bool):
        raise TypeError("金额应为字符串、整数或Decimal，不能是布尔值")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError("金额不能是NaN或无穷大")
        return _finish(value)
    if isinstance(value, int):
        return _finish(Decimal(value))
    if not isinstance(value, str):
        raise TypeError(f"金额应为字符串、整数或Decimal，实际为{type(value).__name__}")

    # NFKC folds full-width digits (１２３．５０), common in spreadsheets typed with a Chinese IME.
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise MoneyError("金额不能为空")
    if text.lower().lstrip("+-") in {"nan", "snan", "inf", "infinity"}:
        raise MoneyError("金额不能是NaN或无穷大")
    match = _SHAPE.match(text)
    if match is None:
        raise MoneyError(f"金额格式不正确：“{value}”，应为数字，如“1234.50”")
    integer, fraction = match.group(2), match.group(3) or ""
    if len(integer) > MAX_INTEGER_DIGITS:
        raise MoneyError(f"金额过大：整数部分不能超过{MAX_INTEGER_DIGITS}位")
    if len(fraction) > 2:
        raise MoneyError("金额最多保留两位小数（精确到分）")
    try:
        return _finish(Decimal(text))
    except InvalidOperation as exc:  # pragma: no cover - the pattern above rules this out
        raise MoneyError(f"金额格式不正确：“{value}”") from exc


def quantize(value: Decimal) -> Decimal:
    """Round a computed amount (interest, shares) to fen, half up as Chinese accounting does."""
    if not isinstance(value, Decimal):
        raise TypeError("quantize 只接受 Decimal")
    if not value.is_finite():
        raise MoneyError("金额不能是NaN或无穷大")
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded != 0 else ZERO


def money_str(value: Decimal) -> str:
    """The wire form: plain digits, exactly 2 decimals ("1234.50", "-3.00")."""
    return f"{quantize(value):.2f}"


def format_yuan(value: Decimal | int | str) -> str:
    """For people: ``¥1,234,567.89``; negatives as ``-¥1,234.50``."""
    amount = quantize(value) if isinstance(value, Decimal) else parse_money(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def _pydantic_validator(check: Callable[[Decimal], None] | None = None) -> Callable[[Any], Decimal]:
    def validate(value: Any) -> Decimal:
        try:
            amount = parse_money(value)
        except (MoneyError, TypeError) as exc:
            # TypeError would escape pydantic as a 500; report it as a validation error instead.
            raise PydanticCustomError("money", str(exc)) from exc
        if check is not None:
            check(amount)
        return amount

    return validate


def _non_negative(amount: Decimal) -> None:
    if amount < 0:
        raise PydanticCustomError("money_negative", "金额不能为负数")


def _positive(amount: Decimal) -> None:
    if amount <= 0:
        raise PydanticCustomError("money_not_positive", "金额必须大于零")


def _schema(pattern: str, description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": pattern, "examples": ["1234.50"], "description": description}


_serializer = PlainSerializer(money_str, return_type=str, when_used="json")

Money = Annotated[
    Decimal,
    PlainValidator(_pydantic_validator()),
    _serializer,
    WithJsonSchema(_schema(MONEY_PATTERN, "金额（元），两位小数的字符串")),
]
NonNegativeMoney = Annotated[
    Decimal,
    PlainValidator(_pydantic_validator(_non_negative)),
    _serializer,
    WithJsonSchema(_schema(NON_NEGATIVE_PATTERN, "金额（元），不小于零，两位小数的字符串")),
]
PositiveMoney = Annotated[
    Decimal,
    PlainValidator(_pydantic_validator(_positive)),
    _serializer,
    WithJsonSchema(_schema(POSITIVE_PATTERN, "金额（元），大于零，两位小数的字符串")),
]


def _within_single(amount: Decimal) -> None:
    if abs(amount) > MAX_SINGLE_AMOUNT:
        raise PydanticCustomError("money_too_large", "单笔金额不能超过 999999999999.99 元（一万亿元）")


def _both(*checks: Callable[[Decimal], None]) -> Callable[[Decimal], None]:
    def check(amount: Decimal) -> None:
        for one in checks:
            one(amount)

    return check


# Input amounts of one debt (principal, repayment, adjustment, funding line, plan instalment).
Amount = Annotated[
    Decimal,
    PlainValidator(_pydantic_validator(_within_single)),
    _serializer,
    WithJsonSchema(_schema(SINGLE_PATTERN, "金额（元），两位小数的字符串，绝对值不超过 999999999999.99")),
]
NonNegativeAmount = Annotated[
    Decimal,
    PlainValidator(_pydantic_validator(_both(_non_negative, _within_single))),
    _serializer,
    WithJsonSchema(_schema(NON_NEGATIVE_SINGLE_PATTERN, "金额（元），不小于零，不超过 999999999999.99")),
]
PositiveAmount = Annotated[
    Decimal,
    PlainValidator(_pydantic_validator(_both(_positive, _within_single))),
    _serializer,
    WithJsonSchema(_schema(POSITIVE_SINGLE_PATTERN, "金额（元），大于零，不超过 999999999999.99")),
]


def _total(value: Any) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise PydanticCustomError("money", "合计金额应为有限的 Decimal")
    return quantize(value)


# Output only: sums over many items and computed figures (interest), as wide as they come.
TotalMoney = Annotated[
    Decimal,
    PlainValidator(_total),
    _serializer,
    WithJsonSchema(_schema(TOTAL_PATTERN, "金额（元），两位小数的字符串（合计或计算所得，位数不限于单笔上限）")),
]

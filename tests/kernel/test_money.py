import json
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from qq_kernel.money import (
    MONEY_PATTERN,
    NON_NEGATIVE_PATTERN,
    POSITIVE_PATTERN,
    Money,
    MoneyError,
    NonNegativeMoney,
    PositiveMoney,
    format_yuan,
    money_str,
    parse_money,
    quantize,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234.5", "1234.50"),
        ("1234.50", "1234.50"),
        ("  0.01 ", "0.01"),
        ("0", "0.00"),
        ("-0", "0.00"),
        ("-12.3", "-12.30"),
        ("9999999999999999.99", "9999999999999999.99"),
        ("１２３．５０", "123.50"),  # full-width, as typed with a Chinese IME
        (1234, "1234.00"),
        (-5, "-5.00"),
        (Decimal("7"), "7.00"),
        (Decimal("1.500"), "1.50"),  # computed Decimals are judged by value
        (Decimal("1E+2"), "100.00"),
        (Decimal("-0.00"), "0.00"),
    ],
)
def test_parse_money_accepts(raw, expected):
    result = parse_money(raw)
    assert isinstance(result, Decimal)
    assert str(result) == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("raw", [1.5, 0.0, float("nan"), True, None, [1], b"1.00"])
def test_parse_money_refuses_non_money_types(raw):
    with pytest.raises(TypeError):
        parse_money(raw)


def test_float_message_is_chinese():
    with pytest.raises(TypeError, match="不能使用浮点数"):
        parse_money(0.1)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "不能为空"),
        ("   ", "不能为空"),
        ("NaN", "NaN或无穷大"),
        ("-Infinity", "NaN或无穷大"),
        ("inf", "NaN或无穷大"),
        (Decimal("NaN"), "NaN或无穷大"),
        (Decimal("Infinity"), "NaN或无穷大"),
        ("1.234", "最多保留两位小数"),
        ("1.500", "最多保留两位小数"),  # strings must be in the wire form
        (Decimal("1.234"), "最多保留两位小数"),
        (Decimal("0.001"), "最多保留两位小数"),
        ("10000000000000000", "整数部分不能超过16位"),
        ("00000000000000001", "整数部分不能超过16位"),
        (10**16, "整数部分不能超过16位"),
        (Decimal("1E+16"), "整数部分不能超过16位"),
        (Decimal("-1E+30"), "整数部分不能超过16位"),
        ("1,234.50", "格式不正确"),
        ("1e3", "格式不正确"),
        ("+5", "格式不正确"),
        ("¥5", "格式不正确"),
        (".5", "格式不正确"),
        ("5.", "格式不正确"),
        ("1_000", "格式不正确"),
        ("五元", "格式不正确"),
    ],
)
def test_parse_money_refuses_with_reason(raw, message):
    with pytest.raises(MoneyError, match=message):
        parse_money(raw)


def test_money_error_is_value_error():
    assert issubclass(MoneyError, ValueError)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),  # half up, not banker's rounding
        ("-2.675", "-2.68"),
        ("-0.004", "0.00"),
        ("12345.6789", "12345.68"),
    ],
)
def test_quantize_half_up(raw, expected):
    assert str(quantize(Decimal(raw))) == expected


def test_quantize_refuses_nan_and_non_decimal():
    with pytest.raises(MoneyError):
        quantize(Decimal("NaN"))
    with pytest.raises(TypeError):
        quantize(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234567.89"), "¥1,234,567.89"),
        (Decimal("0"), "¥0.00"),
        (Decimal("0.5"), "¥0.50"),
        (Decimal("999.999"), "¥1,000.00"),
        (Decimal("-1234.5"), "-¥1,234.50"),
        (Decimal("9999999999999999.99"), "¥9,999,999,999,999,999.99"),
        ("1000", "¥1,000.00"),
        (12, "¥12.00"),
    ],
)
def test_format_yuan(value, expected):
    assert format_yuan(value) == expected


def test_money_str():
    assert money_str(Decimal("5")) == "5.00"
    assert money_str(Decimal("-0.1")) == "-0.10"
    assert money_str(Decimal("1E+3")) == "1000.00"


class Payment(BaseModel):
    amount: Money
    balance: NonNegativeMoney
    repaid: PositiveMoney


def test_model_round_trip_json():
    p = Payment.model_validate_json('{"amount": "-12.5", "balance": 0, "repaid": "1234.50"}')
    assert p.amount == Decimal("-12.50") and isinstance(p.amount, Decimal)
    assert p.balance == Decimal("0.00")
    assert p.repaid == Decimal("1234.50")
    dumped = p.model_dump_json()
    assert json.loads(dumped) == {"amount": "-12.50", "balance": "0.00", "repaid": "1234.50"}
    assert Payment.model_validate_json(dumped) == p
    # Python mode keeps Decimals.
    assert p.model_dump() == {"amount": Decimal("-12.50"), "balance": Decimal("0.00"), "repaid": Decimal("1234.50")}
    assert p.model_dump(mode="json")["repaid"] == "1234.50"


def test_model_python_input():
    p = Payment(amount=Decimal("3"), balance=7, repaid="0.01")
    assert (p.amount, p.balance, p.repaid) == (Decimal("3.00"), Decimal("7.00"), Decimal("0.01"))


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ('{"amount": 1.5, "balance": "1", "repaid": "1"}', "amount", "不能使用浮点数"),
        ('{"amount": 1.0, "balance": "1", "repaid": "1"}', "amount", "不能使用浮点数"),
        ('{"amount": "1.234", "balance": "1", "repaid": "1"}', "amount", "两位小数"),
        ('{"amount": "NaN", "balance": "1", "repaid": "1"}', "amount", "NaN"),
        ('{"amount": null, "balance": "1", "repaid": "1"}', "amount", "不能为空"),
        ('{"amount": true, "balance": "1", "repaid": "1"}', "amount", "不能是布尔值"),
        ('{"amount": [1], "balance": "1", "repaid": "1"}', "amount", "应为字符串、整数或Decimal"),
        ('{"amount": "1", "balance": "-0.01", "repaid": "1"}', "balance", "不能为负数"),
        ('{"amount": "1", "balance": "1", "repaid": "0"}', "repaid", "必须大于零"),
        ('{"amount": "1", "balance": "1", "repaid": "-3"}', "repaid", "必须大于零"),
        ('{"amount": "1", "balance": "1", "repaid": "10000000000000000"}', "repaid", "16位"),
    ],
)
def test_model_validation_errors(payload, field, message):
    with pytest.raises(ValidationError) as info:
        Payment.model_validate_json(payload)
    errors = info.value.errors()
    assert len(errors) == 1
    assert errors[0]["loc"] == (field,)
    assert message in errors[0]["msg"]
    assert errors[0]["type"].startswith("money")


def test_json_schema_is_string_with_pattern():
    for mode in ("validation", "serialization"):
        props = Payment.model_json_schema(mode=mode)["properties"]
        assert props["amount"]["type"] == "string"
        assert props["amount"]["pattern"] == MONEY_PATTERN
        assert props["balance"]["pattern"] == NON_NEGATIVE_PATTERN
        assert props["repaid"]["pattern"] == POSITIVE_PATTERN


@pytest.mark.parametrize(
    ("text", "money", "non_negative", "positive"),
    [
        ("1234.50", True, True, True),
        ("0", True, True, False),
        ("0.00", True, True, False),
        ("000.0", True, True, False),
        ("0.01", True, True, True),
        ("-1", True, False, False),
        ("1.234", False, False, False),
        ("1e3", False, False, False),
        ("12345678901234567", False, False, False),
    ],
)
def test_schema_patterns_agree_with_the_validators(text, money, non_negative, positive):
    # The SPA validates forms with these patterns; they must say what the server says.
    assert bool(re.match(MONEY_PATTERN, text)) is money
    assert bool(re.match(NON_NEGATIVE_PATTERN, text)) is non_negative
    assert bool(re.match(POSITIVE_PATTERN, text)) is positive
    for annotated, expected in ((Money, money), (NonNegativeMoney, non_negative), (PositiveMoney, positive)):
        adapter = TypeAdapter(annotated)
        try:
            adapter.validate_python(text)
            ok = True
        except ValidationError:
            ok = False
        assert ok is expected, (annotated, text)


_amounts = st.decimals(
    min_value=Decimal("-9999999999999999.99"), max_value=Decimal("9999999999999999.99"), places=2, allow_nan=False
)


@given(_amounts)
def test_wire_form_round_trips(amount):
    text = money_str(amount)
    assert re.match(MONEY_PATTERN, text)
    assert parse_money(text) == amount
    adapter = TypeAdapter(Money)
    assert adapter.validate_json(adapter.dump_json(amount)) == amount


@given(_amounts)
def test_format_yuan_keeps_the_digits(amount):
    shown = format_yuan(amount)
    assert parse_money(shown.replace("¥", "").replace(",", "")) == amount

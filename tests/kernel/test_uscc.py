import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qq_kernel.uscc import (
    ALPHABET,
    INSTITUTION_TYPES,
    WEIGHTS,
    UsccError,
    make_uscc,
    org_code_check_char,
    random_uscc,
    uscc_check_char,
    validate_uscc,
)

# Codes published on business licences of well-known companies (check characters verified by hand).
PUBLISHED = ["91440300708461136T", "914403001922038216", "91110000802100433B"]


def test_weights_are_powers_of_three_mod_31():
    assert list(WEIGHTS) == [pow(3, i, 31) for i in range(17)]
    assert len(ALPHABET) == 31 and not set("IOZSV") & set(ALPHABET)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_validate(code):
    assert validate_uscc(code) == code
    assert uscc_check_char(code[:17]) == code[17]
    assert org_code_check_char(code[8:16]) == code[16]


def test_org_code_check_char_known_values():
    # 70846113-6 and 19220382-1 are the organisation codes inside the first two published codes.
    assert org_code_check_char("70846113") == "6"
    assert org_code_check_char("19220382") == "1"
    # 11 - (sum mod 11) == 10 gives X, == 11 gives 0.
    assert org_code_check_char(_org_body_with_check("X")) == "X"
    assert org_code_check_char(_org_body_with_check("0")) == "0"


def _org_body_with_check(target: str) -> str:
    for n in range(10_000_000, 10_100_000):
        if org_code_check_char(str(n)) == target:
            return str(n)
    raise AssertionError("no body found")


def test_normalisation_strip_upper_and_full_width():
    assert validate_uscc("  91440300708461136t\n") == "91440300708461136T"
    full_width = "９１４４０３００７０８４６１１３６Ｔ"
    assert validate_uscc(full_width) == "91440300708461136T"


@pytest.mark.parametrize(
    "head",
    [a + k for a, kinds in INSTITUTION_TYPES.items() for k in kinds],
)
def test_every_authority_type_pair_of_the_table_is_accepted(head):
    code = make_uscc(head + "441200" + "MA5F0K3P")
    assert validate_uscc(code) == code


def test_make_uscc_examples():
    code = make_uscc("91440101MA59XXXX")
    assert code == "91440101MA59XXXX4W"
    # A 17-character prefix keeps its organisation code check character.
    assert make_uscc("91440300708461136") == "91440300708461136T"
    assert make_uscc("12441200007000000"[:16]) == "12441200007000003F"


def test_make_uscc_refuses_bad_prefixes():
    with pytest.raises(UsccError, match="前16位或17位"):
        make_uscc("9144")
    with pytest.raises(UsccError, match="组织机构代码校验码"):
        make_uscc("91440300708461137")
    with pytest.raises(UsccError, match="非法字符“O”"):
        make_uscc("91440101MA59XXXO")
    with pytest.raises(UsccError, match="机构类别代码"):
        make_uscc("94440101MA59XXXX")


def test_random_uscc_is_reproducible_and_valid():
    a = [random_uscc(random.Random(7)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    rng = random.Random(42)
    for _ in range(200):
        code = random_uscc(rng, head="12", division="445300")
        assert validate_uscc(code) == code and code.startswith("12445300")


@pytest.mark.parametrize(
    ("code", "error_code", "message"),
    [
        ("", "length", "不能为空"),
        ("   ", "length", "不能为空"),
        ("9144030070846113", "length", "长度应为18位，实际为16位"),
        ("91440300708461136TX", "length", "长度应为18位，实际为19位"),
        ("91440300708461I36T", "charset", "第15位含非法字符“I”"),
        ("9144O300708461136T", "charset", "第5位含非法字符“O”"),
        ("91440300-08461136T", "charset", "第9位含非法字符“-”"),
        ("914403007084611统6T", "charset", "第16位含非法字符“统”"),
        ("B1440300708461136T", "authority", "登记管理部门代码“B”不存在"),
        ("94440300708461136T", "institution_type", "机构类别代码“4”与登记管理部门“工商”（9）不匹配，应为1、2、3之一"),
        ("Y2440300708461136T", "institution_type", "应为1之一"),
        ("9144A300708461136T", "division", "第3-8位行政区划码应为数字，第5位为“A”"),
        ("91440300708461137T", "org_check", "组织机构代码校验码应为“6”，实际为“7”"),
        ("91440300708461136U", "check", "校验码应为“T”，实际为“U”"),
    ],
)
def test_failures_say_why(code, error_code, message):
    with pytest.raises(UsccError) as info:
        validate_uscc(code)
    assert info.value.code == error_code
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_error_positions():
    with pytest.raises(UsccError) as info:
        validate_uscc("91440300708461136U")
    assert info.value.position == 18
    with pytest.raises(UsccError) as info:
        validate_uscc("91440300708461I36T")
    assert info.value.position == 15


def test_non_string_is_refused():
    with pytest.raises(UsccError, match="应为文本"):
        validate_uscc(914403007084611360)  # type: ignore[arg-type]


def test_check_char_input_errors():
    with pytest.raises(UsccError, match="前17位"):
        uscc_check_char("9144")
    with pytest.raises(UsccError, match="非法字符“S”"):
        uscc_check_char("9144030070846113S")


_heads = st.sampled_from([a + k for a, kinds in INSTITUTION_TYPES.items() for k in kinds])
_divisions = st.text(alphabet="0123456789", min_size=6, max_size=6)
_bodies = st.text(alphabet=ALPHABET, min_size=8, max_size=8)


@st.composite
def valid_codes(draw) -> str:
    return make_uscc(draw(_heads) + draw(_divisions) + draw(_bodies))


@given(valid_codes())
def test_generated_codes_validate(code):
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code


# Any substitution anywhere (to a digit or capital letter, allowed or not) must be caught: the
# modulus-31 check changes with every single substitution because 31 is prime and no weight is 0.
@given(valid_codes(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
def test_single_character_mutation_fails(code, index, replacement):
    if code[index] == replacement:
        return
    mutated = code[:index] + replacement + code[index + 1 :]
    with pytest.raises(UsccError):
        validate_uscc(mutated)


@given(valid_codes(), st.integers(min_value=0, max_value=16))
def test_adjacent_transposition_of_distinct_chars_fails(code, index):
    a, b = code[index], code[index + 1]
    if a == b:
        return
    swapped = code[:index] + b + a + code[index + 2 :]
    with pytest.raises(UsccError):
        validate_uscc(swapped)

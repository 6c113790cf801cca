import pytest
from hypothesis import given
from hypothesis import strategies as st

from qq_kernel.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 13812345678 ", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+8613812345678", "+86 138****5678"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("8613812345678", "+86 138****5678"),
        ("0759-4812345", "0759-***2345"),
        ("0759-48123456", "0759-****3456"),
        ("010-12345678", "010-****5678"),
        ("(0759)4812345", "(0759)***2345"),
        ("0759 4812345", "0759 ***2345"),
        ("07594812345", "0759***2345"),
        ("010-12345678-801", "010-****5678-801"),
        ("010-12345678转801", "010-****5678转801"),
        ("12345", "*2345"),
        ("1234", "****"),
        ("abc", "***"),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_phone_passes_empty_through():
    assert mask_phone(None) is None
    assert mask_phone("") == ""


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_mask_hides_the_middle(phone):
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert len(masked) == 11 and masked.count("*") == 4


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张**"),
        ("李四", "李*"),
        ("欧阳娜娜", "欧***"),
        (" 王五 ", "王*"),
        ("阿依古丽·买买提", "阿***·***"),
        ("John Smith", "J*** *****"),
        ("张", "*"),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_name_passes_empty_through():
    assert mask_name(None) is None
    assert mask_name("") == ""


@given(st.text(alphabet="赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨", min_size=2, max_size=6))
def test_name_mask_shows_only_the_first_character(name):
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert masked[0] == name[0]
    assert set(masked[1:]) == {"*"}


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("110101199003071234", "110***********1234"),
        ("44010119900307123x", "440***********123X"),
        ("110101900307123", "11**********123"),
        ("E12345678", "E******78"),
        ("1234567", "1****67"),
        ("123456", "******"),
        ("12", "**"),
    ],
)
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked


def test_mask_id_number_passes_empty_through():
    assert mask_id_number(None) is None
    assert mask_id_number("") == ""


@given(st.from_regex(r"[1-6][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9])[0-9]{3}[0-9X]", fullmatch=True))
def test_id_mask_never_shows_the_birth_date(number):
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[6:14] == "********"
    assert masked[-4:] == number[-4:]

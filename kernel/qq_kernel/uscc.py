"""Unified social credit code (统一社会信用代码) per GB 32100-2015 (with amendment XG1-2016).

Layout of the 18 characters::

    1      登记管理部门代码 (registration authority)
    2      机构类别代码 (institution type, meaningful only together with position 1)
    3-8    登记管理机关行政区划码 (GB/T 2260 division code, digits)
    9-17   主体标识码 = 组织机构代码 (GB 11714: 8 body characters + its own check character)
    18     校验码 (GB/T 17710 style, modulus 31)

Every character comes from a 31-character alphabet: digits and capital letters without I, O, Z, S, V
(they are too easily confused with 1, 0, 2, 5, U).
"""

from __future__ import annotations

import random
import unicodedata

__all__ = [
    "ALPHABET",
    "AUTHORITY_NAMES",
    "INSTITUTION_TYPES",
    "WEIGHTS",
    "UsccError",
    "make_uscc",
    "normalise",
    "org_code_check_char",
    "random_uscc",
    "uscc_check_char",
    "validate_uscc",
]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# 3^i mod 31 for i = 0..16, as printed in the standard.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_EXCLUDED = "IOZSV"

# GB 11714 organisation code: weights of the 8 body characters; letters count A=10 … Z=35.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Table of the standard (as amended): registration authority → its institution type codes.
INSTITUTION_TYPES: dict[str, dict[str, str]] = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},  # 机构编制
    "2": {"1": "外国常住新闻机构", "9": "其他"},  # 外交
    "3": {
        "1": "律师执业机构",
        "2": "公证处",
        "3": "基层法律服务所",
        "4": "司法鉴定机构",
        "5": "仲裁委员会",
        "9": "其他",
    },  # 司法行政
    "4": {"1": "外国在华文化中心", "9": "其他"},  # 文化
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},  # 民政
    "6": {
        "1": "外国旅游部门常驻代表机构",
        "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
        "9": "其他",
    },  # 旅游
    "7": {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},  # 宗教
    "8": {"1": "基层工会", "9": "其他"},  # 工会
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},  # 工商（市场监管）
    "A": {"1": "军队事业单位", "9": "其他"},  # 中央军委改革和编制办公室
    "N": {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},  # 农业
    "Y": {"1": "其他"},  # 其他登记管理部门，不再细分
}

AUTHORITY_NAMES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}


class UsccError(ValueError):
    """An invalid credit code. ``str(err)`` is a Chinese sentence for the user; ``code`` is a stable
    machine code (length, charset, authority, institution_type, division, org_check, check) and
    ``position`` the 1-based offending position, when there is one."""

    def __init__(self, message: str, *, code: str, position: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.position = position


def _org_char_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    return ord(ch) - ord("A") + 10


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body (positions 9-16)."""
    if len(body8) != 8 or not all(c in _VALUE for c in body8):
        raise UsccError("组织机构代码本体应为8位数字或大写字母", code="org_check")
    total = sum(_org_char_value(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 (which must use the code's alphabet)."""
    if len(first17) != 17:
        raise UsccError(f"计算校验码需要前17位，实际为{len(first17)}位", code="length")
    for i, ch in enumerate(first17, start=1):
        if ch not in _VALUE:
            raise UsccError(_bad_char_message(i, ch), code="charset", position=i)
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _bad_char_message(position: int, ch: str) -> str:
    if ch in _EXCLUDED:
        return f"统一社会信用代码第{position}位含非法字符“{ch}”（代码不使用字母I、O、Z、S、V）"
    return f"统一社会信用代码第{position}位含非法字符“{ch}”（只能是数字或大写字母）"


def normalise(code: str) -> str:
    # NFKC turns full-width input (９１４４…, common when pasted from Word or WPS) into ASCII.
    return unicodedata.normalize("NFKC", code).strip().upper()


def validate_uscc(code: str) -> str:
    """Return the normalised code (trimmed, upper-case, full-width folded) or raise UsccError."""
    if not isinstance(code, str):
        raise UsccError("统一社会信用代码应为文本", code="type")
    value = normalise(code)
    if not value:
        raise UsccError("统一社会信用代码不能为空", code="length")
    if len(value) != 18:
        raise UsccError(f"统一社会信用代码长度应为18位，实际为{len(value)}位", code="length")
    for i, ch in enumerate(value, start=1):
        if ch not in _VALUE:
            raise UsccError(_bad_char_message(i, ch), code="charset", position=i)

    authority, kind = value[0], value[1]
    types = INSTITUTION_TYPES.get(authority)
    if types is None:
        raise UsccError(f"统一社会信用代码第1位登记管理部门代码“{authority}”不存在", code="authority", position=1)
    if kind not in types:
        allowed = "、".join(types)
        raise UsccError(
            f"统一社会信用代码第2位机构类别代码“{kind}”与登记管理部门“{AUTHORITY_NAMES[authority]}”"
            f"（{authority}）不匹配，应为{allowed}之一",
            code="institution_type",
            position=2,
        )

    division = value[2:8]
    if not division.isdigit():
        pos = next(i for i, ch in enumerate(division, start=3) if not ch.isdigit())
        raise UsccError(
            f"统一社会信用代码第3-8位行政区划码应为数字，第{pos}位为“{value[pos - 1]}”",
            code="division",
            position=pos,
        )

    org_expected = org_code_check_char(value[8:16])
    if value[16] != org_expected:
        raise UsccError(
            f"统一社会信用代码第9-17位组织机构代码校验码应为“{org_expected}”，实际为“{value[16]}”",
            code="org_check",
            position=17,
        )

    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        raise UsccError(f"统一社会信用代码校验码应为“{expected}”，实际为“{value[17]}”", code="check", position=18)
    return value


def make_uscc(prefix: str) -> str:
    """Complete a code: 16 characters (authority, type, division, organisation body) get both check
    characters; 17 characters (organisation code already complete) get the final one. The result is
    validated, so a prefix with a bad authority/type pair or division is refused."""
    value = normalise(prefix)
    if len(value) == 16:
        for i, ch in enumerate(value, start=1):
            if ch not in _VALUE:
                raise UsccError(_bad_char_message(i, ch), code="charset", position=i)
        value += org_code_check_char(value[8:16])
    elif len(value) != 17:
        raise UsccError(f"生成统一社会信用代码需要前16位或17位，实际为{len(value)}位", code="length")
    return validate_uscc(value + uscc_check_char(value))


def random_uscc(rng: random.Random, *, head: str = "91", division: str = "441200") -> str:
    """A valid code with a random organisation body, for demo data and benchmarks (seed ``rng``
    for reproducible data). ``head`` is positions 1-2, ``division`` positions 3-8."""
    body = "".join(rng.choice(ALPHABET) for _ in range(8))
    return make_uscc(head + division + body)

"""Masking of personal data in lists and exports (docs/domain.md §5: shown in full only to those who may).

The masks keep just enough for a colleague to tell two records apart or to confirm a number read out
on the phone (the last 4 digits), and never the part that identifies a person on its own.
Functions take ``None``/empty and give it back, so they can be applied to optional columns blindly.
"""

from __future__ import annotations

import re
from typing import overload

__all__ = ["mask_id_number", "mask_name", "mask_phone"]

_MOBILE = re.compile(r"^(?:(\+?86)[\s-]?)?(1\d{2})[\s-]?(\d{4})[\s-]?(\d{4})$")
# Landline: area code (0 + 2-3 digits), local number of 7-8 digits, optional extension.
_LANDLINE = re.compile(r"^(\(?0\d{2,3}\)?)([\s-]?)(\d{7,8})(?:([\s-]|转|ext\.?)(\d{1,6}))?$", re.IGNORECASE)
_NAME_SEPARATORS = frozenset("·•・. ")


def _mask_tail(text: str, keep: int) -> str:
    """Stars for all but the last ``keep`` characters."""
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]


@overload
def mask_phone(phone: str) -> str: ...
@overload
def mask_phone(phone: None) -> None: ...
def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` → ``138****5678``; ``0759-4812345`` → ``0759-***2345``.

    Anything else keeps only its last 4 characters (all stars when it is that short)."""
    if not phone:
        return phone
    text = phone.strip()
    m = _MOBILE.match(text)
    if m:
        country = f"+{m.group(1).lstrip('+')} " if m.group(1) else ""
        return f"{country}{m.group(2)}****{m.group(4)}"
    m = _LANDLINE.match(text)
    if m:
        area, sep, local, ext_sep, ext = m.groups()
        masked = f"{area}{sep}{_mask_tail(local, 4)}"
        # The extension identifies a desk, not a person, and helps the caller reach it.
        return masked + (f"{ext_sep}{ext}" if ext else "")
    return _mask_tail(text, 4) if len(text) > 4 else "*" * len(text)


@overload
def mask_name(name: str) -> str: ...
@overload
def mask_name(name: None) -> None: ...
def mask_name(name: str | None) -> str | None:
    """``张三丰`` → ``张**``, ``李四`` → ``李*``: the first character and the length stay.

    Separators in names of ethnic minorities (``·``) and in Latin names stay too. A one-character
    name is masked whole, otherwise nothing would be hidden."""
    if not name:
        return name
    text = name.strip()
    if len(text) <= 1:
        return "*" * len(text)
    return text[0] + "".join(ch if ch in _NAME_SEPARATORS else "*" for ch in text[1:])


@overload
def mask_id_number(number: str) -> str: ...
@overload
def mask_id_number(number: None) -> None: ...
def mask_id_number(number: str | None) -> str | None:
    """Resident identity card and other document numbers.

    18-digit card ``110101199003071234`` → ``110***********1234``: the province/city prefix (3 chars)
    and the last 4 stay; the birth date (positions 7-14) never shows. Shorter documents (passports,
    15-digit old cards) keep their first and last 2-3 characters; 6 characters or fewer become all
    stars."""
    if not number:
        return number
    text = number.strip().upper()
    n = len(text)
    if n <= 6:
        return "*" * n
    if n >= 16:
        head, tail = 3, 4
    elif n >= 10:
        head, tail = 2, 3
    else:
        head, tail = 1, 2
    return text[:head] + "*" * (n - head - tail) + text[-tail:]

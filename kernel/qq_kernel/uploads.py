"""An evidence upload read, checked and turned into problem details the same way in every
service (qq_kernel.files decides what is acceptable; this is how a route says no)."""

from __future__ import annotations

import re

from fastapi import UploadFile

from qq_kernel.files import MAX_EVIDENCE_BYTES, FileKind, FileRejected, FileTooLarge, LimitedRead, read_limited, sniff
from qq_kernel.problems import ProblemError, field_error
from qq_kernel.text import forbidden_character

# Bidirectional embeddings, overrides and isolates: they make "invoice\u202efdp.exe" read as
# "invoiceexe.pdf" in a list; a file name never needs them, so they are dropped, not refused.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def upload_filename(file: UploadFile, *, field: str = "file") -> str | None:
    """The multipart file name, which TextInputMiddleware (path, query, JSON) never sees: a
    control character is refused like everywhere else (422 naming the field), bidi controls
    are stripped."""
    name = file.filename
    if name is None:
        return None
    bad = forbidden_character(name)
    if bad:
        raise field_error(field, f"文件名包含不允许的控制字符（{bad}）", "control_character")
    return _BIDI_CONTROLS.sub("", name) or None


async def read_evidence(
    file: UploadFile, *, field: str = "file", limit: int = MAX_EVIDENCE_BYTES
) -> tuple[LimitedRead, FileKind]:
    """422 for a file name with control characters or an empty file, 413 when too large, 415
    when not an accepted kind, each naming the field. ``file.filename`` is left cleaned (see
    :func:`upload_filename`) for the caller to store."""
    file.filename = upload_filename(file, field=field)
    try:
        read = await read_limited(file, limit)
        if read.size == 0:
            # Nothing was sent: a missing value (422 naming the field), not a file of a wrong type.
            raise field_error(field, "文件为空，请选择要上传的文件", "empty")
        return read, sniff(read.data)
    except FileTooLarge as exc:
        raise ProblemError(
            413,
            code="file_too_large",
            detail=str(exc),
            errors=[{"field": field, "message": str(exc), "code": "too_large"}],
        ) from exc
    except FileRejected as exc:
        raise ProblemError(
            415,
            code="file_type_rejected",
            detail=str(exc),
            errors=[{"field": field, "message": str(exc), "code": exc.code}],
        ) from exc

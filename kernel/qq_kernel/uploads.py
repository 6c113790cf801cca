"""An evidence upload read, checked and turned into problem details the same way in every
service (qq_kernel.files decides what is acceptable; this is how a route says no)."""

from __future__ import annotations

from fastapi import UploadFile

from qq_kernel.files import MAX_EVIDENCE_BYTES, FileKind, FileRejected, FileTooLarge, LimitedRead, read_limited, sniff
from qq_kernel.problems import ProblemError


async def read_evidence(
    file: UploadFile, *, field: str = "file", limit: int = MAX_EVIDENCE_BYTES
) -> tuple[LimitedRead, FileKind]:
    """413 when too large, 415 when not an accepted kind, each naming the field."""
    try:
        read = await read_limited(file, limit)
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

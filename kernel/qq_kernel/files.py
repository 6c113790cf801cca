"""Evidence files (佐证材料: bank receipts, confirmations, agreements): what we accept and how we read it.

The kind is decided by the bytes, never by the file name or the client's Content-Type: both are
whatever the uploader says they are. Office files are ZIP containers, so for those we look inside
at the entry names; anything carrying macros is refused, as is any ZIP we cannot classify.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from enum import Enum
from typing import NamedTuple, Protocol
from urllib.parse import quote

from starlette.responses import Response

__all__ = [
    "ACCEPTED_KINDS_TEXT",
    "MAX_EVIDENCE_BYTES",
    "FileKind",
    "FileRejected",
    "FileTooLarge",
    "LimitedRead",
    "read_limited",
    "sniff",
]

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
_CHUNK = 64 * 1024
# [Content_Types].xml is a few KB; reading more of it would only serve a ZIP bomb.
_CONTENT_TYPES_READ_LIMIT = 1024 * 1024


class FileKind(Enum):
    PDF = ("application/pdf", "pdf", "PDF")
    JPEG = ("image/jpeg", "jpg", "JPG图片")
    PNG = ("image/png", "png", "PNG图片")
    OFD = ("application/ofd", "ofd", "OFD版式文件")
    XLSX = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel表格（.xlsx）")
    DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word文档（.docx）")

    @property
    def media_type(self) -> str:
        return self.value[0]

    @property
    def extension(self) -> str:
        """Without the dot, lower case."""
        return self.value[1]

    @property
    def label(self) -> str:
        """How the kind is called in the UI."""
        return self.value[2]


ACCEPTED_KINDS_TEXT = "PDF、JPG、PNG、OFD、XLSX、DOCX"


class FileRejected(ValueError):
    """The upload is not an acceptable evidence file; the message is Chinese, for the user.
    ``code`` is stable for machines: empty, unsupported, macro, corrupt, too_large."""

    def __init__(self, message: str, *, code: str = "unsupported") -> None:
        super().__init__(message)
        self.code = code


class FileTooLarge(FileRejected):
    def __init__(self, limit: int) -> None:
        super().__init__(f"文件超过大小上限（{_human_size(limit)}）", code="too_large")
        self.limit = limit


def _human_size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n} 字节"


def _unsupported(detail: str) -> FileRejected:
    return FileRejected(f"不支持的文件类型：{detail}。佐证材料仅接受{ACCEPTED_KINDS_TEXT}格式", code="unsupported")


_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_PDF = b"%PDF-"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls, and encrypted .docx/.xlsx


def sniff(data: bytes) -> FileKind:
    """The kind of an evidence file judged by its content, or FileRejected."""
    if not data:
        raise FileRejected("文件为空", code="empty")
    head = bytes(data[:8])
    if head.startswith(_PDF):
        return FileKind.PDF
    if head.startswith(_PNG):
        return FileKind.PNG
    if head.startswith(_JPEG):
        return FileKind.JPEG
    if head.startswith(_ZIP):
        return _sniff_zip(data)
    if head.startswith(_OLE):
        raise _unsupported("旧版Office文档（.doc/.xls）或加密的Office文档，请另存为.docx/.xlsx或PDF后上传")
    if head.startswith(b"MZ"):
        raise _unsupported("可执行程序")
    raise _unsupported("无法识别的文件内容")


def _sniff_zip(data: bytes) -> FileKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            content_types = _read_content_types(zf) if "[Content_Types].xml" in names else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise FileRejected("文件已损坏或无法读取，请检查后重新上传", code="corrupt") from exc

    lowered = [n.lower() for n in names]
    # vbaProject.bin holds VBA macros (xlsm/docm, or an xlsx renamed from one); the content type
    # check catches a macro workbook whose VBA part was moved or renamed.
    if any(n.rsplit("/", 1)[-1] == "vbaproject.bin" for n in lowered) or (
        content_types is not None and b"macroenabled" in content_types.lower()
    ):
        raise FileRejected("文件含有宏，出于安全考虑不予接收，请另存为不含宏的.xlsx/.docx或PDF后上传", code="macro")

    candidates: list[FileKind] = []
    if "OFD.xml" in names:
        candidates.append(FileKind.OFD)
    if content_types is not None:
        if any(n.startswith("xl/") for n in names):
            candidates.append(FileKind.XLSX)
        if any(n.startswith("word/") for n in names):
            candidates.append(FileKind.DOCX)
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        # A file that passes for two formats at once is built to confuse a viewer; refuse it.
        raise _unsupported("文件同时具有多种格式的特征")
    if content_types is not None and any(n.startswith("ppt/") for n in names):
        raise _unsupported("PowerPoint演示文稿")
    raise _unsupported("普通压缩包或无法识别的压缩文件")


def _read_content_types(zf: zipfile.ZipFile) -> bytes:
    with zf.open("[Content_Types].xml") as fh:
        return fh.read(_CONTENT_TYPES_READ_LIMIT)


class AsyncReadable(Protocol):
    """What read_limited needs of an upload: Starlette's UploadFile fits."""

    async def read(self, size: int = -1) -> bytes: ...


class LimitedRead(NamedTuple):
    data: bytes
    sha256: str
    size: int


async def read_limited(
    upload: AsyncReadable, limit: int = MAX_EVIDENCE_BYTES, *, chunk_size: int = _CHUNK
) -> LimitedRead:
    """Read an upload in chunks, hashing as it goes; raise FileTooLarge as soon as more than
    ``limit`` bytes arrive, so an oversized upload is never held in memory whole."""
    if limit < 0 or chunk_size <= 0:
        raise ValueError("limit must be >= 0 and chunk_size > 0")
    digest = hashlib.sha256()
    buffer = bytearray()
    while True:
        # Ask for at most one byte past the limit: that byte alone proves the file is too large.
        chunk = await upload.read(min(chunk_size, limit + 1 - len(buffer)))
        if not chunk:
            break
        buffer += chunk
        if len(buffer) > limit:
            raise FileTooLarge(limit)
        digest.update(chunk)
    return LimitedRead(bytes(buffer), digest.hexdigest(), len(buffer))


def file_response(
    content: bytes, *, media_type: str, filename: str, inline: bool = False, etag: str | None = None
) -> Response:
    """A stored or generated file as a download: a UTF-8 file name (RFC 6266/5987, Chinese names
    intact), never sniffed by the browser into another type."""
    headers = {
        "Content-Disposition": f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff",
    }
    if etag:
        headers["ETag"] = f'"{etag}"'
    return Response(content, media_type=media_type, headers=headers)

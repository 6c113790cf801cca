import hashlib
import io
import struct
import tempfile
import zipfile
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import UploadFile

from qq_kernel.files import MAX_EVIDENCE_BYTES, FileKind, FileRejected, FileTooLarge, read_limited, sniff

# --- real files, built in memory -----------------------------------------------------------------

PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))  # 1x1 grey
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    + _png_chunk(b"IEND", b"")
)

# SOI, a JFIF APP0 segment and EOI: the start of every camera or scanner JPEG.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

CONTENT_TYPES = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
</Types>"""

MACRO_CONTENT_TYPES = CONTENT_TYPES.replace(
    b"vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", b"vnd.ms-excel.sheet.macroEnabled.main+xml"
)


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def xlsx(**extra: bytes) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"<worksheet/>",
            **extra,
        }
    )


def docx(**extra: bytes) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": CONTENT_TYPES.replace(b"/xl/workbook.xml", b"/word/document.xml"),
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document/>",
            **extra,
        }
    )


OFD = _zip(
    {
        "OFD.xml": b'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" '
        b'Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
        b"</ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": b"<ofd:Document/>",
        "Doc_0/Pages/Page_0/Content.xml": b"<ofd:Page/>",
    }
)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF, FileKind.PDF),
        (PNG, FileKind.PNG),
        (JPEG, FileKind.JPEG),
        (OFD, FileKind.OFD),
        (xlsx(), FileKind.XLSX),
        (docx(), FileKind.DOCX),
        (bytearray(PDF), FileKind.PDF),
        (memoryview(PNG), FileKind.PNG),
    ],
)
def test_sniff_accepts(data, kind):
    assert sniff(data) is kind


def test_kind_metadata():
    assert FileKind.PDF.media_type == "application/pdf" and FileKind.PDF.extension == "pdf"
    assert FileKind.JPEG.media_type == "image/jpeg" and FileKind.JPEG.extension == "jpg"
    assert FileKind.PNG.media_type == "image/png" and FileKind.PNG.extension == "png"
    assert FileKind.OFD.media_type == "application/ofd" and FileKind.OFD.extension == "ofd"
    assert FileKind.XLSX.extension == "xlsx" and FileKind.XLSX.media_type.endswith("spreadsheetml.sheet")
    assert FileKind.DOCX.extension == "docx" and FileKind.DOCX.media_type.endswith("wordprocessingml.document")
    assert all(k.label for k in FileKind)


# A Windows executable starts with "MZ"; renaming it to .pdf changes nothing we look at.
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode."
)


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"", "empty", "文件为空"),
        (EXE, "unsupported", "可执行程序"),
        (b"hello, this is plain text", "unsupported", "无法识别"),
        (b"<html><body>%PDF-1.4</body></html>", "unsupported", "无法识别"),  # PDF header not at the start
        (b"GIF89a\x01\x00\x01\x00", "unsupported", "不支持的文件类型"),
        (_zip({"readme.txt": b"hi", "photo.jpg": JPEG}), "unsupported", "普通压缩包"),
        (_zip({}), "unsupported", "不支持的文件类型"),  # empty archive: end-of-central-directory only
        (_zip({"xl/workbook.xml": b"<workbook/>"}), "unsupported", "普通压缩包"),  # no [Content_Types].xml
        (xlsx(**{"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "macro", "含有宏"),
        (docx(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "macro", "含有宏"),
        (
            _zip({"[Content_Types].xml": MACRO_CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"}),
            "macro",
            "含有宏",
        ),
        (xlsx(**{"word/document.xml": b"<w:document/>"}), "unsupported", "多种格式"),
        (
            _zip({"[Content_Types].xml": CONTENT_TYPES, "ppt/presentation.xml": b"<p/>"}),
            "unsupported",
            "PowerPoint",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "unsupported", "旧版Office"),
        (xlsx()[:200], "corrupt", "已损坏"),
        (b"PK\x03\x04garbage", "corrupt", "已损坏"),
    ],
)
def test_sniff_rejects(data, code, message):
    with pytest.raises(FileRejected) as info:
        sniff(data)
    assert info.value.code == code
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unsupported_message_lists_what_is_accepted():
    with pytest.raises(FileRejected) as info:
        sniff(EXE)
    assert str(info.value).startswith("不支持的文件类型")
    assert "PDF、JPG、PNG、OFD、XLSX、DOCX" in str(info.value)


# Random bytes, and random bytes behind each signature (truncated or garbled files), including
# slices of real archives: sniff either names a kind or refuses, it never raises anything else.
_signatures = st.sampled_from([b"", b"PK\x03\x04", b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"MZ"])
_archive_slices = st.builds(lambda n: xlsx()[:n], st.integers(min_value=0, max_value=len(xlsx())))


@given(st.one_of(st.builds(bytes.__add__, _signatures, st.binary(max_size=256)), _archive_slices))
def test_sniff_never_crashes(data):
    try:
        kind = sniff(data)
    except FileRejected:
        return
    assert isinstance(kind, FileKind)


# --- read_limited ---------------------------------------------------------------------------------


class FakeUpload:
    """Records the sizes asked for, to show the reader never asks for the whole file."""

    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)
        self.requests: list[int] = []

    async def read(self, size: int = -1) -> bytes:
        self.requests.append(size)
        return self._buf.read(size)


async def test_read_limited_reads_in_chunks_and_hashes():
    data = bytes(range(256)) * 1000  # 256 000 bytes
    upload = FakeUpload(data)
    result = await read_limited(upload, limit=300_000, chunk_size=64 * 1024)
    assert result.data == data
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert all(0 < n <= 64 * 1024 for n in upload.requests)
    assert len(upload.requests) == 5  # four full chunks, the rest, then end of file


async def test_read_limited_exactly_at_limit_is_fine():
    data = b"x" * 1000
    result = await read_limited(FakeUpload(data), limit=1000, chunk_size=300)
    assert result.size == 1000


async def test_read_limited_one_byte_over_raises_and_stops_reading():
    upload = FakeUpload(b"x" * 10_000)
    with pytest.raises(FileTooLarge) as info:
        await read_limited(upload, limit=1000, chunk_size=300)
    assert info.value.code == "too_large"
    assert info.value.limit == 1000
    assert "超过大小上限" in str(info.value)
    assert sum(upload.requests) <= 1001  # never more than one byte past the limit


async def test_read_limited_empty():
    result = await read_limited(FakeUpload(b""), limit=10)
    assert result == (b"", hashlib.sha256(b"").hexdigest(), 0)


async def test_read_limited_with_starlette_upload_file():
    with tempfile.SpooledTemporaryFile(max_size=1024) as spool:
        spool.write(PDF * 100)
        spool.seek(0)
        upload = UploadFile(file=spool, filename="回单.pdf")
        result = await read_limited(upload)
    assert result.data == PDF * 100
    assert sniff(result.data) is FileKind.PDF


async def test_default_limit_is_20_mib():
    assert MAX_EVIDENCE_BYTES == 20 * 1024 * 1024
    with pytest.raises(FileTooLarge, match="20 MB"):
        await read_limited(FakeUpload(b"\0" * (MAX_EVIDENCE_BYTES + 1)))


async def test_read_limited_argument_checks():
    with pytest.raises(ValueError):
        await read_limited(FakeUpload(b""), limit=-1)
    with pytest.raises(ValueError):
        await read_limited(FakeUpload(b""), limit=10, chunk_size=0)

"""Reading an uploaded workbook: refuse what is not a plain .xlsx (before any parsing), then turn
a messy sheet into rows of typed cells (the file's own concern: title rows, 万元, dates as serials
or text, full-width characters, separators, stray spaces). What the values *mean* is checked by
the item schemas (bulk.py), never here.

Runs in a worker thread (service.py): nothing here touches the database or the event loop.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from python_calamine import CalamineWorkbook

from ledger_api.transfer.template import BY_KEY, COLUMNS, DISPUTED_LABELS, FORMULA_STARTS, Column, column_letter
from qq_kernel.problems import ProblemError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024  # a 100,000-row template is ~60 MB unpacked
MAX_MEMBER_RATIO = 200  # sheet XML compresses ~10-20×; a bomb compresses ~1000×
MAX_MEMBERS = 2000
HEADER_SEARCH_ROWS = 10
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_EPOCH = date(1899, 12, 30)


def refused(code: str, detail: str) -> ProblemError:
    return ProblemError(422, code=code, title="文件不能导入", detail=detail)


def check_container(content: bytes, filename: str) -> None:
    """Refuse, before parsing anything, what is not a plain .xlsx: another format, a legacy .xls,
    a password-protected workbook (an OLE container holding the encrypted package), macros, or a
    zip bomb (sizes and ratios read from the zip directory, nothing inflated)."""
    name = filename.lower()
    if not content:
        raise refused("file_empty", "文件为空")
    if len(content) > MAX_UPLOAD_BYTES:
        raise refused("file_too_large", f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请拆分后分批导入")
    if content.startswith(CFB_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in content:
            raise refused("file_encrypted", "文件设置了打开密码，请在 Excel 或 WPS 中取消密码后再导入")
        raise refused("file_legacy_xls", "不支持旧版 Excel 97-2003 格式（.xls），请另存为 .xlsx 后再导入")
    if not content.startswith(b"PK\x03\x04"):
        raise refused("file_not_spreadsheet", "文件不是 Excel 表格（.xlsx），请使用标准台账模板")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise refused("file_not_spreadsheet", "文件已损坏或不是 Excel 表格（.xlsx）") from exc
    names = {m.filename for m in members}
    if len(members) > MAX_MEMBERS:
        raise refused("file_zip_bomb", "文件结构异常（压缩包内文件过多），已拒绝")
    total = 0
    for m in members:
        total += m.file_size
        if m.file_size > 1024 * 1024 and m.file_size > MAX_MEMBER_RATIO * max(m.compress_size, 1):
            raise refused("file_zip_bomb", "文件解压后异常膨胀（疑似压缩炸弹），已拒绝")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise refused("file_zip_bomb", "文件解压后过大（疑似压缩炸弹），已拒绝")
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise refused("file_not_spreadsheet", "文件不是 Excel 表格（.xlsx），请使用标准台账模板")
    content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    if (
        name.endswith((".xlsm", ".xltm", ".xlsb"))
        or any(n.lower().endswith("vbaproject.bin") for n in names)
        or b"macroEnabled" in content_types
    ):
        raise refused("file_macros", "文件含宏（VBA），出于安全原因不能导入；请另存为不含宏的 .xlsx 后再导入")
    if "xl/workbook.bin" in names:
        raise refused("file_not_spreadsheet", "不支持二进制工作簿（.xlsb），请另存为 .xlsx 后再导入")


# ---------------------------------------------------------------- cells


def fold(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def clean_text(value: str, *, multiline: bool = False) -> str:
    if value.startswith("'") and value[1:2] in FORMULA_STARTS:
        value = value[1:]  # our export's formula guard
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in value.replace("\r\n", "\n").split("\n")]
        return "\n".join(lines).strip()
    return _SPACES.sub(" ", _BREAKS.sub("", value)).strip()


def normalise_header(value) -> str:
    text = fold(str(value or ""))
    return re.sub(r"[\s*＊]", "", text)


_HEADER_UNIT = re.compile(r"\((万元|元)\)$")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class CellError(ValueError):
    pass


def read_money(value, scale: Decimal) -> str:
    if isinstance(value, bool):
        raise CellError("应为金额数字")
    if isinstance(value, (int, float)):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = fold(str(value)).replace(",", "").replace(" ", "").removeprefix("¥").removesuffix("元")
        if scale != 1:
            text = text.removesuffix("万")
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise CellError(f"金额格式不正确：“{value}”") from exc
        if not amount.is_finite():
            raise CellError(f"金额格式不正确：“{value}”")
    amount = amount * scale
    if amount != amount.quantize(Decimal("0.01")):
        if isinstance(value, float) and scale == 1:
            amount = amount.quantize(Decimal("0.01"))  # a float cell's binary noise (0.1 + 0.2)
        else:
            raise CellError("金额最多精确到分" + ("（万元须至多六位小数）" if scale != 1 else ""))
    return f"{amount.quantize(Decimal('0.01')):f}"


def read_date(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        raise CellError("应为日期")
    if isinstance(value, (int, float)):
        if not 1 <= value < 2958466:
            raise CellError(f"日期不正确：“{value}”")
        return (EXCEL_EPOCH + timedelta(days=int(value))).isoformat()
    text = fold(str(value)).strip()
    match = _DATE_TEXT.match(text)
    if match is None:
        if re.fullmatch(r"\d{5}(\.0+)?", text):  # a serial typed as text
            return read_date(float(text))
        raise CellError(f"日期格式不正确：“{value}”，应如 2024-01-16、2024/1/16 或 2024年1月16日")
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError as exc:
        raise CellError(f"日期不存在：“{value}”") from exc


def read_choice(value, column: Column) -> str:
    text = fold(str(value)).strip()
    labels = {fold(label): code for code, label in column.choices.items()}
    if text in labels:
        return labels[text]
    if text in column.choices:  # the code itself (a script's file)
        return text
    raise CellError(f"“{value}”不在可选范围内，应为：{'、'.join(column.choices.values())}")


_BOOL = {fold(v): k for k, v in DISPUTED_LABELS.items()} | {"是": True, "否": False, "有": True, "无": False}


def read_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = fold(str(value)).strip()
    if text in _BOOL:
        return _BOOL[text]
    raise CellError(f"“{value}”应为 有分歧 或 无分歧")


def read_cell(value, column: Column, scale: Decimal):
    """A cell → the API's value (str for text, codes, money and dates; bool; None if empty)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = clean_text(value, multiline=column.multiline)
        if value == "":
            return None
    if column.kind == "money":
        return read_money(value, scale)
    if column.kind == "date":
        return read_date(value)
    if column.kind == "enum":
        return read_choice(value, column)
    if column.kind == "bool":
        return read_bool(value)
    if column.kind == "rate":
        if isinstance(value, (int, float)):
            return format(Decimal(repr(value)).normalize(), "f")
        return fold(value).replace(" ", "")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed into a number cell
    text = str(value)
    return fold(text).replace(" ", "").upper() if column.kind == "code" else text


@dataclass
class SheetRow:
    number: int  # 1-based, as the spreadsheet shows it
    values: dict = field(default_factory=dict)  # column key -> API value
    errors: list = field(default_factory=list)  # (column key, message)
    bad: dict = field(default_factory=dict)  # column key -> the cell as found, where it could not be read


@dataclass
class ParsedSheet:
    sheet: str
    header_row: int
    columns: dict  # column key -> letter
    rows: list[SheetRow]
    present: frozenset  # keys of the columns the sheet has


def _find_header(rows: list[list]) -> tuple[int, dict[int, tuple[Column, Decimal]]] | None:
    by_header = {normalise_header(c.header): c for c in COLUMNS}
    best = None
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[int, tuple[Column, Decimal]] = {}
        for i, cell in enumerate(row):
            text = normalise_header(cell)
            scale = Decimal(1)
            unit = _HEADER_UNIT.search(text)
            if unit:
                scale = Decimal(10000) if unit[1] == "万元" else Decimal(1)
                text = text[: unit.start()]
            column = by_header.get(text)
            if column is not None and all(c is not column for c, _ in found.values()):
                found[i] = (column, scale)
        required = sum(1 for c, _ in found.values() if c.required)
        if required >= 3 and (best is None or len(found) > len(best[1])):
            best = (r, found)
    return best


def parse_workbook(content: bytes, progress=None) -> ParsedSheet:
    """The first sheet that has the template's header (within its first rows) → rows. Empty rows
    (trailing ones, spacers) are skipped. ``progress(rows_read)`` is called now and then."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as exc:  # calamine's errors are of its own types
        raise refused("file_unreadable", f"无法读取该 Excel 文件：{str(exc)[:200]}") from exc
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        if sheet.start is None:
            continue
        # iter_rows begins at the first used cell: offsets give the numbers the spreadsheet shows.
        r0, c0 = sheet.start
        head = []
        for row in sheet.iter_rows():
            head.append(row)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        found = _find_header(head)
        if found is None:
            continue
        header_row, columns = found
        rows: list[SheetRow] = []
        for r, row in enumerate(sheet.iter_rows()):
            if r <= header_row:
                continue
            if progress and r % 5000 == 0:
                progress(r - header_row)
            if all(v is None or v == "" or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            out = SheetRow(number=r0 + r + 1)
            for i, (column, scale) in columns.items():
                if column.kind == "readonly" or i >= len(row):
                    continue
                try:
                    value = read_cell(row[i] if row[i] != "" else None, column, scale)
                except CellError as exc:
                    out.errors.append((column.key, str(exc)))
                    out.bad[column.key] = str(row[i])
                    continue
                if value is not None:
                    out.values[column.key] = value
            rows.append(out)
        if progress:
            progress(len(rows))
        return ParsedSheet(
            sheet=name,
            header_row=r0 + header_row + 1,
            columns={c.key: column_letter(c0 + i) for i, (c, _) in columns.items()},
            rows=rows,
            present=frozenset(c.key for c, _ in columns.values()),
        )
    required = "、".join(c.header for c in COLUMNS if c.required)
    raise refused("header_not_found", f"没有找到台账表头：前 {HEADER_SEARCH_ROWS} 行中应有标准模板的列名（{required}）")


def template_column(key: str) -> Column:
    return BY_KEY[key]

"""Reports as files: .xlsx (openpyxl) and PDF (fpdf2, with Noto Sans CJK SC embedded as a subset
so Chinese renders on any reader). Both carry who exported them and when (the watermark on paper).
Text cells that a spreadsheet would read as a formula (=, +, -, @) are neutralised."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from qq_kernel.clock import CHINA

# Debian's fonts-noto-cjk (scripts/system-deps.sh); face 2 of the collection is Simplified Chinese.
CJK_FONTS = (
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),
    (Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"), 2),
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class FontMissing(RuntimeError):
    pass


@dataclass
class Column:
    header: str
    kind: str = "text"  # text | money | int | rate
    width: float = 1.0  # relative width in the PDF


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    exported_by: str
    exported_at: datetime
    tables: list[Table]

    @property
    def watermark(self) -> str:
        return f"导出人：{self.exported_by}　导出时间：{self.exported_at.astimezone(CHINA):%Y-%m-%d %H:%M}（北京时间）"


def safe_text(value: str) -> str:
    """A leading apostrophe keeps a spreadsheet from evaluating text as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _display(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "rate":
        return f"{Decimal(value) * 100:.2f}%"
    return str(value)


def to_xlsx(doc: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in doc.tables:
        sheet = book.create_sheet(safe_sheet_name(table.title))
        sheet.append([safe_text(doc.title)])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([safe_text(doc.subtitle)])
        sheet.append([doc.watermark])
        sheet.append([table.title])
        sheet.append([c.header for c in table.columns])
        for cell in sheet[5]:
            cell.font = Font(bold=True)
        for row in table.rows:
            out = []
            for value, column in zip(row, table.columns, strict=True):
                if value is None:
                    out.append(None)
                elif column.kind == "money":
                    out.append(Decimal(value))
                elif column.kind == "int":
                    out.append(int(value))
                elif column.kind == "rate":
                    out.append(Decimal(value))
                else:
                    out.append(safe_text(str(value)))
            sheet.append(out)
            for cell, column in zip(sheet[sheet.max_row], table.columns, strict=True):
                if column.kind == "money":
                    cell.number_format = "#,##0.00"
                elif column.kind == "rate":
                    cell.number_format = "0.00%"
        for note in table.notes:
            sheet.append([safe_text(note)])
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[sheet.cell(row=5, column=index).column_letter].width = 10 + 8 * column.width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def safe_sheet_name(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, "·")
    return title[:31] or "报表"


def _font() -> tuple[Path, int]:
    for path, index in CJK_FONTS:
        if path.exists():
            return path, index
    raise FontMissing("服务器缺少中文字体（Debian 软件包 fonts-noto-cjk），无法生成 PDF")


def to_pdf(doc: Document) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path, index = _font()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(doc.title)
    pdf.set_creator("清欠平台")
    pdf.add_font("cjk", fname=str(path), collection_font_number=index)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(12, 12, 12)

    def footer_line() -> None:
        pdf.set_font("cjk", size=7)
        pdf.set_text_color(110, 110, 110)
        pdf.cell(0, 5, doc.watermark, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.cell(0, 9, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 5, doc.subtitle, new_x="LMARGIN", new_y="NEXT")
    footer_line()
    for table in doc.tables:
        pdf.ln(3)
        pdf.set_font("cjk", size=11)
        pdf.cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=8)
        widths = [c.width for c in table.columns]
        aligns = ["LEFT" if c.kind == "text" else "RIGHT" for c in table.columns]
        with pdf.table(
            col_widths=widths,
            text_align=aligns,
            headings_style=FontFace(fill_color=(230, 236, 245)),
            line_height=5,
            first_row_as_headings=True,
        ) as grid:
            grid.row([c.header for c in table.columns])
            for row in table.rows:
                grid.row([_display(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
        for note in table.notes:
            pdf.set_font("cjk", size=8)
            pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

"""Official letters as Word documents (督办通知书 of the ledger and of complaints): what a county
office prints, stamps and sends. The layout is the shape of a Chinese official document (公文):
a centred title in 黑体, the document number, the addressee, indented 仿宋 paragraphs, the
issuer and date on the right. Services supply only the words."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from qq_kernel.text import xml_safe

__all__ = ["OfficialLetter", "Paragraph", "cn_date"]


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _font(run, size: int, *, bold: bool = False, family: str = "仿宋") -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = family
    run._element.rPr.rFonts.set(qn("w:eastAsia"), family)


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class OfficialLetter:
    issuer: str  # the office's name, printed above the title and as the signature
    title: str  # e.g. "督 办 通 知 书"
    number: str  # document number (文号)
    addressee: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    signed_on: date | None = None

    def render(self) -> bytes:
        # Text stored before input refused control characters may hold some a .docx cannot:
        # dropped here, so a stored letter always renders.
        clean = xml_safe
        doc = Document()
        title = doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(title.add_run(clean(f"{self.issuer}\n{self.title}")), 20, bold=True, family="黑体")
        number = doc.add_paragraph()
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(number.add_run(clean(self.number)), 14)

        def para(text: str, *, bold: bool = False, indent: bool = True) -> None:
            p = doc.add_paragraph()
            if indent:
                p.paragraph_format.first_line_indent = Pt(32)
            _font(p.add_run(clean(text)), 16, bold=bold)

        para(f"{self.addressee}：", indent=False)
        for paragraph in self.paragraphs:
            para(paragraph.text, bold=paragraph.bold)
        sign = doc.add_paragraph()
        sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(sign.add_run(clean(self.issuer) + (f"\n{cn_date(self.signed_on)}" if self.signed_on else "")), 16)
        out = io.BytesIO()
        doc.core_properties.title = clean(f"{self.title.replace(' ', '')} {self.number}")
        doc.core_properties.author = clean(self.issuer)
        doc.save(out)
        return out.getvalue()

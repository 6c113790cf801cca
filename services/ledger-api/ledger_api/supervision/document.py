"""督办书 as a Word document (what a county office prints, stamps and sends)."""

from __future__ import annotations

import io
from datetime import date, datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from qq_kernel.money import format_yuan
from qq_kernel.text import xml_safe


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _font(run, size: int, *, bold: bool = False, family: str = "仿宋") -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = family
    run._element.rPr.rFonts.set(qn("w:eastAsia"), family)


def render_notice(snapshot: dict) -> bytes:
    """The snapshot holds everything printed: notice number, office, unit, item facts, requirements.

    Text stored before input refused control characters may hold some a .docx cannot: they are
    dropped here, so a stored notice always renders."""
    snapshot = {k: xml_safe(v) if isinstance(v, str) else v for k, v in snapshot.items()}
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(f"{snapshot['office_name']}\n督 办 通 知 书"), 20, bold=True, family="黑体")
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(number.add_run(snapshot["notice_no"]), 14)

    def para(text: str, *, bold: bool = False, indent: bool = True) -> None:
        p = doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        _font(p.add_run(text), 16, bold=bold)

    para(f"{snapshot['unit_name']}：", indent=False)
    para(
        f"根据清理拖欠企业账款工作部署，现将台账编号 {snapshot['ledger_no']} 的拖欠账款列为督办事项。"
        f"拖欠主体：{snapshot['debtor_name']}；债权企业：{snapshot['creditor_name']}；"
        f"合同（项目）：{snapshot['contract_name']}；欠款金额 {format_yuan(snapshot['principal'])}，"
        f"截至{_cn(date.fromisoformat(snapshot['as_of']))}未清偿 {format_yuan(snapshot['outstanding'])}。"
    )
    para("督办事项与要求：", bold=True)
    for line in snapshot["requirements"].splitlines():
        if line.strip():
            para(line.strip())
    para(
        f"请于{_cn(date.fromisoformat(snapshot['reply_deadline']))}前将办理情况书面反馈专班办公室，"
        "并按周在平台更新化解进度。逾期未反馈或化解进度缓慢的，将予以通报。"
    )
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    issued = datetime.fromisoformat(snapshot["issued_at"]).date()
    _font(sign.add_run(f"{snapshot['office_name']}\n{_cn(issued)}"), 16)
    out = io.BytesIO()
    doc.core_properties.title = f"督办通知书 {snapshot['notice_no']}"
    doc.core_properties.author = snapshot["office_name"]
    doc.save(out)
    return out.getvalue()

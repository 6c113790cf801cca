"""督办书 of a ledger item as a Word document (the layout is the kernel's OfficialLetter)."""

from __future__ import annotations

from datetime import date, datetime

from qq_kernel.documents import OfficialLetter, Paragraph, cn_date
from qq_kernel.money import format_yuan


def render_notice(snapshot: dict) -> bytes:
    """The snapshot holds everything printed: notice number, office, unit, item facts, requirements.
    (Characters a .docx cannot hold, in text stored before input refused them, are dropped by
    OfficialLetter.)"""
    paragraphs = [
        Paragraph(
            f"根据清理拖欠企业账款工作部署，现将台账编号 {snapshot['ledger_no']} 的拖欠账款列为督办事项。"
            f"拖欠主体：{snapshot['debtor_name']}；债权企业：{snapshot['creditor_name']}；"
            f"合同（项目）：{snapshot['contract_name']}；欠款金额 {format_yuan(snapshot['principal'])}，"
            f"截至{cn_date(date.fromisoformat(snapshot['as_of']))}未清偿 {format_yuan(snapshot['outstanding'])}。"
        ),
        Paragraph("督办事项与要求：", bold=True),
        *(Paragraph(line.strip()) for line in snapshot["requirements"].splitlines() if line.strip()),
        Paragraph(
            f"请于{cn_date(date.fromisoformat(snapshot['reply_deadline']))}前将办理情况书面反馈专班办公室，"
            "并按周在平台更新化解进度。逾期未反馈或化解进度缓慢的，将予以通报。"
        ),
    ]
    return OfficialLetter(
        issuer=snapshot["office_name"],
        title="督 办 通 知 书",
        number=snapshot["notice_no"],
        addressee=snapshot["unit_name"],
        paragraphs=paragraphs,
        signed_on=datetime.fromisoformat(snapshot["issued_at"]).date(),
    ).render()

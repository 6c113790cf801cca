"""The Chinese title and body of an event's notification, and where it opens in the SPA."""

from __future__ import annotations

FLAG_LABELS = {
    "dispute_reclassified": "改有分歧",
    "installment_unpaid": "分期未按期偿还",
    "plan_extended_repeatedly": "还款计划多次延期",
    "repayment_without_evidence": "还款无凭证",
    "commercial_bill": "以商业承兑汇票支付",
    "no_weekly_update": "两周以上未更新进展",
    "chain_funds_received": "获得清偿资金后仍拖欠",
    "complained_under_agreement": "还款协议执行期间被投诉",
}

TITLES = {
    "repayment.reported": "台账 {ledger_no} 报送了还款，待核实",
    "repayment.verified": "台账 {ledger_no} 的还款已核实",
    "repayment.rejected": "台账 {ledger_no} 的还款被退回",
    "flag.raised": "台账 {ledger_no} 触发预警：{flag}",
    "key_case.marked": "台账 {ledger_no} 被列为重点案件",
    "interview.scheduled": "台账 {ledger_no} 安排了约谈",
    "supervision.notice_issued": "台账 {ledger_no} 已下发督办通知",
    "candidate.proposed": "有新的待确认线索",
    "complaint.assigned": "投诉 {complaint_no} 已分办到本单位",
    "complaint.returned": "投诉 {complaint_no} 被退回，请重新分办",
    "complaint.urged": "投诉 {complaint_no} 被催办",
    "complaint.supervised": "投诉 {complaint_no} 被督办",
    "complaint.reopened": "投诉 {complaint_no} 需重新办理",
}


def render(kind: str, payload: dict) -> tuple[str, str, str | None]:
    """(title, body, link) of ``kind`` with ``payload``."""
    data = payload.get("data") or {}
    values = {
        "ledger_no": payload.get("ledger_no") or "",
        "complaint_no": payload.get("complaint_no") or "",
        "flag": FLAG_LABELS.get(data.get("flag_kind", ""), data.get("flag_kind", "")),
    }
    title = TITLES.get(kind, kind).format(**values)
    actor = payload.get("actor_name")
    body = f"{title}。" + (f"操作人：{actor}。" if actor else "")
    item_id, complaint_id = payload.get("item_id"), payload.get("complaint_id")
    if item_id:
        link = f"/ledger/items/{item_id}"
    elif complaint_id:
        link = f"/complaints?id={complaint_id}"
    else:
        link = "/ledger/candidates" if kind == "candidate.proposed" else None
    return title[:200], body[:2000], link

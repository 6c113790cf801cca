"""Code lists that more than one service speaks (DOMAIN.md §2, §3, §6): the ledger's debtor types
are the complaint's respondent kinds, the ledger's procurement types the complaint's too. One
definition, so a value valid in one service is valid in the other."""

from __future__ import annotations

DEBTOR_TYPES: dict[str, str] = {
    "government_agency": "政府机关",
    "fully_funded_institution": "全额拨款事业单位",
    "other_institution": "其它事业单位",
    "platform_company": "平台公司",
    "soe": "其他国有企业",
    "large_enterprise": "大型企业",
}
CREDITOR_SIZES: dict[str, str] = {"medium": "中型", "small": "小型", "micro": "微型"}
PROCUREMENT_TYPES: dict[str, str] = {"goods": "货物", "works": "工程", "services": "服务"}

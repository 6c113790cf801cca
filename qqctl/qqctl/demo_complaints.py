"""The demo county's complaints: one in every state of the workflow, loaded through
complaint-api by the demo staff (office01 triages, the units handle, their leaders approve), one
from the complaint platform over an API token. Then some are moved back in time, as if handled
since September, so that deadlines run across the 2026 National Day holiday: one replied on
time, one closed on a make-up Saturday's deadline, one overdue in handling. One assigned today
runs into 2027, whose holiday schedule is not loaded: provisional. One was reopened after a
dissatisfied revisit.

The matched / candidate complaints (the link to the ledger) are added by the integration work.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx

from qq_kernel.clock import china_today
from qq_kernel.uscc import random_uscc

BASE = "/api/complaints"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class DemoComplaintError(RuntimeError):
    pass


class Caller:
    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, *, expect: tuple[int, ...] = (200, 201), **kw) -> Any:
        r = await self.client.request(method, path, headers=self.headers, **kw)
        if r.status_code not in expect:
            raise DemoComplaintError(f"{method} {path} → {r.status_code}: {r.text[:300]}")
        return r.json() if r.content and r.headers.get("content-type", "").endswith("json") else None


async def _login(client: httpx.AsyncClient, username: str, password: str) -> Caller:
    r = await client.post("/api/ledger/auth/token", data={"username": username, "password": password})
    if r.status_code != 200:
        raise DemoComplaintError(f"demo login {username}: {r.status_code} {r.text[:200]}")
    return Caller(client, r.json()["access_token"])


def _body(rng, *, complainant: str, respondent: str, kind: str, amount: str, contract: str, kind_of: str, facts: str):
    return {
        "complainant": {
            "name": complainant,
            "uscc": random_uscc(rng),
            "size": rng.choice(["small", "micro", "medium"]),
            "contact_person": rng.choice(["王建华", "陈丽萍", "刘志强", "周文静", "吴海涛"]),
            "contact_phone": f"139{rng.randrange(10**8):08d}",
        },
        "respondent": {"name": respondent, "kind": kind},
        "amount": amount,
        "contract": {"name": contract},
        "procurement_type": kind_of,
        "facts": facts,
        "request": "请求督促被投诉人依法支付拖欠款项。",
        "pledge_no_other_proceedings": True,
    }


async def load(client: httpx.AsyncClient, *, password: str, complaint_owner_url: str, rng) -> dict[str, str]:
    """Returns {label: complaint id}. Callers load it once, with the ledger demo."""
    office = await _login(client, "office01", password)
    staff = {u: await _login(client, u, password) for u in ("caizheng01", "caizheng_lead", "zhujian01", "jiaoyu01")}
    units = {u["name"]: u["id"] for u in await office.call("GET", "/api/ledger/org/units")}

    def unit(suffix: str) -> str:
        return next(i for name, i in units.items() if name.endswith(suffix))

    finance, housing, education = unit("财政局"), unit("住建局"), unit("教育局")
    made: dict[str, str] = {}

    async def register(label: str, source: str = "phone", **kw) -> str:
        c = await office.call("POST", f"{BASE}/complaints", json={**_body(rng, **kw), "source": source})
        made[label] = c["id"]
        return c["id"]

    async def act(who: Caller, cid: str, action: str, body: dict | None = None) -> dict:
        return await who.call("POST", f"{BASE}/complaints/{cid}/{action}", json=body or {})

    async def to_handling(cid: str, unit_id: str, operator: Caller) -> None:
        await act(office, cid, "accept", {"note": "材料齐全，正式受理"})
        await act(office, cid, "assign", {"unit_id": unit_id})
        await act(operator, cid, "start")

    async def replied(cid: str, unit_id: str, operator: Caller) -> None:
        await to_handling(cid, unit_id, operator)
        await act(operator, cid, "reply", {"result": "已督促被投诉人制定付款计划，首笔款项已于本周支付。"})

    finance_op, housing_op, lead = staff["caizheng01"], staff["zhujian01"], staff["caizheng_lead"]
    schools = dict(respondent="海澄县教育局", kind="government_agency")
    roads = dict(respondent="海澄县城市建设投资有限公司", kind="platform_company")
    hospital = dict(respondent="海澄县人民医院", kind="fully_funded_institution")

    await register(
        "received",
        complainant="海澄县恒信办公设备有限公司",
        amount="36800.00",
        contract="2025年办公设备采购",
        kind_of="goods",
        facts="2025年5月交付办公设备并验收合格，至今未付款。",
        **schools,
    )
    cid = await register(
        "not_accepted",
        complainant="海澄县宏达劳务有限公司",
        amount="215000.00",
        contract="县道维修劳务分包",
        kind_of="works",
        facts="劳务费用至今未结算。",
        **roads,
    )
    await act(
        office,
        cid,
        "reject",
        {
            "reason": "in_other_proceedings",
            "explanation": "经核实，该纠纷已由海澄县人民法院立案受理，依法不予受理。",
        },
    )
    cid = await register(
        "accepted",
        source="letter",
        complainant="海澄县明辉照明工程有限公司",
        amount="92000.00",
        contract="校园照明改造工程",
        kind_of="works",
        facts="工程已于2025年9月竣工验收，尾款未付。",
        **schools,
    )
    await act(office, cid, "accept", {"note": "来信材料齐全，正式受理"})
    await act(office, cid, "urge", {"note": "请尽快确定承办单位"})
    cid = await register(
        "returned",
        complainant="海澄县安康医疗器械有限公司",
        amount="158000.00",
        contract="医用耗材采购",
        kind_of="goods",
        facts="耗材已按合同供货，货款逾期未付。",
        **hospital,
    )
    await act(office, cid, "accept")
    await act(office, cid, "assign", {"unit_id": education})
    await act(staff["jiaoyu01"], cid, "return", {"reason": "被投诉人为县人民医院，不属于教育局职责，请改派卫生健康局"})

    # Assigned today: 30 days end on 2027-01-02, in a year with no holiday schedule yet → provisional.
    cid = await register(
        "provisional_2027",
        source="walk_in",
        complainant="海澄县顺达物流有限公司",
        amount="64500.00",
        contract="防汛物资运输服务",
        kind_of="services",
        facts="运输服务已完成并经签收，运费未付。",
        **roads,
    )
    await act(office, cid, "accept")
    await act(office, cid, "assign", {"unit_id": housing})

    # Handled since September (aged below).
    cid = await register(
        "overdue",
        complainant="海澄县鑫源电气设备有限公司",
        amount="348000.00",
        contract="县道照明改造工程",
        kind_of="works",
        facts="2025年8月竣工验收合格，按合同应于验收后30日内付款，至今未付。",
        **roads,
    )
    await to_handling(cid, finance, finance_op)
    ext = await finance_op.call(
        "POST", f"{BASE}/complaints/{cid}/extensions", json={"days": 20, "reason": "需会同住建局核实工程结算金额"}
    )
    await act(lead, cid, f"extensions/{ext['id']}/approve", {"note": "同意延期20日"})
    await office.call(
        "POST",
        f"{BASE}/complaints/{cid}/supervise",
        json={
            "requirements": "一、立即督促被投诉人支付到期款项；\n二、书面反馈办理结果。",
            "reply_deadline": (china_today() + timedelta(days=10)).isoformat(),
        },
    )
    cid = await register(
        "replied_on_time",
        complainant="海澄县绿源园林绿化有限公司",
        amount="87300.00",
        contract="城区绿化养护服务",
        kind_of="services",
        facts="2025年全年养护服务已完成，第四季度费用未付。",
        **roads,
    )
    await replied(cid, housing, housing_op)
    cid = await register(
        "closed",
        complainant="海澄县博文图书有限公司",
        amount="45600.00",
        contract="中小学图书采购",
        kind_of="goods",
        facts="图书已配送到校，货款逾期三个月未付。",
        **schools,
    )
    await replied(cid, finance, finance_op)
    await finance_op.call(
        "POST",
        f"{BASE}/complaints/{cid}/files",
        files={"file": ("付款凭证.pdf", PDF, "application/pdf")},
        data={"purpose": "reply"},
    )
    await act(office, cid, "revisit", {"satisfaction": "satisfied", "note": "电话回访，企业表示款项已全部到账"})
    await act(office, cid, "close", {"note": "款项已付清，办结"})

    cid = await register(
        "revisited",
        complainant="海澄县晨光印刷有限公司",
        amount="12800.00",
        contract="宣传资料印刷",
        kind_of="services",
        facts="印刷品已交付，款项未付。",
        **schools,
    )
    await replied(cid, finance, finance_op)
    await act(office, cid, "revisit", {"satisfaction": "basically_satisfied", "note": "已付大部分款项"})
    cid = await register(
        "dissatisfied",
        complainant="海澄县宏业建材有限公司",
        amount="156000.00",
        contract="安置房建材采购",
        kind_of="goods",
        facts="建材已供货并验收，货款逾期未付。",
        **roads,
    )
    await replied(cid, housing, housing_op)
    await act(office, cid, "revisit", {"satisfaction": "dissatisfied", "note": "企业反映仅收到付款承诺"})
    cid = await register(
        "under_review",
        complainant="海澄县联创信息技术有限公司",
        amount="76000.00",
        contract="政务网络运维服务",
        kind_of="services",
        facts="运维服务已按季度验收，费用逾期未付。",
        **hospital,
    )
    await replied(cid, finance, finance_op)
    await act(office, cid, "revisit", {"satisfaction": "dissatisfied", "note": "企业对处理结果有异议"})
    await act(office, cid, "review", {"note": "提交专班复核"})
    cid = await register(
        "reopened",
        complainant="海澄县四季餐饮管理有限公司",
        amount="58200.00",
        contract="学校食堂配餐服务",
        kind_of="services",
        facts="配餐服务费用拖欠两个学期。",
        **schools,
    )
    await replied(cid, finance, finance_op)
    await act(office, cid, "revisit", {"satisfaction": "dissatisfied", "note": "承诺的付款未兑现"})
    await act(office, cid, "reopen", {"reason": "投诉人反映承诺付款未兑现，重新办理"})

    made["platform"] = await _platform_complaint(client, password, rng)
    await _age(complaint_owner_url, made)
    return made


async def _platform_complaint(client: httpx.AsyncClient, password: str, rng) -> str:
    """The provincial platform's account, its token, and one complaint it sent."""
    sec = await _login(client, "secadmin", password)
    office_unit = next(u for u in await sec.call("GET", "/api/ledger/org/units") if u["is_office"])
    account = await sec.call(
        "POST",
        "/api/ledger/users",
        json={
            "username": "province_platform",
            "display_name": "省投诉平台对接",
            "unit_id": office_unit["id"],
            "kind": "integration",
            "roles": ["integration"],
        },
    )
    token = await sec.call(
        "POST",
        "/api/ledger/tokens",
        json={"name": "省平台投诉推送", "scopes": ["complaints:intake"], "owner_id": account["id"]},
    )
    platform = Caller(client, token["token"])
    body = _body(
        rng,
        complainant="海澄县新锐软件有限公司",
        respondent="海澄县人民医院",
        kind="fully_funded_institution",
        amount="132000.00",
        contract="医院信息系统升级",
        kind_of="services",
        facts="系统升级已于2025年10月上线验收，合同款至今未付。",
    )
    c = await platform.call("POST", f"{BASE}/intake", json={**body, "platform_complaint_id": "GD-2026-1128-0107"})
    return c["id"]


# label → the date its handling unit received it (assignment), as if handled since then.
AGED_ASSIGNMENT = {
    # 30 days → 2026-10-25, a Sunday → Monday 10-26, +20 days extension → 11-14 (Sat) → 11-16: overdue.
    "overdue": date(2026, 9, 25),
    # 30 days → 2026-10-02, National Day → 10-08; replied 09-30.
    "replied_on_time": date(2026, 9, 2),
    # 30 days → 2026-10-10, a make-up Saturday: the deadline itself; replied 10-09, closed 10-16.
    "closed": date(2026, 9, 10),
    "revisited": date(2026, 9, 14),
    "dissatisfied": date(2026, 9, 15),
    "under_review": date(2026, 9, 16),
}


async def _age(owner_url: str, made: dict[str, str]) -> None:
    """Move the September complaints back to the day they were assigned (every date and the
    timeline by the same number of days), then count their deadlines again on the calendar."""
    from complaint_api.complaints import deadlines
    from complaint_api.complaints.deadlines import DeadlineRules
    from qq_kernel.workdays import WorkCalendar

    today = china_today()
    conn = await asyncpg.connect(owner_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        async with conn.transaction():
            for label, assigned in AGED_ASSIGNMENT.items():
                shift = timedelta(days=(today - assigned).days)
                cid = made[label]
                await conn.execute(
                    """UPDATE complaint.complaint SET
                         received_on = received_on - $2::interval, received_at = received_at - $2::interval,
                         created_at = created_at - $2::interval, accepted_on = accepted_on - $2::interval,
                         assigned_on = assigned_on - $2::interval,
                         result_period_start = result_period_start - $2::interval,
                         replied_on = replied_on - $2::interval, closed_on = closed_on - $2::interval
                       WHERE id = $1""",
                    cid,
                    shift,
                )
                await conn.execute(
                    "UPDATE complaint.complaint_event SET occurred_at = occurred_at - $2::interval "
                    "WHERE complaint_id = $1",
                    cid,
                    shift,
                )
            # The closed one was replied the day before its deadline and closed a week later.
            await conn.execute(
                "UPDATE complaint.complaint SET replied_on = '2026-10-09', closed_on = '2026-10-16' WHERE id = $1",
                made["closed"],
            )
            await conn.execute(
                "UPDATE complaint.complaint SET replied_on = '2026-09-30' WHERE id = $1", made["replied_on_time"]
            )
            calendar, rules = WorkCalendar.official(), DeadlineRules()
            for label in AGED_ASSIGNMENT:
                row = await conn.fetchrow("SELECT * FROM complaint.complaint WHERE id = $1", made[label])
                c = _Row(dict(row))
                deadlines.refresh(c, calendar, rules)  # type: ignore[arg-type]
                await conn.execute(
                    """UPDATE complaint.complaint SET transfer_due = $2, transfer_due_provisional = $3,
                         result_due = $4, result_due_provisional = $5, next_due = $6, next_due_provisional = $7
                       WHERE id = $1""",
                    made[label],
                    c.transfer_due,
                    c.transfer_due_provisional,
                    c.result_due,
                    c.result_due_provisional,
                    c.next_due,
                    c.next_due_provisional,
                )
    finally:
        await conn.close()


class _Row:
    """A complaint row with attribute access, for deadlines.refresh."""

    def __init__(self, values: dict) -> None:
        self.__dict__.update(values)

"""Upsert of many items at once: the engine behind the Excel import and the bulk API.

Every row is validated with the item API's own schemas (DebtorIn, CreditorIn, ItemIn, ItemPatch
via the service's check functions), then matched against the ledger: on its ledger number, else on
debtor credit code + creditor credit code + contract name. A matched item whose fields are equal is
``unchanged`` (re-importing a file changes nothing); one with differences in the fields an edit
may change is ``updated``; anything else is ``create``. Debtors and creditors are found by credit
code, or registered on the way.

Writes are set-based (bench: one COPY per table instead of a statement per row): the new debtors,
creditors, items, funding lines and their audit rows are each one COPY; updates one executemany;
red flags one statement over every touched item (flags.service.sync_flags). The database's own
triggers and constraints see every row as they would a single create.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy import String, any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.config import SERVICE_NAME
from ledger_api.flags import service as flags
from ledger_api.identity.models import Region, Unit, User, new_id
from ledger_api.ledger import access, schemas
from ledger_api.ledger import items as ledger_items
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor, FundingLine, YearlySequence
from qq_kernel import audit
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import in_region_subtree
from qq_kernel.clock import china_today
from qq_kernel.money import ZERO
from qq_kernel.numbering import take_yearly_values
from qq_kernel.problems import ProblemError, pydantic_field_errors
from qq_kernel.uscc import UsccError, validate_uscc

MAX_ROWS = 10_000  # per bulk request
TRANSFER_LOCK = "ledger.transfer"  # one writer of new items at a time: matching then inserting is atomic

ITEM_FIELDS = tuple(f for f in schemas.ItemIn.model_fields if f not in ("debtor_id", "creditor_id"))
ROW_FIELDS = frozenset(
    {"ledger_no", "debtor_name", "debtor_uscc", "debtor_type", "creditor_name", "creditor_uscc", "creditor_size"}
    | set(ITEM_FIELDS)
)
# What an edit may change (ItemPatch); any other difference on a matched item is refused.
PATCHABLE = tuple(schemas.ItemPatch.model_fields)
FIXED = ("procurement_type", "principal", "agreed_daily_rate", "responsible_unit_id", "disputed")
FIXED_MESSAGES = {
    "procurement_type": "已有明细的采购类型不能通过导入修改",
    "principal": "已有明细的欠款金额不能通过导入修改（请登记还款或调整）",
    "agreed_daily_rate": "已有明细的约定逾期日利率不能通过导入修改",
    "responsible_unit_id": "已有明细的责任单位不能通过导入变更",
    "disputed": "分歧状态的变更须提交重新认定并经审批，不能通过导入修改",
    "debtor_uscc": "已有明细的拖欠主体不能通过导入变更",
    "creditor_uscc": "已有明细的债权企业不能通过导入变更",
}
_DEBTOR_FIELDS = {"name": "debtor_name", "uscc": "debtor_uscc", "type": "debtor_type"}
_CREDITOR_FIELDS = {"name": "creditor_name", "uscc": "creditor_uscc", "size": "creditor_size"}


@dataclass
class Row:
    """One row's way through validation, matching and writing."""

    index: int
    raw: dict
    provided: frozenset
    errors: list = field(default_factory=list)  # {"field", "message", "code"}
    debtor: schemas.DebtorIn | None = None
    creditor: schemas.CreditorIn | None = None
    item: schemas.ItemIn | None = None
    ledger_no: str | None = None
    action: str = "error"  # create | update | unchanged | error
    target: ArrearsItem | None = None
    changes: dict = field(default_factory=dict)  # field -> new value (python)
    diff: dict = field(default_factory=dict)  # field -> {"before", "after"} (json)
    item_id: str | None = None

    def error(self, field_name: str, message: str, code: str = "invalid") -> None:
        self.errors.append({"field": field_name, "message": message, "code": code})

    def problem(self, exc: ProblemError, default_field: str) -> None:
        for e in exc.errors or [{"field": default_field, "message": exc.detail or exc.title, "code": exc.code}]:
            self.error(e["field"], e["message"], e.get("code", exc.code))

    def outcome(self) -> dict:
        return {
            "index": self.index,
            "action": "refused" if self.errors else self.action,
            "item_id": self.item_id,
            "ledger_no": self.ledger_no,
            "changes": self.diff or None,
            "errors": self.errors or None,
        }


def _renamed(errors: list[dict], names: dict[str, str]) -> list[dict]:
    out = []
    for e in errors:
        head, _, rest = e["field"].partition(".")
        out.append({**e, "field": names.get(head, head) + (f".{rest}" if rest else "")})
    return out


def _present(raw: dict, names: dict[str, str]) -> dict:
    return {own: raw[row_name] for own, row_name in names.items() if raw.get(row_name) is not None}


def validate_row(index: int, raw: dict, provided: frozenset | None = None, skip: frozenset = frozenset()) -> Row:
    """The row checked with the API's schemas. ``skip``: fields already reported (a cell that could
    not be read), whose "missing" error would only repeat it. Pure: runs in a worker thread."""
    row = Row(index=index, raw=raw, provided=frozenset(raw) if provided is None else provided)
    errors: list[dict] = []
    for key in raw:
        if key not in ROW_FIELDS:
            errors.append({"field": key, "message": "不允许的字段", "code": "extra_forbidden"})
    try:
        row.debtor = schemas.DebtorIn.model_validate(
            _present(raw, _DEBTOR_FIELDS) | {"supervising_unit_id": raw.get("responsible_unit_id") or "-"}
        )
    except ValidationError as exc:
        errors += _renamed(pydantic_field_errors(exc.errors()), _DEBTOR_FIELDS)
    try:
        row.creditor = schemas.CreditorIn.model_validate(_present(raw, _CREDITOR_FIELDS))
    except ValidationError as exc:
        errors += _renamed(pydantic_field_errors(exc.errors()), _CREDITOR_FIELDS)
    try:
        row.item = schemas.ItemIn.model_validate(
            {k: raw[k] for k in ITEM_FIELDS if k in raw} | {"debtor_id": "-", "creditor_id": "-"}
        )
    except ValidationError as exc:
        # the model's own rule (无分歧 with a route) has no field: it is the route's
        errors += _renamed(pydantic_field_errors(exc.errors()), {"body": "dispute_route"})
    ledger_no = raw.get("ledger_no")
    if ledger_no is not None:
        if not isinstance(ledger_no, str) or not ledger_no.strip():
            errors.append({"field": "ledger_no", "message": "台账编号应为文本", "code": "string_type"})
        else:
            row.ledger_no = ledger_no.strip().upper()
    # a cell that could not be read was reported as such: its field's other errors would repeat it
    row.errors = [e for e in errors if e["field"].split(".")[0] not in skip]
    return row


def uscc_key(value) -> str | None:
    try:
        return validate_uscc(value) if isinstance(value, str) else None
    except UsccError:
        return None


# ---------------------------------------------------------------- matching


@dataclass
class Plan:
    rows: list[Row]
    debtors: dict  # uscc -> Debtor (existing, or new and not yet inserted)
    creditors: dict
    new_debtors: dict  # uscc -> Debtor to insert
    new_creditors: dict
    units: dict  # id -> Unit
    region_codes: dict  # region id -> code
    lines: dict  # item id -> [FundingLine] (active)

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "unchanged": 0, "refused": 0}
        for row in self.rows:
            out["refused" if row.errors else row.action] += 1
        return out


async def _rows_by(session: AsyncSession, model, column: str, values) -> list:
    values = sorted({v for v in values if v})
    if not values:
        return []
    return list((await session.execute(select_any(model, column), {"values": values})).scalars())


def select_any(model, column: str):
    """SELECT model WHERE column = ANY(:values): one parameter however many values (a 100,000-row
    file would exceed the protocol's 32,767 parameters as IN (…))."""
    return select(model).where(getattr(model, column) == any_(bindparam("values", type_=ARRAY(String()))))


def _line_key(source, amount, arrival) -> tuple:
    return (source, Decimal(amount).quantize(Decimal("0.01")), arrival)


def _json(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [{k: _json(v) for k, v in line.items()} for line in value]
    return value


async def plan(session: AsyncSession, principal: Principal, rows: list[Row], *, lock: bool) -> Plan:
    """Match every valid row against the ledger and decide what it does. ``lock``: for a write,
    take the transfer lock and the matched items' row locks, so what was decided still holds when
    it is written (a dry run takes none)."""
    if lock:
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": TRANSFER_LOCK})
    valid = [r for r in rows if not r.errors]
    debtors = {d.uscc: d for d in await _rows_by(session, Debtor, "uscc", (r.debtor.uscc for r in valid))}
    creditors = {c.uscc: c for c in await _rows_by(session, Creditor, "uscc", (r.creditor.uscc for r in valid))}
    units = {u.id: u for u in await _rows_by(session, Unit, "id", (r.item.responsible_unit_id for r in valid))}
    people = {u.id: u for u in await _rows_by(session, User, "id", (r.item.responsible_person_id for r in valid))}
    regions = await _rows_by(session, Region, "id", (u.region_id for u in units.values()))
    by_no = {i.ledger_no: i for i in await _items(session, "ledger_no", (r.ledger_no for r in valid), lock)}
    # candidates for the (debtor, creditor, contract) match: the items of the known debtors
    by_triple: dict[tuple, list[ArrearsItem]] = {}
    known_debtors = [debtors[r.debtor.uscc].id for r in valid if r.debtor.uscc in debtors and not r.ledger_no]
    if known_debtors:
        for item in await _items(session, "debtor_id", known_debtors, lock):
            if item.status != "void":
                by_triple.setdefault((item.debtor_id, item.creditor_id, item.contract_name), []).append(item)
    new_debtors: dict[str, Debtor] = {}
    new_creditors: dict[str, Creditor] = {}
    seen_targets: dict[str, int] = {}
    seen_new: dict[tuple, int] = {}
    for row in valid:
        d, c, item = row.debtor, row.creditor, row.item
        unit = units.get(item.responsible_unit_id)
        try:
            ledger_items.check_responsible(
                principal, unit, item.responsible_person_id, people.get(item.responsible_person_id or "")
            )
        except ProblemError as exc:
            row.problem(exc, "responsible_unit_id")
            continue
        debtor = debtors.get(d.uscc) or new_debtors.get(d.uscc)
        if debtor is None:
            debtor = new_debtors[d.uscc] = Debtor(
                id=new_id(),
                name=d.name,
                uscc=d.uscc,
                type=d.type,
                supervising_unit_id=unit.id,
                region_path=unit.region_path,
                version=1,
            )
        elif d.uscc in debtors and not in_region_subtree(principal, debtor.region_path):
            row.error("debtor_uscc", "该信用代码已由其他地区登记为拖欠主体", "not_visible")
        if debtor.name != d.name:
            row.error("debtor_name", f"该信用代码已登记为拖欠主体“{debtor.name}”，名称不一致", "name_mismatch")
        if debtor.type != d.type:
            row.error("debtor_type", f"该拖欠主体已登记的类型为“{debtor.type}”，不一致", "type_mismatch")
        creditor = creditors.get(c.uscc) or new_creditors.get(c.uscc)
        if creditor is None:
            creditor = new_creditors[c.uscc] = Creditor(
                id=new_id(),
                name=c.name,
                uscc=c.uscc,
                size=c.size,
                contact_person=c.contact_person,
                contact_phone=c.contact_phone,
                region_path=principal.region_path or "/",
                version=1,
            )
        elif c.uscc in creditors and not in_region_subtree(principal, creditor.region_path):
            row.error("creditor_uscc", "该信用代码已由其他地区登记为债权企业", "not_visible")
        if creditor.name != c.name:
            row.error("creditor_name", f"该信用代码已登记为债权企业“{creditor.name}”，名称不一致", "name_mismatch")
        if creditor.size != c.size:
            row.error("creditor_size", "与该企业已登记的规模不一致", "size_mismatch")
        if row.errors:
            continue
        if row.ledger_no:
            target = by_no.get(row.ledger_no)
            if target is None or not access.in_item_scope(principal, target):
                row.error("ledger_no", "台账编号不存在或不在您的管辖范围内", "not_found")
                continue
        else:
            found = by_triple.get((debtor.id, creditor.id, item.contract_name), [])
            found = [t for t in found if access.in_item_scope(principal, t)]
            if len(found) > 1:
                row.error(
                    "contract_name",
                    "按拖欠主体、债权企业和合同名称匹配到多条明细（"
                    + "、".join(t.ledger_no for t in found[:3])
                    + "），请填写台账编号",
                    "ambiguous",
                )
                continue
            target = found[0] if found else None
        if target is None:
            key = (d.uscc, c.uscc, item.contract_name)
            if key in seen_new:
                row.error(
                    "contract_name", f"与第 {seen_new[key]} 条重复（同一拖欠主体、债权企业和合同）", "duplicate_row"
                )
                continue
            seen_new[key] = row.index
            row.action = "create"
            row.debtor_obj, row.creditor_obj, row.unit = debtor, creditor, unit
            continue
        if target.id in seen_targets:
            row.error("ledger_no", f"与第 {seen_targets[target.id]} 条是同一笔明细", "duplicate_row")
            continue
        seen_targets[target.id] = row.index
        row.target, row.ledger_no, row.item_id = target, target.ledger_no, target.id
        if target.debtor_id != debtor.id:
            row.error("debtor_uscc", FIXED_MESSAGES["debtor_uscc"], "fixed_field")
        if target.creditor_id != creditor.id:
            row.error("creditor_uscc", FIXED_MESSAGES["creditor_uscc"], "fixed_field")
    lines: dict[str, list[FundingLine]] = {}
    targets = [r.target.id for r in valid if r.target is not None and not r.errors]
    for line in await _rows_by(session, FundingLine, "item_id", targets):
        if line.withdrawn_at is None:
            lines.setdefault(line.item_id, []).append(line)
    for row in valid:
        if row.target is not None and not row.errors:
            _compare(principal, row, lines.get(row.target.id, []))
    return Plan(
        rows=rows,
        debtors=debtors,
        creditors=creditors,
        new_debtors=new_debtors,
        new_creditors=new_creditors,
        units=units,
        region_codes={r.id: r.code for r in regions},
        lines=lines,
    )


async def _items(session: AsyncSession, column: str, values, lock: bool) -> list[ArrearsItem]:
    values = sorted({v for v in values if v})
    if not values:
        return []
    stmt = select_any(ArrearsItem, column)
    if lock:
        stmt = stmt.with_for_update()
    return list((await session.execute(stmt, {"values": values})).scalars())


def _compare(principal: Principal, row: Row, current_lines: list[FundingLine]) -> None:
    item, target = row.item, row.target
    for name in FIXED:
        if name in row.provided and getattr(item, name) != getattr(target, name):
            row.error(name, FIXED_MESSAGES[name], "fixed_field")
    if row.errors:
        return
    changes, diff = {}, {}
    for name in PATCHABLE:
        if name == "funding_lines" or name not in row.provided:
            continue
        new, old = getattr(item, name), getattr(target, name)
        if new != old:
            changes[name], diff[name] = new, {"before": _json(old), "after": _json(new)}
    if "funding_lines" in row.provided:
        old = sorted(_line_key(fl.source, fl.amount, fl.expected_arrival_date) for fl in current_lines)
        new = sorted(_line_key(fl.source, fl.amount, fl.expected_arrival_date) for fl in item.funding_lines)
        if old != new:
            changes["funding_lines"] = [fl.model_dump() for fl in item.funding_lines]
            diff["funding_lines"] = {
                "before": [{"source": s, "amount": f"{a:f}", "expected_arrival_date": _json(d)} for s, a, d in old],
                "after": [{"source": s, "amount": f"{a:f}", "expected_arrival_date": _json(d)} for s, a, d in new],
            }
    if not changes:
        row.action = "unchanged"
        return
    try:
        ledger_items.check_patch(target, changes)
    except ProblemError as exc:
        row.problem(exc, "ledger_no")
        return
    row.action, row.changes, row.diff = "update", changes, diff


# ---------------------------------------------------------------- writing

AUDIT_COLUMNS = (
    "service",
    "action",
    "result",
    "actor_kind",
    "actor_id",
    "actor_name",
    "actor_roles",
    "object_type",
    "object_id",
    "unit_id",
    "region_path",
    "before",
    "after",
    "detail",
    "request_id",
    "ip",
    "user_agent",
)
ITEM_COLUMNS = (
    "id",
    "ledger_no",
    "region_path",
    "debtor_id",
    "debtor_type",
    "creditor_id",
    "contract_name",
    "procurement_type",
    "principal",
    "verified_repaid",
    "adjustments_total",
    "outstanding",
    "delivery_date",
    "acceptance_date",
    "due_date",
    "agreed_daily_rate",
    "responsible_unit_id",
    "responsible_person_id",
    "disputed",
    "dispute_route",
    "court_case_no",
    "resolution_measures",
    "planned_clearance_date",
    "status",
    "source",
    "source_ref",
    "version",
)
# One statement for every updated item (the report aggregates' statement triggers then run once):
# the new values as parallel arrays, unnested into rows.
UPDATE_SQL = (
    "UPDATE ledger.arrears_item a SET contract_name = v.contract_name, delivery_date = v.delivery_date,"
    " acceptance_date = v.acceptance_date, due_date = v.due_date, responsible_person_id = v.responsible_person_id,"
    " dispute_route = v.dispute_route, court_case_no = v.court_case_no, resolution_measures = v.resolution_measures,"
    " planned_clearance_date = v.planned_clearance_date, version = a.version + 1, updated_at = now()"
    " FROM unnest($1::varchar[], $2::varchar[], $3::date[], $4::date[], $5::date[], $6::varchar[], $7::varchar[],"
    " $8::varchar[], $9::text[], $10::date[]) AS v(id, contract_name, delivery_date, acceptance_date, due_date,"
    " responsible_person_id, dispute_route, court_case_no, resolution_measures, planned_clearance_date)"
    " WHERE a.id = v.id"
)
UPDATED_FIELDS = (
    "contract_name",
    "delivery_date",
    "acceptance_date",
    "due_date",
    "responsible_person_id",
    "dispute_route",
    "court_case_no",
    "resolution_measures",
    "planned_clearance_date",
)
assert set(UPDATED_FIELDS) | {"funding_lines"} == set(PATCHABLE), "every field an edit may change is written"


def _audit_tuple(values: dict) -> tuple:
    for name in ("actor_roles", "before", "after"):
        if values[name] is not None:
            values[name] = json.dumps(values[name], ensure_ascii=False, default=str)
    return tuple(values[name] for name in AUDIT_COLUMNS)


class Writer:
    """Collects rows per table and writes each table with one COPY (asyncpg, binary)."""

    def __init__(self, principal: Principal, request: Request | None) -> None:
        self.principal, self.request = principal, request
        self.audit: list[tuple] = []

    def record(self, **kwargs) -> None:
        values = audit.audit_values(service=SERVICE_NAME, principal=self.principal, request=self.request, **kwargs)
        self.audit.append(_audit_tuple(values))

    @staticmethod
    async def copy(session: AsyncSession, table: str, columns: tuple, records: list[tuple]) -> None:
        if not records:
            return
        raw = await (await session.connection()).get_raw_connection()
        await raw.driver_connection.copy_records_to_table(
            table, schema_name="ledger", columns=list(columns), records=records
        )


async def _allocate_numbers(session: AsyncSession, region_code: str, year: int, n: int) -> list[str]:
    """``n`` ledger numbers in one statement (the series items.next_ledger_no takes one of)."""
    values = await take_yearly_values(session, YearlySequence, series="ledger_no", scope=region_code, year=year, n=n)
    return [f"{region_code}-{year}-{v:06d}" for v in values]


async def apply(
    session: AsyncSession,
    principal: Principal,
    request: Request | None,
    the_plan: Plan,
    *,
    source: str,
    source_ref: str | None,
    progress=None,
) -> list[str]:
    """Write what ``plan`` decided for its rows without errors (the caller refuses the whole batch
    first if it must). Returns the ids of the items created or updated. In the caller's
    transaction; the caller commits."""
    writer = Writer(principal, request)
    rows = [r for r in the_plan.rows if not r.errors and r.action in ("create", "update")]
    creates = [r for r in rows if r.action == "create"]
    needed_debtors = {r.debtor.uscc for r in creates}
    needed_creditors = {r.creditor.uscc for r in creates}
    debtors = [d for u, d in the_plan.new_debtors.items() if u in needed_debtors]
    creditors = [c for u, c in the_plan.new_creditors.items() if u in needed_creditors]
    await writer.copy(
        session,
        "debtor",
        ("id", "name", "uscc", "type", "supervising_unit_id", "region_path", "version"),
        [(d.id, d.name, d.uscc, d.type, d.supervising_unit_id, d.region_path, 1) for d in debtors],
    )
    for d in debtors:
        writer.record(
            action="debtor.created",
            object_type="debtor",
            object_id=d.id,
            unit_id=d.supervising_unit_id,
            region_path=d.region_path,
            after={"name": d.name, "uscc": d.uscc, "type": d.type, "supervising_unit_id": d.supervising_unit_id},
        )
    await writer.copy(
        session,
        "creditor",
        ("id", "name", "uscc", "size", "contact_person", "contact_phone", "region_path", "version"),
        [(c.id, c.name, c.uscc, c.size, c.contact_person, c.contact_phone, c.region_path, 1) for c in creditors],
    )
    for c in creditors:
        writer.record(
            action="creditor.created",
            object_type="creditor",
            object_id=c.id,
            region_path=c.region_path,
            after={
                "name": c.name,
                "uscc": c.uscc,
                "size": c.size,
                "contact_person": c.contact_person,
                "contact_phone": c.contact_phone,
            },
        )
    # ledger numbers, per region of the responsible unit, in row order
    year = china_today().year
    by_region: dict[str, list[Row]] = {}
    for r in creates:
        by_region.setdefault(the_plan.region_codes[r.unit.region_id], []).append(r)
    for code, group in by_region.items():
        for r, number in zip(group, await _allocate_numbers(session, code, year, len(group)), strict=True):
            r.ledger_no = number
    items, lines = [], []
    for r in creates:
        data = r.item.model_dump(exclude={"funding_lines"})
        data.update(debtor_id=r.debtor_obj.id, creditor_id=r.creditor_obj.id)
        # a plain object, not an ORM instance: ten thousand of those cost seconds (bench/README.md)
        item = SimpleNamespace(
            **data,
            id=new_id(),
            ledger_no=r.ledger_no,
            debtor_type=r.debtor_obj.type,
            region_path=r.unit.region_path,
            outstanding=r.item.principal,
            verified_repaid=ZERO,
            adjustments_total=ZERO,
            status="open",
            source=source,
            source_ref=source_ref,
            version=1,
        )
        r.item_id = item.id
        items.append(tuple(getattr(item, c) for c in ITEM_COLUMNS))
        created_lines = []
        for fl in r.item.funding_lines:
            lines.append((new_id(), item.id, fl.source, fl.amount, fl.expected_arrival_date))
            created_lines.append(fl.model_dump(mode="json"))
        writer.record(
            action="item.created",
            object_type="item",
            object_id=item.id,
            unit_id=item.responsible_unit_id,
            region_path=item.region_path,
            after={**access.item_snapshot(item), "ledger_no": item.ledger_no, "funding_lines": created_lines},
            detail=f"{source}:{source_ref}" if source_ref else source,
        )
    await writer.copy(session, "arrears_item", ITEM_COLUMNS, items)
    if progress:
        await progress(len(creates))
    updates = [r for r in rows if r.action == "update"]
    if updates:
        params = []
        for r in updates:
            t = r.target
            before = access.item_snapshot(t)
            for name, value in r.changes.items():
                if name != "funding_lines":
                    setattr(t, name, value)
            params.append((t.id, *(getattr(t, f) for f in UPDATED_FIELDS)))
            after = access.item_snapshot(t)
            audit_after = {k: v for k, v in after.items() if before.get(k) != v}
            audit_before = {k: v for k, v in before.items() if after.get(k) != v}
            if "funding_lines" in r.changes:
                audit_after["funding_lines"] = r.diff["funding_lines"]["after"]
                audit_before["funding_lines"] = r.diff["funding_lines"]["before"]
                for fl in r.changes["funding_lines"]:
                    lines.append((new_id(), t.id, fl["source"], fl["amount"], fl["expected_arrival_date"]))
            writer.record(
                action="item.updated",
                object_type="item",
                object_id=t.id,
                unit_id=t.responsible_unit_id,
                region_path=t.region_path,
                before=audit_before,
                after=audit_after,
                detail=f"{source}:{source_ref}" if source_ref else source,
            )
        raw = await (await session.connection()).get_raw_connection()
        await raw.driver_connection.execute(UPDATE_SQL, *(list(column) for column in zip(*params, strict=True)))
        relined = [r.target.id for r in updates if "funding_lines" in r.changes]
        if relined:
            await session.execute(
                text("UPDATE funding_line SET withdrawn_at = now() WHERE item_id = ANY(:ids) AND withdrawn_at IS NULL"),
                {"ids": relined},
            )
        for r in updates:  # the ORM's copies are stale now (version, funding lines)
            session.expire(r.target)
    await writer.copy(session, "funding_line", ("id", "item_id", "source", "amount", "expected_arrival_date"), lines)
    await writer.copy(session, "audit_log", AUDIT_COLUMNS, writer.audit)
    touched = [r.item_id for r in rows]
    if touched:
        chained = await session.scalars(
            text(
                "SELECT ai.id FROM arrears_item ai JOIN debtor d ON d.id = ai.debtor_id "
                "JOIN creditor c ON c.uscc = d.uscc JOIN arrears_item t ON t.creditor_id = c.id "
                "WHERE t.id = ANY(:ids) AND ai.status <> 'void'"
            ),
            {"ids": touched},
        )
        await flags.sync_flags(session, sorted(set(touched) | set(chained)), china_today())
    if progress:
        await progress(len(rows))
    return touched

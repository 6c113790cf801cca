"""Province-scale data set for the ledger, straight into PostgreSQL with COPY.

    .venv/bin/python -m bench.generate                      # 1,000,000 items (a few minutes)
    .venv/bin/python -m bench.generate --items 20000        # quick check
    .venv/bin/python -m bench.generate --drop               # remove the bench database and roles

What it does: provisions the database and the per-service roles (qqctl.provision), applies every
service's migrations, then loads one province (region tree, member units, their people, debtors,
creditors, arrears items with funding lines, repayments, evidence and adjustments) as the ledger's
*owner* role, and ANALYZEs. Secondary indexes are dropped before the load and rebuilt after it
(exactly as the migrations defined them: their definitions are read back from the catalogue).

Reproducible: the same ``--seed`` and sizes give the same rows (ids included); every table draws
from its own random stream, so a new table does not shift the others. Money is integer fen turned
into ``Decimal`` with two places, and every item satisfies the CHECK constraints
(outstanding = principal − verified_repaid + adjustments_total ≥ 0, written off ⇒ zero).

The connection details, the ids the measurement needs and the two log-in accounts (one
office_admin, one unit_operator; password printed and kept there) are written to
``bench/results/<database>.json`` (git-ignored, mode 0600).

Adding a table later (repayment plans, weekly updates, flags) is one function::

    @step("plans", tables=("repayment_plan", "plan_installment"))
    async def plans(ctx: Ctx) -> None:
        rng = ctx.rng("plans")
        for chunk in ctx.items.chunks(ctx.args.chunk):        # ids, status, outstanding, …
            await ctx.copy("repayment_plan", PLAN_COLUMNS, [...])
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import hashlib
import itertools
import json
import math
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

import asyncpg

from bench import names
from qq_kernel import migrations
from qq_kernel.uscc import random_uscc
from qqctl.provision import ServiceDatabase, drop, provision
from qqctl.services import SERVICES

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RESULTS = Path(__file__).resolve().parent / "results"
SCHEMA = "ledger"
MARKER = "qingqian bench data set (bench/generate.py)"
LEDGER_START = date(2024, 3, 1)  # the campaign's ledger opens; items are entered from then on
ADMIN_USERNAME = "bench_admin"
OPERATOR_USERNAME = "bench_operator"


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def money(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


def uid(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng`` (same text as ``uuid.UUID(int=..., version=4)``)."""
    h = f"{(rng.getrandbits(128) & _V4_CLEAR) | _V4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def at(day: date, rng: random.Random) -> datetime:
    """A moment in office hours (Beijing 09:00-18:00 = 01:00-10:00 UTC) of ``day``."""
    return datetime.combine(day, dtime(1, 0), tzinfo=UTC) + timedelta(seconds=rng.randrange(9 * 3600))


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` fen in ``parts`` positive amounts (fewer when the total is too small)."""
    parts = max(1, min(parts, total))
    if parts == 1:
        return [total]
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in itertools.pairwise([0, *cuts, total])]


class Weighted:
    """Fast repeated weighted choice over a fixed population."""

    def __init__(self, population: Sequence, weights: Sequence[float]) -> None:
        self.population = list(population)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.population[bisect.bisect_right(self.cum, rng.random() * self.total)]


# ---------------------------------------------------------------- context and steps


@dataclass
class Region:
    id: str
    code: str
    name: str
    level: str
    path: str
    city_code: str  # the city it belongs to ("" for the province)


@dataclass
class UnitRec:
    id: str
    name: str
    region: Region
    is_office: bool
    people: list[str] = field(default_factory=list)  # user ids
    weight: float = 1.0


@dataclass
class ItemsSummary:
    """What later steps need to know about each item (parallel lists, index = item number)."""

    ids: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    outstanding_fen: list[int] = field(default_factory=list)
    created_at: list[datetime] = field(default_factory=list)
    unit: list[int] = field(default_factory=list)  # index into Ctx.units
    person: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def chunks(self, size: int) -> Iterable[range]:
        for start in range(0, len(self.ids), size):
            yield range(start, min(start + size, len(self.ids)))


@dataclass
class Ctx:
    args: argparse.Namespace
    conn: asyncpg.Connection
    as_of: date
    regions: list[Region] = field(default_factory=list)
    units: list[UnitRec] = field(default_factory=list)
    office: UnitRec | None = None
    city_offices: dict[str, UnitRec] = field(default_factory=dict)
    login: dict[str, dict] = field(default_factory=dict)
    debtor_ids: list[str] = field(default_factory=list)
    debtor_type: list[str] = field(default_factory=list)
    debtor_name: list[str] = field(default_factory=list)
    debtor_unit: list[int] = field(default_factory=list)
    creditor_ids: list[str] = field(default_factory=list)
    items: ItemsSummary = field(default_factory=ItemsSummary)
    usccs: set[str] = field(default_factory=set)
    rows: dict[str, int] = field(default_factory=dict)
    copy_seconds: float = 0.0

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"{self.args.seed}:{stream}")

    async def copy(self, table: str, columns: Sequence[str], records: list[tuple]) -> None:
        if not records:
            return
        started = time.perf_counter()
        await self.conn.copy_records_to_table(table, records=records, columns=list(columns), schema_name=SCHEMA)
        self.copy_seconds += time.perf_counter() - started
        self.rows[table] = self.rows.get(table, 0) + len(records)

    def new_uscc(self, rng: random.Random, head: str, division: str) -> str:
        while True:
            code = random_uscc(rng, head=head, division=division)
            if code not in self.usccs:
                self.usccs.add(code)
                return code


@dataclass
class Step:
    name: str
    tables: tuple[str, ...]
    run: Callable[[Ctx], Awaitable[None]]


STEPS: list[Step] = []


def step(name: str, *, tables: tuple[str, ...]):
    """Register a generator step; steps run in the order they are declared."""

    def register(fn: Callable[[Ctx], Awaitable[None]]) -> Callable[[Ctx], Awaitable[None]]:
        STEPS.append(Step(name, tables, fn))
        return fn

    return register


# ---------------------------------------------------------------- region tree, units, people


@step("regions", tables=("region",))
async def gen_regions(ctx: Ctx) -> None:
    rng = ctx.rng("regions")
    created = at(LEDGER_START - timedelta(days=120), rng)
    code, name = names.PROVINCE
    province = Region(uid(rng), code, name, "province", f"/{code}/", "")
    ctx.regions.append(province)
    taken: set[str] = {"海澄"}
    for city_code, city_name in names.CITIES:
        city = Region(uid(rng), city_code, city_name, "city", f"{province.path}{city_code}/", city_code)
        ctx.regions.append(city)
        districts, counties = rng.randint(1, 2), rng.randint(2, 5)
        for n in range(districts + counties):
            if n < districts:
                code, label = f"{city_code}{n + 2:02d}", names.place_name(rng, taken, "区")
            else:
                code = f"{city_code}{21 + n - districts:02d}"
                label = "海澄县" if code == "990121" else names.place_name(rng, taken, rng.choice("县县县市"))
            ctx.regions.append(Region(uid(rng), code, label, "county", f"{city.path}{code}/", city_code))
    parent = {r.path: r.id for r in ctx.regions}
    await ctx.copy(
        "region",
        ("id", "code", "name", "level", "parent_id", "path", "version", "created_at", "updated_at"),
        [
            (r.id, r.code, r.name, r.level, parent.get(r.path.rsplit("/", 2)[0] + "/"), r.path, 1, created, created)
            for r in ctx.regions
        ],
    )


@step("units", tables=("unit",))
async def gen_units(ctx: Ctx) -> None:
    rng = ctx.rng("units")
    province = ctx.regions[0]
    cities = [r for r in ctx.regions if r.level == "city"]
    counties = [r for r in ctx.regions if r.level == "county"]
    ctx.office = UnitRec(uid(rng), f"{province.name}工业和信息化厅（清欠专班办公室）", province, True)
    ctx.units.append(ctx.office)
    for city in cities:
        office = UnitRec(uid(rng), f"{city.name}{names.OFFICE_SUFFIX}", city, True)
        ctx.units.append(office)
        ctx.city_offices[city.code] = office
    # Member units: ~85 % in the counties, the rest city departments; each place fills the
    # department list in order (财政局, 教育局, 住建局, …), round robin over the places.
    n_city = round(ctx.args.units * 0.15)
    for k in range(ctx.args.units):
        if k < n_city:
            place, dept = cities[k % len(cities)], names.DEPARTMENTS[(k // len(cities)) % len(names.DEPARTMENTS)]
        else:
            j = k - n_city
            place, dept = counties[j % len(counties)], names.DEPARTMENTS[(j // len(counties)) % len(names.DEPARTMENTS)]
        unit = UnitRec(uid(rng), place.name + dept, place, False, weight=rng.paretovariate(1.4))
        ctx.units.append(unit)
    created = at(LEDGER_START - timedelta(days=100), rng)
    await ctx.copy(
        "unit",
        ("id", "name", "region_id", "region_path", "is_office", "active", "version", "created_at", "updated_at"),
        [(u.id, u.name, u.region.id, u.region.path, u.is_office, True, 1, created, created) for u in ctx.units],
    )


USER_COLUMNS = (
    "id",
    "username",
    "display_name",
    "unit_id",
    "region_path",
    "phone",
    "roles",
    "kind",
    "password_hash",
    "must_change_password",
    "password_changed_at",
    "locked_until",
    "active",
    "version",
    "created_at",
    "updated_at",
)


@step("users", tables=("user_account",))
async def gen_users(ctx: Ctx) -> None:
    """One or two responsible people per unit (they do not log in: no password), plus the two
    accounts the measurement logs in with."""
    from ledger_api.identity.passwords import hash_password

    rng = ctx.rng("users")
    created = at(LEDGER_START - timedelta(days=90), rng)
    records = []
    for n, unit in enumerate(ctx.units):
        roles_seq = (["office_admin"], ["office_admin"]) if unit.is_office else (["unit_operator"], ["unit_leader"])
        for k in range(2 if unit.is_office or rng.random() < 0.6 else 1):
            user_id = uid(rng)
            unit.people.append(user_id)
            records.append(
                (
                    user_id,
                    f"u{n:04d}_{k + 1}",
                    names.person(rng),
                    unit.id,
                    unit.region.path,
                    names.mobile(rng),
                    roles_seq[k],
                    "person",
                    None,
                    True,
                    None,
                    None,
                    True,
                    1,
                    created,
                    created,
                )
            )
    password = ctx.args.password or f"Bench-{secrets.token_urlsafe(9)}-9a"
    password_hash = hash_password(password)
    changed = at(ctx.as_of, rng)
    operator_unit = max((u for u in ctx.units if not u.is_office), key=lambda u: u.weight)
    for username, display, unit, roles in (
        (ADMIN_USERNAME, "基准测试专班管理员", ctx.office, ["office_admin"]),
        (OPERATOR_USERNAME, "基准测试经办人", operator_unit, ["unit_operator"]),
    ):
        user_id = uid(rng)
        ctx.login[roles[0]] = {
            "username": username,
            "password": password,
            "user_id": user_id,
            "unit_id": unit.id,
            "unit_name": unit.name,
            "region_path": unit.region.path,
            "roles": roles,
        }
        records.append(
            (
                user_id,
                username,
                display,
                unit.id,
                unit.region.path,
                None,
                roles,
                "person",
                password_hash,
                False,
                changed,
                None,
                True,
                1,
                created,
                created,
            )
        )
    await ctx.copy("user_account", USER_COLUMNS, records)


# ---------------------------------------------------------------- debtors and creditors


def division(region: Region) -> str:
    return region.code.ljust(6, "0")


@step("debtors", tables=("debtor",))
async def gen_debtors(ctx: Ctx) -> None:
    rng = ctx.rng("debtors")
    members = [i for i, u in enumerate(ctx.units) if not u.is_office]
    pick_unit = Weighted(members, [ctx.units[i].weight for i in members])
    pick_type = Weighted(list(names.DEBTOR_TYPE_WEIGHTS), list(names.DEBTOR_TYPE_WEIGHTS.values()))
    taken: set[str] = set()
    records = []
    for _ in range(ctx.args.debtors):
        unit_no = pick_unit.pick(rng)
        unit = ctx.units[unit_no]
        kind = pick_type.pick(rng)
        for _attempt in range(60):
            name = names.debtor_name(rng, kind, unit.region.name, names.town(rng), names.trade_name(rng))
            if name not in taken:
                break
        taken.add(name)
        debtor_id = uid(rng)
        created = at(LEDGER_START - timedelta(days=rng.randint(1, 60)), rng)
        ctx.debtor_ids.append(debtor_id)
        ctx.debtor_type.append(kind)
        ctx.debtor_name.append(name)
        ctx.debtor_unit.append(unit_no)
        records.append(
            (
                debtor_id,
                name,
                ctx.new_uscc(rng, names.USCC_HEAD[kind], division(unit.region)),
                kind,
                unit.id,
                unit.region.path,
                1,
                created,
                created,
            )
        )
    await ctx.copy(
        "debtor",
        ("id", "name", "uscc", "type", "supervising_unit_id", "region_path", "version", "created_at", "updated_at"),
        records,
    )


CREDITOR_COLUMNS = (
    "id",
    "name",
    "uscc",
    "size",
    "contact_person",
    "contact_phone",
    "region_path",
    "version",
    "created_at",
    "updated_at",
)


@step("creditors", tables=("creditor",))
async def gen_creditors(ctx: Ctx) -> None:
    rng = ctx.rng("creditors")
    counties = [r for r in ctx.regions if r.level == "county"]
    cities = [r for r in ctx.regions if r.level == "city"]
    province = ctx.regions[0]
    pick_size = Weighted(list(names.SIZE_WEIGHTS), list(names.SIZE_WEIGHTS.values()))
    taken: set[str] = set()
    records: list[tuple] = []
    for _ in range(ctx.args.creditors):
        roll = rng.random()
        if roll < 0.72:
            region = rng.choice(counties)
            place, div, path = region.name, division(region), region.path
        elif roll < 0.9:
            region = rng.choice(cities)
            place, div, path = region.name, division(region), region.path
        else:
            div, place = rng.choice(names.OUTSIDE)
            path = province.path
        for _attempt in range(60):
            name = names.creditor_name(rng, place)
            if name not in taken:
                break
        taken.add(name)
        creditor_id = uid(rng)
        created = at(LEDGER_START - timedelta(days=rng.randint(1, 60)), rng)
        ctx.creditor_ids.append(creditor_id)
        records.append(
            (
                creditor_id,
                name,
                ctx.new_uscc(rng, "91", div),
                pick_size.pick(rng),
                names.person(rng),
                names.mobile(rng),
                path,
                1,
                created,
                created,
            )
        )
        if len(records) >= ctx.args.chunk:
            await ctx.copy("creditor", CREDITOR_COLUMNS, records)
            records = []
    await ctx.copy("creditor", CREDITOR_COLUMNS, records)


# ---------------------------------------------------------------- arrears items and their parts

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
    "void_reason",
    "source",
    "source_ref",
    "written_off_at",
    "written_off_by",
    "version",
    "created_at",
    "updated_at",
)
REPAYMENT_COLUMNS = (
    "id",
    "item_id",
    "paid_on",
    "amount",
    "method",
    "status",
    "note",
    "reverses_id",
    "reported_by",
    "reported_at",
    "verified_by",
    "verified_at",
    "rejection_reason",
    "version",
)
EVIDENCE_COLUMNS = (
    "id",
    "item_id",
    "repayment_id",
    "purpose",
    "filename",
    "media_type",
    "size",
    "sha256",
    "uploaded_by",
    "uploaded_at",
)
FUNDING_COLUMNS = ("id", "item_id", "source", "amount", "expected_arrival_date", "withdrawn_at")
ADJUSTMENT_COLUMNS = ("id", "item_id", "amount", "reason", "created_by", "created_at")

PROCUREMENT = Weighted(("works", "goods", "services"), (45, 25, 30))
# log-normal principal: median yuan and sigma by procurement type
PRINCIPAL = {"works": (math.log(380_000), 1.25), "goods": (math.log(60_000), 1.0), "services": (math.log(90_000), 1.1)}
DISPUTE_ROUTES = Weighted(("negotiation", "mediation", "arbitration", "litigation"), (40, 25, 10, 25))
FUNDING = Weighted(("budget", "financial_support", "self_raised", "special_bonds", "other"), (45, 15, 20, 15, 5))
METHODS = Weighted(("bank_transfer", "commercial_bill", "other"), (92, 4, 4))
COMPANY_DEBTORS = {"platform_company", "soe", "large_enterprise"}
REJECTIONS = ("回单金额与申报金额不符", "佐证材料不清晰，请重新上传", "收款方与债权企业不一致")
DAILY_RATES = (Decimal("0.00010000"), Decimal("0.00015000"), Decimal("0.00020000"), Decimal("0.00050000"))


def evidence_content(filename: str) -> bytes:
    """A tiny, well-formed PDF naming the file (so each blob and its SHA-256 is distinct)."""
    text = filename.encode()
    body = b"BT /F1 8 Tf 20 20 Td (" + text.hex().encode() + b") Tj ET"
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 60]/Contents 4 0 R>>endobj\n"
        b"4 0 obj<</Length " + str(len(body)).encode() + b">>stream\n" + body + b"\nendstream endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def evidence_row(file_id, item_id, repayment_id, purpose, filename, content, by, when) -> tuple:
    sha = hashlib.sha256(content).hexdigest()
    return (file_id, item_id, repayment_id, purpose, filename, "application/pdf", len(content), sha, by, when)


@dataclass
class ItemBatch:
    items: list[tuple] = field(default_factory=list)
    funding: list[tuple] = field(default_factory=list)
    repayments: list[tuple] = field(default_factory=list)
    adjustments: list[tuple] = field(default_factory=list)
    evidence: list[tuple] = field(default_factory=list)
    blobs: list[tuple] = field(default_factory=list)


@step(
    "items",
    tables=(
        "arrears_item",
        "funding_line",
        "repayment",
        "adjustment",
        "evidence_file",
        "evidence_blob",
        "yearly_sequence",
    ),
)
async def gen_items(ctx: Ctx) -> None:
    rng = ctx.rng("items")
    n = ctx.args.items
    as_of_dt = datetime.combine(ctx.as_of, dtime(10, 0), tzinfo=UTC)
    start_dt = datetime.combine(LEDGER_START, dtime(1, 0), tzinfo=UTC)
    slot = (as_of_dt - start_dt).total_seconds() / n
    n_debtors, n_creditors = len(ctx.debtor_ids), len(ctx.creditor_ids)
    # Some debtors and creditors carry many items: index = N · u^k (k > 1 skews towards the front,
    # and the lists are in random order, so the heavy ones are random too).
    sequences: dict[tuple[str, int], int] = {}
    verifiers = {u.region.city_code: ctx.city_offices[u.region.city_code].people for u in ctx.units[1:]}
    office_people = ctx.office.people

    def make(first: int, stop: int) -> ItemBatch:
        """Items first..stop-1 and their parts (runs in a thread while the previous batch is copied)."""
        batch = ItemBatch()
        for i in range(first, stop):
            created = start_dt + timedelta(seconds=(i + rng.random()) * slot)
            d = int(n_debtors * rng.random() ** 1.7)
            c = int(n_creditors * rng.random() ** 1.4)
            unit_no = ctx.debtor_unit[d]
            unit = ctx.units[unit_no]
            person = rng.choice(unit.people) if unit.people and rng.random() < 0.95 else None
            checkers = verifiers.get(unit.region.city_code, office_people)
            debtor_type = ctx.debtor_type[d]
            kind = PROCUREMENT.pick(rng)
            mu, sigma = PRINCIPAL[kind]
            yuan = min(max(rng.lognormvariate(mu, sigma), 800.0), 200_000_000.0)
            roll = rng.random()
            if roll < 0.55:
                principal = int(yuan) * 100
            elif roll < 0.75:
                principal = int(yuan / 100) * 10_000 or 80_000
            else:
                principal = int(yuan * 100)
            key = (unit.region.code, created.year)
            sequences[key] = seq = sequences.get(key, 0) + 1
            ledger_no = f"{unit.region.code}-{created.year}-{seq:06d}"
            item_id = uid(rng)

            # ---- lifecycle: older items are further along
            age = 1.0 - i / n
            roll = rng.random()
            if roll < 0.05 + 0.5 * age:
                status = "written_off"
            elif roll < 0.11 + 0.5 * age:
                status = "claimed_cleared"
            elif roll < 0.13 + 0.5 * age:
                status = "void"
            elif roll < 0.40 + 0.45 * age:
                status = "resolving"
            else:
                status = "open"

            created_day = created.date()
            delivery = created_day - timedelta(days=rng.randint(15, 1400))
            acceptance = None
            if kind == "works" and rng.random() < 0.7:
                acceptance = delivery + timedelta(days=rng.randint(10, 120))
            elif kind == "goods" and rng.random() < 0.3:
                acceptance = delivery + timedelta(days=rng.randint(3, 30))
            due = None
            if rng.random() > 0.04:
                terms = 60 if debtor_type in COMPANY_DEBTORS or rng.random() < 0.2 else 30
                due = (acceptance or delivery) + timedelta(days=terms)
            disputed = status != "void" and rng.random() < 0.07
            route = DISPUTE_ROUTES.pick(rng) if disputed else None
            case_no = None
            if route == "litigation":
                case_no = f"（{created.year}）示{unit.region.code[2:]}民初{rng.randint(100, 9999)}号"
            elif route == "arbitration":
                case_no = f"（{created.year}）示仲案字第{rng.randint(10, 999)}号"

            # ---- money (integer fen); events happen between entry and as_of
            room = (as_of_dt - created).total_seconds() - 20 * 86400
            window = max(3600.0, min(600 * 86400.0, room))
            adj = 0
            adjustments: list[tuple[int, str]] = []
            reps: list[list] = []  # [amount, status, rejection]
            if status in ("written_off", "claimed_cleared"):
                roll = rng.random()
                if roll < 0.15:
                    adj = -max(1, round(principal * rng.uniform(0.01, 0.1)))
                    adjustments.append((adj, rng.choice(names.ADJUSTMENT_REASONS_DOWN)))
                elif roll < 0.18:
                    adj = max(1, round(principal * rng.uniform(0.005, 0.05)))
                    adjustments.append((adj, rng.choice(names.ADJUSTMENT_REASONS_UP)))
                for amount in split(principal + adj, rng.choice((1, 1, 1, 2, 2, 3, 4)), rng):
                    reps.append([amount, "verified", None])
            elif status == "resolving":
                roll = rng.random()
                if roll < 0.6:
                    paid = max(1, round(principal * rng.uniform(0.05, 0.9)))
                    for amount in split(paid, rng.choice((1, 1, 2, 3)), rng):
                        reps.append([amount, "verified", None])
                if roll < 0.85 and (roll >= 0.6 or rng.random() < 0.3):
                    left = principal - sum(r[0] for r in reps)
                    pending = round(left * rng.uniform(0.1, 0.6 if reps else 1.0))
                    if pending > 0:
                        reps.append([pending, "reported", None])
                if rng.random() < 0.06:
                    left = principal - sum(r[0] for r in reps if r[1] == "verified")
                    pending = sum(r[0] for r in reps if r[1] == "reported")
                    cut = min(round(left * rng.uniform(0.01, 0.05)), left - pending - 1)
                    if cut > 0:
                        adj = -cut
                        adjustments.append((adj, rng.choice(names.ADJUSTMENT_REASONS_DOWN)))
            if reps and status != "void" and rng.random() < 0.03:
                reps.insert(0, [max(1, round(principal * rng.uniform(0.05, 0.5))), "rejected", rng.choice(REJECTIONS)])
            reversal_of = None
            if status in ("written_off", "claimed_cleared", "resolving") and rng.random() < 0.01:
                verified = [k for k, r in enumerate(reps) if r[1] == "verified"]
                if verified:
                    reversal_of = verified[0]
            verified_total = sum(r[0] for r in reps if r[1] == "verified")
            outstanding = principal - verified_total + adj
            assert outstanding >= 0 and (outstanding == 0) == (status in ("written_off", "claimed_cleared")), (
                status,
                principal,
                verified_total,
                adj,
            )

            # ---- timeline of the money events
            moments = sorted(
                rng.random() * window for _ in range(len(reps) + len(adjustments) + (reversal_of is not None))
            )
            last = created
            rep_ids: list[str] = []
            events = iter(moments)
            for k, (amount, rstatus, rejection) in enumerate(reps):
                when = created + timedelta(seconds=next(events))
                reported_at = min(when + timedelta(hours=rng.uniform(1, 72)), as_of_dt)
                checked_at = (
                    min(reported_at + timedelta(hours=rng.uniform(4, 360)), as_of_dt) if rstatus != "reported" else None
                )
                rep_id = uid(rng)
                rep_ids.append(rep_id)
                reporter = person or (unit.people[0] if unit.people else office_people[0])
                checker = rng.choice(checkers) if checked_at else None
                note = rng.choice(names.REPAYMENT_NOTES)
                batch.repayments.append(
                    (
                        rep_id,
                        item_id,
                        when.date(),
                        money(amount),
                        METHODS.pick(rng),
                        rstatus,
                        note.format(k=k + 1) if note else None,
                        None,
                        reporter,
                        reported_at,
                        checker,
                        checked_at,
                        rejection,
                        1 if rstatus == "reported" else 2,
                    )
                )
                last = max(last, checked_at or reported_at)
                if rstatus == "verified" or rng.random() < (0.7 if rstatus == "reported" else 0.5):
                    method_doc = "银行回单" if batch.repayments[-1][4] == "bank_transfer" else "付款凭证"
                    filename = f"{method_doc}_{ledger_no}_{k + 1}.pdf"
                    content = evidence_content(filename)
                    file_id = uid(rng)
                    batch.evidence.append(
                        evidence_row(file_id, item_id, rep_id, "receipt", filename, content, reporter, reported_at)
                    )
                    if ctx.args.blobs:
                        batch.blobs.append((file_id, content))
                if k == reversal_of:
                    # entered wrongly, reversed, then entered again: net effect nil
                    when2 = created + timedelta(seconds=next(events))
                    rev_at = min(max(when2, checked_at) + timedelta(hours=2), as_of_dt)
                    batch.repayments.append(
                        (
                            uid(rng),
                            item_id,
                            rev_at.date(),
                            money(-amount),
                            batch.repayments[-1][4],
                            "verified",
                            "录入金额有误，冲销",
                            rep_id,
                            checker,
                            rev_at,
                            checker,
                            rev_at,
                            None,
                            1,
                        )
                    )
                    again = uid(rng)
                    batch.repayments.append(
                        (
                            again,
                            item_id,
                            when.date(),
                            money(amount),
                            "bank_transfer",
                            "verified",
                            "冲销后重新登记",
                            None,
                            reporter,
                            rev_at,
                            checker,
                            rev_at,
                            None,
                            2,
                        )
                    )
                    filename = f"银行回单_{ledger_no}_{k + 1}_重新登记.pdf"
                    content = evidence_content(filename)
                    file_id = uid(rng)
                    batch.evidence.append(
                        evidence_row(file_id, item_id, again, "receipt", filename, content, reporter, rev_at)
                    )
                    if ctx.args.blobs:
                        batch.blobs.append((file_id, content))
                    last = max(last, rev_at)
            for amount, reason in adjustments:
                when = min(created + timedelta(seconds=next(events)), as_of_dt)
                batch.adjustments.append((uid(rng), item_id, money(amount), reason, rng.choice(checkers), when))
                last = max(last, when)

            written_off_at = written_off_by = None
            if status == "written_off":
                written_off_at = min(last + timedelta(days=rng.randint(1, 20)), as_of_dt)
                written_off_by = rng.choice(checkers)
                filename = f"企业确认函_{ledger_no}.pdf"
                content = evidence_content(filename)
                file_id = uid(rng)
                batch.evidence.append(
                    evidence_row(
                        file_id,
                        item_id,
                        rep_ids[-1],
                        "confirmation",
                        filename,
                        content,
                        person or checkers[0],
                        written_off_at,
                    )
                )
                if ctx.args.blobs:
                    batch.blobs.append((file_id, content))
                last = written_off_at
            elif status == "void":
                last = min(created + timedelta(days=rng.randint(1, 30)), as_of_dt)

            has_plan = status in ("resolving", "claimed_cleared", "written_off") and rng.random() < 0.9
            if has_plan or (status == "open" and rng.random() < 0.25):
                for amount in split(principal + adj, rng.choice((1, 1, 2, 3)), rng):
                    arrival = created_day + timedelta(days=rng.randint(30, 400))
                    batch.funding.append((uid(rng), item_id, FUNDING.pick(rng), money(amount), arrival, None))
            planned = None
            if status != "void" and rng.random() < (0.4 if status == "open" else 0.85):
                planned = created_day + timedelta(days=rng.randint(60, 540))
            measures = None
            if status in ("resolving", "claimed_cleared", "written_off") and rng.random() < 0.85:
                plan_day = planned or created_day + timedelta(days=180)
                measures = rng.choice(names.MEASURES).format(year=plan_day.year, month=plan_day.month)
            place = unit.region.name
            debtor_name = ctx.debtor_name[d]
            batch.items.append(
                (
                    item_id,
                    ledger_no,
                    unit.region.path,
                    ctx.debtor_ids[d],
                    ctx.debtor_type[d],
                    ctx.creditor_ids[c],
                    names.contract_name(rng, kind, delivery.year, place, debtor_name),
                    kind,
                    money(principal),
                    money(verified_total),
                    money(adj),
                    money(outstanding),
                    delivery,
                    acceptance,
                    due,
                    rng.choice(DAILY_RATES) if rng.random() < 0.12 else None,
                    unit.id,
                    person,
                    disputed,
                    route,
                    case_no,
                    measures,
                    planned,
                    status,
                    rng.choice(names.VOID_REASONS) if status == "void" else None,
                    "manual",
                    None,
                    written_off_at,
                    written_off_by,
                    1 + len(reps) + len(adjustments) + (status in ("written_off", "void")),
                    created,
                    max(last, created),
                )
            )
            s = ctx.items
            s.ids.append(item_id)
            s.status.append(status)
            s.outstanding_fen.append(outstanding)
            s.created_at.append(created)
            s.unit.append(unit_no)
            s.person.append(person)
        return batch

    pending: asyncio.Task | None = None
    for first in range(0, n, ctx.args.chunk):
        stop = min(first + ctx.args.chunk, n)
        batch = await asyncio.to_thread(make, first, stop)
        if pending is not None:
            await pending
        pending = asyncio.create_task(flush_items(ctx, batch))
        if stop % (ctx.args.chunk * 10) == 0 or stop == n:
            print(f"  items {stop:>9,} / {n:,}", flush=True)
    if pending is not None:
        await pending

    await ctx.copy(
        "yearly_sequence",
        ("series", "scope", "year", "last_value"),
        [("ledger_no", code, year, value) for (code, year), value in sorted(sequences.items())],
    )


async def flush_items(ctx: Ctx, batch: ItemBatch) -> None:
    await ctx.copy("arrears_item", ITEM_COLUMNS, batch.items)
    await ctx.copy("funding_line", FUNDING_COLUMNS, batch.funding)
    # Reversals reference the repayment they undo: originals first.
    await ctx.copy("repayment", REPAYMENT_COLUMNS, [r for r in batch.repayments if r[7] is None])
    await ctx.copy("repayment", REPAYMENT_COLUMNS, [r for r in batch.repayments if r[7] is not None])
    await ctx.copy("adjustment", ADJUSTMENT_COLUMNS, batch.adjustments)
    await ctx.copy("evidence_file", EVIDENCE_COLUMNS, batch.evidence)
    await ctx.copy("evidence_blob", ("file_id", "content"), batch.blobs)


# ---------------------------------------------------------------- database plumbing


async def database_state(admin_url: str, database: str) -> str:
    """ "absent", "bench" (made by this script) or "foreign"."""
    conn = await asyncpg.connect(dsn(admin_url))
    try:
        row = await conn.fetchrow(
            "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1", database
        )
    finally:
        await conn.close()
    if row is None:
        return "absent"
    return "bench" if row["comment"] == MARKER else "foreign"


async def mark(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(dsn(admin_url))
    try:
        await conn.execute(f"COMMENT ON DATABASE \"{database}\" IS '{MARKER}'")
    finally:
        await conn.close()


SECONDARY_INDEXES = """
SELECT c.relname AS table_name, i.relname AS index_name, pg_get_indexdef(i.oid) AS definition
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid AND k.conrelid = c.oid)
ORDER BY c.relname, i.relname
"""

FOREIGN_KEYS = """
SELECT cl.relname AS table_name, k.conname, pg_get_constraintdef(k.oid) AS definition
FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
WHERE k.contype = 'f' AND n.nspname = $1 AND cl.relname = ANY($2::text[])
ORDER BY cl.relname, k.conname
"""


async def load(ctx: Ctx, timings: dict[str, float]) -> None:
    conn = ctx.conn
    tables = [t for s in STEPS for t in s.tables]
    await conn.execute("SET maintenance_work_mem = '1GB'; SET synchronous_commit = off")
    indexes = await conn.fetch(SECONDARY_INDEXES, SCHEMA, tables)
    started = time.perf_counter()
    for row in indexes:
        await conn.execute(f'DROP INDEX "{SCHEMA}"."{row["index_name"]}"')
    fks = []
    if ctx.args.defer_fks:
        # Checked once after the load with one anti-join each (VALIDATE CONSTRAINT) instead of a
        # trigger call per row.
        fks = await conn.fetch(FOREIGN_KEYS, SCHEMA, tables)
        for row in fks:
            await conn.execute(f'ALTER TABLE "{SCHEMA}"."{row["table_name"]}" DROP CONSTRAINT "{row["conname"]}"')
    timings["drop secondary indexes"] = time.perf_counter() - started

    for s in STEPS:
        started = time.perf_counter()
        before = dict(ctx.rows)
        copy_before = ctx.copy_seconds
        await s.run(ctx)
        elapsed = time.perf_counter() - started
        timings[s.name] = elapsed
        added = {t: ctx.rows[t] - before.get(t, 0) for t in ctx.rows if ctx.rows[t] != before.get(t, 0)}
        summary = ", ".join(f"{t} {r:,}" for t, r in added.items())
        print(f"{s.name:<10} {elapsed:7.1f}s (COPY {ctx.copy_seconds - copy_before:6.1f}s)  {summary}", flush=True)

    started = time.perf_counter()
    for row in fks:
        await conn.execute(
            f'ALTER TABLE "{SCHEMA}"."{row["table_name"]}" ADD CONSTRAINT "{row["conname"]}" '
            f"{row['definition']} NOT VALID"
        )
        await conn.execute(f'ALTER TABLE "{SCHEMA}"."{row["table_name"]}" VALIDATE CONSTRAINT "{row["conname"]}"')
    if fks:
        timings["foreign keys validated"] = time.perf_counter() - started
        print(f"foreign keys: {len(fks)} re-added and validated in {timings['foreign keys validated']:.1f}s")
    started = time.perf_counter()
    for row in indexes:
        t0 = time.perf_counter()
        await conn.execute(row["definition"])
        print(f"  index {row['index_name']:<42} {time.perf_counter() - t0:6.1f}s", flush=True)
    timings["rebuild secondary indexes"] = time.perf_counter() - started
    started = time.perf_counter()
    for table in dict.fromkeys(tables):
        await conn.execute(f'VACUUM (ANALYZE) "{SCHEMA}"."{table}"')
    timings["vacuum analyze"] = time.perf_counter() - started
    print(
        f"indexes rebuilt in {timings['rebuild secondary indexes']:.1f}s, "
        f"VACUUM ANALYZE in {timings['vacuum analyze']:.1f}s"
    )


async def check_invariants(conn: asyncpg.Connection) -> dict[str, int]:
    """The ledger's own rules, re-checked over the whole data set (each must be 0)."""
    checks = {
        "verified_repaid differs from its verified repayments": """
            SELECT count(*) FROM ledger.arrears_item a
            LEFT JOIN (SELECT item_id, sum(amount) s FROM ledger.repayment WHERE status = 'verified' GROUP BY item_id) r
              ON r.item_id = a.id
            WHERE a.verified_repaid <> coalesce(r.s, 0)""",
        "adjustments_total differs from its adjustments": """
            SELECT count(*) FROM ledger.arrears_item a
            LEFT JOIN (SELECT item_id, sum(amount) s FROM ledger.adjustment GROUP BY item_id) r ON r.item_id = a.id
            WHERE a.adjustments_total <> coalesce(r.s, 0)""",
        "written off with a pending repayment or a verified one without evidence": """
            SELECT count(*) FROM ledger.arrears_item a WHERE a.status = 'written_off' AND EXISTS (
              SELECT 1 FROM ledger.repayment r WHERE r.item_id = a.id AND (r.status = 'reported' OR (
                r.status = 'verified' AND r.reverses_id IS NULL
                AND NOT EXISTS (SELECT 1 FROM ledger.evidence_file e WHERE e.repayment_id = r.id))))""",
        "pending claims above outstanding": """
            SELECT count(*) FROM ledger.arrears_item a
            JOIN (SELECT item_id, sum(amount) s FROM ledger.repayment WHERE status = 'reported' GROUP BY item_id) r
              ON r.item_id = a.id
            WHERE r.s > a.outstanding""",
        "void with verified repayments": (
            "SELECT count(*) FROM ledger.arrears_item WHERE status = 'void' AND verified_repaid <> 0"
        ),
    }
    return {name: await conn.fetchval(sql) for name, sql in checks.items()}


def migrate(dbs: dict[str, ServiceDatabase]) -> None:
    for spec in SERVICES:
        migrations.upgrade(spec.migrations_dir, dbs[spec.key].owner_url, spec.key)


async def main(args: argparse.Namespace) -> int:
    state_file = RESULTS / f"{args.database}.json"
    secrets_file = RESULTS / f"{args.database}-roles.json"
    state = await database_state(args.database_url, args.database)
    if args.drop:
        if state == "foreign":
            print(f"refusing: database {args.database} was not made by bench/generate.py", file=sys.stderr)
            return 2
        await drop(args.database_url, args.database)
        state_file.unlink(missing_ok=True)
        secrets_file.unlink(missing_ok=True)
        print(f"dropped database {args.database} and its roles")
        return 0
    if state == "foreign":
        print(
            f"refusing: database {args.database} exists and was not made by bench/generate.py; choose --database",
            file=sys.stderr,
        )
        return 2
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    started = time.perf_counter()
    if state == "bench":
        await drop(args.database_url, args.database)
    RESULTS.mkdir(parents=True, exist_ok=True)
    dbs = await provision(args.database_url, args.database, secrets_file=secrets_file)
    await mark(args.database_url, args.database)
    await asyncio.to_thread(migrate, dbs)
    timings["provision and migrate"] = time.perf_counter() - started
    print(f"provisioned {args.database}, migrated {len(SERVICES)} services: {timings['provision and migrate']:.1f}s")

    conn = await asyncpg.connect(dsn(dbs["ledger"].owner_url))
    try:
        ctx = Ctx(args=args, conn=conn, as_of=date.fromisoformat(args.as_of))
        await load(ctx, timings)
        started = time.perf_counter()
        problems = await check_invariants(conn)
        timings["invariant checks"] = time.perf_counter() - started
        sizes = {
            r["table"]: r["size"]
            for r in await conn.fetch(
                "SELECT c.relname AS table, pg_total_relation_size(c.oid) AS size FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
                SCHEMA,
            )
        }
    finally:
        await conn.close()
    timings["total"] = time.perf_counter() - t_all
    bad = {k: v for k, v in problems.items() if v}
    print(f"invariants: {'all hold' if not bad else bad} ({timings['invariant checks']:.1f}s)")

    member_units = [u for u in ctx.units if not u.is_office]
    per_unit = Counter(ctx.items.unit)
    busiest = sorted(member_units, key=lambda u: -per_unit[ctx.units.index(u)])
    out = {
        "database": args.database,
        "admin_url": args.database_url,
        "databases": {k: {"runtime_url": v.runtime_url, "owner_url": v.owner_url} for k, v in dbs.items()},
        "seed": args.seed,
        "as_of": args.as_of,
        "sizes": {"items": args.items, "creditors": args.creditors, "debtors": args.debtors, "units": args.units},
        "rows": ctx.rows,
        "bytes": sizes,
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "login": ctx.login,
        "province_path": ctx.regions[0].path,
        "office_unit_id": ctx.office.id,
        "member_unit_ids": [u.id for u in busiest],
        "invariant_violations": bad,
    }
    state_file.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    state_file.chmod(0o600)
    total_rows = sum(ctx.rows.values())
    print(
        f"\n{total_rows:,} rows in {timings['total']:.1f}s "
        f"(COPY {ctx.copy_seconds:.1f}s); database size {sum(sizes.values()) / 2**20:,.0f} MiB"
    )
    print(f"log in: {ADMIN_USERNAME} / {OPERATOR_USERNAME}, password {ctx.login['office_admin']['password']}")
    print(f"state: {state_file.relative_to(Path.cwd()) if state_file.is_relative_to(Path.cwd()) else state_file}")
    return 1 if bad else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=1_000_000)
    p.add_argument("--creditors", type=int, default=300_000)
    p.add_argument("--debtors", type=int, default=20_000)
    p.add_argument("--units", type=int, default=150, help="member units (offices come on top: province + cities)")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--as-of", default="2026-11-20", help="the data set's 'today' (fixed, so runs are reproducible)")
    p.add_argument("--database-url", default=DEFAULT_ADMIN_URL, help="administrative URL of the PostgreSQL server")
    p.add_argument("--database", default="qqbench")
    p.add_argument("--password", default=None, help="password of bench_admin/bench_operator (default: random)")
    p.add_argument("--chunk", type=int, default=20_000, help="rows per COPY batch")
    p.add_argument("--no-blobs", dest="blobs", action="store_false", help="evidence metadata only, no file content")
    p.add_argument(
        "--keep-fks",
        dest="defer_fks",
        action="store_false",
        help="keep the foreign keys during the load (a trigger call per row; default: drop them for the load, "
        "then re-add and VALIDATE them, one anti-join each)",
    )
    p.add_argument("--drop", action="store_true", help="drop the bench database and its roles, then exit")
    args = p.parse_args(argv)
    if min(args.items, args.creditors, args.debtors, args.units) < 1:
        p.error("sizes must be positive")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))

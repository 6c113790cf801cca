"""Excel in and out, and the bulk API: the rules of transfer (the item rules themselves are the
ledger's, applied through bulk.py).

Import jobs: an upload is checked (importer.check_container) and stored as a job; a worker task
in every replica claims queued jobs with ``FOR UPDATE SKIP LOCKED`` (several replicas never take
the same job), parses the workbook in a thread (the event loop keeps serving), validates every row
and stores a dry run (created / updated with differences / unchanged / errors per cell). Confirming
queues the write: the worker parses and plans again under the transfer lock (what changed since the
dry run counts) and writes. A job whose worker died (no heartbeat for STALE_AFTER) is claimed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import socket
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from fastapi import FastAPI, Request
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger_api.audit.models import AUDIT
from ledger_api.flags import service as flags
from ledger_api.identity.models import Unit, User
from ledger_api.ledger import access, listing
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor, FundingLine
from ledger_api.transfer import bulk, importer, schemas, template
from ledger_api.transfer.models import IdempotencyKey, ImportJob
from ledger_api.weekly import service as weekly
from ledger_api.weekly.schemas import WeeklyUpdateIn
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import scope_clause
from qq_kernel.clock import CHINA, china_today
from qq_kernel.problems import ProblemError, pydantic_field_errors

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=2)
POLL_SECONDS = 2.0
IDEMPOTENCY_TTL = timedelta(hours=24)
PREVIEW_CAP = {"refused": 5000, "update": 5000, "create": 500, "unchanged": 0}
VALIDATE_CHUNK = 2000
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def now() -> datetime:
    return datetime.now(UTC)


def principal_json(principal: Principal) -> dict:
    data = dataclasses.asdict(principal)
    data["roles"], data["permissions"] = sorted(principal.roles), sorted(principal.permissions)
    return data


def principal_of(data: dict) -> Principal:
    return Principal(**{**data, "roles": frozenset(data["roles"]), "permissions": frozenset(data["permissions"])})


# ---------------------------------------------------------------- names in a sheet → ids


@dataclasses.dataclass
class Directory:
    """The units a caller may assign items to, by name, and their people (for the 责任人 column)."""

    units: list[Unit]
    people: dict[str, list[User]]  # unit id -> active users
    _labels: dict | None = None

    def unit_names(self) -> list[str]:
        return sorted({u.name for u in self.units})

    def unit(self, name: str) -> Unit:
        found = [u for u in self.units if u.name == name]
        if not found:
            raise importer.CellError(f"责任单位“{name}”不存在或不在您的管辖范围内")
        if len(found) > 1:
            raise importer.CellError(f"有多个名为“{name}”的单位，请联系专班办公室")
        return found[0]

    def person(self, unit: Unit, name: str) -> User:
        found = [p for p in self.people.get(unit.id, []) if name in (p.display_name, p.username)]
        by_username = [p for p in found if p.username == name]
        if len(found) == 1 or len(by_username) == 1:
            return by_username[0] if by_username else found[0]
        if not found:
            raise importer.CellError(f"“{unit.name}”没有在岗人员“{name}”")
        raise importer.CellError(f"“{unit.name}”有多位“{name}”，请填写用户名")

    def person_label(self, person_id: str | None) -> str | None:
        """How an export names a person: the display name, the username where that is ambiguous."""
        if self._labels is None:
            self._labels = {}
            for people in self.people.values():
                for p in people:
                    twins = sum(1 for q in people if q.display_name == p.display_name)
                    self._labels[p.id] = p.display_name if twins == 1 else p.username
        return self._labels.get(person_id) if person_id else None


async def directory(session: AsyncSession, principal: Principal) -> Directory:
    units = list(
        await session.scalars(
            select(Unit)
            .where(Unit.active, scope_clause(principal, unit_col=Unit.id, region_col=Unit.region_path))
            .order_by(Unit.name)
        )
    )
    people: dict[str, list[User]] = {}
    if units:
        for user in await session.scalars(
            select(User).where(User.unit_id.in_([u.id for u in units]), User.active, User.kind == "person")
        ):
            people.setdefault(user.unit_id, []).append(user)
    return Directory(units, people)


@dataclasses.dataclass
class SheetInput:
    row: importer.SheetRow
    raw: dict
    slots: list[int]  # funding_lines[k] came from slot slots[k]
    skip: frozenset


def sheet_inputs(parsed: importer.ParsedSheet, names: Directory) -> tuple[list[SheetInput], frozenset]:
    """The sheet's rows in the bulk API's form (names of units and people resolved to ids)."""
    present = parsed.present
    provided = {k for k in present if k in bulk.ROW_FIELDS}
    if any(k.startswith("funding_") for k in present):
        provided.add("funding_lines")
    out = []
    for row in parsed.rows:
        values = row.values
        raw = {k: v for k, v in values.items() if k in bulk.ROW_FIELDS and k not in ("responsible_unit_id",)}
        raw.pop("responsible_person_id", None)
        unit = None
        if "responsible_unit_id" in values:
            try:
                unit = names.unit(values["responsible_unit_id"])
                raw["responsible_unit_id"] = unit.id
            except importer.CellError as exc:
                row.errors.append(("responsible_unit_id", str(exc)))
        if "responsible_person_id" in values and unit is not None:
            try:
                raw["responsible_person_id"] = names.person(unit, values["responsible_person_id"]).id
            except importer.CellError as exc:
                row.errors.append(("responsible_person_id", str(exc)))
        lines, slots = [], []
        for n in range(1, template.FUNDING_SLOTS + 1):
            line = {
                "source": values.get(f"funding_{n}_source"),
                "amount": values.get(f"funding_{n}_amount"),
                "expected_arrival_date": values.get(f"funding_{n}_date"),
            }
            if any(v is not None for v in line.values()) or any(k.startswith(f"funding_{n}_") for k in row.bad):
                lines.append({k: v for k, v in line.items() if v is not None})
                slots.append(n)
        if "funding_lines" in provided:
            raw["funding_lines"] = lines
        skip = {key for key, _ in row.errors}
        skip |= {"funding_lines" for key in skip if key.startswith("funding_")}
        out.append(SheetInput(row, raw, slots, frozenset(skip)))
    return out, frozenset(provided)


def column_key(field: str, slots: list[int]) -> str | None:
    """An engine field (``funding_lines.1.amount``) → the template column it came from."""
    head, _, rest = field.partition(".")
    if head == "funding_lines":
        k, _, sub = rest.partition(".")
        slot = slots[int(k)] if k.isdigit() and int(k) < len(slots) else 1
        return f"funding_{slot}_" + {"source": "source", "amount": "amount", "expected_arrival_date": "date"}.get(
            sub, "source"
        )
    return head if head in template.BY_KEY else None


def validate_sheet(inputs: list[SheetInput], provided: frozenset, counter) -> list[bulk.Row]:
    """Every row through the API's schemas (pure; runs in a thread)."""
    rows = []
    for k, inp in enumerate(inputs):
        rows.append(bulk.validate_row(inp.row.number, inp.raw, provided, inp.skip))
        if k % 500 == 0:
            counter(k)
    counter(len(inputs))
    return rows


def preview(parsed: importer.ParsedSheet, inputs: list[SheetInput], rows: list[bulk.Row]) -> tuple[list, dict]:
    """The dry run as the wizard shows it: each row's outcome, errors per cell (sheet, row, column,
    Chinese message), differences per column. Errors and differences are kept up to PREVIEW_CAP."""
    counts = {"create": 0, "update": 0, "unchanged": 0, "refused": 0}
    out = []
    for inp, row in zip(inputs, rows, strict=True):
        errors = []
        for key, message in inp.row.errors:
            column = template.BY_KEY[key]
            errors.append(
                {"column": parsed.columns.get(key), "header": column.header, "field": key, "message": message}
            )
        for e in row.errors:
            key = column_key(e["field"], inp.slots)
            errors.append(
                {
                    "column": parsed.columns.get(key) if key else None,
                    "header": template.BY_KEY[key].header if key else None,
                    "field": key or e["field"],
                    "message": e["message"],
                }
            )
        action = "refused" if errors else row.action
        counts[action] += 1
        if counts[action] > PREVIEW_CAP[action]:
            continue
        entry = {"sheet": parsed.sheet, "row": inp.row.number, "action": action, "ledger_no": row.ledger_no}
        if errors:
            cells = {template.BY_KEY[k].header: _as_typed(template.BY_KEY[k], v) for k, v in inp.row.values.items()}
            cells |= {template.BY_KEY[k].header: v for k, v in inp.row.bad.items()}
            entry |= {"errors": errors, "cells": {k: bulk._json(v) for k, v in cells.items()}}
        elif row.diff:
            entry["changes"] = {
                (template.BY_KEY[k].header if k in template.BY_KEY else "资金来源"): v for k, v in row.diff.items()
            }
        out.append(entry)
    return out, counts


def _as_typed(column: template.Column, value):
    """A cell as the clerk typed it (the label, not the code it was read as)."""
    if column.choices:
        return column.choices.get(value, value)
    if column.kind == "bool":
        return template.DISPUTED_LABELS[value]
    return value


def row_problems(inputs: list[SheetInput], rows: list[bulk.Row]) -> None:
    """Cells that could not be read make their row an error row for the engine too."""
    for inp, row in zip(inputs, rows, strict=True):
        for key, message in inp.row.errors:
            row.errors.append({"field": f"cell:{key}", "message": message, "code": "cell"})


# ---------------------------------------------------------------- jobs


async def create_job(session: AsyncSession, principal: Principal, *, filename: str, content: bytes) -> ImportJob:
    importer.check_container(content, filename)
    job = ImportJob(
        owner_id=principal.subject,
        owner_name=principal.display_name or principal.username,
        principal=principal_json(principal),
        unit_id=principal.unit_id,
        region_path=principal.region_path,
        filename=filename[:255],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        mode="all_or_nothing",
        status="queued",
        rows_total=0,
        rows_read=0,
        rows_validated=0,
        rows_written=0,
    )
    session.add(job)
    await session.flush()
    return job


async def load_job(session: AsyncSession, principal: Principal, job_id: str) -> ImportJob:
    job = await session.get(ImportJob, job_id)
    if job is None or job.owner_id != principal.subject:
        raise ProblemError(404, detail="导入任务不存在")
    return job


def job_out(job: ImportJob) -> schemas.ImportJobOut:
    return schemas.ImportJobOut(
        id=job.id,
        filename=job.filename,
        size=job.size,
        status=job.status,
        mode=job.mode,
        owner_name=job.owner_name,
        rows_total=job.rows_total,
        rows_read=job.rows_read,
        rows_validated=job.rows_validated,
        rows_written=job.rows_written,
        counts=job.counts,
        error=job.error,
        sheet=(job.result or {}).get("sheet"),
        created_at=job.created_at,
        updated_at=job.updated_at,
        finished_at=job.finished_at,
    )


async def confirm_job(session: AsyncSession, principal: Principal, job: ImportJob, mode: str) -> ImportJob:
    if job.status != "validated" and not (job.status == "invalid" and mode == "valid_rows" and job.content):
        raise ProblemError(
            409, code="import_not_confirmable", detail=f"导入任务当前为“{template_status(job.status)}”，不能确认写入"
        )
    if mode == "valid_rows" and not (job.counts or {}).get("create") and not (job.counts or {}).get("update"):
        raise ProblemError(409, code="import_nothing_valid", detail="没有可导入的有效行")
    job.status, job.mode, job.rows_written = "confirmed", mode, 0
    await session.flush()
    return job


def template_status(status: str) -> str:
    from ledger_api.transfer.models import IMPORT_STATUSES

    return IMPORT_STATUSES.get(status, status)


class Progress:
    """A job's counters, set from the worker thread and written to its row every half second by
    one task (its own short transactions: the SPA polls them while the job runs)."""

    def __init__(self, factory: async_sessionmaker, job_id: str) -> None:
        self.factory, self.job_id = factory, job_id
        self.values = {"rows_total": 0, "rows_read": 0, "rows_validated": 0, "rows_written": 0}
        self._written: dict = {}
        self._task: asyncio.Task | None = None

    def set(self, **values) -> None:
        self.values.update(values)

    async def flush(self, *, beat: bool = False) -> None:
        if self.values == self._written and not beat:
            return
        snapshot = dict(self.values)
        async with self.factory() as s:
            await s.execute(
                update(ImportJob)
                .where(ImportJob.id == self.job_id)
                .values(**snapshot, heartbeat_at=func.now(), updated_at=func.now())
            )
            await s.commit()
        self._written = snapshot

    async def _loop(self) -> None:
        # The heartbeat goes on through phases that move no counter (matching, COPY): a job whose
        # heartbeat stops for STALE_AFTER is taken to be orphaned and claimed again.
        ticks = 0
        while True:
            await asyncio.sleep(0.5)
            ticks += 1
            with contextlib.suppress(Exception):
                await self.flush(beat=ticks % 10 == 0)

    async def __aenter__(self) -> Progress:
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(self, *exc) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self.flush()


CLAIM_SQL = text(
    """
    UPDATE import_job SET
        status = CASE status WHEN 'queued' THEN 'validating' WHEN 'confirmed' THEN 'writing' ELSE status END,
        claimed_by = :me, heartbeat_at = now(), updated_at = now()
    WHERE id = (
        SELECT id FROM import_job
        WHERE status IN ('queued', 'confirmed')
           OR (status IN ('validating', 'writing') AND heartbeat_at < now() - make_interval(secs => :stale))
        ORDER BY updated_at
        FOR UPDATE SKIP LOCKED
        LIMIT 1
    )
    RETURNING id, status
    """
)


async def claim(factory: async_sessionmaker) -> tuple[str, str] | None:
    async with factory() as s:
        row = (await s.execute(CLAIM_SQL, {"me": WORKER_ID, "stale": STALE_AFTER.total_seconds()})).one_or_none()
        await s.commit()
    return (row.id, row.status) if row else None


async def _analyse(session: AsyncSession, job: ImportJob, principal: Principal, progress: Progress, *, lock: bool):
    parsed = await asyncio.to_thread(importer.parse_workbook, job.content, lambda n: progress.set(rows_read=n))
    progress.set(rows_total=len(parsed.rows), rows_read=len(parsed.rows))
    names = await directory(session, principal)
    inputs, provided = await asyncio.to_thread(sheet_inputs, parsed, names)
    rows = []
    for start in range(0, len(inputs), VALIDATE_CHUNK):
        chunk = inputs[start : start + VALIDATE_CHUNK]
        rows += await asyncio.to_thread(
            validate_sheet, chunk, provided, lambda n, s=start: progress.set(rows_validated=s + n)
        )
    row_problems(inputs, rows)
    the_plan = await bulk.plan(session, principal, rows, lock=lock)
    return parsed, inputs, the_plan


async def process(factory: async_sessionmaker, job_id: str, status: str) -> None:
    async with factory() as session, Progress(factory, job_id) as progress:
        job = await session.get(ImportJob, job_id)
        principal = principal_of(job.principal)
        try:
            parsed, inputs, the_plan = await _analyse(session, job, principal, progress, lock=status == "writing")
            rows_preview, counts = await asyncio.to_thread(preview, parsed, inputs, the_plan.rows)
            result = {"sheet": parsed.sheet, "header_row": parsed.header_row}
            if status == "validating":
                job.status = (
                    "validated"
                    if counts["refused"] == 0 and (counts["create"] or counts["update"] or counts["unchanged"])
                    else "invalid"
                )
                if not parsed.rows:
                    job.error = "表中没有数据行"
            elif counts["refused"] and job.mode == "all_or_nothing":
                # Something changed since the dry run: nothing is written, the new errors are shown.
                await session.rollback()
                job = await session.get(ImportJob, job_id)
                job.status = "invalid"
                job.error = "写入前复核发现错误，未写入任何数据"
            else:
                touched = await bulk.apply(
                    session,
                    principal,
                    None,
                    the_plan,
                    source="import",
                    source_ref=job_id,
                    progress=_written(progress),
                )
                job.status, job.content, job.finished_at = "done", None, now()
                result["written"] = len(touched)
                await AUDIT.record(
                    session,
                    action="items.imported",
                    principal=principal,
                    request=None,
                    object_type="import_job",
                    object_id=job.id,
                    unit_id=principal.unit_id,
                    region_path=principal.region_path,
                    after={"filename": job.filename, "sha256": job.sha256, "mode": job.mode, "counts": counts},
                )
            job.counts, job.preview, job.result = counts, rows_preview, result
            for name, value in progress.values.items():  # final counters with the status, at once
                setattr(job, name, value)
            await session.commit()
        except ProblemError as exc:
            await session.rollback()
            await _fail(factory, job_id, exc.detail or exc.title, status="invalid")
        except Exception as exc:  # the job fails visibly; the worker goes on with the next
            log.exception("import job failed", extra={"job": job_id})
            await session.rollback()
            await _fail(factory, job_id, f"导入失败：{type(exc).__name__}", status="failed")


def _written(progress: Progress):
    async def report(n: int) -> None:
        progress.set(rows_written=n)
        await progress.flush()

    return report


async def _fail(factory: async_sessionmaker, job_id: str, message: str, *, status: str) -> None:
    async with factory() as s:
        await s.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(status=status, error=message[:500], finished_at=func.now(), updated_at=func.now())
        )
        await s.commit()


async def run_pending(factory: async_sessionmaker) -> int:
    """Process jobs until none is waiting (the worker's loop, and tests)."""
    n = 0
    while (claimed := await claim(factory)) is not None:
        await process(factory, *claimed)
        n += 1
    return n


async def worker_loop(app: FastAPI) -> None:
    wake: asyncio.Event = app.state.import_wake
    while True:
        try:
            await run_pending(app.state.session_factory)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("import worker")
        wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), POLL_SECONDS)


async def start_worker(app: FastAPI) -> None:
    app.state.import_wake = asyncio.Event()
    app.state.import_worker = None
    if getattr(app.state.settings, "import_worker", True):
        app.state.import_worker = asyncio.create_task(worker_loop(app), name="ledger.transfer.imports")


async def stop_worker(app: FastAPI) -> None:
    task = app.state.import_worker
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def wake_worker(request: Request) -> None:
    event = getattr(request.app.state, "import_wake", None)
    if event is not None:
        event.set()


# ---------------------------------------------------------------- export


def export_statement(principal: Principal, f: listing.ItemFilters, sort: str):
    """The items of a filtered list (GET /items' filters and sort), with what the template shows."""
    lines = (
        select(
            func.json_agg(
                func.json_build_array(FundingLine.source, FundingLine.amount, FundingLine.expected_arrival_date)
            )
        )
        .where(FundingLine.item_id == ArrearsItem.id, FundingLine.withdrawn_at.is_(None))
        .scalar_subquery()
    )
    return (
        select(
            # plain columns, not ORM objects: an export of 100,000 rows builds no identity map
            *ArrearsItem.__table__.c,
            Debtor.name.label("debtor_name"),
            Debtor.uscc.label("debtor_uscc"),
            Creditor.name.label("creditor_name"),
            Creditor.uscc.label("creditor_uscc"),
            Creditor.size.label("creditor_size"),
            Unit.name.label("unit_name"),
            lines.label("lines"),
        )
        .join(Debtor, Debtor.id == ArrearsItem.debtor_id)
        .join(Creditor, Creditor.id == ArrearsItem.creditor_id)
        .join(Unit, Unit.id == ArrearsItem.responsible_unit_id)
        .where(ArrearsItem.id.in_(listing.filtered_ids(principal, f)))
        .order_by(*listing.ITEM_SORTS[sort])
    )


def export_values(row, names: Directory) -> dict:
    item = row
    values = {
        "ledger_no": item.ledger_no,
        "debtor_name": row.debtor_name,
        "debtor_uscc": row.debtor_uscc,
        "debtor_type": template.BY_KEY["debtor_type"].choices[item.debtor_type],
        "creditor_name": row.creditor_name,
        "creditor_uscc": row.creditor_uscc,
        "creditor_size": template.BY_KEY["creditor_size"].choices[row.creditor_size],
        "contract_name": item.contract_name,
        "procurement_type": template.BY_KEY["procurement_type"].choices[item.procurement_type],
        "principal": item.principal,
        "delivery_date": item.delivery_date,
        "acceptance_date": item.acceptance_date,
        "due_date": item.due_date,
        "agreed_daily_rate": format(item.agreed_daily_rate.normalize(), "f") if item.agreed_daily_rate else None,
        "responsible_unit_id": row.unit_name,
        "responsible_person_id": names.person_label(item.responsible_person_id),
        "disputed": template.DISPUTED_LABELS[item.disputed],
        "dispute_route": template.BY_KEY["dispute_route"].choices.get(item.dispute_route or ""),
        "court_case_no": item.court_case_no,
        "resolution_measures": item.resolution_measures,
        "planned_clearance_date": item.planned_clearance_date,
        "verified_repaid": item.verified_repaid,
        "adjustments_total": item.adjustments_total,
        "outstanding": item.outstanding,
        "status": template.status_label(item.status),
    }
    for n, (source, amount, arrival) in enumerate(sorted(row.lines or [], key=lambda x: (x[0], str(x[2]))), 1):
        if n > template.FUNDING_SLOTS:
            break
        values[f"funding_{n}_source"] = template.BY_KEY[f"funding_{n}_source"].choices[source]
        values[f"funding_{n}_amount"] = Decimal(str(amount))
        values[f"funding_{n}_date"] = date.fromisoformat(arrival) if arrival else None
    return values


async def export_items(
    session: AsyncSession,
    principal: Principal,
    request: Request,
    f: listing.ItemFilters,
    sort: str,
    filters_for_audit: dict,
) -> tuple[str, int, int]:
    """Write the filtered ledger to a temp .xlsx, row batch by row batch (the database streams
    through a server-side cursor, the workbook flushes each row: memory stays flat). Returns the
    path, its size and the row count; the export is audited with its filters and count."""
    names = await directory(session, principal)
    fd, path = tempfile.mkstemp(prefix="qq-export-", suffix=".xlsx")
    os.close(fd)
    who = principal.display_name or principal.username
    banner = template.export_banner(who, datetime.now(CHINA))
    book = template.LedgerWorkbook(path, units=names.unit_names(), banner=banner)
    count = 0
    try:
        result = await session.stream(export_statement(principal, f, sort), listing.list_params(principal, f))
        async for batch in result.partitions(2000):
            values = [export_values(r, names) for r in batch]
            await asyncio.to_thread(lambda v=values: [book.write_row(x) for x in v])
            count += len(values)
        await asyncio.to_thread(book.write_notes)
        await asyncio.to_thread(book.close)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    await AUDIT.record(
        session,
        action="items.exported",
        principal=principal,
        request=request,
        object_type="ledger",
        unit_id=principal.unit_id,
        region_path=principal.region_path,
        after={"filters": filters_for_audit, "rows": count, "format": "xlsx"},
        detail=f"导出台账 {count} 条",
    )
    await session.commit()
    return path, os.stat(path).st_size, count


def template_bytes(names: Directory) -> bytes:
    import io

    buffer = io.BytesIO()
    book = template.LedgerWorkbook(buffer, units=names.unit_names(), banner=template.template_banner())
    book.write_notes()
    book.close()
    return buffer.getvalue()


# ---------------------------------------------------------------- bulk API


def request_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


async def claim_key(
    session: AsyncSession, principal: Principal, key: str, endpoint: str, digest: str
) -> IdempotencyKey | None:
    """Insert the key's row in the request's own transaction (before anything is applied), or
    find the first request's. A racing retry's insert waits on the uncommitted row, and then sees
    the first answer (or, if that request failed and rolled back, goes ahead itself). An expired
    key is taken over. Returns the stored first request, or None when this request is the first."""
    if not key or len(key) > 128:
        raise ProblemError(
            422, code="idempotency_key_invalid", detail="请在 Idempotency-Key 请求头中提供 1 至 128 个字符的幂等键"
        )
    fresh = await session.scalar(
        text(
            "INSERT INTO idempotency_key (owner_id, key, endpoint, request_sha256, expires_at) "
            "VALUES (:owner, :key, :endpoint, :digest, now() + make_interval(secs => :ttl)) "
            "ON CONFLICT (owner_id, key) DO UPDATE SET endpoint = EXCLUDED.endpoint, "
            "request_sha256 = EXCLUDED.request_sha256, status_code = NULL, response = NULL, created_at = now(), "
            "expires_at = EXCLUDED.expires_at WHERE idempotency_key.expires_at < now() RETURNING id"
        ),
        {
            "owner": principal.subject,
            "key": key,
            "endpoint": endpoint,
            "digest": digest,
            "ttl": IDEMPOTENCY_TTL.total_seconds(),
        },
    )
    if fresh is not None:
        return None
    first = await session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.owner_id == principal.subject, IdempotencyKey.key == key)
    )
    if first.endpoint != endpoint or first.request_sha256 != digest:
        raise ProblemError(
            422,
            code="idempotency_key_reused",
            detail="该幂等键已用于另一个不同的请求；重试须发送完全相同的请求，新的请求请使用新的幂等键",
        )
    return first


async def store_answer(session: AsyncSession, principal: Principal, key: str, status_code: int, body: dict) -> None:
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.owner_id == principal.subject, IdempotencyKey.key == key)
        .values(status_code=status_code, response=body)
    )


ACTION_NAMES = {"create": "created", "update": "updated", "unchanged": "unchanged", "error": "refused"}


async def bulk_items(
    session: AsyncSession, principal: Principal, request: Request, body: schemas.BulkItemsIn, *, key: str | None
) -> dict:
    rows = await asyncio.to_thread(lambda: [bulk.validate_row(i, raw) for i, raw in enumerate(body.items)])
    the_plan = await bulk.plan(session, principal, rows, lock=not body.dry_run)
    refused = any(r.errors for r in rows)
    applied = not body.dry_run and not (refused and body.all_or_nothing)
    if applied:
        await bulk.apply(session, principal, request, the_plan, source="bulk", source_ref=(key or "")[:64] or None)
    out_rows, counts = [], {"created": 0, "updated": 0, "unchanged": 0, "refused": 0}
    for r in rows:
        o = r.outcome()
        o["action"] = "refused" if r.errors else ACTION_NAMES[r.action]
        counts[o["action"]] += 1
        out_rows.append(o)
    return {"dry_run": body.dry_run, "applied": applied, "counts": counts, "rows": out_rows}


async def bulk_weekly(
    session: AsyncSession, principal: Principal, request: Request, body: schemas.WeeklyBulkIn
) -> dict:
    """A unit's week in one call. Each row through the weekly service's own create_update, in a
    savepoint: a refused row leaves the others standing."""
    from pydantic import ValidationError

    out, created = [], 0
    today = china_today()
    for i, raw in enumerate(body.updates):
        result = {"index": i, "action": "refused", "ledger_no": raw.get("ledger_no")}
        ledger_no = raw.get("ledger_no")
        try:
            payload = WeeklyUpdateIn.model_validate({k: v for k, v in raw.items() if k != "ledger_no"})
        except ValidationError as exc:
            result["errors"] = pydantic_field_errors(exc.errors())
            out.append(result)
            continue
        item = None
        if isinstance(ledger_no, str):
            item = await session.scalar(
                select(ArrearsItem)
                .where(ArrearsItem.ledger_no == ledger_no.strip().upper(), access.item_scope(principal))
                .with_for_update()
            )
        if item is None:
            result["errors"] = [
                {"field": "ledger_no", "message": "台账编号不存在或不在您的管辖范围内", "code": "not_found"}
            ]
            out.append(result)
            continue
        result["item_id"] = item.id
        try:
            async with session.begin_nested():
                update_row = await weekly.create_update(
                    session, principal=principal, request=request, item=item, body=payload, today=today
                )
                await flags.after_item_change(session, item)
                if body.dry_run:
                    raise _DryRun
        except _DryRun:
            result["action"] = "created"
            created += 1
        except ProblemError as exc:
            result["errors"] = exc.errors or [
                {"field": "ledger_no", "message": exc.detail or exc.title, "code": exc.code}
            ]
        else:
            result["action"], result["weekly_update_id"] = "created", update_row.id
            created += 1
        out.append(result)
    return {"dry_run": body.dry_run, "created": created, "refused": len(out) - created, "rows": out}


class _DryRun(Exception):
    """Rolls a row's savepoint back after it was checked in full."""

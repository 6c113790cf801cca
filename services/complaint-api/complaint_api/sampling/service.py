"""Drawing the revisit sample: reproducible and auditable.

The population is the complaints closed in the period in the office's region, sorted by id; the
sample size is ceil(share × population) (at least one when there is anything to draw); the draw
is ``random.Random(int(seed, 16)).sample(population, size)`` — Python's Mersenne Twister, whose
output for a given seed is stable across versions (the documented guarantee of
``random.seed`` with an int). The seed comes from ``secrets`` and is stored with the draw and
written to the audit trail, so an auditor can redraw it (:func:`redraw`) and compare."""

from __future__ import annotations

import hashlib
import math
import random
import secrets
from datetime import date
from decimal import Decimal

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.audit.models import AuditLog
from complaint_api.complaints.models import Complaint
from complaint_api.complaints.states import State
from complaint_api.config import SERVICE_NAME
from complaint_api.sampling import schemas
from complaint_api.sampling.models import RevisitSample
from qq_kernel import audit
from qq_kernel.auth.principal import Principal
from qq_kernel.problems import ProblemError, field_error

ALGORITHM = "python-random-mt19937-sample-v1"


def population_digest(population: list[str]) -> str:
    return hashlib.sha256("\n".join(population).encode()).hexdigest()


def sample_size(share: Decimal, population: int) -> int:
    if population == 0:
        return 0
    return min(population, max(1, math.ceil(share * population)))


def draw(population: list[str], share: Decimal, seed: str) -> list[str]:
    # Reproducible on purpose (the seed itself comes from ``secrets``): not a cryptographic use.
    return random.Random(int(seed, 16)).sample(population, sample_size(share, len(population)))  # noqa: S311


async def draw_sample(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    start: date,
    end: date,
    share: Decimal,
) -> RevisitSample:
    if end < start:
        raise field_error("period_end", "期间止不能早于期间起", "before_start")
    share = share.quantize(Decimal("0.0001"))
    if not principal.region_path:
        raise ProblemError(403, detail="只有专班办公室可以抽取回访复核样本")
    population = list(
        await session.scalars(
            select(Complaint.id)
            .where(
                Complaint.status == State.closed,
                Complaint.closed_on.between(start, end),
                Complaint.region_path.startswith(principal.region_path, autoescape=True),
            )
            .order_by(Complaint.id)
        )
    )
    seed = secrets.token_hex(16)
    picked = draw(population, share, seed)
    sample = RevisitSample(
        region_path=principal.region_path,
        period_start=start,
        period_end=end,
        share=share,
        seed=seed,
        algorithm=ALGORITHM,
        population=population,
        population_sha256=population_digest(population),
        sample=picked,
        drawn_by=principal.subject,
        drawn_by_name=principal.display_name or principal.username,
    )
    session.add(sample)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ProblemError(409, code="sample_exists", detail="本期间已抽取过回访复核样本，不能重新抽取") from exc
    await audit.record(
        session,
        AuditLog,
        service=SERVICE_NAME,
        action="revisit_sample.drawn",
        principal=principal,
        request=request,
        object_type="revisit_sample",
        object_id=sample.id,
        region_path=sample.region_path,
        after={
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "share": str(share),
            "seed": seed,
            "algorithm": ALGORITHM,
            "population_size": len(population),
            "population_sha256": sample.population_sha256,
            "sample": picked,
        },
        detail=f"回访复核抽样：种子 {seed}，总体 {len(population)} 件，抽取 {len(picked)} 件",
    )
    return sample


def redraw(sample: RevisitSample) -> schemas.SampleCheck:
    again = draw(list(sample.population), Decimal(sample.share), sample.seed)
    return schemas.SampleCheck(
        reproduced=again == list(sample.sample),
        population_intact=population_digest(list(sample.population)) == sample.population_sha256,
        sample=again,
    )


async def sample_out(session: AsyncSession, sample: RevisitSample, *, with_complaints: bool) -> schemas.SampleOut:
    out = schemas.SampleOut(
        id=sample.id,
        region_path=sample.region_path,
        period_start=sample.period_start,
        period_end=sample.period_end,
        share=sample.share,
        seed=sample.seed,
        algorithm=sample.algorithm,
        population_size=len(sample.population),
        population_sha256=sample.population_sha256,
        sample_size=len(sample.sample),
        drawn_by=sample.drawn_by,
        drawn_by_name=sample.drawn_by_name,
        drawn_at=sample.drawn_at,
    )
    if with_complaints and sample.sample:
        rows = {c.id: c for c in await session.scalars(select(Complaint).where(Complaint.id.in_(list(sample.sample))))}
        out.complaints = [
            schemas.SampledComplaint(
                complaint_id=cid,
                complaint_no=rows[cid].complaint_no,
                closed_on=rows[cid].closed_on,
                handling_unit_id=rows[cid].handling_unit_id,
                satisfaction=rows[cid].satisfaction,
            )
            for cid in sample.sample
        ]
    return out

"""Repeat complaints and respondents complained about again and again.

Two complaints are repeats of each other when they name the same respondent (credit code; the
name, spaces removed, when a complaint has no code) and either the same complainant (credit code:
``same_parties``) or the same contract (its number when both have one, else its name, spaces
removed: ``same_contract``). Computed when asked, from the complaints the caller may see, so a
repeat registered later links both ways at once and nothing has to be kept in step."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, and_, case, cast, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.complaints.models import Complaint
from complaint_api.complaints.service import visible_clause
from complaint_api.complaints.states import TERMINAL
from complaint_api.repeats import schemas
from qq_kernel.auth.principal import Principal


def _squash(column):
    return func.regexp_replace(column, r"\s+", "", "g")


def respondent_key(c=Complaint):
    """The respondent as one value: its credit code, or its name without spaces."""
    return func.coalesce(c.respondent_uscc, cast(func.concat("name:", _squash(c.respondent_name)), String))


def _same_respondent(me: Complaint):
    if me.respondent_uscc:
        return Complaint.respondent_uscc == me.respondent_uscc
    return and_(
        Complaint.respondent_uscc.is_(None), _squash(Complaint.respondent_name) == "".join(me.respondent_name.split())
    )


def _same_contract(me: Complaint):
    by_name = _squash(Complaint.contract_name) == "".join(me.contract_name.split())
    if me.contract_no:
        return or_(Complaint.contract_no == me.contract_no, and_(Complaint.contract_no.is_(None), by_name))
    return by_name


async def repeats_of(session: AsyncSession, principal: Principal, me: Complaint) -> schemas.RepeatsOut:
    same_parties = Complaint.complainant_uscc == me.complainant_uscc
    same_contract = _same_contract(me)
    rows = (
        await session.execute(
            select(
                Complaint.id,
                Complaint.complaint_no,
                Complaint.received_on,
                Complaint.received_at,
                Complaint.status,
                same_parties.label("p"),
                same_contract.label("c"),
            )
            .where(
                Complaint.id != me.id,
                _same_respondent(me),
                or_(same_parties, same_contract),
                visible_clause(principal),
            )
            .order_by(Complaint.received_at, Complaint.id)
        )
    ).all()
    out = [
        schemas.RepeatOut(
            complaint_id=r.id,
            complaint_no=r.complaint_no,
            received_on=r.received_on,
            status=r.status,
            basis=[b for b, hit in (("same_parties", r.p), ("same_contract", r.c)) if hit],
        )
        for r in rows
    ]
    earlier = sum(1 for r in rows if (r.received_at, r.id) < (me.received_at, me.id))
    return schemas.RepeatsOut(count=len(out), earlier=earlier, complaints=out)


def _latest(column):
    return func.array_agg(aggregate_order_by(column, Complaint.received_at.desc()), type_=ARRAY(String))[1]


async def repeat_respondents(
    session: AsyncSession, principal: Principal, *, start: date, end: date, min_complaints: int
) -> list[schemas.RepeatRespondentOut]:
    """Respondents with at least ``min_complaints`` complaints received in [start, end]."""
    key = respondent_key()
    open_ = case((Complaint.status.in_([s.value for s in TERMINAL]), 0), else_=1)
    rows = (
        await session.execute(
            select(
                key.label("key"),
                func.max(Complaint.respondent_uscc).label("uscc"),
                # the name and kind as most recently given
                _latest(Complaint.respondent_name).label("name"),
                _latest(Complaint.respondent_kind).label("kind"),
                func.count().label("n"),
                func.count(func.distinct(Complaint.complainant_uscc)).label("complainants"),
                func.sum(open_).label("open"),
                func.min(Complaint.received_on).label("first"),
                func.max(Complaint.received_on).label("last"),
            )
            .where(Complaint.received_on.between(start, end), visible_clause(principal))
            .group_by(key)
            .having(func.count() >= min_complaints)
            .order_by(func.count().desc(), key)
        )
    ).all()
    return [
        schemas.RepeatRespondentOut(
            respondent_key=r.key,
            respondent_uscc=r.uscc,
            respondent_name=r.name,
            respondent_kind=r.kind,
            complaints=r.n,
            complainants=r.complainants,
            open_complaints=r.open,
            first_received_on=r.first,
            last_received_on=r.last,
        )
        for r in rows
    ]

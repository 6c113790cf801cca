"""Statutory deadlines of a complaint (DOMAIN.md §3; defaults in config.Settings with the
article each comes from).

- 分办 (transfer): ``transfer_workdays`` working days after formal acceptance; the acceptance day
  is not counted (WorkCalendar.add_workdays).
- 办理 (result): ``result_days`` calendar days after the handling unit received the complaint,
  plus approved extensions (at most ``result_max_days`` in all); a period ending on a day off ends
  on the next working day (WorkCalendar.calendar_deadline).
- Warnings ``warning_workdays`` working days before each.

A count that runs into a year with no loaded schedule is made on weekends alone and marked
provisional; :func:`refresh` recomputes both from their bases whenever the calendar may have
changed (complaints/scheduled.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from complaint_api.complaints.models import Complaint
from complaint_api.complaints.states import RESULT_STATES, TRANSFER_STATES, State
from complaint_api.config import Settings
from qq_kernel.workdays import Counted, WorkCalendar


@dataclass(frozen=True)
class DeadlineRules:
    transfer_workdays: int = 10
    result_days: int = 30
    result_max_days: int = 90
    warning_workdays: int = 3
    transfer_article: str = ""
    result_article: str = ""
    extension_article: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> DeadlineRules:
        return cls(
            transfer_workdays=settings.transfer_workdays,
            result_days=settings.result_days,
            result_max_days=settings.result_max_days,
            warning_workdays=settings.warning_workdays,
            transfer_article=settings.transfer_article,
            result_article=settings.result_article,
            extension_article=settings.extension_article,
        )


def transfer_due(calendar: WorkCalendar, rules: DeadlineRules, accepted_on: date) -> Counted:
    return calendar.add_workdays_provisional(accepted_on, rules.transfer_workdays)


def result_due(calendar: WorkCalendar, rules: DeadlineRules, received_on: date, extension_days: int) -> Counted:
    return calendar.calendar_deadline_provisional(received_on, rules.result_days + extension_days)


def warn_from(calendar: WorkCalendar, rules: DeadlineRules, due: date) -> Counted:
    return calendar.subtract_workdays_provisional(due, rules.warning_workdays)


def refresh(complaint: Complaint, calendar: WorkCalendar, rules: DeadlineRules) -> dict[str, tuple]:
    """Recompute the deadlines from their bases and the running one from the state; returns the
    fields that changed as {field: (before, after)}."""
    before = _snapshot(complaint)
    if complaint.accepted_on is not None:
        t = transfer_due(calendar, rules, complaint.accepted_on)
        complaint.transfer_due, complaint.transfer_due_provisional = t.day, t.provisional
    if complaint.result_period_start is not None:
        r = result_due(calendar, rules, complaint.result_period_start, complaint.extension_days)
        complaint.result_due, complaint.result_due_provisional = r.day, r.provisional
    status = State(complaint.status)
    if status in TRANSFER_STATES:
        complaint.next_due, complaint.next_due_provisional = complaint.transfer_due, complaint.transfer_due_provisional
    elif status in RESULT_STATES:
        complaint.next_due, complaint.next_due_provisional = complaint.result_due, complaint.result_due_provisional
    else:
        complaint.next_due, complaint.next_due_provisional = None, False
    after = _snapshot(complaint)
    return {k: (before[k], after[k]) for k in after if before[k] != after[k]}


def _snapshot(c: Complaint) -> dict:
    return {
        "transfer_due": c.transfer_due,
        "transfer_due_provisional": bool(c.transfer_due_provisional),
        "result_due": c.result_due,
        "result_due_provisional": bool(c.result_due_provisional),
        "next_due": c.next_due,
        "next_due_provisional": bool(c.next_due_provisional),
    }

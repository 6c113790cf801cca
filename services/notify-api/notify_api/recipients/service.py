"""Who is told: people read from ledger-api's organisation over HTTP, cached with a bounded
staleness, then chosen by the event's kind among those whose data scope includes its subject.

ledger-api answers "who sees data of this unit in this region" (GET /org/recipients); this module
never widens that answer, it only narrows it by role. A person moved to another unit or
deactivated stops receiving within ``max_age`` seconds (the cache's staleness bound)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

RECIPIENTS_PATH = "/api/ledger/org/recipients"

OFFICE = "office_admin"
OPERATOR = "unit_operator"
LEADER = "unit_leader"


@dataclass(frozen=True)
class Person:
    id: str
    display_name: str
    unit_id: str
    region_path: str
    roles: frozenset[str]
    phone: str | None = None


class RecipientsUnavailable(Exception):
    """ledger-api did not answer: the event stays pending and is fanned out later."""


class Directory:
    """The people who see a (unit, region), cached per pair for at most ``max_age`` seconds."""

    def __init__(self, http: httpx.AsyncClient, *, max_age: float = 60.0) -> None:
        self.http = http
        self.max_age = max_age
        self._cache: dict[tuple[str, str], tuple[float, list[Person]]] = {}

    async def seeing(self, unit_id: str, region_path: str) -> list[Person]:
        key = (unit_id, region_path)
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.max_age:
            return hit[1]
        try:
            response = await self.http.get(RECIPIENTS_PATH, params={"unit_id": unit_id, "region_path": region_path})
        except httpx.HTTPError as exc:
            raise RecipientsUnavailable(f"ledger-api unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RecipientsUnavailable(f"ledger-api {RECIPIENTS_PATH}: {response.status_code}")
        people = [
            Person(
                id=p["id"],
                display_name=p["display_name"],
                unit_id=p["unit_id"],
                region_path=p["region_path"],
                roles=frozenset(p["roles"]),
                phone=p.get("phone"),
            )
            for p in response.json()
        ]
        self._cache[key] = (time.monotonic(), people)
        return people


# Who each kind is for, among the people who see the subject: "responsible" is the item's
# responsible person, the roles are the responsible unit's (operators, leader) or the office.
AUDIENCES: dict[str, frozenset[str]] = {
    "repayment.reported": frozenset({OFFICE}),  # the office's verification queue
    "repayment.verified": frozenset({"responsible", OPERATOR}),
    "repayment.rejected": frozenset({"responsible", OPERATOR}),
    "flag.raised": frozenset({"responsible", LEADER, OFFICE}),
    "key_case.marked": frozenset({"responsible", OPERATOR, LEADER}),
    "interview.scheduled": frozenset({"responsible", LEADER}),
    "supervision.notice_issued": frozenset({"responsible", OPERATOR, LEADER}),
    "candidate.proposed": frozenset({OFFICE}),
    # Complaints: the handling unit's staff and head; a returned one goes back to the office.
    "complaint.assigned": frozenset({OPERATOR, LEADER}),
    "complaint.returned": frozenset({OFFICE}),
    "complaint.urged": frozenset({OPERATOR, LEADER}),
    "complaint.supervised": frozenset({OPERATOR, LEADER}),
    "complaint.reopened": frozenset({OPERATOR, LEADER}),
}


def choose(kind: str, people: list[Person], *, unit_id: str, responsible_person_id: str | None) -> list[Person]:
    """The people of ``people`` (all of whom see the subject) that ``kind`` is for."""
    audience = AUDIENCES.get(kind, frozenset())
    chosen = []
    for person in people:
        unit_role = person.unit_id == unit_id and bool(person.roles & audience & {OPERATOR, LEADER})
        office = OFFICE in audience and OFFICE in person.roles
        responsible = "responsible" in audience and person.id == responsible_person_id
        if unit_role or office or responsible:
            chosen.append(person)
    return chosen

"""The small kernel pieces every service shares: region scope, pages, actors, the clock, service
credentials, the audit recorder."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql

from qq_kernel.audit import AuditRecorder, audit_row
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import in_region_subtree, in_scope, region_subtree_clause
from qq_kernel.auth.service_identity import ServiceClients, new_client_secret, secret_hash
from qq_kernel.clock import now
from qq_kernel.pagination import Page, PageParams

COUNTY = "/44/4408/440825/"
TABLE = Table("t", MetaData(), Column("region_path", String))


def person(region_path: str | None, **kw) -> Principal:
    return Principal(kind="user", subject="u1", username="u", region_path=region_path, **kw)


@pytest.mark.parametrize(
    ("caller", "path", "inside"),
    [
        (COUNTY, COUNTY, True),
        (COUNTY, COUNTY + "44082501/", True),
        ("/44/4408/", COUNTY, True),
        (COUNTY, "/44/4408/440826/", False),
        (COUNTY, "/44/4408/", False),
        (None, COUNTY, False),
        (COUNTY, None, False),
    ],
)
def test_region_subtree(caller, path, inside):
    assert in_region_subtree(person(caller), path) is inside


def test_a_service_sees_every_region():
    service = Principal(kind="service", subject="service:complaint-api", username="complaint-api")
    assert in_region_subtree(service, "/99/")
    assert str(region_subtree_clause(service, TABLE.c.region_path)) == "true"


def _sql(clause) -> str:
    return str(
        select(TABLE).where(clause).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    )


def test_region_subtree_clause_is_a_prefix_match_with_like_metacharacters_escaped():
    sql = _sql(region_subtree_clause(person("/44/44_8/"), TABLE.c.region_path))
    assert "LIKE '//44//44/_8//' || '%%' ESCAPE '/'" in sql


def test_a_caller_without_region_matches_nothing():
    assert "false" in _sql(region_subtree_clause(person(None), TABLE.c.region_path))


def test_in_scope_needs_a_region_scoped_role_for_the_subtree():
    operator = person(COUNTY, unit_id="unit-1", roles=frozenset({"unit_operator"}))
    assert in_scope(operator, unit_id="unit-1", region_path="/elsewhere/")
    assert not in_scope(operator, unit_id="unit-2", region_path=COUNTY)
    office = person(COUNTY, unit_id="unit-1", roles=frozenset({"office_admin"}))
    assert in_scope(office, unit_id="unit-2", region_path=COUNTY + "x/")


def test_page_of_params():
    page = Page[int].of([1, 2], 42, PageParams(3, 2), total_exact=False)
    assert page.model_dump() == {"items": [1, 2], "total": 42, "page": 3, "page_size": 2, "total_exact": False}


def test_actor_id_is_the_user_behind_a_token_else_the_subject():
    assert person(None).actor_id == "u1"
    token = Principal(kind="api_token", subject="tok-1", username="u", extra={"user_id": "u9"})
    assert token.actor_id == "u9"
    service = Principal(kind="service", subject="service:notify-api", username="notify-api")
    assert service.actor_id == "service:notify-api"


def test_now_is_aware_utc():
    assert now().tzinfo is UTC


def test_service_clients_verify_only_known_clients_with_their_own_secret():
    complaint, notify, rotated = new_client_secret(), new_client_secret(), new_client_secret()
    clients = ServiceClients(
        {"complaint-api": [secret_hash(complaint), secret_hash(rotated)], "notify-api": secret_hash(notify)}
    )
    assert clients.verify("complaint-api", complaint, known_clients=("complaint-api",))
    assert clients.verify("complaint-api", rotated, known_clients=("complaint-api",)), "old and new while rotating"
    assert not clients.verify("complaint-api", complaint, known_clients=("notify-api",))
    assert not clients.verify("notify-api", complaint, known_clients=("complaint-api", "notify-api"))
    assert not clients.verify("complaint-api", "", known_clients=("complaint-api",))


class _Row:
    def __init__(self, **kw) -> None:
        self.__dict__.update(kw)


class _Session:
    def __init__(self) -> None:
        self.added = []

    def add(self, row) -> None:
        self.added.append(row)


async def test_audit_recorder_binds_model_and_service_and_redacts():
    session = _Session()
    recorder = AuditRecorder(_Row, "complaint-api")
    actor = person(COUNTY, roles=frozenset({"office_admin"}))

    await recorder.record(session, action="thing.changed", principal=actor, after={"password": "x", "name": "n"})

    (row,) = session.added
    expected = audit_row(
        _Row, service="complaint-api", action="thing.changed", principal=actor, after={"password": "x", "name": "n"}
    )
    assert row.__dict__ == expected.__dict__
    assert row.service == "complaint-api" and row.actor_id == "u1"
    assert row.after == {"password": "***", "name": "n"}

"""Issue 3 acceptance 1: every route of the three contracts × every role × objects of the
caller's own unit, another unit of its region and another region. The expected answer is derived
from the declared guard and the role's permissions and scope, never listed by hand, so a new
route is covered the day it is added (and fails here if it declares no guard)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import text

from ledger_api.config import SERVICE_CLIENTS
from ledger_api.weekly.rules import week_label
from qq_kernel.auth.permissions import Permission, Public, route_guards
from qq_kernel.auth.principal import REGION_SCOPED_ROLES, Role, permissions_of
from qq_kernel.clock import china_today
from tests.notify.helpers import app_of, deliver_all
from tests.support.ledger_helpers import make_debt, report_with_receipt
from tests.support.world import bearer, login
from tests.transfer.helpers import XLSX, build_xlsx

PUBLIC_ROUTES = {
    ("GET", "/api/ledger/healthz"),
    ("GET", "/api/ledger/readyz"),
    ("GET", "/api/ledger/metrics"),
    ("GET", "/api/complaints/healthz"),
    ("GET", "/api/complaints/readyz"),
    ("GET", "/api/complaints/metrics"),
    ("GET", "/api/notify/healthz"),
    ("GET", "/api/notify/readyz"),
    ("GET", "/api/notify/metrics"),
    ("GET", "/api/ledger/.well-known/jwks.json"),
    ("POST", "/api/ledger/auth/token"),
}
SCOPES = ("own_unit", "other_unit", "other_region")
# Routes where seeing the item is not enough: weekly updates are written by the item's own
# responsible unit (or person), so a region-wide role gets 403 on another unit's item.
UNIT_BOUND_ROUTES = {
    ("POST", "/api/ledger/items/{item_id}/weekly-updates"),
    ("PATCH", "/api/ledger/items/{item_id}/weekly-updates/{update_id}"),
    # The handling unit's actions on a complaint (complaint_api.complaints.states: Party.unit and
    # Party.unit_leader): the office sees another unit's complaint but does not handle it.
    *(
        ("POST", f"/api/complaints/complaints/{{complaint_id}}/{path}")
        for path in (
            "start",
            "return",
            "reply",
            "extensions",
            "extensions/{extension_id}/approve",
            "extensions/{extension_id}/reject",
        )
    ),
}


@dataclass(frozen=True)
class RouteCase:
    method: str
    path: str
    guard: Permission


def api_routes(gateway) -> list[tuple[str, str, object]]:
    return [case for _, app in gateway.services for case in route_guards(app)]


def test_every_route_declares_a_guard(gateway):
    for method, path, guard in api_routes(gateway):
        assert guard is not None, f"{method} {path} declares neither require(...) nor PUBLIC"
        if isinstance(guard, Public):
            assert (method, path) in PUBLIC_ROUTES, f"{method} {path} is public: add it to PUBLIC_ROUTES if intended"
    documented = {(m, p) for m, p, g in api_routes(gateway) if isinstance(g, Public)}
    assert documented == PUBLIC_ROUTES


def _allowed(guard: Permission, role: Role) -> bool:
    held = permissions_of({role.value})
    return bool(held & guard.permissions) if guard.any_of else guard.permissions <= held


def _visible(param: str, role: Role, scope: str) -> bool:
    """Whether an object of ``scope`` is visible to a holder of ``role`` (sitting in own_unit)."""
    region_scoped = role in REGION_SCOPED_ROLES
    in_reach = scope == "own_unit" or (scope == "other_unit" and region_scoped)
    if param == "token_id":
        # Tokens belong to people: others' tokens are visible only to token managers.
        return in_reach and "tokens:manage" in permissions_of({role.value})
    if role == Role.court and param == "item_id":
        # The court sees only disputed items on the judicial route; the matrix's items are undisputed.
        return False
    if param in ("report", "week"):
        return True
    if param == "platform_complaint_id":
        # A platform's complaint is found by the account that sent it; the matrix's callers sent none.
        return False
    if param == "channel":
        # A channel name (the caller's own contact on it), not an object of a scope.
        return True
    if param == "notification_id":
        # A notification belongs to its recipient; the matrix's caller received none of them.
        return False
    if param == "year":
        # The platform calendar is one for every region.
        return True
    if param == "job_id":
        # An import job is its uploader's own: nobody else reads or confirms it.
        return False
    if param in ("creditor_id", "candidate_id"):
        # Registries of the region (creditors; debts proposed by complaints): every unit of the county sees them.
        return scope != "other_region"
    return in_reach


async def _service_token(client, secret: str) -> str:
    r = await client.post(
        "/api/ledger/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "complaint-api",
            "client_secret": secret,
        },
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


@pytest.fixture
async def matrix_world(client, worlds, world, platform_db, gateway):
    other = await worlds.create()
    service_token = await _service_token(client, platform_db.client_secret("complaint-api"))
    security = await worlds.user(world, roles=["security_admin"], unit=world.office)
    sec_token = (await login(client, security.username, ip=world.client_ip))["access_token"]
    other_security = await worlds.user(other, roles=["security_admin"], unit=other.office)
    other_token = (await login(client, other_security.username, ip=world.client_ip))["access_token"]
    objects: dict[str, dict[str, str]] = {}
    for scope, w, unit, token in (
        ("own_unit", world, world.unit_a, sec_token),
        ("other_unit", world, world.unit_b, sec_token),
        ("other_region", other, other.unit_a, other_token),
    ):
        target = await worlds.user(w, roles=["unit_operator"], unit=unit)
        integration = await worlds.user(w, roles=["integration"], unit=unit, kind="integration")
        r = await client.post(
            "/api/ledger/tokens",
            json={"name": f"m-{scope}", "scopes": ["ledger:read"], "owner_id": integration.id},
            headers=bearer(token),
        )
        assert r.status_code == 201, r.text
        operator = await worlds.user(w, roles=["unit_operator"], unit=unit)
        h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
        item = await make_debt(client, h, w, unit=unit)
        repayment = await report_with_receipt(client, h, item["id"], "10.00")
        evidence = (await client.get(f"/api/ledger/items/{item['id']}/evidence", headers=h)).json()[0]
        office = await worlds.user(w, roles=["office_admin"], unit=w.office)
        ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
        r_case = await client.post(
            f"/api/ledger/items/{item['id']}/key-case",
            json={"supervisor_id": office.id, "deadline": "2030-12-31", "reason": "进度缓慢"},
            headers=ho,
        )
        assert r_case.status_code == 201, r_case.text
        r_notice = await client.post(
            f"/api/ledger/items/{item['id']}/notices",
            json={"requirements": "限期制定还款计划", "reply_deadline": "2030-12-31"},
            headers=ho,
        )
        assert r_notice.status_code == 201, r_notice.text
        r_candidate = await client.post(
            "/api/ledger/candidates",
            json={
                "source_ref": f"TS-{scope}-{w.tag}",
                "region_path": w.county.path,
                "debtor_name": "某某局",
                "creditor_name": "某某公司",
                "amount": "1000.00",
            },
            headers=bearer(service_token),
        )
        assert r_candidate.status_code == 201, r_candidate.text
        r_plan = await client.put(
            f"/api/ledger/items/{item['id']}/plan",
            json={"installments": [{"due_date": "2030-06-30", "amount": item["outstanding"]}]},
            headers=h,
        )
        assert r_plan.status_code == 201, r_plan.text
        r_weekly = await client.post(
            f"/api/ledger/items/{item['id']}/weekly-updates",
            json={"progress": "已约谈债务人", "paid_this_week": "0.00", "next_step": "督促付款"},
            headers=h,
        )
        assert r_weekly.status_code == 201, r_weekly.text
        r_reclass = await client.post(
            f"/api/ledger/items/{item['id']}/reclassify-disputed",
            json={"reason": "对结算金额有异议", "route": "mediation"},
            headers=h,
        )
        assert r_reclass.status_code == 201, r_reclass.text
        complaint = await _complaint_in_handling(client, ho, h, unit)
        r_job = await client.post(
            "/api/ledger/transfer/imports", headers=h, files={"file": ("台账.xlsx", build_xlsx([]), XLSX)}
        )
        assert r_job.status_code == 202, r_job.text
        month = {"own_unit": "01", "other_unit": "02", "other_region": "01"}[scope]
        r_sample = await client.post(
            "/api/complaints/revisit-samples",
            json={"period_start": f"2031-{month}-01", "period_end": f"2031-{month}-28"},
            headers=ho,
        )
        assert r_sample.status_code == 201, r_sample.text
        objects[scope] = {
            **complaint,
            "year": "2031",
            "platform_complaint_id": "MATRIX-NONE",
            "user_id": target.id,
            "unit_id": unit.id,
            "token_id": r.json()["id"],
            "item_id": item["id"],
            "creditor_id": item["creditor_id"],
            "repayment_id": repayment["id"],
            "evidence_id": evidence["id"],
            "key_case_id": r_case.json()["id"],
            "notice_id": r_notice.json()["id"],
            "candidate_id": r_candidate.json()["id"],
            "installment_id": r_plan.json()["installments"][0]["id"],
            "update_id": r_weekly.json()["id"],
            "reclassification_id": r_reclass.json()["id"],
            "job_id": r_job.json()["id"],
            "account_id": integration.id,
            "sample_id": r_sample.json()["id"],
            # Reports are named, not owned: the caller's scope applies to the figures inside.
            "report": "totals",
            "week": week_label(china_today() - timedelta(days=7)),
        }
    # Each scope's office was told of its repayment: notifications, each of one recipient.
    await deliver_all(gateway)
    notify = app_of(gateway, "/api/notify")
    async with notify.state.session_factory() as s:
        for scope in SCOPES:
            objects[scope]["channel"] = "email"
            objects[scope]["notification_id"] = str(
                await s.scalar(
                    text("SELECT min(id) FROM notification WHERE item_id = :i"), {"i": objects[scope]["item_id"]}
                )
            )
    return world, objects


async def _complaint_in_handling(client, office: dict, operator: dict, unit) -> dict[str, str]:
    """A complaint assigned to ``unit`` and in handling, with a file, a pending extension request
    and a supervision notice."""
    from tests.complaints.helpers import staff_body

    base = "/api/complaints/complaints"
    r = await client.post(base, json=staff_body(), headers=office)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    for path, body, headers in (
        ("accept", {}, office),
        ("assign", {"unit_id": unit.id}, office),
        ("start", {}, operator),
    ):
        r = await client.post(f"{base}/{cid}/{path}", json=body, headers=headers)
        assert r.status_code == 200, r.text
    r_ext = await client.post(f"{base}/{cid}/extensions", json={"days": 10, "reason": "需要核实金额"}, headers=operator)
    assert r_ext.status_code == 201, r_ext.text
    r_file = await client.post(
        f"{base}/{cid}/files", files={"file": ("证据.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}, headers=office
    )
    assert r_file.status_code == 201, r_file.text
    r_notice = await client.post(
        f"{base}/{cid}/supervise", json={"requirements": "限期办结", "reply_deadline": "2099-12-31"}, headers=office
    )
    assert r_notice.status_code == 200, r_notice.text
    return {
        "complaint_id": cid,
        "file_id": r_file.json()["id"],
        "extension_id": r_ext.json()["id"],
        "complaint_notice_id": r_notice.json()["id"],
    }


def _fill(path: str, objects: dict[str, str]) -> tuple[str, list[str]]:
    params = re.findall(r"{(\w+)}", path)
    for p in params:
        assert p in objects, f"no matrix object for path parameter {{{p}}} in {path}: add one to matrix_world"
        path = path.replace(f"{{{p}}}", objects[p])
    return path, params


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_authorization_matrix(client, worlds, matrix_world, gateway, role):
    world, objects = matrix_world
    actor = await worlds.user(world, roles=[role.value], unit=world.unit_a, kind="person")
    token = (await login(client, actor.username, ip=world.client_ip))["access_token"]
    h = bearer(token)
    cases = [(m, p, g) for m, p, g in api_routes(gateway) if isinstance(g, Permission)]
    # Logging out ends the session the rest of the walk uses: do it last.
    cases.sort(key=lambda c: c[1].endswith("/auth/logout"))
    failures = []
    for method, template, guard in cases:
        has_objects = "{" in template
        for scope in SCOPES if has_objects else ("none",):
            path, params = _fill(template, objects[scope]) if has_objects else (template, [])
            kwargs = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
            r = await client.request(method, path, headers=h, **kwargs)
            if not _allowed(guard, role):
                expected = "403"
                ok = r.status_code == 403
            elif params and not all(_visible(p, role, scope) for p in params):
                expected = "404 (out of scope)"
                ok = r.status_code == 404
            elif (method, template) in UNIT_BOUND_ROUTES and scope != "own_unit":
                expected = "403 (not the responsible unit)"
                ok = r.status_code == 403
            else:
                expected = "allowed"
                ok = r.status_code not in (401, 403, 404) and r.status_code < 500
            if not ok:
                failures.append(
                    f"{role.value} {method} {template} [{scope}]: want {expected}, got {r.status_code} {r.text[:150]}"
                )
            if ok and expected == "allowed" and method == "GET" and not params:
                # No cross-scope read hides in a list: other regions never, other units only for region roles.
                leaked = [
                    objects["other_region"][k] for k in ("user_id", "unit_id", "token_id", "item_id", "creditor_id")
                ]
                if role not in REGION_SCOPED_ROLES:
                    leaked += [objects["other_unit"][k] for k in ("user_id", "token_id", "item_id")]
                for value in leaked:
                    if value in r.text:
                        failures.append(f"{role.value} GET {template} leaks {value}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("service", sorted(SERVICE_CLIENTS))
async def test_service_identity_matrix(client, matrix_world, gateway, platform_db, service):
    """Issue 9 finding 2: each service identity reaches exactly the service routes of its own
    permission set (ledger-api's config.SERVICE_CLIENTS) and no user route."""
    _, objects = matrix_world
    r = await client.post(
        "/api/ledger/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": service,
            "client_secret": platform_db.client_secret(service),
        },
    )
    assert r.status_code == 200, r.text
    h = bearer(r.json()["access_token"])
    granted = SERVICE_CLIENTS[service]
    failures = []
    allowed_checked = 0
    for method, template, guard in api_routes(gateway):
        if not isinstance(guard, Permission) or template.endswith("/auth/logout"):
            continue
        path, _ = _fill(template, objects["own_unit"]) if "{" in template else (template, [])
        kwargs = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
        r = await client.request(method, path, headers=h, **kwargs)
        allowed = bool(granted & guard.permissions) if guard.any_of else guard.permissions <= granted
        # An allowed call may still fail on its empty body or a missing object (404, 422): what
        # must not happen is the guard refusing it.
        refused_by_guard = r.status_code in (401, 403)
        if allowed:
            allowed_checked += 1
            if refused_by_guard:
                failures.append(f"{service} {method} {template}: want allowed, got {r.status_code}")
        if not allowed and r.status_code != 403:
            failures.append(f"{service} {method} {template}: want 403, got {r.status_code} {r.text[:120]}")
    assert not failures, "\n".join(failures)
    # Every service identity holds at least one permission some route asks for.
    assert allowed_checked > 0, f"{service}: no route it may call was checked"

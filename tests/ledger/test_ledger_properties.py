"""Issue 4 acceptance 2: random sequences of repayments, reversals, adjustments, verifications,
rejections and write-off attempts never break the ledger's invariants:
outstanding never negative, totals always reconcile with their parts, written-off items fully
verified with evidence."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.ledger_helpers import make_debt, money, report_with_receipt
from tests.support.world import bearer, login

OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("report"),
            st.integers(1, 60_000_00),
            st.booleans(),
            st.sampled_from(["bank_transfer", "commercial_bill"]),
        ),
        st.tuples(st.just("verify"), st.integers(0, 20)),
        st.tuples(st.just("reject"), st.integers(0, 20)),
        st.tuples(st.just("reverse"), st.integers(0, 20)),
        st.tuples(st.just("adjust"), st.integers(-30_000_00, 30_000_00)),
        st.tuples(st.just("write_off")),
    ),
    min_size=1,
    max_size=12,
)


def _pick(repayments: list[dict], index: int, status: str) -> list[dict]:
    """At most one original (non-reversal) repayment in ``status``, chosen by ``index``."""
    candidates = [r for r in repayments if r["status"] == status and r["reverses_id"] is None]
    return [candidates[index % len(candidates)]] if candidates else []


def _cents(n: int) -> str:
    return str((Decimal(n) / 100).quantize(Decimal("0.01")))


def _report_outcome(item: dict, repayments: list[dict], amount: Decimal) -> int:
    """What reporting ``amount`` must answer: 409 on a closed item, 422 when it and the claims
    still waiting for verification exceed the outstanding amount, else 201."""
    if item["status"] in ("written_off", "void"):
        return 409
    pending = sum((money(r["amount"]) for r in repayments if r["status"] == "reported"), Decimal("0.00"))
    return 422 if amount + pending > money(item["outstanding"]) else 201


async def _check(client, h, item_id: str) -> dict:
    item = (await client.get(f"/api/ledger/items/{item_id}", headers=h)).json()
    repayments = (await client.get(f"/api/ledger/items/{item_id}/repayments", headers=h)).json()
    verified = sum((money(r["amount"]) for r in repayments if r["status"] == "verified"), Decimal("0.00"))
    outstanding = money(item["outstanding"])
    assert outstanding >= 0
    assert money(item["verified_repaid"]) == verified, "item total equals the sum of its verified repayments"
    assert outstanding == money(item["principal"]) - verified + money(item["adjustments_total"])
    if item["status"] == "written_off":
        assert outstanding == 0
        assert all(r["status"] in ("verified", "rejected") for r in repayments)
        assert all(
            r["evidence_count"] > 0 for r in repayments if r["status"] == "verified" and r["reverses_id"] is None
        )
    return item


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(ops=OPS)
async def test_random_operation_sequences_keep_invariants(client, worlds, world, ops):
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    h = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, h, world, principal="100000.00", unit=world.office)
    item_id = item["id"]
    # Four eyes: what one office member reports, another verifies, rejects and writes off.
    checker = await worlds.user(world, roles=["office_admin"], unit=world.office)
    hv = bearer((await login(client, checker.username, ip=world.client_ip))["access_token"])
    for op in ops:
        repayments = (await client.get(f"/api/ledger/items/{item_id}/repayments", headers=h)).json()
        kind = op[0]
        if kind == "report":
            current = (await client.get(f"/api/ledger/items/{item_id}", headers=h)).json()
            expected = _report_outcome(current, repayments, Decimal(_cents(op[1])))
            if op[2] or expected != 201:
                r = await client.post(
                    f"/api/ledger/items/{item_id}/repayments",
                    json={"paid_on": "2026-11-01", "amount": _cents(op[1]), "method": op[3]},
                    headers=h,
                )
                assert r.status_code == expected, r.text
            else:
                await report_with_receipt(client, h, item_id, _cents(op[1]), op[3])
        elif kind in ("verify", "reject"):
            for rep in _pick(repayments, op[1], "reported"):
                url = f"/api/ledger/items/{item_id}/repayments/{rep['id']}/{kind}"
                r = await client.post(url, headers=hv, **({"json": {"reason": "金额不符"}} if kind == "reject" else {}))
                assert r.status_code in (200, 409), r.text
        elif kind == "reverse":
            for rep in _pick(repayments, op[1], "verified"):
                r = await client.post(
                    f"/api/ledger/items/{item_id}/repayments/{rep['id']}/reverse",
                    json={"reason": "重复录入"},
                    headers=h,
                )
                assert r.status_code in (201, 409), r.text
        elif kind == "adjust":
            if op[1] != 0:
                r = await client.post(
                    f"/api/ledger/items/{item_id}/adjustments",
                    json={"amount": _cents(op[1]), "reason": "结算审减调整"},
                    headers=h,
                )
                assert r.status_code in (201, 409), r.text
        else:
            current = (await client.get(f"/api/ledger/items/{item_id}", headers=h)).json()
            r = await client.post(
                f"/api/ledger/items/{item_id}/write-off", headers={**hv, "If-Match": f'W/"{current["version"]}"'}
            )
            assert r.status_code in (200, 409), r.text
        await _check(client, h, item_id)

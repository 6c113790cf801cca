"""The red-flag rules, in SQL: one definition per flag kind, evaluated over a *scope* of items.

Each rule is a ``SELECT item_id, evidence`` over the CTE ``scope`` (the rows of ``arrears_item``
being evaluated) and, for the repayment rules, the CTE ``live`` (the scope's repayments that
stand). The scope is a list of item ids: the item a request just changed (plus the debts of its
creditor, for arrears chains), or one chunk of the ledger in the scheduled job. So the request
path and the daily job run the very same statements and cannot drift apart.

The evidence is built in SQL with the shapes the Python evaluation used to write: amounts as
strings with two decimals (``"20000.00"``), dates ``YYYY-MM-DD``, timestamps as Python's
``datetime.isoformat()`` of a UTC value (``2026-11-25T08:01:02.123456+00:00``, no fraction when it
is zero), ISO weeks ``2026-W48``, day counts as numbers. ``tests/flag_oracle.py`` keeps the former
Python evaluation and the tests check that both give the same flags with the same evidence.

See :mod:`ledger_api.flags.service` for what each condition means.
"""

from __future__ import annotations

from ledger_api.audit.models import AuditLog
from ledger_api.complaint_links.models import ComplaintItemLink
from ledger_api.flags.models import DisputeReclassification, RedFlag
from ledger_api.ledger.access import OPEN_STATUSES
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor, EvidenceFile, Repayment
from ledger_api.plans.models import Installment, InstallmentExtension, RepaymentPlan
from ledger_api.weekly.models import WeeklyUpdate
from ledger_api.weekly.rules import WEEKLY_STATUSES

EVIDENCE_GRACE_DAYS = 3  # calendar days a reported repayment may wait for its proof
NO_UPDATE_WEEKS = 2  # complete ISO weeks without a weekly update
EXTENSIONS_BEFORE_FLAG = 2  # postponements of due dates
PROOF_PURPOSES = ("receipt", "confirmation")  # what proves that money moved
CHAIN_DEBTOR_TYPES = ("platform_company", "soe")

# Fully qualified table names (the runtime role's search_path is not needed).
T = {
    "item": ArrearsItem.__table__.fullname,
    "debtor": Debtor.__table__.fullname,
    "creditor": Creditor.__table__.fullname,
    "repayment": Repayment.__table__.fullname,
    "evidence": EvidenceFile.__table__.fullname,
    "plan": RepaymentPlan.__table__.fullname,
    "installment": Installment.__table__.fullname,
    "extension": InstallmentExtension.__table__.fullname,
    "weekly": WeeklyUpdate.__table__.fullname,
    "reclass": DisputeReclassification.__table__.fullname,
    "flag": RedFlag.__table__.fullname,
    "audit": AuditLog.__table__.fullname,
    "complaint_link": ComplaintItemLink.__table__.fullname,
}

TODAY = "CAST(:today AS date)"
CHINA_TZ = "Asia/Shanghai"  # qq_kernel.clock.CHINA


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def iso_ts(col: str) -> str:
    """``datetime.isoformat()`` of a timestamptz read in UTC (NULL stays NULL)."""
    utc = f"({col} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {col} IS NULL THEN NULL ELSE to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_part('microseconds', {utc})::bigint % 1000000 = 0 THEN ''"
        f" ELSE to_char({utc}, '.US') END || '+00:00' END"
    )


def iso_date(col: str) -> str:
    return f"to_char({col}, 'YYYY-MM-DD')"


def china_date(col: str) -> str:
    """China's calendar date of a timestamptz (``qq_kernel.clock.china_date``)."""
    return f"({col} AT TIME ZONE '{CHINA_TZ}')::date"


def week_start(col: str) -> str:
    """Monday of the ISO week (``weekly.rules.week_start``)."""
    return f"({col} - (extract(isodow FROM {col})::int - 1))"


def week_label(col: str) -> str:
    """``2026-W48`` (``weekly.rules.week_label``)."""
    return f"to_char({col}, 'IYYY-\"W\"IW')"


# Every lookup below goes from the scope's rows to an index (LATERAL subqueries, scalar
# subqueries): the cost of a statement grows with its scope, never with the size of the tables,
# and no plan can turn into a hash of a whole table for a chunk of a few thousand items.


def live(r: str) -> str:
    """Repayment ``r`` stands: not rejected, not a reversal, not reversed (by a reversal on its item)."""
    return (
        f"{r}.reverses_id IS NULL AND {r}.status IN ('reported', 'verified')"
        f" AND (SELECT x.id FROM {T['repayment']} x WHERE x.reverses_id = {r}.id AND x.item_id = {r}.item_id"
        f" LIMIT 1) IS NULL"
    )


LIVE = f"""
SELECT r.id, r.item_id, r.amount, r.paid_on, r.method, r.status, r.reported_at, r.verified_at
FROM scope s
CROSS JOIN LATERAL (SELECT * FROM {T["repayment"]} r WHERE r.item_id = s.id AND {live("r")} OFFSET 0) r
WHERE s.status <> 'void'
"""

DISPUTE_RECLASSIFIED = f"""
SELECT s.id AS item_id, jsonb_build_object(
    'reclassification_id', d.id, 'status', d.status, 'route', d.route, 'reason', d.reason,
    'requested_by', d.requested_by, 'requested_at', {iso_ts("d.requested_at")},
    'decided_by', d.decided_by, 'decided_at', {iso_ts("d.decided_at")}) AS evidence
FROM scope s
CROSS JOIN LATERAL (
    SELECT * FROM {T["reclass"]} d WHERE d.item_id = s.id AND d.status IN ('pending', 'approved')
    ORDER BY d.requested_at DESC, d.id DESC LIMIT 1
) d
WHERE s.status <> 'void'
"""

# Verified repayments since the plan was agreed are applied to its installments in due-date
# order (plans.service.allocate): an installment is overdue when its due date has passed and
# what is left of them does not cover it.
INSTALLMENT_UNPAID = f"""
SELECT a.item_id, jsonb_build_object(
    'plan_id', a.plan_id, 'as_of', {iso_date(TODAY)}, 'agreement_evidence_id', a.agreement_evidence_id,
    'installments', jsonb_agg(jsonb_build_object(
        'installment_id', a.installment_id, 'seq', a.seq, 'due_date', {iso_date("a.due_date")},
        'amount', a.amount::text, 'paid_amount', a.paid::text, 'unpaid_amount', (a.amount - a.paid)::text,
        'days_overdue', {TODAY} - a.due_date) ORDER BY a.due_date, a.seq)) AS evidence
FROM (
    SELECT p.item_id, p.id AS plan_id, p.agreement_evidence_id, n.id AS installment_id, n.seq, n.due_date,
           n.amount,
           least(greatest(greatest(s.verified_repaid - p.baseline_verified_repaid, 0.00) - n.before, 0.00),
                 n.amount) AS paid
    FROM scope s
    CROSS JOIN LATERAL (SELECT * FROM {T["plan"]} p WHERE p.item_id = s.id AND p.status = 'active' OFFSET 0) p
    CROSS JOIN LATERAL (
        SELECT n.*, coalesce(sum(n.amount) OVER (ORDER BY n.due_date, n.seq
                                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0.00) AS before
        FROM {T["installment"]} n WHERE n.plan_id = p.id OFFSET 0
    ) n
    WHERE s.status IN {_in(OPEN_STATUSES)}
) a
WHERE a.paid < a.amount AND a.due_date < {TODAY}
GROUP BY a.item_id, a.plan_id, a.agreement_evidence_id
"""

# Every extension counts, and so does replacing a plan with one whose last installment is later.
PLAN_EXTENDED_REPEATEDLY = f"""
SELECT s.id AS item_id, jsonb_build_object(
    'postponements', e.n + r.n,
    'extensions', coalesce(e.list, '[]'::jsonb),
    'postponing_replacements', coalesce(r.list, '[]'::jsonb)) AS evidence
FROM scope s
CROSS JOIN LATERAL (
    SELECT count(*) AS n, jsonb_agg(jsonb_build_object(
        'extension_id', x.id, 'plan_id', x.plan_id, 'installment_id', x.installment_id,
        'old_due_date', {iso_date("x.old_due_date")}, 'new_due_date', {iso_date("x.new_due_date")},
        'reason', x.reason, 'extended_by', x.extended_by, 'extended_at', {iso_ts("x.extended_at")})
        ORDER BY x.extended_at, x.id) AS list
    FROM {T["extension"]} x WHERE x.item_id = s.id
) e
CROSS JOIN LATERAL (
    SELECT count(*) AS n, jsonb_agg(jsonb_build_object(
        'plan_id', np.id, 'replaces_id', np.replaces_id,
        'old_last_due_date', {iso_date("ol.last_due")}, 'new_last_due_date', {iso_date("nl.last_due")},
        'at', {iso_ts("np.created_at")}) ORDER BY np.created_at, np.id) AS list
    FROM {T["plan"]} np
    JOIN {T["plan"]} op ON op.id = np.replaces_id AND op.item_id = np.item_id
    CROSS JOIN LATERAL (SELECT max(due_date) AS last_due FROM {T["installment"]} WHERE plan_id = np.id) nl
    CROSS JOIN LATERAL (SELECT max(due_date) AS last_due FROM {T["installment"]} WHERE plan_id = op.id) ol
    WHERE np.item_id = s.id AND np.replaces_id IS NOT NULL AND nl.last_due > ol.last_due
) r
WHERE s.status <> 'void' AND e.n + r.n >= {EXTENSIONS_BEFORE_FLAG}
"""

# A standing repayment without a receipt or confirmation: verified ones at once, reported ones
# after the grace days (calendar days in China since it was reported).
REPAYMENT_WITHOUT_EVIDENCE = f"""
SELECT o.item_id, jsonb_build_object(
    'grace_days', {EVIDENCE_GRACE_DAYS},
    'proof_purposes', jsonb_build_array({", ".join(f"'{p}'" for p in PROOF_PURPOSES)}),
    'repayments', jsonb_agg(jsonb_build_object(
        'repayment_id', o.id, 'status', o.status, 'amount', o.amount::text, 'paid_on', {iso_date("o.paid_on")},
        'method', o.method, 'reported_on', {iso_date("o.reported_on")}, 'days_without_proof', o.waited,
        'evidence_purposes', o.purposes) ORDER BY o.reported_at, o.id)) AS evidence
FROM (
    SELECT l.*, {china_date("l.reported_at")} AS reported_on,
           {TODAY} - {china_date("l.reported_at")} AS waited, f.purposes, f.proven
    FROM live l
    CROSS JOIN LATERAL (
        SELECT coalesce(jsonb_agg(q.purpose ORDER BY q.purpose), '[]'::jsonb) AS purposes,
               coalesce(bool_or(q.purpose IN {_in(PROOF_PURPOSES)}), false) AS proven
        FROM (SELECT DISTINCT e.purpose COLLATE "C" AS purpose
              FROM {T["evidence"]} e WHERE e.repayment_id = l.id AND e.item_id = l.item_id) q
    ) f
) o
WHERE NOT o.proven AND (o.status = 'verified' OR o.waited > {EVIDENCE_GRACE_DAYS})
GROUP BY o.item_id
"""

COMMERCIAL_BILL = f"""
SELECT l.item_id, jsonb_build_object(
    'repayments', jsonb_agg(jsonb_build_object(
        'repayment_id', l.id, 'amount', l.amount::text, 'paid_on', {iso_date("l.paid_on")}, 'status', l.status)
        ORDER BY l.reported_at, l.id),
    'total', sum(l.amount)::text) AS evidence
FROM live l
WHERE l.method = 'commercial_bill'
GROUP BY l.item_id
"""

# Complete ISO weeks since the latest week with an update, or since the week the item was
# entered (weekly.rules.weeks_without_update): (Monday of this week - reference Monday) / 7 - 1.
NO_WEEKLY_UPDATE = f"""
SELECT w.id AS item_id, jsonb_build_object(
    'weeks_without_update', w.weeks,
    'last_update_week', CASE WHEN w.last IS NULL THEN NULL ELSE {week_label("w.last")} END,
    'entered_week', {week_label("w.created_on")},
    'as_of_week', {week_label(TODAY)}) AS evidence
FROM (
    SELECT c.id, c.last, c.created_on,
           greatest(0, ({week_start(TODAY)} - CASE WHEN c.last IS NOT NULL AND c.last > {week_start("c.created_on")}
                                                 THEN {week_start("c.last")} ELSE {week_start("c.created_on")} END)
                       / 7 - 1) AS weeks
    FROM (
        SELECT s.id, {china_date("s.created_at")} AS created_on, u.last
        FROM scope s
        CROSS JOIN LATERAL (SELECT max(u.week_start) AS last FROM {T["weekly"]} u WHERE u.item_id = s.id) u
        WHERE s.status IN {_in(WEEKLY_STATUSES)}
    ) c
) w
WHERE w.weeks >= {NO_UPDATE_WEEKS}
"""

# The item's debtor (platform company or SOE) is a creditor elsewhere on the ledger (same credit
# code) and received verified repayments there after the last verified repayment on this item.
CHAIN_FUNDS_RECEIVED = f"""
SELECT c.item_id, jsonb_build_object(
    'debtor_uscc', c.uscc, 'debtor_type', c.type, 'received_total', sum(c.amount)::text,
    'receipts', jsonb_agg(jsonb_build_object(
        'item_id', c.receipt_item_id, 'repayment_id', c.repayment_id, 'amount', c.amount::text,
        'paid_on', {iso_date("c.paid_on")}, 'verified_at', {iso_ts("c.verified_at")})
        ORDER BY c.verified_at, c.repayment_id),
    'last_repayment_on_this_item_verified_at', {iso_ts("c.last_own")}) AS evidence
FROM (
    SELECT s.id AS item_id, d.uscc, d.type, lo.last_own, r.id AS repayment_id, r.item_id AS receipt_item_id,
           r.amount, r.paid_on, r.verified_at
    FROM scope s
    CROSS JOIN LATERAL (
        SELECT d.uscc, d.type FROM {T["debtor"]} d
        WHERE d.id = s.debtor_id AND d.type IN {_in(CHAIN_DEBTOR_TYPES)} OFFSET 0
    ) d
    CROSS JOIN LATERAL (
        SELECT max(o.verified_at) AS last_own FROM {T["repayment"]} o
        WHERE o.item_id = s.id AND o.status = 'verified' AND {live("o")}
    ) lo
    CROSS JOIN LATERAL (
        SELECT r.* FROM {T["creditor"]} cr
        JOIN {T["item"]} i2 ON i2.creditor_id = cr.id
        JOIN {T["repayment"]} r ON r.item_id = i2.id
        WHERE cr.uscc = d.uscc AND i2.id <> s.id AND i2.status <> 'void'
          AND r.status = 'verified' AND r.reverses_id IS NULL
          AND (SELECT x.id FROM {T["repayment"]} x WHERE x.reverses_id = r.id LIMIT 1) IS NULL
          AND (lo.last_own IS NULL OR r.verified_at > lo.last_own)
        OFFSET 0
    ) r
    WHERE s.status IN {_in(WEEKLY_STATUSES)} AND s.outstanding > 0
) c
GROUP BY c.item_id, c.uscc, c.type, c.last_own
"""

# A complaint came while the item had an active repayment plan: the complainant says the agreement
# is not honoured. The mark is the link's plan_id, written by complaint matching
# (complaint_links.service); the flag stays on the item's record like the other conduct flags.
COMPLAINED_UNDER_AGREEMENT = f"""
SELECT s.id AS item_id, jsonb_build_object(
    'complaints', jsonb_agg(jsonb_build_object(
        'complaint_id', l.complaint_id, 'complaint_no', l.complaint_no, 'plan_id', l.plan_id,
        'linked_at', {iso_ts("l.created_at")}) ORDER BY l.created_at, l.complaint_id)) AS evidence
FROM scope s
CROSS JOIN LATERAL (
    SELECT * FROM {T["complaint_link"]} l WHERE l.item_id = s.id AND l.plan_id IS NOT NULL OFFSET 0
) l
WHERE s.status <> 'void'
GROUP BY s.id
"""

# kind -> rule, in the order flags are evaluated (and their audit rows written).
RULES: dict[str, str] = {
    "dispute_reclassified": DISPUTE_RECLASSIFIED,
    "installment_unpaid": INSTALLMENT_UNPAID,
    "plan_extended_repeatedly": PLAN_EXTENDED_REPEATEDLY,
    "repayment_without_evidence": REPAYMENT_WITHOUT_EVIDENCE,
    "commercial_bill": COMMERCIAL_BILL,
    "no_weekly_update": NO_WEEKLY_UPDATE,
    "chain_funds_received": CHAIN_FUNDS_RECEIVED,
    "complained_under_agreement": COMPLAINED_UNDER_AGREEMENT,
}
USES_LIVE = {"repayment_without_evidence", "commercial_bill"}


# The two scopes. "ids": the items named (``:ids``), whatever their status: a request's item and
# its chain, or the items a chunk of the job found to change. "range": one chunk of the ledger,
# the items with ``:lo < id <= :hi`` (``:hi`` NULL: to the end) in the statuses ``visited``,
# optionally under a region path (``:region``, NULL for all): a range scan of the primary key.
SCOPES = {
    "ids": f"SELECT i.* FROM {T['item']} i WHERE i.id = ANY(CAST(:ids AS varchar[]))",
    "range": f"""SELECT i.* FROM {T["item"]} i
    WHERE i.id > CAST(:lo AS varchar) AND (CAST(:hi AS varchar) IS NULL OR i.id <= CAST(:hi AS varchar))
      AND i.status IN {{visited}}
      AND (CAST(:region AS varchar) IS NULL OR starts_with(i.region_path, CAST(:region AS varchar)))""",
}


def _prelude(kinds: tuple[str, ...], scope: str = "ids", visited: tuple[str, ...] = ()) -> str:
    """``scope``, ``live`` (when needed), ``holding`` (kind, item_id, evidence) and ``active``
    (the scope's active flags of these kinds)."""
    unknown = set(kinds) - set(RULES)
    if unknown or not kinds:
        raise ValueError(f"unknown flag kinds: {sorted(unknown)}")
    ctes = [f"scope AS MATERIALIZED ({SCOPES[scope].format(visited=_in(visited))})"]
    if USES_LIVE & set(kinds):
        ctes.append(f"live AS ({LIVE})")
    holding = "\nUNION ALL\n".join(
        f"SELECT CAST('{kind}' AS varchar) AS kind, h.item_id, h.evidence FROM ({RULES[kind]}) h" for kind in kinds
    )
    ctes.append(f"holding AS ({holding})")
    ctes.append(
        f"active AS MATERIALIZED (SELECT f.id, f.item_id, f.kind FROM scope s CROSS JOIN LATERAL"
        f" (SELECT f.id, f.item_id, f.kind FROM {T['flag']} f"
        f" WHERE f.item_id = s.id AND f.cleared_at IS NULL AND f.kind IN {_in(kinds)} OFFSET 0) f)"
    )
    return "WITH " + ",\n".join(ctes)


def holding_sql(kinds: tuple[str, ...]) -> str:
    """Read only: (item_id, kind, evidence) of every condition that holds in the scope."""
    return _prelude(kinds) + "\nSELECT h.item_id, h.kind, h.evidence FROM holding h"


def diff_sql(kinds: tuple[str, ...], visited: tuple[str, ...]) -> str:
    """Read only, over one chunk (the "range" scope): rows ``(item_id, NULL, NULL)`` for the items
    whose active flags of ``kinds`` differ from what holds, ``(NULL, kind, n)`` with the number
    of conditions of each kind that hold, and ``(NULL, NULL, n)`` with the number of items."""
    return (
        _prelude(kinds, "range", visited)
        + """
SELECT d.item_id, CAST(NULL AS varchar) AS kind, CAST(NULL AS bigint) AS n FROM (
    SELECT a.item_id FROM active a
    WHERE NOT EXISTS (SELECT 1 FROM holding h WHERE h.item_id = a.item_id AND h.kind = a.kind)
    UNION
    SELECT h.item_id FROM holding h
    WHERE NOT EXISTS (SELECT 1 FROM active a WHERE a.item_id = h.item_id AND a.kind = h.kind)
) d
UNION ALL
SELECT NULL, h.kind, count(*) FROM holding h GROUP BY h.kind
UNION ALL
SELECT NULL, NULL, count(*) FROM scope
"""
    )


def sync_sql(kinds: tuple[str, ...]) -> str:
    """Bring the scope's flags of ``kinds`` in line with what holds, in one statement: clear the
    active flags whose condition no longer holds, raise the missing ones (yielding to a flag a
    concurrent transaction raised: one active flag per item and kind, by a unique index), and
    write one audit row per change on the item's timeline, by the system, as
    :func:`qq_kernel.audit.record` would. Returns one row per change (op, item_id, kind)."""
    order = "CASE e.kind " + " ".join(f"WHEN '{k}' THEN {n}" for n, k in enumerate(kinds)) + " END"
    return (
        _prelude(kinds)
        + f""",
cleared AS (
    UPDATE {T["flag"]} f SET cleared_at = now()
    FROM active a
    WHERE f.id = a.id AND f.cleared_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM holding h WHERE h.item_id = a.item_id AND h.kind = a.kind)
    RETURNING f.id, f.item_id, f.kind
),
raised AS (
    INSERT INTO {T["flag"]} (id, item_id, kind, evidence)
    SELECT gen_random_uuid()::text, h.item_id, h.kind, h.evidence
    FROM holding h
    WHERE NOT EXISTS (SELECT 1 FROM active a WHERE a.item_id = h.item_id AND a.kind = h.kind)
    ON CONFLICT (item_id, kind) WHERE cleared_at IS NULL DO NOTHING
    RETURNING id, item_id, kind, evidence
),
events AS (
    SELECT 0 AS step, c.item_id, c.kind, 'flag.cleared' AS action,
           jsonb_build_object('flag_id', c.id, 'kind', c.kind) AS after
    FROM cleared c
    UNION ALL
    SELECT 1, r.item_id, r.kind, 'flag.raised',
           jsonb_build_object('flag_id', r.id, 'kind', r.kind, 'evidence', r.evidence)
    FROM raised r
),
audited AS (
    INSERT INTO {T["audit"]} (service, action, result, actor_name, object_type, object_id, unit_id, region_path,
                              after, request_id)
    SELECT :service, e.action, 'success', 'system', 'item', e.item_id, i.responsible_unit_id, i.region_path,
           e.after, :request_id
    FROM events e JOIN scope i ON i.id = e.item_id
    ORDER BY e.item_id, e.step, {order}
    RETURNING id
)
SELECT CASE WHEN e.step = 0 THEN 'cleared' ELSE 'raised' END AS op, e.item_id, e.kind FROM events e
UNION ALL
SELECT 'holding', h.item_id, h.kind FROM holding h
"""
    )

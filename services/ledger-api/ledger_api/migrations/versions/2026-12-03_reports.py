"""Report aggregates kept by triggers, and the weekly snapshots (issue 11, reports).

Statement-level AFTER triggers with transition tables on ``arrears_item`` and ``red_flag`` fold
the rows a statement changed into the ``report_*_agg`` tables, in the same transaction: one
INSERT … ON CONFLICT DO UPDATE per statement, the deltas netted per key first (an edit that moves
no money and no key writes nothing), keys in sorted order (concurrent statements lock rows in the
same order). The shard is the writing backend's pid modulo 4 (reports/models.py). The existing
ledger is folded in once here, into shard 0.

Revision ID: ledger_0017
Revises: ledger_0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0017"
down_revision: str | None = "ledger_0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 4
TOTAL = sa.Numeric(20, 2)
OWED = "status IN ('open', 'resolving', 'claimed_cleared') AND outstanding > 0 AND due_date IS NOT NULL"


def _item_delta(rows: str, sign: str) -> str:
    return (
        f"SELECT region_path, responsible_unit_id AS unit_id, debtor_type, disputed, "
        f"coalesce(dispute_route, '') AS dispute_route, status, {sign}1 AS n, {sign}principal AS principal, "
        f"{sign}verified_repaid AS verified_repaid, {sign}adjustments_total AS adjustments_total, "
        f"{sign}outstanding AS outstanding, due_date, ({OWED}) AS owed FROM {rows}"
    )


def _apply_items(parts: list[str]) -> str:
    """The body of one trigger function: the statement's rows as signed deltas, netted per key."""
    delta = " UNION ALL ".join(parts)
    return f"""
DECLARE s smallint := pg_backend_pid() % {SHARDS};
BEGIN
  WITH delta AS ({delta}),
  net AS (
    SELECT region_path, unit_id, debtor_type, disputed, dispute_route, status, sum(n) AS n,
           sum(principal) AS principal, sum(verified_repaid) AS verified_repaid,
           sum(adjustments_total) AS adjustments_total, sum(outstanding) AS outstanding
    FROM delta GROUP BY 1, 2, 3, 4, 5, 6
  )
  INSERT INTO ledger.report_item_agg AS a (region_path, unit_id, debtor_type, disputed, dispute_route, status,
      shard, item_count, principal, verified_repaid, adjustments_total, outstanding)
  SELECT region_path, unit_id, debtor_type, disputed, dispute_route, status, s, n, principal, verified_repaid,
         adjustments_total, outstanding
  FROM net
  WHERE n <> 0 OR principal <> 0 OR verified_repaid <> 0 OR adjustments_total <> 0 OR outstanding <> 0
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (region_path, unit_id, debtor_type, disputed, dispute_route, status, shard) DO UPDATE SET
    item_count = a.item_count + excluded.item_count,
    principal = a.principal + excluded.principal,
    verified_repaid = a.verified_repaid + excluded.verified_repaid,
    adjustments_total = a.adjustments_total + excluded.adjustments_total,
    outstanding = a.outstanding + excluded.outstanding;

  WITH delta AS ({delta}),
  net AS (
    SELECT region_path, unit_id, due_date, sum(n) AS n, sum(outstanding) AS outstanding
    FROM delta WHERE owed GROUP BY 1, 2, 3
  )
  INSERT INTO ledger.report_due_day_agg AS a (region_path, unit_id, due_date, shard, item_count, outstanding)
  SELECT region_path, unit_id, due_date, s, n, outstanding FROM net
  WHERE n <> 0 OR outstanding <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (region_path, unit_id, due_date, shard) DO UPDATE SET
    item_count = a.item_count + excluded.item_count, outstanding = a.outstanding + excluded.outstanding;

  WITH delta AS ({delta}),
  net AS (
    SELECT region_path, unit_id, date_trunc('month', due_date)::date AS due_month, sum(n) AS n,
           sum(outstanding) AS outstanding
    FROM delta WHERE owed GROUP BY 1, 2, 3
  )
  INSERT INTO ledger.report_due_month_agg AS a (region_path, unit_id, due_month, shard, item_count, outstanding)
  SELECT region_path, unit_id, due_month, s, n, outstanding FROM net
  WHERE n <> 0 OR outstanding <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (region_path, unit_id, due_month, shard) DO UPDATE SET
    item_count = a.item_count + excluded.item_count, outstanding = a.outstanding + excluded.outstanding;
  RETURN NULL;
END
"""


def _flag_delta(rows: str, sign: str) -> str:
    return (
        f"SELECT i.region_path, i.responsible_unit_id AS unit_id, f.kind, {sign}1 AS n "
        f"FROM {rows} AS f JOIN ledger.arrears_item AS i ON i.id = f.item_id WHERE f.cleared_at IS NULL"
    )


def _apply_flags(parts: list[str]) -> str:
    return f"""
DECLARE s smallint := pg_backend_pid() % {SHARDS};
BEGIN
  INSERT INTO ledger.report_flag_agg AS a (region_path, unit_id, kind, shard, active)
  SELECT region_path, unit_id, kind, s, sum(n) FROM ({" UNION ALL ".join(parts)}) AS delta
  GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (region_path, unit_id, kind, shard) DO UPDATE SET active = a.active + excluded.active;
  RETURN NULL;
END
"""


# table -> (function suffix, event, REFERENCING clause, function body)
TRIGGERS = {
    "arrears_item": [
        ("insert", "INSERT", "NEW TABLE AS new_rows", _apply_items([_item_delta("new_rows", "")])),
        (
            "update",
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            _apply_items([_item_delta("new_rows", ""), _item_delta("old_rows", "-")]),
        ),
        ("delete", "DELETE", "OLD TABLE AS old_rows", _apply_items([_item_delta("old_rows", "-")])),
    ],
    "red_flag": [
        ("insert", "INSERT", "NEW TABLE AS new_rows", _apply_flags([_flag_delta("new_rows", "")])),
        (
            "update",
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            _apply_flags([_flag_delta("new_rows", ""), _flag_delta("old_rows", "-")]),
        ),
        ("delete", "DELETE", "OLD TABLE AS old_rows", _apply_flags([_flag_delta("old_rows", "-")])),
    ],
}


def _money_columns(*names: str) -> list[sa.Column]:
    return [sa.Column(n, TOTAL, nullable=False) for n in names]


def upgrade() -> None:
    op.create_table(
        "report_item_agg",
        sa.Column("region_path", sa.String(255), primary_key=True),
        sa.Column("unit_id", sa.String(36), primary_key=True),
        sa.Column("debtor_type", sa.String(32), primary_key=True),
        sa.Column("disputed", sa.Boolean(), primary_key=True),
        sa.Column("dispute_route", sa.String(16), primary_key=True),
        sa.Column("status", sa.String(16), primary_key=True),
        sa.Column("shard", sa.SmallInteger(), primary_key=True),
        sa.Column("item_count", sa.BigInteger(), nullable=False),
        *_money_columns("principal", "verified_repaid", "adjustments_total", "outstanding"),
        schema="ledger",
    )
    for grain, column in (("month", "due_month"), ("day", "due_date")):
        op.create_table(
            f"report_due_{grain}_agg",
            sa.Column("region_path", sa.String(255), primary_key=True),
            sa.Column("unit_id", sa.String(36), primary_key=True),
            sa.Column(column, sa.Date(), primary_key=True),
            sa.Column("shard", sa.SmallInteger(), primary_key=True),
            sa.Column("item_count", sa.BigInteger(), nullable=False),
            *_money_columns("outstanding"),
            schema="ledger",
        )
    op.create_index("ix_report_due_day_agg_due_date", "report_due_day_agg", ["due_date"], schema="ledger")
    op.create_table(
        "report_flag_agg",
        sa.Column("region_path", sa.String(255), primary_key=True),
        sa.Column("unit_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("shard", sa.SmallInteger(), primary_key=True),
        sa.Column("active", sa.BigInteger(), nullable=False),
        schema="ledger",
    )
    op.create_table(
        "report_weekly_snapshot",
        sa.Column("week_start", sa.Date(), primary_key=True),
        sa.Column("region_path", sa.String(255), primary_key=True),
        sa.Column("unit_id", sa.String(36), primary_key=True),
        sa.Column("debtor_type", sa.String(32), primary_key=True),
        sa.Column("item_count", sa.BigInteger(), nullable=False),
        *_money_columns("principal", "verified_repaid", "adjustments_total", "outstanding"),
        sa.Column("written_off_count", sa.BigInteger(), nullable=False),
        sa.Column("updates_due", sa.BigInteger(), nullable=False),
        sa.Column("updates_filed", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema="ledger",
    )
    op.create_index(
        "ix_report_weekly_snapshot_unit_week", "report_weekly_snapshot", ["unit_id", "week_start"], schema="ledger"
    )

    for table, triggers in TRIGGERS.items():
        for suffix, event, referencing, body in triggers:
            name = f"report_{table}_{suffix}"
            op.execute(f"CREATE FUNCTION ledger.{name}() RETURNS trigger LANGUAGE plpgsql AS $fn${body}$fn$")
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON ledger.{table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION ledger.{name}()"
            )

    # The ledger as it stands, folded in once (an INSERT … SELECT fires the triggers of the target
    # tables only, not those of arrears_item: nothing is counted twice).
    op.execute(
        "INSERT INTO ledger.report_item_agg SELECT region_path, responsible_unit_id, debtor_type, disputed, "
        "coalesce(dispute_route, ''), status, 0, count(*), sum(principal), sum(verified_repaid), "
        "sum(adjustments_total), sum(outstanding) FROM ledger.arrears_item GROUP BY 1, 2, 3, 4, 5, 6"
    )
    op.execute(
        "INSERT INTO ledger.report_due_day_agg SELECT region_path, responsible_unit_id, due_date, 0, count(*), "
        f"sum(outstanding) FROM ledger.arrears_item WHERE {OWED} GROUP BY 1, 2, 3"
    )
    op.execute(
        "INSERT INTO ledger.report_due_month_agg SELECT region_path, responsible_unit_id, "
        "date_trunc('month', due_date)::date, 0, count(*), sum(outstanding) FROM ledger.arrears_item "
        f"WHERE {OWED} GROUP BY 1, 2, 3"
    )
    op.execute(
        "INSERT INTO ledger.report_flag_agg SELECT i.region_path, i.responsible_unit_id, f.kind, 0, count(*) "
        "FROM ledger.red_flag AS f JOIN ledger.arrears_item AS i ON i.id = f.item_id "
        "WHERE f.cleared_at IS NULL GROUP BY 1, 2, 3"
    )


def downgrade() -> None:
    for table, triggers in TRIGGERS.items():
        for suffix, *_ in triggers:
            name = f"report_{table}_{suffix}"
            op.execute(f"DROP TRIGGER {name} ON ledger.{table}")
            op.execute(f"DROP FUNCTION ledger.{name}()")
    op.drop_index("ix_report_weekly_snapshot_unit_week", table_name="report_weekly_snapshot", schema="ledger")
    op.drop_table("report_weekly_snapshot", schema="ledger")
    op.drop_table("report_flag_agg", schema="ledger")
    op.drop_index("ix_report_due_day_agg_due_date", table_name="report_due_day_agg", schema="ledger")
    for grain in ("day", "month"):
        op.drop_table(f"report_due_{grain}_agg", schema="ledger")
    op.drop_table("report_item_agg", schema="ledger")

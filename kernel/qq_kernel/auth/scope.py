"""Data scope as a SQL clause, put inside the query of every scoped read and write.

A user sees its own unit; office staff, auditors, the court and the administrators see the
region subtree of their unit (the union when roles combine: more roles never see less).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from qq_kernel.auth.principal import Principal


def scope_clause(principal: Principal, *, unit_col, region_col) -> ColumnElement[bool]:
    if principal.kind == "service":
        return true()
    clauses = []
    if principal.unit_id:
        clauses.append(unit_col == principal.unit_id)
    if principal.region_scoped and principal.region_path:
        clauses.append(region_col.startswith(principal.region_path, autoescape=True))
    return or_(*clauses) if clauses else false()


def in_scope(principal: Principal, *, unit_id: str | None, region_path: str | None) -> bool:
    """The same rule for one object already loaded (used before writes that create objects)."""
    if principal.kind == "service":
        return True
    if principal.unit_id and unit_id == principal.unit_id:
        return True
    return bool(
        principal.region_scoped
        and principal.region_path
        and region_path
        and region_path.startswith(principal.region_path)
    )

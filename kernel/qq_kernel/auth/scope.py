"""Data scope as a SQL clause, put inside the query of every scoped read and write.

A user sees its own unit; office staff, auditors, the court and the administrators see the
region subtree of their unit (the union when roles combine: more roles never see less).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, bindparam, false, or_, true

from qq_kernel.auth.principal import Principal
from qq_kernel.textsearch import escape_like


def scope_shape(principal: Principal) -> tuple[bool, bool, bool]:
    """(everything, own unit, region subtree): the form of this principal's scope clause."""
    if principal.kind == "service":
        return (True, False, False)
    return (False, bool(principal.unit_id), bool(principal.region_scoped and principal.region_path))


def scope_clause(principal: Principal, *, unit_col, region_col, bound: bool = False) -> ColumnElement[bool]:
    """``bound``: the values as the required parameters ``scope_unit`` and ``scope_region``
    (:func:`scope_params`), for a statement built once per :func:`scope_shape` and reused."""
    everything, by_unit, by_region = scope_shape(principal)
    if everything:
        return true()
    clauses = []
    if by_unit:
        clauses.append(unit_col == (bindparam("scope_unit") if bound else principal.unit_id))
    if by_region:
        if bound:
            clauses.append(region_col.like(bindparam("scope_region"), escape="\\"))
        else:
            clauses.append(region_col.startswith(principal.region_path, autoescape=True))
    return or_(*clauses) if clauses else false()


def scope_params(principal: Principal) -> dict[str, str]:
    return {"scope_unit": principal.unit_id or "", "scope_region": escape_like(principal.region_path or "") + "%"}


def in_region_subtree(principal: Principal, region_path: str | None) -> bool:
    """Whether ``region_path`` lies in the caller's region subtree (a service sees every region;
    a caller without a region sees none)."""
    if principal.kind == "service":
        return True
    return bool(principal.region_path and region_path and region_path.startswith(principal.region_path))


def region_subtree_clause(principal: Principal, region_col) -> ColumnElement[bool]:
    """:func:`in_region_subtree` as a SQL clause on ``region_col``."""
    if principal.kind == "service":
        return true()
    if not principal.region_path:
        return false()
    return region_col.startswith(principal.region_path, autoescape=True)


def in_scope(principal: Principal, *, unit_id: str | None, region_path: str | None) -> bool:
    """The same rule for one object already loaded (used before writes that create objects)."""
    if principal.kind == "service":
        return True
    if principal.unit_id and unit_id == principal.unit_id:
        return True
    return principal.region_scoped and in_region_subtree(principal, region_path)

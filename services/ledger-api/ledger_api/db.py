"""Declarative base of ledger-api: every table lives in the ``ledger`` schema."""

from qq_kernel.db import make_base

from ledger_api.config import SCHEMA

Base = make_base(SCHEMA)

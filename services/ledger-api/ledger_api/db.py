"""Declarative base of ledger-api: every table lives in the ``ledger`` schema."""

from ledger_api.config import SCHEMA
from qq_kernel.db import make_base

Base = make_base(SCHEMA)

"""Declarative base of complaint-api: every table lives in the ``complaint`` schema."""

from qq_kernel.db import make_base

from complaint_api.config import SCHEMA

Base = make_base(SCHEMA)

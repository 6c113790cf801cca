"""Declarative base of complaint-api: every table lives in the ``complaint`` schema."""

from complaint_api.config import SCHEMA
from qq_kernel.db import make_base

Base = make_base(SCHEMA)

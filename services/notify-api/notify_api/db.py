"""Declarative base of notify-api: every table lives in the ``notify`` schema."""

from notify_api.config import SCHEMA
from qq_kernel.db import make_base

Base = make_base(SCHEMA)

"""Declarative base of notify-api: every table lives in the ``notify`` schema."""

from qq_kernel.db import make_base

from notify_api.config import SCHEMA

Base = make_base(SCHEMA)

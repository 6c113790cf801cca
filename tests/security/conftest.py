"""Fixtures shared with tests/fuzz."""

from tests.fuzz.conftest import actors  # noqa: F401

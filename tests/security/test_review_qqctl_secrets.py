"""Secrets written by qqctl are owner-only from creation, not chmod'ed after the fact: with the
later chmod step disabled (what a crash between write and chmod leaves), the files must still
be 0600 and the data directory 0700."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from qqctl import cli, provision
from qqctl.credentials import FILE_NAME, PlatformCredentials


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def no_after_the_fact_chmod(monkeypatch):
    monkeypatch.setattr(Path, "chmod", lambda self, mode, **kw: None)
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_db_roles_file_is_created_0600(tmp_path, no_after_the_fact_chmod):
    target = tmp_path / "data" / "db-roles.json"
    provision._save_passwords(target, {"ledger": "s3cret"})
    assert json.loads(target.read_text()) == {"ledger": "s3cret"}
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700


def test_service_credentials_are_created_0600(tmp_path, no_after_the_fact_chmod):
    data = tmp_path / "data"
    creds = PlatformCredentials.load_or_create(data)
    target = data / FILE_NAME
    assert json.loads(target.read_text())["signing_key_secret"] == creds.signing_key_secret
    assert _mode(target) == 0o600
    assert _mode(data) == 0o700


def test_existing_world_readable_secret_is_tightened_on_rewrite(tmp_path, no_after_the_fact_chmod):
    target = tmp_path / "db-roles.json"
    target.write_text("{}")
    os.chmod(target, 0o644)
    provision._save_passwords(target, {"a": "b"})
    assert _mode(target) == 0o600


def test_data_dir_is_0700(tmp_path, monkeypatch):
    old = os.umask(0o022)
    try:
        monkeypatch.setenv("QQ_DATA_DIR", str(tmp_path / "qqdata"))
        assert _mode(cli.data_dir()) == 0o700
    finally:
        os.umask(old)

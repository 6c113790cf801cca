"""Review D (part): restore trusts neither the manifest's dump file name nor old PostgreSQL
client programs (CVE-2025-8714, fixed by \\restrict in 17.6, 16.10, 15.14, 14.19, 13.22)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from qqctl import backup
from qqctl.backup import DUMP_NAME, FORMAT, MANIFEST_NAME, BackupError, PgTools


def _backup_folder(tmp_path: Path, dump_file: str) -> Path:
    """A backup folder whose manifest names ``dump_file``, with a matching checksum, so only the
    name can be what restore refuses."""
    outside = tmp_path / "outside-secret"
    outside.write_bytes(b"not a backup")
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / DUMP_NAME).write_bytes(b"the real dump")
    target = (folder / dump_file).resolve()
    manifest = {
        "format": FORMAT,
        "dump": {
            "file": dump_file,
            "bytes": target.stat().st_size,
            "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        },
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_manifest_naming_another_dump_file_is_refused(tmp_path):
    folder = _backup_folder(tmp_path, "../outside-secret")
    with pytest.raises(BackupError, match="names dump file"):
        backup.read_manifest(folder, tmp_path)


def test_manifest_with_the_fixed_dump_name_is_read(tmp_path):
    folder = _backup_folder(tmp_path, DUMP_NAME)
    _manifest, dump = backup.read_manifest(folder, tmp_path)
    assert dump == folder / DUMP_NAME


def _tools(tmp_path: Path, version: str) -> PgTools:
    """Stand-ins for PostgreSQL's client programs that only answer --version."""
    bindir = tmp_path / f"pg-{version}"
    bindir.mkdir()
    for program in ("pg_dump", "pg_restore", "psql"):
        path = bindir / program
        path.write_text(f'#!/bin/sh\necho "{program} (PostgreSQL) {version} (Debian {version}-1)"\n')
        path.chmod(0o755)
    return PgTools(bindir, int(version.split(".")[0]), version)


@pytest.mark.parametrize("version", ["17.5", "16.9", "15.13", "14.18", "13.21", "12.22"])
def test_restore_refuses_tools_without_the_restrict_fix(tmp_path, version):
    with pytest.raises(BackupError, match="CVE-2025-8714"):
        backup.check_restore_tools(_tools(tmp_path, version))


@pytest.mark.parametrize("version", ["17.6", "16.10", "15.14", "14.19", "13.22", "18.0", "18.6"])
def test_restore_accepts_tools_with_the_fix(tmp_path, version):
    backup.check_restore_tools(_tools(tmp_path, version))

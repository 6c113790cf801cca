"""The parts of backup and restore that need no database: which PostgreSQL programs are chosen
for a server, and a damaged copy of a backup refused before anything is touched."""

from __future__ import annotations

import hashlib
import json
import tarfile

import pytest

from qqctl import backup


def _fake_bindir(root, major: str):
    bindir = root / f"pg{major}" / "bin"
    bindir.mkdir(parents=True)
    for program in ("pg_dump", "pg_restore", "psql"):
        script = bindir / program
        script.write_text(f"#!/bin/sh\necho '{program} (PostgreSQL) {major}'\n")
        script.chmod(0o755)
    return bindir


@pytest.fixture
def installed(tmp_path, monkeypatch):
    dirs = [_fake_bindir(tmp_path, v) for v in ("18.1", "15.20", "16.4")]
    monkeypatch.setattr(backup, "_candidate_bindirs", lambda: dirs)
    return dirs


def test_the_servers_own_major_version_is_chosen(installed):
    assert backup.choose_tools(15).bindir == installed[1]
    assert backup.choose_tools(16).bindir == installed[2]
    assert backup.choose_tools(18).bindir == installed[0]


def test_else_the_nearest_newer_never_an_older_one(installed):
    assert backup.choose_tools(14).bindir == installed[1]
    assert backup.choose_tools(17).bindir == installed[0]
    with pytest.raises(backup.BackupError, match="postgresql-client-19"):
        backup.choose_tools(19)


def test_restore_needs_a_pg_restore_as_new_as_the_dump(installed):
    assert backup.choose_tools(15, at_least=18).bindir == installed[0]


def _backup_file(tmp_path, dump: bytes, recorded: bytes):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / backup.DUMP_NAME).write_bytes(dump)
    manifest = {
        "format": backup.FORMAT,
        "dump": {"file": backup.DUMP_NAME, "bytes": len(recorded), "sha256": hashlib.sha256(recorded).hexdigest()},
        "tables": {},
    }
    (folder / backup.MANIFEST_NAME).write_text(json.dumps(manifest))
    single = tmp_path / "b.tar"
    with tarfile.open(single, "w") as tar:
        tar.add(folder / backup.MANIFEST_NAME, arcname=backup.MANIFEST_NAME)
        tar.add(folder / backup.DUMP_NAME, arcname=backup.DUMP_NAME)
    return folder, single


def test_an_intact_backup_reads_from_a_directory_and_from_a_tar(tmp_path):
    folder, single = _backup_file(tmp_path, b"PGDMP archive", b"PGDMP archive")
    assert backup.read_manifest(folder, tmp_path / "x")[1] == folder / backup.DUMP_NAME
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    assert backup.read_manifest(single, unpacked)[1].read_bytes() == b"PGDMP archive"


def test_a_damaged_copy_is_refused(tmp_path):
    folder, single = _backup_file(tmp_path, b"PGDMP archivX", b"PGDMP archive")
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.read_manifest(folder, tmp_path / "x")
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.read_manifest(single, unpacked)

"""Finding 8 of issue 9: each service's secrets readable by that service only.

The systemd units of deploy/systemd run each service and the gateway as its own system user,
each unit reads only its own env file, and deploy/README.md creates the users and the env files
readable by their own service's group only. On the code before the fix every unit ran as one
``qingqian`` user, so the first test failed (users {'qingqian'})."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
SERVICES = ("ledger", "complaint", "notify")


def _service_section(path: Path) -> dict[str, list[str]]:
    """[Service] keys of a unit; a key may repeat (ExecReload twice), so values are lists."""
    values: dict[str, list[str]] = {}
    section = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        if section == "Service":
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def _units() -> dict[str, dict[str, list[str]]]:
    units = {p.name: _service_section(p) for p in sorted(UNITS.glob("*.service"))}
    assert sorted(units) == [
        "qingqian-complaint@.service",
        "qingqian-gateway.service",
        "qingqian-ledger@.service",
        "qingqian-notify@.service",
    ]
    return units


def test_every_unit_runs_as_its_own_user_and_group():
    units = _units()
    users = {name: unit["User"] for name, unit in units.items()}
    groups = {name: unit["Group"] for name, unit in units.items()}
    assert users == {
        "qingqian-complaint@.service": ["qq-complaint"],
        "qingqian-gateway.service": ["qq-gateway"],
        "qingqian-ledger@.service": ["qq-ledger"],
        "qingqian-notify@.service": ["qq-notify"],
    }
    assert groups == users
    # configparser agrees with the hand parser on the one key we rely on (no duplicate User=).
    for path in UNITS.glob("*.service"):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read_string(path.read_text(encoding="utf-8"))
        assert parser["Service"]["User"] == users[path.name][0]


def test_no_unit_reads_another_services_env_file():
    units = _units()
    env_files = {name: unit.get("EnvironmentFile", []) for name, unit in units.items()}
    assert env_files == {
        "qingqian-complaint@.service": ["/etc/qingqian/complaint.env"],
        "qingqian-gateway.service": [],
        "qingqian-ledger@.service": ["/etc/qingqian/ledger.env"],
        "qingqian-notify@.service": ["/etc/qingqian/notify.env"],
    }
    # Nor does any command line source another service's file.
    for name, unit in units.items():
        text = " ".join(v for key, vals in unit.items() if key.startswith("Exec") for v in vals)
        sourced = set(re.findall(r"/etc/qingqian/(\w+)\.env", text))
        own = {name.split("-")[1].split("@")[0]} & set(SERVICES)
        assert sourced <= own, (name, sourced)


def test_readme_creates_the_users_and_env_files_readable_by_their_own_service_only():
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    assert "for u in qq-ledger qq-complaint qq-notify qq-gateway; do" in readme
    assert 'useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u"' in readme
    assert "install -m 0640 -o root -g qq-$svc /dev/null /etc/qingqian/$svc.env" in readme
    assert "for svc in ledger complaint notify; do" in readme
    # The cron variant of the flag job runs as ledger-api's user, with ledger-api's file.
    assert "qq-ledger cd /opt/qingqian && set -a && . /etc/qingqian/ledger.env" in readme
    assert "install -d -m 0750 -g qingqian /etc/qingqian" not in readme

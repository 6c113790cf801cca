"""Contracts: the committed files equal what the code produces, and drift is caught."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from qqctl import contracts
from qqctl.cli import main as qqctl_main

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


def test_committed_contracts_match_the_code():
    assert contracts.check(CONTRACTS) == [], "run `make contracts` and commit the result"


def test_drift_fails_the_check(tmp_path):
    shutil.copytree(CONTRACTS, tmp_path, dirs_exist_ok=True)
    assert qqctl_main(["contracts", "--check", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "ledger.openapi.json").read_text())
    doc["paths"].pop(next(iter(doc["paths"])))  # a route the code has but the contract lost
    (tmp_path / "ledger.openapi.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    assert contracts.check(tmp_path) == ["ledger.openapi.json"]
    assert qqctl_main(["contracts", "--check", "--out", str(tmp_path)]) == 1
    (tmp_path / "notify.openapi.json").unlink()
    assert contracts.check(tmp_path) == ["ledger.openapi.json", "notify.openapi.json"]

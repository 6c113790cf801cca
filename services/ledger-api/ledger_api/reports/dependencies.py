"""Who reads reports: ledger readers (within their data scope) and service identities with
``service:reports`` (the weekly bulletin); recomputing a week is the office's (ledger:verify)."""

from __future__ import annotations

from qq_kernel.auth.permissions import require

read_reports = require("ledger:read", "service:reports", any_of=True)
snapshot_reports = require("ledger:verify")

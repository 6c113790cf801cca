"""Off-ledger debts (台账外欠款): candidate items proposed by complaint-api, confirmed or rejected
by the office before they join the ledger."""

"""ledger-api: the ledger of overdue debts, plus identity (organisation, users, roles, tokens)."""

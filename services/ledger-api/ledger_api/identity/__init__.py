"""Identity: the organisation tree (regions, units), users and roles, login sessions, signing
keys, API tokens and the login log. The ledger's responsible units and people are these records."""

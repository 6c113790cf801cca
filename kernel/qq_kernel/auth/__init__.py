"""Authentication and authorisation shared by the three services.

- :mod:`principal`: who is calling (user, API token or service) and what it may do.
- :mod:`permissions`: the one per-route dependency (``require(...)`` / ``PUBLIC``).
- :mod:`jwt`: RS256 verification against a cached JWKS.
- :mod:`scope`: data-scope clauses put *inside* queries.
"""

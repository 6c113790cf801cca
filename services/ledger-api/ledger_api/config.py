from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from qq_kernel.settings import ServiceSettings

SERVICE_NAME = "ledger-api"
SCHEMA = "ledger"
PREFIX = "/api/ledger"
# The services that may obtain a client-credentials token from this identity provider, and what
# each may do: exactly the machine calls it makes (docs/architecture.md "Service identity").
SERVICE_CLIENTS: dict[str, frozenset[str]] = {
    # Complaints: the ledger link (match, candidates), the party registry, the shared calendar.
    "complaint-api": frozenset(
        {
            "service:introspect",
            "service:revocations_read",
            "service:ledger_match",
            "service:ledger_candidate",
            "service:parties_read",
            "service:calendar_read",
        }
    ),
    # Notifications: the organisation (recipients), the calendar (quiet hours, working days) and
    # the report endpoints it summarises.
    "notify-api": frozenset(
        {
            "service:introspect",
            "service:revocations_read",
            "service:org_read",
            "service:calendar_read",
            "service:reports",
        }
    ),
    # ledger-api's own outbox relay hands events to notify-api.
    "ledger-api": frozenset({"service:notify_event"}),
}


class Settings(ServiceSettings):
    """Environment variables are read with the ``LEDGER_`` prefix (e.g. ``LEDGER_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore")

    service_name: str = SERVICE_NAME
    db_schema: str = SCHEMA
    # ledger-api is itself the identity provider.
    identity_base_path: str = PREFIX
    # Business dates (delivery, acceptance, due, repayment, plan, interest as_of) must fall in
    # this window: from 1 January of business_date_min_year to business_date_max_years_ahead
    # years after today. Outside it a date is a typo (0001-01-01, 9999-12-31), refused with 422.
    business_date_min_year: int = 1990
    business_date_max_years_ahead: int = 10
    # The import worker (transfer/service.py) is a queue consumer, not a scheduled job: it runs in
    # every replica (SKIP LOCKED shares the queue) unless turned off here.
    import_worker: bool = True
    # POST /transfer/bulk/* carries up to 10,000 items (a few MB of JSON).
    bulk_path_prefixes: list[str] = [f"{PREFIX}/transfer/bulk/"]
    # SHA-256 hashes of each client's accepted secrets, as JSON:
    # {"complaint-api": ["sha256:…"], …}; two hashes for a client while its secret rotates.
    service_clients: dict[str, list[str]] = Field(default_factory=dict, repr=False)
    # Encrypts the JWT signing keys at rest. Only ledger-api has it (not derived from anything
    # another service holds). Previous values stay readable while it rotates; keys are
    # re-encrypted under the current one when next used.
    signing_key_secret: str = Field(default="", repr=False)
    signing_key_previous_secrets: list[str] = Field(default_factory=list, repr=False)
    # The platform's old shared SERVICE_SECRET, only to re-encrypt signing keys stored under it
    # (upgrade from before per-service credentials); remove it once ledger-api has started once.
    legacy_service_secret: str = Field(default="", repr=False)
    # A password older than this must be changed at the next login (MLPS periodic change); 0: never.
    password_max_age_days: int = 90

    @model_validator(mode="after")
    def _refuse_missing_signing_key_secret(self) -> "Settings":
        if self.environment == "production" and len(self.signing_key_secret) < 32:
            raise ValueError("ledger-api: SIGNING_KEY_SECRET must be at least 32 characters in production")
        return self

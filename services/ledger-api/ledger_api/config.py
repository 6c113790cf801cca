from pydantic_settings import SettingsConfigDict

from qq_kernel.settings import ServiceSettings

SERVICE_NAME = "ledger-api"
SCHEMA = "ledger"
PREFIX = "/api/ledger"
# The services that may obtain a client-credentials token from this identity provider.
SERVICE_CLIENTS = ("complaint-api", "notify-api", "ledger-api")


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

from pydantic_settings import SettingsConfigDict

from qq_kernel.settings import ServiceSettings

SERVICE_NAME = "ledger-api"
SCHEMA = "ledger"
PREFIX = "/api/ledger"


class Settings(ServiceSettings):
    """Environment variables are read with the ``LEDGER_`` prefix (e.g. ``LEDGER_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore")

    service_name: str = SERVICE_NAME
    db_schema: str = SCHEMA
    # The import worker (transfer/service.py) is a queue consumer, not a scheduled job: it runs in
    # every replica (SKIP LOCKED shares the queue) unless turned off here.
    import_worker: bool = True

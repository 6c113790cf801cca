from pydantic_settings import SettingsConfigDict

from qq_kernel.settings import ServiceSettings

SERVICE_NAME = "notify-api"
SCHEMA = "notify"
PREFIX = "/api/notify"


class Settings(ServiceSettings):
    """Environment variables are read with the ``NOTIFY_`` prefix (e.g. ``NOTIFY_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    service_name: str = SERVICE_NAME
    db_schema: str = SCHEMA
    # ledger-api is the identity provider: tokens, JWKS and introspection live below it.
    identity_base_path: str = "/api/ledger"
    # How stale the people read from ledger-api's organisation may be (a moved or deactivated
    # person stops receiving within this many seconds).
    recipients_max_age_seconds: float = 60.0

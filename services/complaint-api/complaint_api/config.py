from pydantic_settings import SettingsConfigDict

from qq_kernel.settings import ServiceSettings

SERVICE_NAME = "complaint-api"
SCHEMA = "complaint"
PREFIX = "/api/complaints"


class Settings(ServiceSettings):
    """Environment variables are read with the ``COMPLAINT_`` prefix (e.g. ``COMPLAINT_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="COMPLAINT_", extra="ignore")

    service_name: str = SERVICE_NAME
    db_schema: str = SCHEMA
    # ledger-api is the identity provider: tokens, JWKS and introspection live below it.
    identity_base_path: str = "/api/ledger"

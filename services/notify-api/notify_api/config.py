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
    # E-mail over SMTP.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "noreply@qingqian.local"
    # Generic webhooks are signed with this secret (HMAC-SHA256, header X-QQ-Signature).
    webhook_secret: str = ""
    # SMS through an HTTP gateway: POST {"phone", "text", "sign"} with an optional bearer token.
    sms_gateway_url: str = ""
    sms_gateway_token: str = ""
    sms_sign_name: str = "清欠平台"
    # A delivery is retried with backoff, then becomes a dead letter after this many attempts.
    delivery_max_attempts: int = 5
    delivery_backoff_base_seconds: float = 30.0

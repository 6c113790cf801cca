"""complaint-api: complaint intake, statutory deadlines, triage, handling, replies, revisits."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from qq_kernel.settings import ServiceSettings

SERVICE_NAME = "complaint-api"
SCHEMA = "complaint"
PREFIX = "/api/complaints"
REGULATION = "《保障中小企业款项支付条例》（2025年修订）"


class Settings(ServiceSettings):
    """Environment variables are read with the ``COMPLAINT_`` prefix (e.g. ``COMPLAINT_DATABASE_URL``).

    The deadline defaults are the 2025 regulation's (第二十六条, where each is shown in the API with
    the article it comes from); a province that sets shorter ones configures them here."""

    model_config = SettingsConfigDict(env_prefix="COMPLAINT_", extra="ignore")

    service_name: str = SERVICE_NAME
    db_schema: str = SCHEMA
    # ledger-api is the identity provider: tokens, JWKS and introspection live below it.
    identity_base_path: str = "/api/ledger"

    # 分办: the accepting office transfers the complaint within N working days of formal acceptance.
    transfer_workdays: int = Field(10, ge=1, le=60)
    transfer_article: str = f"{REGULATION}第二十六条：自正式受理之日起10个工作日内转交处理投诉部门"
    # 办理: a written result within N (calendar) days of the handling unit receiving it ...
    result_days: int = Field(30, ge=1, le=365)
    result_article: str = f"{REGULATION}第二十六条：自收到投诉材料之日起30日内形成处理结果，书面反馈投诉人"
    # ... extendable with the handling unit head's approval, to at most this many days in all.
    result_max_days: int = Field(90, ge=1, le=365)
    extension_article: str = f"{REGULATION}第二十六条：情况复杂的，经处理投诉部门负责人批准可适当延长，最长不超过90日"
    # Files a complaint may hold per purpose (evidence / reply): the blobs live in the database.
    max_files_per_purpose: int = Field(50, ge=1, le=1000)
    # Warn this many working days before a deadline.
    warning_workdays: int = Field(3, ge=0, le=30)
    # How stale the platform calendar (years loaded in ledger-api) may be in this process.
    calendar_max_age_seconds: float = Field(60.0, gt=0, le=60.0)
    # 回访复核: the share of each period's closed complaints drawn for a second revisit.
    revisit_sample_share: float = Field(0.1, gt=0, le=1)
    # Seals the callback secrets of the integration accounts at rest. Set it in production and
    # keep it with the backups: without it they are sealed with this service's own client
    # secret, and rotating that secret would make every callback secret unreadable.
    callback_key: str = Field(default="", repr=False)

    @property
    def callback_sealing_key(self) -> str:
        return self.callback_key or self.client_secret

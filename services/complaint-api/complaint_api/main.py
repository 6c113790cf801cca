"""App factory of complaint-api."""

from complaint_api.audit.models import AUDIT
from complaint_api.config import PREFIX, Settings
from qq_kernel.app import service_app_factory
from qq_kernel.migrations import migrations_dir_of

MIGRATIONS_DIR = migrations_dir_of(__file__)

create_app = service_app_factory(
    Settings,
    title="complaint-api",
    description="complaint-api: complaint intake and handling",
    prefix=PREFIX,
    migrations_dir=MIGRATIONS_DIR,
    audit=AUDIT,
)

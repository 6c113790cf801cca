"""App factory of notify-api."""

from notify_api.audit.models import AUDIT
from notify_api.channels import service as channels
from notify_api.channels.router import router as channels_router
from notify_api.config import PREFIX, Settings
from notify_api.events import service as events
from notify_api.events.router import router as events_router
from notify_api.inbox.router import router as inbox_router
from qq_kernel.app import service_app_factory
from qq_kernel.migrations import migrations_dir_of

MIGRATIONS_DIR = migrations_dir_of(__file__)

create_app = service_app_factory(
    Settings,
    title="notify-api",
    description="notify-api: notifications, escalations and bulletins",
    prefix=PREFIX,
    migrations_dir=MIGRATIONS_DIR,
    audit=AUDIT,
    routers=[events_router, inbox_router, channels_router],
    on_startup=[events.start_fan_out, channels.start_sender],
    on_shutdown=[channels.stop_sender, events.stop_fan_out],
)

"""Every ORM model of notify-api, imported once so Alembic sees the whole metadata."""

from notify_api.audit.models import AuditLog
from notify_api.channels.models import Contact, Delivery, DeliveryAttempt
from notify_api.channels.preferences import Preference
from notify_api.db import Base
from notify_api.events.models import Event
from notify_api.inbox.models import Notification

__all__ = ["AuditLog", "Base", "Contact", "Delivery", "DeliveryAttempt", "Event", "Notification", "Preference"]

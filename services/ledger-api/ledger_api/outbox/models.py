"""ledger-api's transactional outbox (qq_kernel.outbox): the events notify-api turns into
notifications (issue 12)."""

from ledger_api.db import Base
from qq_kernel.notify_events import NOTIFY  # noqa: F401  (this service's one destination)
from qq_kernel.outbox import OutboxAttemptMixin, OutboxMixin


class Outbox(OutboxMixin, Base):
    pass


class OutboxAttempt(OutboxAttemptMixin, Base):
    pass

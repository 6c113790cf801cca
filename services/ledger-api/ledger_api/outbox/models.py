"""ledger-api's transactional outbox (qq_kernel.outbox): the events notify-api turns into
notifications (issue 12)."""

from ledger_api.db import Base
from qq_kernel.outbox import OutboxAttemptMixin, OutboxMixin

# The one destination of this service's events.
NOTIFY = "notify"


class Outbox(OutboxMixin, Base):
    pass


class OutboxAttempt(OutboxAttemptMixin, Base):
    pass

"""complaint-api's transactional outbox (qq_kernel.outbox): the ledger link job and the callbacks
to the complaint platform now, the events to notify-api with issue 12."""

from complaint_api.db import Base
from qq_kernel.outbox import OutboxAttemptMixin, OutboxMixin

# Destinations of this service's events.
LEDGER_LINK = "ledger_link"
CALLBACK = "callback"


class Outbox(OutboxMixin, Base):
    pass


class OutboxAttempt(OutboxAttemptMixin, Base):
    pass

"""Every ORM model of ledger-api, imported once so Alembic sees the whole metadata.
A new domain adds one line here."""

from ledger_api.audit import models as audit_models
from ledger_api.calendar import models as calendar_models
from ledger_api.candidates import models as candidate_models
from ledger_api.complaint_links import models as complaint_link_models
from ledger_api.db import Base
from ledger_api.flags import models as flag_models
from ledger_api.identity import models as identity_models
from ledger_api.ledger import models as ledger_models
from ledger_api.plans import models as plan_models
from ledger_api.reports import models as report_models
from ledger_api.supervision import models as supervision_models
from ledger_api.transfer import models as transfer_models
from ledger_api.weekly import models as weekly_models

DOMAINS = (
    audit_models,
    calendar_models,
    candidate_models,
    complaint_link_models,
    flag_models,
    identity_models,
    ledger_models,
    plan_models,
    report_models,
    supervision_models,
    transfer_models,
    weekly_models,
)

__all__ = ["DOMAINS", "Base"]

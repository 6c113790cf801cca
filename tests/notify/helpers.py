"""Helpers of the notification tests: run the ledger relay and notify-api's fan-out to the end."""

from __future__ import annotations

from datetime import UTC, datetime

from notify_api.events import service as fan

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)  # due_by: claim events still waiting for their backoff


def app_of(gateway, prefix: str):
    return dict(gateway.services)[prefix]


async def deliver_all(gateway) -> None:
    """The ledger outbox to notify-api, then notify-api's events to the inbox."""
    ledger = app_of(gateway, "/api/ledger")
    await ledger.state.outbox_relay.drain(due_by=FAR_FUTURE)
    notify = app_of(gateway, "/api/notify")
    await fan.drain(notify.state.session_factory, notify.state.directory)


async def deliver_complaints(gateway) -> None:
    """complaint-api's notify events to notify-api, then to the inbox."""
    complaints = app_of(gateway, "/api/complaints")
    await complaints.state.outbox_relay.drain(destinations=["notify"], due_by=FAR_FUTURE)
    notify = app_of(gateway, "/api/notify")
    await fan.drain(notify.state.session_factory, notify.state.directory)

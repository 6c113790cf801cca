"""Where the complaint platform wants to hear of status changes: one callback endpoint per
integration account (the account lives in ledger-api's identity; its id is the key here).

The signing secret must be readable to sign with, so it is stored encrypted (Fernet, with a key
derived from the service secret: a database dump alone does not reveal it) and shown to the
administrator once, when it is made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from complaint_api.db import Base


class CallbackEndpoint(Base):
    __tablename__ = "callback_endpoint"
    __table_args__ = (Index("ix_callback_endpoint_region_path", "region_path"),)

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_name: Mapped[str] = mapped_column(String(128), nullable=False)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    secret_ciphertext: Mapped[str] = mapped_column(String(500), nullable=False)
    # The first characters of the secret, so both sides can tell which one is in use.
    secret_prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # The account's region: administrators of it (or above) manage the endpoint.
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )
    secret_rotated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

"""Evidence (佐证材料: bank receipts, confirmations, agreements) of an item or one of its
repayments: stored with its hash, every upload and download on the item's timeline."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.ledger.access import audit_item
from ledger_api.ledger.models import ArrearsItem, EvidenceBlob, EvidenceFile, Repayment
from qq_kernel.auth.principal import Principal
from qq_kernel.files import FileKind, LimitedRead
from qq_kernel.problems import ProblemError, field_error


async def add_evidence(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    item: ArrearsItem,
    read: LimitedRead,
    kind: FileKind,
    filename: str | None,
    purpose: str,
    repayment_id: str | None,
) -> EvidenceFile:
    """A checked file (size and type already sniffed) attached to ``item``, or to one of its repayments."""
    if repayment_id:
        repayment = await session.scalar(
            select(Repayment).where(Repayment.id == repayment_id, Repayment.item_id == item.id)
        )
        if repayment is None:
            raise field_error("repayment_id", "还款记录不存在", "not_found")
    evidence = EvidenceFile(
        item_id=item.id,
        repayment_id=repayment_id,
        purpose=purpose,
        filename=(filename or f"evidence.{kind.extension}")[:255],
        media_type=kind.media_type,
        size=read.size,
        sha256=read.sha256,
        uploaded_by=principal.actor_id,
    )
    session.add(evidence)
    await session.flush()
    session.add(EvidenceBlob(file_id=evidence.id, content=read.data))
    await audit_item(
        session,
        item,
        action="evidence.uploaded",
        principal=principal,
        request=request,
        after={
            "evidence_id": evidence.id,
            "filename": evidence.filename,
            "sha256": read.sha256,
            "size": read.size,
            "repayment_id": repayment_id,
            "purpose": purpose,
        },
    )
    return evidence


async def open_evidence(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, evidence_id: str
) -> tuple[EvidenceFile, bytes]:
    """The file and its content, the download logged on the item's timeline."""
    evidence = await session.scalar(
        select(EvidenceFile).where(EvidenceFile.id == evidence_id, EvidenceFile.item_id == item.id)
    )
    if evidence is None:
        raise ProblemError(404, detail="佐证材料不存在")
    blob = await session.get(EvidenceBlob, evidence.id)
    await audit_item(
        session,
        item,
        action="evidence.downloaded",
        principal=principal,
        request=request,
        after={"evidence_id": evidence.id, "filename": evidence.filename},
    )
    return evidence, blob.content

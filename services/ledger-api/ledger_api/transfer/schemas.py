from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from qq_kernel.problems import FieldError

RowAction = Literal["created", "updated", "unchanged", "refused"]
PreviewAction = Literal["create", "update", "unchanged", "refused"]


class BulkItemsIn(BaseModel):
    """Each element of ``items`` is one row, with the fields of POST /items, except that the
    debtor and creditor are named by their details instead of ids (``debtor_name``, ``debtor_uscc``,
    ``debtor_type``, ``creditor_name``, ``creditor_uscc``, ``creditor_size``: found by credit code or
    registered) and ``ledger_no`` names an existing item. Rows are validated one by one, so a bad
    row is reported in its result, never as a 422 of the whole request."""

    items: list[dict[str, Any]] = Field(min_length=1, max_length=10_000, description="至多 10,000 行")
    dry_run: bool = Field(default=False, description="只校验并返回每行将会怎样，不写入")
    all_or_nothing: bool = Field(
        default=False, description="任何一行被拒绝则整批不写入；默认写入有效行（每行要么完整写入，要么不写）"
    )


class RowChange(BaseModel):
    before: Any = None
    after: Any = None


class BulkRowOut(BaseModel):
    index: int = Field(description="该行在请求 items 中的位置（从 0 起）")
    action: RowAction
    item_id: str | None = None
    ledger_no: str | None = None
    changes: dict[str, RowChange] | None = Field(default=None, description="更新的字段：修改前后")
    errors: list[FieldError] | None = None


class BulkCounts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0


class BulkOut(BaseModel):
    dry_run: bool
    applied: bool = Field(description="是否已写入（试运行，或整批模式下有被拒绝的行时为 false）")
    counts: BulkCounts
    rows: list[BulkRowOut]


class WeeklyRowIn(BaseModel):
    ledger_no: str = Field(min_length=1, max_length=32)
    progress: str
    paid_this_week: str
    next_step: str


class WeeklyBulkIn(BaseModel):
    """A unit's weekly updates (按周更新) in one call: one row per item, the fields of
    POST /items/{id}/weekly-updates plus the item's ledger number."""

    updates: list[dict[str, Any]] = Field(min_length=1, max_length=10_000)
    dry_run: bool = False


class WeeklyRowOut(BaseModel):
    index: int
    action: Literal["created", "refused"]
    ledger_no: str | None = None
    item_id: str | None = None
    weekly_update_id: str | None = None
    errors: list[FieldError] | None = None


class WeeklyBulkOut(BaseModel):
    dry_run: bool
    created: int
    refused: int
    rows: list[WeeklyRowOut]


ImportStatus = Literal["queued", "validating", "validated", "invalid", "confirmed", "writing", "done", "failed"]
ImportMode = Literal["all_or_nothing", "valid_rows"]


class ImportCounts(BaseModel):
    create: int = 0
    update: int = 0
    unchanged: int = 0
    refused: int = 0


class ImportJobOut(BaseModel):
    id: str
    filename: str
    size: int
    status: ImportStatus
    mode: ImportMode
    owner_name: str
    rows_total: int = Field(description="文件中的数据行数")
    rows_read: int
    rows_validated: int
    rows_written: int
    counts: ImportCounts | None = Field(default=None, description="试运行（或写入）的结果：新增、更新、无变化、错误")
    error: str | None = None
    sheet: str | None = None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None


class CellError(BaseModel):
    column: str | None = Field(description="列号，如 C；该列不在表中时为空")
    header: str | None = None
    field: str
    message: str


class PreviewRow(BaseModel):
    sheet: str
    row: int = Field(description="表格中的行号（与 Excel 显示一致）")
    action: PreviewAction
    ledger_no: str | None = None
    cells: dict[str, Any] | None = Field(default=None, description="有错误的行：各列读到的值（按列名）")
    changes: dict[str, RowChange] | None = Field(default=None, description="更新：各列修改前后（按列名）")
    errors: list[CellError] | None = None


class PreviewPage(BaseModel):
    items: list[PreviewRow]
    total: int
    truncated: bool = Field(description="预览只保留前若干行错误与差异时为 true；计数始终完整")


class ImportConfirmIn(BaseModel):
    mode: ImportMode = Field(
        default="all_or_nothing",
        description="all_or_nothing：整份文件全部有效才写入；valid_rows：只导入有效行，每行原子写入",
    )

"""Wire shapes of complaints. The intake request (:class:`PlatformIntake`) is the published
contract of the provincial complaint platform (docs/api.md, "Complaints")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from qq_kernel.money import PositiveMoney
from qq_kernel.uscc import UsccError, validate_uscc

RespondentKind = Literal[
    "government_agency", "fully_funded_institution", "other_institution", "platform_company", "soe", "large_enterprise"
]
CompanySize = Literal["medium", "small", "micro"]
ProcurementType = Literal["goods", "works", "services"]
StaffSource = Literal["phone", "letter", "walk_in"]
NotAcceptedReason = Literal["not_goods_works_services", "in_other_proceedings", "repeat_without_new_facts"]
Satisfaction = Literal["satisfied", "basically_satisfied", "dissatisfied"]
FilePurpose = Literal["evidence", "reply"]
FILE_PURPOSE_LABELS = {"evidence": "投诉证据", "reply": "反馈附件"}
PHONE_PATTERN = r"^\+?[0-9][0-9\- ]{4,19}$"


def check_uscc(value: str) -> str:
    try:
        return validate_uscc(value)
    except UsccError as exc:
        raise PydanticCustomError(f"uscc_{exc.code}", str(exc)) from exc


def _optional_uscc(value: str | None) -> str | None:
    return None if value in (None, "") else check_uscc(value)


_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}


class Strict(BaseModel):
    # An unknown field is a mistake of the sender, not something to drop silently.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value):
        # NUL and other control characters: PostgreSQL refuses NUL in text, and none belongs in a
        # name or a statement of facts; a 422 naming the field, never a 500.
        if isinstance(value, str) and any(ch in _CONTROL for ch in value):
            raise PydanticCustomError("control_character", "不能包含控制字符")
        return value


class ComplainantIn(Strict):
    name: str = Field(min_length=2, max_length=200, description="投诉企业名称")
    uscc: str = Field(description="统一社会信用代码（18位，按 GB 32100-2015 校验）")
    size: CompanySize = Field(description="企业规模：medium 中型 / small 小型 / micro 微型")
    contact_person: str = Field(min_length=1, max_length=64, description="联系人")
    contact_phone: str = Field(pattern=PHONE_PATTERN, description="联系电话")

    _uscc = field_validator("uscc")(check_uscc)


class RespondentIn(Strict):
    name: str = Field(min_length=2, max_length=200, description="被投诉主体名称")
    uscc: str | None = Field(default=None, description="统一社会信用代码（已知时填写）")
    kind: RespondentKind = Field(description="主体类型，与台账拖欠主体类型相同")

    _uscc = field_validator("uscc")(_optional_uscc)


class ContractIn(Strict):
    name: str = Field(min_length=2, max_length=300, description="合同（项目）名称")
    number: str | None = Field(default=None, max_length=100, description="合同编号")


class ComplaintBody(Strict):
    complainant: ComplainantIn
    respondent: RespondentIn
    amount: PositiveMoney = Field(description="被拖欠金额（元），两位小数的字符串")
    contract: ContractIn
    procurement_type: ProcurementType = Field(description="goods 货物 / works 工程 / services 服务")
    facts: str = Field(min_length=5, max_length=8000, description="事实与理由")
    request: str = Field(min_length=2, max_length=4000, description="投诉请求")
    pledge_no_other_proceedings: Literal[True] = Field(
        description="投诉人承诺该事项未由人民法院、仲裁机构或调解组织受理（须为 true）"
    )


class PlatformIntake(ComplaintBody):
    """投诉平台推送的一件投诉。按 (对接账号, platform_complaint_id) 幂等：重复推送返回已有投诉；
    同一编号内容不同则 409 并列出不同的字段。"""

    platform_complaint_id: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$", description="投诉平台自己的投诉编号"
    )


class StaffRegistration(ComplaintBody):
    """工作人员登记电话、信函、来访投诉。"""

    source: StaffSource = Field(description="phone 电话 / letter 信函 / walk_in 来访")
    received_on: date | None = Field(default=None, description="收到投诉的日期，默认今天；不得晚于今天")


# ---------------------------------------------------------------- actions


class NoteIn(Strict):
    note: str | None = Field(default=None, max_length=2000, description="说明")


class RejectIn(Strict):
    reason: NotAcceptedReason = Field(description="不予受理的法定理由")
    explanation: str = Field(min_length=5, max_length=4000, description="书面说明")


class AssignIn(Strict):
    unit_id: str = Field(min_length=1, max_length=36, description="承办单位")
    note: str | None = Field(default=None, max_length=2000)


class ReasonIn(Strict):
    reason: str = Field(min_length=2, max_length=2000)


class UrgeIn(Strict):
    note: str = Field(min_length=2, max_length=2000, description="催办意见")


class SuperviseIn(Strict):
    requirements: str = Field(min_length=2, max_length=4000, description="督办事项与要求（每行一条）")
    reply_deadline: date = Field(description="书面反馈办理情况的期限")


class ExtensionIn(Strict):
    days: int = Field(ge=1, le=90, description="申请延长的天数（连同已批准的延期，办理期限合计不超过90日）")
    reason: str = Field(min_length=5, max_length=2000, description="延期理由")


class DecisionIn(Strict):
    note: str | None = Field(default=None, max_length=2000)


class ReplyIn(Strict):
    result: str = Field(min_length=5, max_length=8000, description="书面处理结果")
    attachment_ids: list[str] = Field(
        default_factory=list, max_length=20, description="已上传的反馈附件（purpose=reply）"
    )


class RevisitIn(Strict):
    satisfaction: Satisfaction = Field(
        description="satisfied 满意 / basically_satisfied 基本满意 / dissatisfied 不满意"
    )
    note: str | None = Field(default=None, max_length=2000, description="回访记录")


# ---------------------------------------------------------------- out


class PartyOut(BaseModel):
    name: str
    uscc: str | None
    size: str | None = None
    kind: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None


class ContractOut(BaseModel):
    name: str
    number: str | None


class DeadlineOut(BaseModel):
    kind: Literal["transfer", "result"] = Field(description="transfer 分办期限 / result 办理期限")
    start: date = Field(description="起算日（不计入期限）")
    due: date
    provisional: bool = Field(description="期限跨入尚未录入节假日安排的年份：暂按周末计算，录入后自动重算")
    warn_from: date = Field(description="自该日起预警")
    overdue: bool
    running: bool = Field(description="当前状态下是否在计时")
    basis: str = Field(description="法规依据")


class ComplaintOut(BaseModel):
    id: str
    complaint_no: str
    source: str
    platform_complaint_id: str | None
    status: str
    status_label: str
    complainant: PartyOut
    contact_masked: bool = Field(description="联系方式是否已脱敏")
    respondent: PartyOut
    amount: str
    contract: ContractOut
    procurement_type: str
    facts: str
    request: str
    pledge_no_other_proceedings: bool
    region_path: str
    received_on: date
    accepted_on: date | None
    not_accepted_reason: str | None
    not_accepted_explanation: str | None
    handling_unit_id: str | None
    assigned_on: date | None
    extension_days: int
    deadlines: list[DeadlineOut]
    replied_on: date | None
    reply_text: str | None
    satisfaction: str | None
    closed_on: date | None
    urge_count: int
    supervision_count: int
    reopen_count: int
    version: int
    created_at: datetime


class QueueRow(BaseModel):
    id: str
    complaint_no: str
    status: str
    status_label: str
    complainant_name: str
    respondent_name: str
    amount: str
    handling_unit_id: str | None
    received_on: date
    next_due: date | None
    next_due_provisional: bool
    overdue: bool
    version: int


class QueuePage(BaseModel):
    items: list[QueueRow]
    total: int = Field(description="符合条件的投诉数（计数止于上限时为下限）")
    total_exact: bool
    next_cursor: str | None = Field(description="下一页的游标；无下一页时为空")


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    occurred_at: datetime
    kind: str
    from_status: str | None
    to_status: str | None
    actor_name: str | None
    actor_unit_id: str | None
    note: str | None
    data: dict | None


class FileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    purpose: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class ExtensionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    days: int
    reason: str
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    notice_no: str
    issued_at: datetime


class ActionsOut(BaseModel):
    status: str
    allowed: list[str] = Field(description="当前状态允许的全部动作")
    mine: list[str] = Field(description="其中当前用户可以执行的动作")

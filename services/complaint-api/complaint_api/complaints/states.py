"""The complaint workflow as one table (DOMAIN.md §3, issue 10): (state, action) → next state and
who may take it. The service applies it, the tests walk it, docs/complaints.md prints it
(``python -m complaint_api.complaints.states`` regenerates that table).

Who may act is two things: the route's permission (the guard, checked before anything else) and
the *party* — the office of the complaint's region, the handling unit's staff, or the handling
unit's leader. A caller who sees the complaint but is not the party gets 403; an action the
state does not allow gets 409 naming the actions it does allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    received = "received"
    accepted = "accepted"
    not_accepted = "not_accepted"
    assigned = "assigned"
    returned = "returned"
    handling = "handling"
    replied = "replied"
    revisited = "revisited"
    dissatisfied = "dissatisfied"
    under_review = "under_review"
    closed = "closed"


STATE_LABELS = {
    State.received: "已接收",
    State.accepted: "已受理",
    State.not_accepted: "不予受理",
    State.assigned: "已分办",
    State.returned: "已退回",
    State.handling: "办理中",
    State.replied: "已反馈",
    State.revisited: "已回访",
    State.dissatisfied: "回访不满意",
    State.under_review: "复核中",
    State.closed: "已办结",
}


class Party(StrEnum):
    office = "office"  # 专班办公室 of the complaint's region (complaints:triage, region scope)
    unit = "unit"  # staff of the handling unit (complaints:write, the complaint's handling unit)
    unit_leader = "unit_leader"  # the handling unit's head (complaints:approve, the handling unit)


PARTY_PERMISSION = {
    Party.office: "complaints:triage",
    Party.unit: "complaints:write",
    Party.unit_leader: "complaints:approve",
}
PARTY_LABELS = {Party.office: "专班办公室", Party.unit: "承办单位", Party.unit_leader: "承办单位负责人"}


class Action(StrEnum):
    accept = "accept"  # 正式受理
    reject = "reject"  # 不予受理 (statutory reason + explanation)
    assign = "assign"  # 分办 (also the reassignment of a returned complaint)
    return_ = "return"  # 退回 (misrouted)
    start = "start"  # 签收办理
    urge = "urge"  # 催办
    supervise = "supervise"  # 督办 (generates the 督办通知书)
    request_extension = "request_extension"  # 申请延期
    approve_extension = "approve_extension"  # 负责人批准延期
    reject_extension = "reject_extension"  # 负责人不批准延期
    reply = "reply"  # 书面反馈 (result + attachments)
    revisit = "revisit"  # 回访复核 (satisfaction)
    reopen = "reopen"  # 重新办理
    review = "review"  # 转复核
    close = "close"  # 办结


ACTION_LABELS = {
    Action.accept: "受理",
    Action.reject: "不予受理",
    Action.assign: "分办",
    Action.return_: "退回",
    Action.start: "签收办理",
    Action.urge: "催办",
    Action.supervise: "督办",
    Action.request_extension: "申请延期",
    Action.approve_extension: "批准延期",
    Action.reject_extension: "不批准延期",
    Action.reply: "书面反馈",
    Action.revisit: "回访复核",
    Action.reopen: "重新办理",
    Action.review: "复核",
    Action.close: "办结",
}

# Who takes an action is the same in every state it is allowed in.
ACTION_PARTY: dict[Action, Party] = {
    Action.accept: Party.office,
    Action.reject: Party.office,
    Action.assign: Party.office,
    Action.return_: Party.unit,
    Action.start: Party.unit,
    Action.urge: Party.office,
    Action.supervise: Party.office,
    Action.request_extension: Party.unit,
    Action.approve_extension: Party.unit_leader,
    Action.reject_extension: Party.unit_leader,
    Action.reply: Party.unit,
    Action.revisit: Party.office,
    Action.reopen: Party.office,
    Action.review: Party.office,
    Action.close: Party.office,
}


@dataclass(frozen=True)
class Transition:
    state: State
    action: Action
    next: State
    # The revisit is the one action whose outcome the request decides: 不满意 leads to
    # ``dissatisfied`` (then reopen or review), 满意/基本满意 to ``revisited``.
    next_if_dissatisfied: State | None = None

    @property
    def party(self) -> Party:
        return ACTION_PARTY[self.action]

    @property
    def permission(self) -> str:
        return PARTY_PERMISSION[self.party]


_S, _A = State, Action
# The table. Self-loops (urge, supervise, extensions) are actions that leave the state as it is.
TRANSITIONS: tuple[Transition, ...] = (
    Transition(_S.received, _A.accept, _S.accepted),
    Transition(_S.received, _A.reject, _S.not_accepted),
    Transition(_S.accepted, _A.assign, _S.assigned),
    Transition(_S.accepted, _A.urge, _S.accepted),
    Transition(_S.returned, _A.assign, _S.assigned),
    Transition(_S.assigned, _A.start, _S.handling),
    Transition(_S.assigned, _A.return_, _S.returned),
    Transition(_S.assigned, _A.urge, _S.assigned),
    Transition(_S.assigned, _A.supervise, _S.assigned),
    Transition(_S.handling, _A.return_, _S.returned),
    Transition(_S.handling, _A.urge, _S.handling),
    Transition(_S.handling, _A.supervise, _S.handling),
    Transition(_S.handling, _A.request_extension, _S.handling),
    Transition(_S.handling, _A.approve_extension, _S.handling),
    Transition(_S.handling, _A.reject_extension, _S.handling),
    Transition(_S.handling, _A.reply, _S.replied),
    Transition(_S.replied, _A.revisit, _S.revisited, next_if_dissatisfied=_S.dissatisfied),
    Transition(_S.revisited, _A.close, _S.closed),
    Transition(_S.dissatisfied, _A.reopen, _S.handling),
    Transition(_S.dissatisfied, _A.review, _S.under_review),
    Transition(_S.under_review, _A.reopen, _S.handling),
    Transition(_S.under_review, _A.close, _S.closed),
)

TABLE: dict[tuple[State, Action], Transition] = {(t.state, t.action): t for t in TRANSITIONS}
assert len(TABLE) == len(TRANSITIONS), "one row per (state, action)"

TERMINAL = frozenset({State.not_accepted, State.closed})
# States a deadline runs in: the transfer deadline (分办) and the result deadline (书面反馈).
TRANSFER_STATES = frozenset({State.accepted, State.returned})
RESULT_STATES = frozenset({State.assigned, State.handling})
OPEN_STATES = frozenset(State) - TERMINAL


def allowed_actions(state: State) -> list[Action]:
    return [t.action for t in TRANSITIONS if t.state == state]


def transition(state: State, action: Action) -> Transition | None:
    return TABLE.get((state, action))


def markdown_table() -> str:
    """The table as docs/complaints.md prints it."""
    lines = ["| 状态 (state) | 动作 (action) | 下一状态 | 由谁 | 权限 |", "|---|---|---|---|---|"]
    for t in TRANSITIONS:
        nxt = f"`{t.next}` {STATE_LABELS[t.next]}"
        if t.next_if_dissatisfied:
            nxt += f"；不满意：`{t.next_if_dissatisfied}` {STATE_LABELS[t.next_if_dissatisfied]}"
        lines.append(
            f"| `{t.state}` {STATE_LABELS[t.state]} | `{t.action}` {ACTION_LABELS[t.action]} | {nxt} "
            f"| {PARTY_LABELS[t.party]} | `{t.permission}` |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())

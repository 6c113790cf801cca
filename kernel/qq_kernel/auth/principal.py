"""The caller of a request and the roles/permissions model (docs/domain.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    office_admin = "office_admin"
    unit_operator = "unit_operator"
    unit_leader = "unit_leader"
    auditor = "auditor"
    court = "court"
    security_admin = "security_admin"
    audit_admin = "audit_admin"
    integration = "integration"


ROLE_LABELS_ZH = {
    Role.office_admin: "专班办公室",
    Role.unit_operator: "成员单位经办人",
    Role.unit_leader: "成员单位负责人",
    Role.auditor: "审计人员",
    Role.court: "法院执行人员",
    Role.security_admin: "安全管理员",
    Role.audit_admin: "审计管理员",
    Role.integration: "系统对接账号",
}

# Permissions are "<area>:<action>". API-token scopes are drawn from the same list, so a script
# can never hold more than the user who made its token.
ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.office_admin: frozenset(
        {
            "ledger:read",
            "ledger:write",
            "ledger:verify",
            "ledger:supervise",
            "complaints:read",
            "complaints:write",
            "complaints:triage",
            "complaints:intake",
            "notify:read",
            "notify:publish",
            "org:read",
            "users:manage",
            "tokens:own",
            "personal_data:read",
        }
    ),
    Role.unit_operator: frozenset(
        {"ledger:read", "ledger:write", "complaints:read", "complaints:write", "notify:read", "org:read", "tokens:own"}
    ),
    Role.unit_leader: frozenset(
        {
            "ledger:read",
            "ledger:write",
            "ledger:approve",
            "complaints:read",
            "complaints:approve",
            "complaints:write",
            "notify:read",
            "org:read",
            "tokens:own",
            "personal_data:read",
        }
    ),
    Role.auditor: frozenset(
        {"ledger:read", "complaints:read", "notify:read", "org:read", "audit:read", "audit:read_all", "tokens:own"}
    ),
    Role.court: frozenset({"ledger:read_judicial", "ledger:court_record", "org:read"}),
    # The platform calendar is system configuration every region's deadlines depend on: it is
    # kept by an administrator (whose actions audit_admin reviews), not by an office whose own
    # deadlines it would move (docs/complaints.md, "The calendar").
    Role.security_admin: frozenset(
        {"org:read", "org:manage", "users:manage", "roles:manage", "tokens:manage", "calendar:manage"}
    ),
    Role.audit_admin: frozenset({"org:read", "audit:read", "audit:read_admin"}),
    Role.integration: frozenset({"complaints:intake", "ledger:read"}),
}

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())

# Roles whose data scope is the region subtree of their unit; every other role sees its own unit.
REGION_SCOPED_ROLES = frozenset({Role.office_admin, Role.auditor, Role.court, Role.security_admin, Role.audit_admin})


def permissions_of(roles: frozenset[str] | set[str]) -> frozenset[str]:
    """Union of the roles' permissions: holding more roles never takes a right away."""
    out: set[str] = set()
    for role in roles:
        if role in Role.__members__:
            out |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(out)


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "api_token" | "service"
    subject: str  # user id, token id or service name
    username: str
    unit_id: str | None = None
    region_path: str | None = None  # materialised path of the user's region, e.g. "/44/4408/440825/"
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    display_name: str = ""
    token_id: str | None = None
    session_id: str | None = None
    must_change_password: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def region_scoped(self) -> bool:
        return any(r in REGION_SCOPED_ROLES for r in self.roles) or self.kind == "service"

    @property
    def user_id(self) -> str | None:
        return self.subject if self.kind == "user" else self.extra.get("user_id")

    @property
    def actor_id(self) -> str:
        """Who did it, for "created by" columns: the user behind a token, else the token's subject."""
        return self.user_id or self.subject


# Every permission a service identity (complaint-api calling ledger-api, ...) can hold: machine
# operations only. Which service holds which is the identity provider's table of clients
# (ledger-api's config.SERVICE_CLIENTS); a service token carries its own set.
# ``service:reports``: notify-api's weekly bulletin (通报) reads the report endpoints.
SERVICE_PERMISSIONS: frozenset[str] = frozenset(
    {
        "service:introspect",
        "service:revocations_read",
        "service:ledger_match",
        "service:ledger_candidate",
        "service:notify_event",
        "service:reports",
        "service:parties_read",
        "service:org_read",
        "service:calendar_read",
    }
)

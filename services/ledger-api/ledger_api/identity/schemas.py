from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qq_kernel.auth.principal import ALL_PERMISSIONS, Role

USERNAME_PATTERN = r"^[a-zA-Z0-9_.\-]{3,64}$"


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str | None = None
    must_change_password: bool = False


class PasswordChange(BaseModel):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    id: str
    kind: str
    username: str
    display_name: str
    unit_id: str | None
    unit_name: str | None = None
    region_path: str | None
    roles: list[str]
    permissions: list[str]
    must_change_password: bool
    idle_timeout_seconds: int


class IntrospectionRequest(BaseModel):
    token: str = Field(min_length=1, max_length=512)


class Introspection(BaseModel):
    active: bool
    kind: str | None = None
    sub: str | None = None
    username: str | None = None
    display_name: str | None = None
    unit_id: str | None = None
    region_path: str | None = None
    roles: list[str] = []
    permissions: list[str] = []
    token_id: str | None = None
    user_id: str | None = None


class RevocationOut(BaseModel):
    kind: Literal["session", "user", "api_token"]
    subject_id: str = Field(description="会话、用户或 API 令牌的 id")
    reason: str
    revoked_at: datetime

    model_config = ConfigDict(from_attributes=True)


class RevocationFeed(BaseModel):
    cursor: datetime = Field(description="下次请求的 since 参数")
    revocations: list[RevocationOut]
    horizon_seconds: int = Field(description="早于此时长的吊销不再列出：其访问令牌均已过期")


class Jwks(BaseModel):
    keys: list[dict]


class RegionIn(BaseModel):
    code: str = Field(pattern=r"^[0-9]{2,12}$", description="行政区划代码")
    name: str = Field(min_length=1, max_length=64)
    level: str = Field(pattern=r"^(province|city|county)$")
    parent_id: str | None = None


class RegionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    code: str
    name: str
    level: str
    parent_id: str | None
    path: str


class UnitIn(BaseModel):
    name: str = Field(min_length=2, max_length=128)
    region_id: str
    is_office: bool = False


class UnitPatch(BaseModel):
    name: str | None = Field(default=None, min_length=2, max_length=128)
    active: bool | None = None


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    region_id: str
    region_path: str
    is_office: bool
    active: bool
    version: int


def _check_roles(roles: list[str]) -> list[str]:
    unknown = [r for r in roles if r not in Role.__members__]
    if unknown:
        raise ValueError(f"未知角色：{'、'.join(unknown)}")
    return sorted(set(roles))


class UserIn(BaseModel):
    username: str = Field(pattern=USERNAME_PATTERN, description="登录名：3-64 位字母、数字、下划线、点或连字符")
    display_name: str = Field(min_length=1, max_length=64)
    unit_id: str
    phone: str | None = Field(default=None, pattern=r"^[0-9\-+ ]{5,20}$")
    roles: list[str] = Field(min_length=1)
    kind: str = Field(default="person", pattern=r"^(person|integration)$")

    _roles = field_validator("roles")(_check_roles)


class UserPatch(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=64)
    unit_id: str | None = None
    phone: str | None = Field(default=None, pattern=r"^[0-9\-+ ]{5,20}$")
    roles: list[str] | None = Field(default=None, min_length=1)
    active: bool | None = None

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _check_roles(v)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    username: str
    display_name: str
    unit_id: str
    region_path: str
    phone: str | None = None
    roles: list[str]
    kind: str
    active: bool
    must_change_password: bool
    locked_until: datetime | None
    created_at: datetime
    version: int


class UserCreated(UserOut):
    one_time_password: str | None = Field(description="仅显示一次的初始密码；首次登录须修改（对接账号没有密码）")


class PasswordReset(BaseModel):
    one_time_password: str


class ApiTokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    scopes: list[str] = Field(min_length=1)
    expires_in_days: int = Field(default=90, ge=1, le=365)
    owner_id: str | None = Field(default=None, description="为对接账号创建时填写；默认为本人")

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, v: list[str]) -> list[str]:
        unknown = [s for s in v if s not in ALL_PERMISSIONS]
        if unknown:
            raise ValueError(f"未知权限范围：{'、'.join(unknown)}")
        return sorted(set(v))


class ApiTokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    owner_id: str
    owner_username: str | None = None
    owner_display_name: str | None = None
    created_by: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="仅显示一次；请妥善保存")


class RoleOut(BaseModel):
    code: str
    label: str
    permissions: list[str]


class RolesOut(BaseModel):
    roles: list[RoleOut]


class LoginEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    occurred_at: datetime
    username: str
    user_id: str | None
    ip: str | None
    user_agent: str | None
    result: str


class PersonOut(BaseModel):
    """An entry of the people directory: enough to pick and name a responsible person, nothing
    more (no username, phone or roles)."""

    id: str
    display_name: str
    unit_name: str

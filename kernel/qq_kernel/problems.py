"""RFC 9457 problem details: every error leaves every service as ``application/problem+json``
with a stable machine ``code``, a Chinese ``title`` the SPA can show, and the request id."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from qq_kernel.request_id import current_request_id

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("qq_kernel.problems")

# Default (code, title) per status, used when an error carries no code of its own.
_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求有误"),
    401: ("unauthenticated", "未登录或登录已失效"),
    403: ("forbidden", "无权进行此操作"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与当前数据状态冲突"),
    412: ("precondition_failed", "数据已被他人修改，请刷新后重试"),
    413: ("payload_too_large", "上传内容过大"),
    414: ("uri_too_long", "请求地址过长"),
    415: ("unsupported_media_type", "不支持的文件或内容类型"),
    422: ("validation_failed", "提交的数据未通过校验"),
    423: ("locked", "账户已锁定"),
    428: ("precondition_required", "缺少版本号（If-Match）"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误"),
    503: ("unavailable", "服务暂不可用"),
}


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. body.creditor.uscc")
    message: str = Field(description="中文说明")
    code: str = Field(description="Machine code of the rule that failed")


class Problem(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raise anywhere in a service to answer with a problem document."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        title: str | None = None,
        detail: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        default_code, default_title = _DEFAULTS.get(status, ("error", "请求失败"))
        self.status = status
        self.code = code or default_code
        self.title = title or default_title
        self.detail = detail
        self.errors = errors
        self.headers = headers
        # RFC 9457 extension members (e.g. a machine-readable list of reasons), added to the body
        # next to the standard members; they never replace one of those.
        self.extensions = extensions
        super().__init__(f"{self.status} {self.code}: {detail or self.title}")


def field_error(field: str, message: str, code: str = "invalid") -> ProblemError:
    """A 422 about one named field, for rules Pydantic cannot express (check digits, states)."""
    return ProblemError(422, detail=f"{field}: {message}", errors=[{"field": field, "message": message, "code": code}])


def problem_response(
    request: Request | None,
    status: int,
    *,
    code: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    default_code, default_title = _DEFAULTS.get(status, ("error", "请求失败"))
    body = Problem(
        type=f"urn:qingqian:problem:{code or default_code}",
        title=title or default_title,
        status=status,
        code=code or default_code,
        detail=detail,
        instance=str(request.url.path) if request is not None else None,
        request_id=current_request_id(),
        errors=[FieldError(**e) for e in errors] if errors else None,
    )
    content = body.model_dump(exclude_none=True)
    for key, value in (extensions or {}).items():
        content.setdefault(key, value)
    return JSONResponse(content, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# Pydantic error types → Chinese messages a clerk can act on.
_PYDANTIC_MESSAGES = {
    "missing": "必填项",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "too_short": "至少需要填写一项",
    "too_long": "条目过多",
    "list_type": "应为列表",
    "bool_parsing": "应为是或否",
    "bool_type": "应为是或否",
    "float_type": "应为数字",
    "extra_forbidden": "不允许的字段",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "decimal_parsing": "应为金额数字",
    "decimal_type": "应为金额数字",
    "decimal_max_places": "最多两位小数",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "enum": "不在允许的取值范围内",
    "literal_error": "不在允许的取值范围内",
    "json_invalid": "请求体不是合法的 JSON",
    "model_attributes_type": "请求体格式不正确",
    "dict_type": "请求体应为 JSON 对象",
    "uuid_parsing": "应为 UUID",
    "value_error": "取值无效",
}


def pydantic_field_errors(errors, *, strip_body: bool = True) -> list[dict[str, str]]:
    """Pydantic's errors as field errors with Chinese messages (a request's body, or a row of an
    import validated with the same schema)."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        # Body fields are named as the form names them ("amount", "creditor.uscc"); query and
        # path parameters keep their prefix ("query.page_size") so they are not mistaken for fields.
        if strip_body and loc[:1] == ["body"] and len(loc) > 1:
            loc = loc[1:]
        field = ".".join(loc) or "body"
        kind = err.get("type", "invalid")
        message = _PYDANTIC_MESSAGES.get(kind)
        if kind == "value_error" or kind.startswith("uscc_"):
            # Our own validators raise ValueError (or a custom error) with a Chinese message; keep it.
            message = str(err.get("ctx", {}).get("error") or err.get("msg")).removeprefix("Value error, ")
        out.append({"field": field, "message": message or err.get("msg", "取值无效"), "code": kind})
    return out


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    return pydantic_field_errors(exc.errors())


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            request,
            exc.status,
            code=exc.code,
            title=exc.title,
            detail=exc.detail,
            errors=exc.errors,
            headers=exc.headers,
            extensions=exc.extensions,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 400:
            # Only the framework raises a bare 400, for a body it cannot parse ("There was an error
            # parsing the body", "Invalid multipart data."; JSON is caught earlier by qq_kernel.text):
            # a validation error like any other, never an undeclared 400. Our own code raises ProblemError.
            message = f"请求体无法解析（{detail}）" if detail else "请求体无法解析"
            errors = [{"field": "body", "message": message, "code": "body_invalid"}]
            return problem_response(request, 422, detail=f"body: {message}", errors=errors)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"路径 {request.url.path} 不存在"
        elif exc.status_code == 405:
            detail = f"{request.url.path} 不支持 {request.method} 方法"
        return problem_response(request, exc.status_code, detail=detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A race the service's own checks could not see (two creates of the same unique value,
        # a row that vanished under a foreign key): the request conflicts with the data, a 409.
        constraint = getattr(getattr(exc.orig, "__cause__", None), "constraint_name", None) or getattr(
            exc.orig, "constraint_name", None
        )
        log.warning("integrity conflict on %s: %s", constraint, exc.orig)
        detail = f"与已有数据冲突（约束 {constraint}），请刷新后重试" if constraint else "与已有数据冲突，请刷新后重试"
        return problem_response(
            request,
            409,
            code="integrity_conflict",
            detail=detail,
            extensions={"constraint": constraint} if constraint else None,
        )

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        # The versioned UPDATE found its row changed by a concurrent writer after our read.
        return problem_response(
            request, 409, code="concurrent_update", detail="数据在处理期间已被他人修改，请刷新后重试"
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        summary = "；".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem_response(request, 422, detail=summary, errors=errors)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": title}
    for status, (_, title) in _DEFAULTS.items()
    if status in (401, 403, 404, 409, 412, 413, 422, 428, 503)
}

"""Optimistic concurrency: every mutable resource has a version, sent as a weak ETag; an update
must send it back in ``If-Match``. Missing (or ``*``, which names no version) → 428, stale → 412.
The ORM's version counter (``version_id_col``) makes the final UPDATE conditional too, so two
racing writers cannot both win (the loser's StaleDataError is a 409, qq_kernel.problems)."""

from __future__ import annotations

from fastapi import Request, Response

from qq_kernel.problems import ProblemError


def etag(version: int) -> str:
    return f'W/"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def check_if_match(request: Request, current_version: int) -> None:
    header = request.headers.get("if-match")
    if not header:
        raise ProblemError(428, detail="修改前须在 If-Match 请求头中带上读取时的版本号（ETag）")
    candidates = {v.strip() for v in header.split(",")}
    if "*" in candidates:
        # "*" matches any version: it would let a client overwrite changes it never saw.
        raise ProblemError(
            428,
            code="precondition_required",
            detail="If-Match 须为读取时的版本号（ETag），不接受 *",
            headers={"ETag": etag(current_version)},
        )
    accepted = {etag(current_version), f'"{current_version}"', str(current_version)}
    if not candidates & accepted:
        raise ProblemError(
            412,
            detail=f"数据已被他人修改（当前版本 {current_version}），请刷新后重试",
            headers={"ETag": etag(current_version)},
        )

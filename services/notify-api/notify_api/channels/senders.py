"""How a delivery is sent on each channel. Each raises on failure (the attempt is retried)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
import time
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr

import httpx

SIGNATURE_HEADER = "X-QQ-Signature"  # "t=<unix seconds>,v1=<hex hmac-sha256 of "<t>.<body>">"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver runs (documented for integrators; the tests use it)."""
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = sign(secret, body, int(parts["t"])).split("v1=")[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def email_message(sender: str, to: str, subject: str, body: str) -> MIMEText:
    # UTF-8 body (base64) and an RFC 2047 encoded subject: Chinese arrives intact in every client.
    message = MIMEText(body, "plain", "utf-8")
    message["Subject"] = Header(subject, "utf-8")
    message["From"] = formataddr((str(Header("清欠工作平台", "utf-8")), sender))
    message["To"] = to
    return message


async def send_email(settings, to: str, subject: str, body: str) -> None:
    message = email_message(settings.smtp_sender, to, subject, body)

    def send() -> None:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.http_timeout_seconds) as smtp:
            smtp.send_message(message)

    await asyncio.to_thread(send)


async def send_webhook(http: httpx.AsyncClient, settings, url: str, fmt: str | None, payload: dict) -> None:
    if fmt == "wecom":
        # WeCom group robot (and the government messengers built on it): a markdown message.
        body = json.dumps(
            {"msgtype": "markdown", "markdown": {"content": f"**{payload['title']}**\n>{payload['body']}"}},
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
    else:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(settings.webhook_secret, body, int(time.time())),
        }
    response = await http.post(url, content=body, headers=headers, auth=None)
    response.raise_for_status()
    if fmt == "wecom" and response.json().get("errcode", 0) != 0:
        raise RuntimeError(f"robot refused: {response.text[:200]}")


async def send_sms(http: httpx.AsyncClient, settings, phone: str, text: str) -> None:
    if not settings.sms_gateway_url:
        raise RuntimeError("no SMS gateway configured (NOTIFY_SMS_GATEWAY_URL)")
    response = await http.post(
        settings.sms_gateway_url,
        json={"phone": phone, "text": text, "sign": settings.sms_sign_name},
        headers={"Authorization": f"Bearer {settings.sms_gateway_token}"} if settings.sms_gateway_token else {},
        auth=None,
    )
    response.raise_for_status()

"""The security headers of the gateway, one list for both run modes: the all-in-one Gateway adds
them to every answer, and ``qqctl nginx-config`` writes them into the split-mode nginx config.

The CSP is the one the built SPA passes (tests/platform/test_browser.py listens for violations):
Vite emits only external module scripts, so ``script-src 'self'`` without inline or eval;
Element Plus and ECharts set inline styles, hence ``style-src 'unsafe-inline'`` (styles cannot run
code); images and fonts may be data: URIs (Element Plus icons, ECharts exports).
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)

# Only over TLS (a browser ignores it on http, and it must never pin a plain-http demo host).
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def nginx_lines(*, tls: bool, indent: str = "        ") -> str:
    """``add_header`` lines for an nginx block (repeated in every location that adds its own
    headers: nginx drops the inherited ones there)."""
    headers = (*SECURITY_HEADERS, HSTS) if tls else SECURITY_HEADERS
    return "\n".join(f'{indent}add_header {name} "{value}" always;' for name, value in headers)

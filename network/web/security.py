"""Security headers of every page and static file: a Content-Security-Policy that allows no
inline script or style, no framing, forms only to ourselves."""

from __future__ import annotations

from litestar import Response

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


async def security_headers(response: Response) -> Response:  # type: ignore[type-arg]
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response

"""Security headers and CORS for every response of the web server.

Framing: the widget is embedded by a ``<script>`` tag that builds the chat in
the partnership's own page, never by an ``<iframe>``. So no page of ours
ever needs to be framed, and ``frame-ancestors 'none'`` with
``X-Frame-Options: DENY`` stops another site from framing the chat and
hiding or covering its quick-exit button (clickjacking). Only the widget's
own files are marked as loadable by other origins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-src 'none'",
        "worker-src 'none'",
        "manifest-src 'self'",
        "frame-ancestors 'none'",
        # The widget writes text only through textContent; this makes the
        # browser refuse any HTML string sink should that ever change.
        "require-trusted-types-for 'script'",
    )
)

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "browsing-topics",
    )
)

BASE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    # Nothing here should stay in a shared computer's cache after the visit.
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}

# Files a partnership's page loads from us to mount the widget.
WIDGET_FILES = ("/static/widget.js", "/static/widget.css")
# Routes a widget on another site calls; the help-now list is public.
PUBLIC_API = ("/api/help-now",)
CORS_API = ("/api/chat",)


def security_headers(path: str) -> dict[str, str]:
    """Headers every response carries, by request path."""
    headers = dict(BASE_HEADERS)
    headers["Cross-Origin-Resource-Policy"] = (
        "cross-origin" if path in WIDGET_FILES or path in PUBLIC_API else "same-origin"
    )
    return headers


def cors_headers(path: str, origin: str | None, allowed: Iterable[str]) -> dict[str, str]:
    """CORS headers for the widget's calls from a partnership's page."""
    if not origin:
        return {}
    if path in PUBLIC_API:
        return {"Access-Control-Allow-Origin": "*"}
    if path in CORS_API and origin in set(allowed):
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }
    return {}

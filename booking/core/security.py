"""HTTP security headers on every response, in every environment, set by Flask-Talisman.

The same policy in development, tests and production, so a page that breaks under it breaks on the
developer's machine first. HTTPS itself is the proxy's job (no redirects here); HSTS goes out only on
requests that came in over HTTPS (Talisman also believes ``X-Forwarded-Proto: https``; browsers ignore
HSTS on a plain-HTTP response, so a forged one does nothing). Behind ``PROXY_COUNT`` trusted proxies,
ProxyFix takes the client address and the scheme (``request.is_secure``, external URLs) from their
X-Forwarded-For and X-Forwarded-Proto.
"""

from __future__ import annotations

from flask import Flask
from flask_talisman import DENY, Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script or style, nothing from another origin, no plugins, and no framing: the booking
# and cancel forms cannot be put under someone else's page.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Powerful features the application never uses, off for it and for anything it might embed.
# (clipboard-write stays allowed: the calendar pages' copy buttons use it.)
PERMISSIONS_POLICY = {
    feature: "()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

REFERRER_POLICY = "strict-origin-when-cross-origin"
HSTS_MAX_AGE = 365 * 24 * 60 * 60


def register_security_headers(app: Flask) -> None:
    proxies = app.config.get("PROXY_COUNT", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    # One Talisman per app: it keeps the app it was initialised with.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,
        strict_transport_security=True,
        strict_transport_security_max_age=HSTS_MAX_AGE,
        strict_transport_security_include_subdomains=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options=DENY,
        referrer_policy=REFERRER_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        x_content_type_options=True,
        # The session cookie's flags stay with config.py (Secure in production); Talisman would
        # otherwise overwrite them.
        session_cookie_secure=False,
        session_cookie_http_only=app.config.get("SESSION_COOKIE_HTTPONLY", True),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
    )

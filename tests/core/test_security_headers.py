"""Security headers on every kind of response: pages, redirects, error pages, downloads, calendar
feeds and their 304s, JSON and static files. HSTS only over HTTPS; nothing inline in the templates
that the Content-Security-Policy would block."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale

from booking.accounts.models import Role
from booking.bookings import services as bookings
from booking.calendars import services as calendars
from booking.calendars.models import FeedKind
from booking.extensions import db
from booking.organisations.models import Grade
from tests.conftest import NOW

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics")


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


def assert_security_headers(response):
    assert csp_directives(response) == CSP_DIRECTIVES, response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    permissions = dict(part.split("=", 1) for part in response.headers["Permissions-Policy"].split(", "))
    for feature in DENIED_FEATURES:
        assert permissions[feature] == "()", feature
    assert "clipboard-write" not in permissions  # the copy buttons on the calendar pages use it


@pytest.fixture
def scene(clock, school, partner, make_class, make_user, make_activity, make_session):
    """A teacher's booking on a partner's session, a month ahead."""
    teacher = make_user(Role.TEACHER, school, email="teacher@example.org")
    staff = make_user(Role.PARTNER, partner, email="partner@example.org")
    session = make_session(make_activity("Robots bouwen"), NOW + timedelta(days=30), capacity=60, max_classes=2)
    school_class = make_class(school, "Groep 7A", Grade.GROEP_7, 27)
    with force_locale("en"):
        booking = bookings.book_session(
            session, bookings.BookingRequest(school_class=school_class, pupils=27, adults=2), actor=teacher
        )
    db.session.commit()
    return {"teacher": teacher, "partner": staff, "session": session, "booking": booking}


# Every kind of response --------------------------------------------------------------------------


def test_pages_and_redirects_carry_the_headers(client, scene, login):
    assert_security_headers(client.get("/"))
    assert_security_headers(client.get("/catalogue"))
    assert_security_headers(client.get(f"/activities/{scene['session'].activity_id}"))
    assert_security_headers(client.get("/login"))
    response = client.post("/login", data={"email": "teacher@example.org", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert_security_headers(response)
    assert_security_headers(client.get("/bookings"))


def test_error_pages_carry_the_headers(client, scene, login):
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert_security_headers(missing)

    login(scene["teacher"])
    forbidden = client.get(f"/sessions/{scene['session'].id}/participants")
    assert forbidden.status_code == 403
    assert_security_headers(forbidden)

    bad = client.post("/language", data={"language": "xx"})
    assert bad.status_code == 400
    assert_security_headers(bad)

    not_allowed = client.get("/language")
    assert not_allowed.status_code == 405
    assert_security_headers(not_allowed)


def test_server_error_page_carries_the_headers(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = app.test_client().get("/broken-for-test")
    assert response.status_code == 500
    assert_security_headers(response)


def test_csv_and_ics_downloads_carry_the_headers_and_stay_downloads(client, scene, login):
    login(scene["partner"])
    csv = client.get(f"/sessions/{scene['session'].id}/participants.csv")
    csv.close()  # a streamed body: done with the request before asserting
    assert csv.status_code == 200
    assert csv.mimetype == "text/csv"
    assert csv.headers["Content-Disposition"].startswith("attachment")
    assert_security_headers(csv)
    client.post("/logout")

    login(scene["teacher"])
    ics = client.get(f"/bookings/{scene['booking'].id}.ics")
    assert ics.status_code == 200
    assert ics.mimetype == "text/calendar"
    assert ics.headers["Content-Disposition"].startswith("attachment")
    assert_security_headers(ics)

    again = client.get(f"/bookings/{scene['booking'].id}.ics", headers={"If-None-Match": ics.headers["ETag"]})
    assert again.status_code == 304
    assert_security_headers(again)


def test_calendar_feed_and_its_304_carry_the_headers(app, scene):
    feed = calendars.feed_for(scene["teacher"], FeedKind.MY_BOOKINGS, None)
    db.session.commit()
    calendar_client = app.test_client()
    first = calendar_client.get(f"/calendars/{feed.token}.ics")
    assert first.status_code == 200
    assert first.mimetype == "text/calendar"
    assert first.data.startswith(b"BEGIN:VCALENDAR")
    assert "Set-Cookie" not in first.headers
    assert_security_headers(first)

    unchanged = calendar_client.get(f"/calendars/{feed.token}.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304
    assert unchanged.headers["ETag"] == first.headers["ETag"]
    assert_security_headers(unchanged)

    unknown = calendar_client.get("/calendars/no-such-token.ics")
    assert unknown.status_code == 404
    assert_security_headers(unknown)


def test_json_and_static_files_carry_the_headers(client):
    health = client.get("/healthz")
    assert health.get_json() == {"status": "ok"}
    assert_security_headers(health)

    stylesheet = client.get("/static/css/app.css")
    stylesheet.close()
    assert stylesheet.status_code == 200
    assert stylesheet.mimetype == "text/css"
    assert_security_headers(stylesheet)
    cached = client.get("/static/css/app.css", headers={"If-None-Match": stylesheet.headers["ETag"]})
    assert cached.status_code == 304
    assert_security_headers(cached)

    script = client.get("/static/js/app.js")
    script.close()
    assert script.mimetype == "text/javascript"  # nosniff refuses a script served as anything else


# HTTPS and proxies -------------------------------------------------------------------------------


def test_hsts_only_over_https(client):
    over_https = client.get("/login", base_url="https://localhost")
    assert over_https.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_security_headers(over_https)

    over_http = client.get("/login")
    assert "Strict-Transport-Security" not in over_http.headers
    assert over_http.status_code == 200  # no redirect to HTTPS: the proxy does that in production


def test_behind_a_trusted_proxy_the_forwarded_scheme_counts(make_app):
    def scheme():
        from flask import request

        return f"{request.scheme} {request.remote_addr}"

    behind_proxy = make_app(PROXY_COUNT=1)
    behind_proxy.add_url_rule("/scheme-for-test", "scheme_for_test", scheme)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    response = behind_proxy.test_client().get("/scheme-for-test", headers=forwarded)
    assert response.text == "https 198.51.100.7"
    assert "Strict-Transport-Security" in response.headers

    direct = make_app()
    direct.add_url_rule("/scheme-for-test", "scheme_for_test", scheme)
    assert direct.test_client().get("/scheme-for-test", headers=forwarded).text == "http 127.0.0.1"


def test_session_cookie_flags_stay_with_the_configuration(client, scene):
    """Talisman would make the cookie Secure everywhere; config.py decides (Secure in production)."""
    response = client.post("/login", data={"email": "teacher@example.org", "password": "correct-horse-battery"})
    [cookie] = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_production_keeps_secure_cookies(make_app):
    # (a single-process installation: production otherwise refuses in-memory rate limits)
    app = make_app(
        "production", SECRET_KEY="a-long-random-production-key-for-this-test", RATELIMIT_ALLOW_PER_PROCESS=True
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# Nothing inline ----------------------------------------------------------------------------------

INLINE = [
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "a style attribute"),
    (re.compile(r"<style[\s>]", re.IGNORECASE), "a <style> element"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "an inline event handler"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: URL"),
]


def test_page_templates_have_no_inline_script_or_style():
    """Only email templates may style inline (mail clients need it); they are never served as pages."""
    pages = [path for path in TEMPLATES.rglob("*.html") if "emails" not in path.relative_to(TEMPLATES).parts]
    assert pages
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in pages
        for pattern, what in INLINE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []

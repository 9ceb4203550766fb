"""A teacher makes a calendar subscription address and a calendar client, without cookies, reads it.

The demo teacher (``booking.demo``) booked "Hoe werkt een warmtepomp?" for Groep 7A; that booking is
in their "My bookings" feed. The page shows the address on BASE_URL (the demo's default, not the
live server's port), so the client asks the live server for the same path.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

ACTIVITY = "Hoe werkt een warmtepomp?"


def test_teacher_subscribes_to_own_bookings_and_a_client_reads_them(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.set_default_timeout(10_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    try:
        sign_in(page, live_server, "teacher@example.org")
        page.goto(f"{live_server}/account")
        page.locator("#calendar-subscriptions a[href='/calendars']").click()
        expect(page).to_have_url(f"{live_server}/calendars")

        card = page.locator("#my_bookings-0")
        expect(card.locator(".feed-url")).to_have_count(0)
        with page.expect_navigation():
            card.locator("form[action$='/calendars/feeds/my_bookings'] button[type=submit]").click()
        expect(page).to_have_url(f"{live_server}/calendars#my_bookings-0")

        https_link = card.locator("#my_bookings-0-https")
        webcal_link = card.locator("#my_bookings-0-webcal")
        address = https_link.inner_text().strip()
        assert address.endswith(".ics") and address.startswith("http")
        assert webcal_link.get_attribute("href") == "webcal://" + address.split("://", 1)[1]

        copy = card.locator("button[data-copy='my_bookings-0-https']")
        expect(copy).to_be_visible()  # shown by app.js; hidden without JavaScript
        copy.click()
        expect(card.locator(".copy-status").nth(1)).not_to_be_empty()
        assert page.evaluate("navigator.clipboard.readText()") == address
        screenshot(page, "calendar_feeds_teacher")

        # A calendar client: no cookies, no login.
        client = browser.new_context()
        try:
            response = client.request.get(live_server + urlsplit(address).path)
            assert response.status == 200
            assert response.headers["content-type"] == "text/calendar; charset=utf-8"
            assert "set-cookie" not in response.headers
            body = response.text().replace("\r\n ", "")  # unfolded
            assert body.startswith("BEGIN:VCALENDAR") and ACTIVITY in body
            again = client.request.get(
                live_server + urlsplit(address).path, headers={"If-None-Match": response.headers["etag"]}
            )
            assert again.status == 304
        finally:
            client.close()
    finally:
        context.close()

"""The Content-Security-Policy in a real browser: the pages load without a single violation, the
script's behaviour that used to be inline handlers still works, and no page can be framed."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in


def watch_console(page) -> list[str]:
    """Every console message about the security policies (CSP or Permissions-Policy), and page errors."""
    problems: list[str] = []

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text or "Refused to" in text:
            problems.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    return problems


def test_public_pages_load_without_policy_violations(page, live_server):
    problems = watch_console(page)
    page.goto(f"{live_server}/")
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    # The stylesheet applied: the header is laid out by app.css, not by the browser's defaults.
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") != "inline"
    page.goto(f"{live_server}/catalogue")
    page.locator("main a[href^='/activities/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{live_server}/login")
    expect(page.locator("input[name=password]")).to_be_visible()
    assert problems == []


def test_signed_in_pages_load_without_violations_and_their_controls_work(page, live_server):
    problems = watch_console(page)
    sign_in(page, live_server, "coordinator@example.org")

    # The lab's week grid; the school-year picker submits itself when changed (no inline onchange).
    page.goto(f"{live_server}/labs")
    page.get_by_role("link", name="Lokaal 1").first.click()
    expect(page.locator("table.week-grid")).to_be_visible()
    year = page.locator("#timetable select[data-autosubmit]")
    other = year.locator("option:not([selected])").first.get_attribute("value")
    with page.expect_navigation():
        year.select_option(other)
    assert f"year={other}" in page.url
    expect(page.locator("#timetable select[data-autosubmit]")).to_have_value(other)
    screenshot(page, "security-lab-year-picker")

    # A school's page: the same picker on its classes.
    page.goto(f"{live_server}/schools")
    page.get_by_role("link", name="OBS De Regenboog").first.click()
    school_year = page.locator("select[data-autosubmit]")
    other = school_year.locator("option:not([selected])").first.get_attribute("value")
    with page.expect_navigation():
        school_year.select_option(other)
    assert f"year={other}" in page.url

    page.goto(f"{live_server}/calendars")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert problems == []


def test_participants_print_button_prints(page, live_server):
    problems = watch_console(page)
    sign_in(page, live_server, "partner@example.org")
    page.locator("main a[href^='/activities/'][href$='#sessions']").first.click()  # an upcoming session's activity
    page.locator("main a[href$='/participants']").first.click()
    expect(page.locator("button[data-print]")).to_be_visible()
    page.evaluate("window.print = function () { window.printed = true; }")
    page.locator("button[data-print]").click()
    assert page.evaluate("window.printed === true")
    assert problems == []


def test_every_menu_page_and_the_mailbox_load_without_violations(page, live_server):
    problems = watch_console(page)
    sign_in(page, live_server, "admin@example.org")
    menu = page.locator("nav.main-nav a")
    addresses = [menu.nth(n).get_attribute("href") for n in range(menu.count())]
    assert len(addresses) >= 5
    for address in [*addresses, "/account", "/dev/mailbox"]:
        page.goto(f"{live_server}{address}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.locator("main table a[href^='/dev/mailbox/']").first.click()
    expect(page.locator(".mail-body").first).to_be_visible()
    assert problems == []


def test_pages_cannot_be_framed(page, live_server):
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.set_content(f'<iframe src="{live_server}/login" width="600" height="400"></iframe>')
    page.wait_for_timeout(1000)
    frame = page.frames[1]
    assert frame.locator("input[name=password]").count() == 0
    assert any("frame-ancestors 'none'" in message for message in messages), messages

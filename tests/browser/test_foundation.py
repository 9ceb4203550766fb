"""The foundation through a real browser: signing in, the language switch and every role's dashboard."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, set_language, sign_in

CATALOGUE = Path(__file__).resolve().parents[2] / "booking" / "translations" / "nl" / "LC_MESSAGES" / "messages.mo"
WRONG_LOGIN = "Email address or password is not correct."

DEMO_LOGINS = {
    "admin": "admin@example.org",
    "coordinator": "coordinator@example.org",
    "teacher": "teacher@example.org",
    "partner": "partner@example.org",
    "lab": "lab@example.org",
}


def dutch(message: str) -> str:
    """The Dutch the app serves for ``message``: the compiled catalogue's translation, else the source."""
    if not CATALOGUE.exists():
        return message
    with CATALOGUE.open("rb") as file:
        return gettext.GNUTranslations(file).gettext(message)


def test_teacher_signs_in_and_sees_the_dashboard(page, live_server):
    sign_in(page, live_server, "teacher@example.org")

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tom de Leerkracht")
    expect(page.get_by_role("heading", level=2, name="OBS De Regenboog")).to_be_visible()
    expect(page.get_by_role("cell", name="Groep 7A", exact=True)).to_be_visible()
    expect(page.locator("header .account-link")).to_have_text("Tom de Leerkracht")


def test_wrong_password_shows_an_error_and_keeps_the_visitor_out(page, live_server):
    sign_in(page, live_server, "teacher@example.org", password="not-the-password")

    # The visitor's browser asks for Dutch, so prefer the catalogue's Dutch when there is one.
    expect(page.locator("main")).to_contain_text(dutch(WRONG_LOGIN))
    expect(page.locator("input[name=password]")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/login(\?.*)?$"))
    expect(page.locator("header .account-link")).to_have_count(0)

    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Tom de Leerkracht")


def test_visitor_switches_language(page, live_server):
    page.goto(f"{live_server}/login")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "nl")
    expect(page.locator("form.language-switch button[value=nl]")).to_have_attribute("aria-pressed", "true")

    set_language(page, "en")
    expect(page).to_have_url(re.compile(r"/login\??$"))
    expect(page.locator("main [type=submit]")).to_have_value("Sign in")
    expect(page.locator("form.language-switch button[value=en]")).to_have_attribute("aria-pressed", "true")

    set_language(page, "nl")
    expect(html).to_have_attribute("lang", "nl")
    expect(page.locator("main [type=submit]")).to_have_value(dutch("Sign in"))


def test_signed_in_user_language_choice_is_remembered(page, live_server):
    email = "coordinator@example.org"
    sign_in(page, live_server, email)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    try:
        set_language(page, "en")
        with page.expect_navigation():
            page.locator("header form[action$='/logout'] button").click()
        expect(page.get_by_text("You are signed out.")).to_be_visible()
        expect(page.locator("header .account-link")).to_have_count(0)

        sign_in(page, live_server, email)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome, Carla Coördinator")
        expect(page.locator("header form[action$='/logout'] button")).to_have_text("Sign out")
    finally:
        # The live server's database is shared by the whole session: leave the coordinator in Dutch.
        if page.locator("header .account-link").count() == 0:
            sign_in(page, live_server, email)
        set_language(page, "nl")


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("role", list(DEMO_LOGINS))
def test_each_role_dashboard_screenshots(page, live_server, role, language):
    sign_in(page, live_server, DEMO_LOGINS[role])
    set_language(page, language)

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("header .account-link")).to_be_visible()
    screenshot(page, f"dashboard-{role}-{language}")
    if language == "en":
        set_language(page, "nl")  # the choice is saved on the account; put it back


@pytest.mark.parametrize("language", ["nl", "en"])
def test_login_page_screenshots(page, live_server, language):
    page.goto(f"{live_server}/login")
    if language != "nl":
        set_language(page, language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("input[name=email]")).to_be_visible()
    screenshot(page, f"login-{language}")


def test_teacher_dashboard_on_a_phone(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="nl-NL"
    )
    try:
        page = context.new_page()
        sign_in(page, live_server, "teacher@example.org")
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("cell", name="Groep 7A", exact=True)).to_be_visible()
        # Nothing may stick out sideways on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        screenshot(page, "dashboard-teacher-mobile")
        assert overflow <= 0, f"the dashboard is {overflow}px wider than a 390px phone screen"
    finally:
        context.close()

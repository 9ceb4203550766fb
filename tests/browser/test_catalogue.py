"""The catalogue through a real browser: a partner's activity goes through review and a teacher finds it."""

from __future__ import annotations

import gettext
import re
from datetime import date, timedelta
from pathlib import Path

from babel.dates import format_date
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, set_language, sign_in

CATALOGUE = Path(__file__).resolve().parents[2] / "booking" / "translations" / "nl" / "LC_MESSAGES" / "messages.mo"

TITLE = "Drones programmeren in de hal"
DESCRIPTION = (
    "De klas programmeert kleine drones die een parcours door de sporthal vliegen.\n"
    "Tags zoals <b>HTML</b> moeten als tekst verschijnen."
)
COMMENT = "Vermeld graag wat de leerlingen zelf moeten meenemen."
NEW_SUMMARY = "Leerlingen programmeren een drone en vliegen een parcours; geschikt voor groep 7 en 8."


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def long_date(day: date) -> str:
    """A day as the activity page shows it in English: "Tuesday 5 January 2027"."""
    return format_date(day, "EEEE d MMMM yyyy", locale="en")


def in_dutch_or_source(message: str) -> re.Pattern:
    """The Dutch the app may serve for ``message``: its translation when compiled, else the English source.

    Both are accepted: the catalogue can be recompiled while the live server still holds the old one.
    """
    options = {message}
    if CATALOGUE.exists():
        with CATALOGUE.open("rb") as file:
            options.add(gettext.GNUTranslations(file).gettext(message))
    return re.compile("|".join(re.escape(option) for option in options))


def exactly(label: str) -> re.Pattern:
    """A label's whole text; required fields add an asterisk (hidden from screen readers) to theirs."""
    return re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$")


def new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_partner_submits_coordinator_requests_change_partner_fixes_coordinator_publishes_teacher_finds_it(
    browser, live_server
):
    today = date.today()
    single_day = weekday_on_or_after(today + timedelta(weeks=5))
    first_day = today + timedelta(weeks=6)
    last_day = first_day + timedelta(weeks=4) - timedelta(days=1)

    # 1. The partner creates the activity as a draft.
    partner, partner_page = new_page(browser)
    page = partner_page
    sign_in(page, live_server, "partner@example.org")
    set_language(page, "en")
    page.get_by_role("link", name="New activity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New activity")
    page.get_by_label(exactly("Title")).fill(TITLE)
    page.get_by_label(exactly("Summary")).fill("Leerlingen programmeren een drone en vliegen een parcours.")
    page.get_by_label(exactly("Description")).fill(DESCRIPTION)
    page.get_by_label(exactly("Robotica")).check()
    page.get_by_label(exactly("Programmeren")).check()
    page.get_by_label(exactly("Groep 7")).check()
    page.get_by_label(exactly("Groep 8")).check()
    page.get_by_label(exactly("Minimum pupils per class")).fill("12")
    page.get_by_label(exactly("Maximum pupils per class")).fill("30")
    page.get_by_label(exactly("Duration in minutes")).fill("120")
    page.get_by_label(exactly("At the partner")).check()
    page.get_by_label(exactly("Address")).fill("Sporthal De Vliegbasis, Hangarweg 3, Utrecht")
    page.get_by_label(exactly("Per pupil")).check()
    page.get_by_label(exactly("Price in euros")).fill("3,50")
    page.get_by_label(exactly("Regio Utrecht")).check()
    page.get_by_label(exactly("Bookings close this many days before")).fill("5")
    page.get_by_label(exactly("Free cancellation until this many days before")).fill("10")
    page.get_by_label(exactly("Preparation for the teacher")).fill("Gymschoenen aan.")
    screenshot(page, "activity-form-en")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".flash-success")).to_contain_text("saved as a draft")
    expect(page.locator(".page-head .badge")).to_have_text("Draft")
    expect(page.locator(".description")).to_contain_text("<b>HTML</b>")
    expect(page.locator(".description b")).to_have_count(0)
    expect(page.locator("dl.details")).to_contain_text("per pupil")
    activity_url = page.url

    # 2. A single session, then weekly sessions on Tuesdays and Thursdays.
    page.get_by_role("link", name="Add a session").click()
    page.get_by_label(exactly("Date")).fill(single_day.isoformat())
    page.get_by_label(exactly("Start")).fill("09:00")
    page.get_by_label(exactly("End")).fill("11:00")
    page.get_by_label(exactly("Place")).fill("Sporthal De Vliegbasis")
    page.get_by_label(exactly("Places (pupils)")).fill("30")
    page.get_by_label(exactly("Classes at once")).fill("1")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_have_text("The session has been added.")
    sessions = page.locator("#sessions table tbody tr")
    expect(sessions).to_have_count(1)
    expect(sessions.first).to_contain_text(long_date(single_day))
    expect(sessions.first).to_contain_text("09:00–11:00")

    page.get_by_role("link", name="Add weekly sessions").click()
    page.get_by_label(exactly("First date")).fill(first_day.isoformat())
    page.get_by_label(exactly("Last date")).fill(last_day.isoformat())
    page.get_by_label(exactly("Tuesday")).check()
    page.get_by_label(exactly("Thursday")).check()
    page.get_by_label(exactly("Times")).fill("13:00-15:00")
    page.get_by_label(exactly("Place")).fill("Sporthal De Vliegbasis")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=2, name="Preview")).to_be_visible()
    preview_rows = page.locator("section[aria-labelledby=preview-heading] tbody tr")
    expect(preview_rows.first).to_be_visible()
    created_rows = preview_rows.filter(has_text="will be created")
    expect(created_rows.first).to_be_visible()
    planned = created_rows.count()
    # Eight Tuesdays and Thursdays in four weeks; some may fall in a school holiday and are skipped.
    assert 1 <= planned <= 8
    assert preview_rows.count() == 8
    expect(page.locator("section[aria-labelledby=preview-heading]")).to_contain_text(
        f"{planned} session will be created." if planned == 1 else f"{planned} sessions will be created."
    )
    screenshot(page, "weekly-sessions-preview-en")
    page.get_by_role("button", name="Create these sessions").click()
    expect(page.locator(".flash-success")).to_have_text(
        f"{planned} session has been added." if planned == 1 else f"{planned} sessions have been added."
    )
    expect(page).to_have_url(re.compile(re.escape(activity_url) + r"#sessions$"))
    expect(sessions).to_have_count(1 + planned)
    expect(sessions.first).to_contain_text(long_date(single_day))
    expect(page.locator("#sessions tbody")).to_contain_text("13:00–15:00")

    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".flash-success")).to_contain_text("The activity has been sent to the coordinator for review.")
    expect(page.locator(".page-head .badge")).to_have_text("Waiting for review")

    # 3. The coordinator asks for a change.
    coordinator, coordinator_page = new_page(browser)
    page = coordinator_page
    sign_in(page, live_server, "coordinator@example.org")
    set_language(page, "en")
    nav = page.get_by_role("navigation", name="Main menu")
    nav.get_by_role("link", name="Review", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator(".page-head .badge")).to_have_text("Waiting for review")
    page.get_by_label("What should the partner change?").fill(COMMENT)
    page.get_by_role("button", name="Request changes").click()
    expect(page.locator(".flash-success")).to_have_text("The partner has been asked for changes.")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)

    # 4. The partner sees the comment, edits the activity and submits it again.
    page = partner_page
    page.goto(activity_url)
    expect(page.locator(".page-head .badge")).to_have_text("Changes requested")
    notice = page.locator(".workflow .notice")
    expect(notice).to_contain_text("Changes requested:")
    expect(notice).to_contain_text(COMMENT)
    expect(page.locator("ol.history")).to_contain_text(COMMENT)
    page.get_by_role("link", name="Edit activity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit activity")
    expect(page.get_by_label(exactly("Price in euros"))).to_have_value("3,50")
    expect(page.get_by_label(exactly("Robotica"))).to_be_checked()
    page.get_by_label(exactly("Summary")).fill(NEW_SUMMARY)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_have_text("The activity has been saved.")
    expect(page.locator(".lead")).to_have_text(NEW_SUMMARY)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".page-head .badge")).to_have_text("Waiting for review")

    # 5. The coordinator publishes it; the history shows every step.
    page = coordinator_page
    nav.get_by_role("link", name="Review", exact=True).click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator(".lead")).to_have_text(NEW_SUMMARY)
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash-success")).to_have_text("The activity is published: schools find it in the catalogue.")
    page.goto(activity_url)
    history = page.locator("ol.history > li")
    expect(history).to_have_count(5)
    # Newest first.
    expect(history.nth(0)).to_contain_text("Waiting for review → Published")
    expect(history.nth(1)).to_contain_text("Changes requested → Waiting for review")
    expect(history.nth(2)).to_contain_text("Waiting for review → Changes requested")
    expect(history.nth(2)).to_contain_text(COMMENT)
    expect(history.nth(3)).to_contain_text("Draft → Waiting for review")
    expect(history.nth(4)).to_contain_text("created the activity")
    set_language(page, "nl")
    coordinator.close()

    page = partner_page
    page.reload()
    expect(page.locator(".page-head .badge")).to_have_text("Published")
    set_language(page, "nl")
    partner.close()

    # 6. A teacher finds it in the catalogue with filters.
    teacher, page = new_page(browser)
    sign_in(page, live_server, "teacher@example.org")
    set_language(page, "en")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue")
    region = page.get_by_label(exactly("Region"))
    expect(region).not_to_have_value("")
    expect(region.locator("option:checked")).to_have_text("Regio Utrecht")
    page.get_by_label(exactly("Search")).fill("Drones")
    page.get_by_label(exactly("Grade")).select_option(label="Groep 7")
    page.get_by_label(exactly("Theme")).select_option(label="Robotica")
    page.get_by_label("Only with free places").check()
    page.get_by_role("button", name="Show activities").click()

    expect(page).to_have_url(re.compile(r"[?&]q=Drones(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]grade=groep-7(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]theme=\d+(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]region=\d+(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]free=y(&|$)"))
    expect(page.locator("#results-heading")).to_have_text("1 activity")
    card = page.locator("article.activity-card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("link", name=TITLE)).to_be_visible()
    expect(card).to_contain_text(NEW_SUMMARY)
    expect(card).to_contain_text(f"{1 + planned} dates")
    # The filters stay filled in.
    expect(page.get_by_label(exactly("Search"))).to_have_value("Drones")
    expect(page.get_by_label(exactly("Grade"))).to_have_value("groep-7")
    expect(page.get_by_label("Only with free places")).to_be_checked()
    screenshot(page, "catalogue-filtered-en")

    card.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    screenshot(page, "activity-page-en")
    expect(page.locator(".page-head .badge")).to_have_count(0)
    expect(page.locator(".workflow")).to_have_count(0)
    expect(page.locator("ol.history")).to_have_count(0)
    sessions = page.locator("#sessions table tbody tr")
    expect(sessions).to_have_count(1 + planned)
    expect(sessions.first).to_contain_text(long_date(single_day))
    expect(sessions.first).to_contain_text("30 places left")
    expect(page.locator("#sessions")).not_to_contain_text("Add a session")
    expect(page.locator(".description")).to_contain_text("<b>HTML</b>")
    expect(page.locator(".description b")).to_have_count(0)
    set_language(page, "nl")
    teacher.close()


def test_anonymous_visitor_filters_to_nothing_and_clears_the_filters(page, live_server):
    page.goto(f"{live_server}/catalogue")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    cards = page.locator("article.activity-card")
    expect(cards.first).to_be_visible()
    # Nobody is signed in, so no region is chosen for them.
    expect(page.locator("select[name=region]")).to_have_value("")
    all_count = cards.count()

    page.locator("input[name=q]").fill("onvindbaarwoord")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]q=onvindbaarwoord(&|$)"))
    expect(cards).to_have_count(0)
    empty = page.locator(".results .empty")
    expect(empty).to_contain_text(in_dutch_or_source("No activities match these filters."))
    expect(page.locator("input[name=q]")).to_have_value("onvindbaarwoord")
    screenshot(page, "catalogue-anonymous-nl")

    with page.expect_navigation():
        page.locator("form.filters .form-actions a").click()
    expect(page.locator("input[name=q]")).to_have_value("")
    expect(cards).to_have_count(all_count)
    expect(page.locator(".results .empty")).to_have_count(0)

"""Bookings through a real browser: a teacher requests a session and the partner confirms it; a full
session offers the waiting list.

The demo (``booking.demo._load_bookings``) is built relative to today: "Hoe werkt een warmtepomp?"
has Tuesday and Thursday sessions from next week on, of which the first ones are already closed (bookings
close 10 days before). On the first three open sessions the demo booked Groep 7A (confirmed), Groep 8A
(requested), and filled the third with two other schools, Groep 7B of OBS De Regenboog waiting.
"""

from __future__ import annotations

import gettext
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, set_language, sign_in

CATALOGUE = Path(__file__).resolve().parents[2] / "booking" / "translations" / "nl" / "LC_MESSAGES" / "messages.mo"

ACTIVITY = "Hoe werkt een warmtepomp?"
SCHOOL = "OBS De Regenboog"
PHONE = "06 12 34 56 78"
NOTES = "Eén leerling gebruikt een rolstoel.\nWe komen met de bus en zijn er om 08:45."
# The demo's time zone (config.TIMEZONE): the session dates on the pages are local dates.
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
BOOKING_CLOSES_DAYS = 10


def new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
    context.set_default_timeout(10_000)
    return context, context.new_page()


def exactly(label: str) -> re.Pattern:
    """A label's whole text; required fields add an asterisk (hidden from screen readers) to theirs."""
    return re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$")


def dutch(message: str) -> str:
    """The Dutch translation of ``message`` from the compiled catalogue the app serves."""
    with CATALOGUE.open("rb") as file:
        translated = gettext.GNUTranslations(file).gettext(message)
    assert translated != message, f"no Dutch translation for {message!r}"
    return translated


def open_activity(page):
    """From the main menu through the catalogue to the heat pump activity (in English)."""
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue")
    page.get_by_role("link", name=ACTIVITY).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ACTIVITY)
    return page.locator("#sessions table tbody tr")


def session_id_of(link) -> int:
    match = re.search(r"/sessions/(\d+)/book$", link.get_attribute("href"))
    assert match, link.get_attribute("href")
    return int(match.group(1))


def choose_class(select, label: str) -> None:
    """Choose the class whose option starts with label (it may go on: "· already has a booking …")."""
    value = select.locator("option", has_text=label).first.get_attribute("value")
    select.select_option(value=value)


def first_open_untouched_session(rows):
    """The first session that still takes bookings (with a day to spare) and nobody has booked yet."""
    first_open_day = datetime.now(LOCAL_ZONE).date() + timedelta(days=BOOKING_CLOSES_DAYS + 1)
    for i in range(rows.count()):
        row = rows.nth(i)
        day = datetime.strptime(row.locator("td").first.inner_text().strip(), "%A %d %B %Y").date()
        if day >= first_open_day and "60 places left" in row.inner_text():
            return row, day
    raise AssertionError(f"no open session with 60 places left from {first_open_day} on")


def test_teacher_requests_a_session_the_partner_confirms_it(browser, live_server):
    # 1. The teacher finds the activity and picks a session that is open and empty.
    teacher, page = new_page(browser)
    sign_in(page, live_server, "teacher@example.org")
    set_language(page, "en")
    rows = open_activity(page)
    expect(rows.first).to_be_visible()
    row, day = first_open_untouched_session(rows)
    english_day = row.locator("td").first.inner_text().strip()
    expect(row.locator("td").nth(1)).to_have_text("09:00–11:00")
    book_link = row.get_by_role("link", name=re.compile(r"^Book\b"))
    expect(book_link).to_have_count(1)
    session_id = session_id_of(book_link)
    book_link.click()

    # 2. The booking form, first as a Dutch teacher sees it.
    expect(page).to_have_url(f"{live_server}/sessions/{session_id}/book")
    set_language(page, "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text(dutch("Book this session"))
    expect(page.get_by_label(exactly(dutch("Class")))).to_have_value(re.compile(r"^\d+$"))
    expect(page.get_by_role("button", name=dutch("Request booking"))).to_be_visible()
    expect(page.get_by_label(exactly(dutch("Contact phone on the day")))).to_be_visible()
    expect(page.locator("dl.details")).to_contain_text(dutch("The partner confirms each request."))
    screenshot(page, "booking-form-nl")
    set_language(page, "en")

    expect(page.get_by_role("heading", level=1)).to_have_text("Book this session")
    expect(page.locator(".lead")).to_have_text(f"{ACTIVITY} · {english_day}, 09:00–11:00")
    expect(page.locator(".card .notice")).to_have_count(0)  # neither closed nor full
    details = page.locator("dl.details")
    expect(details).to_contain_text("60 places left")
    expect(details).to_contain_text("Groep 6, Groep 7, Groep 8")
    expect(details).to_contain_text("12 to 30 pupils per class")

    class_select = page.get_by_label(exactly("Class"))
    # Only classes of a targeted grade are offered (not Groep 5A); the first is chosen for the teacher.
    expect(class_select.locator("option:checked")).to_have_text("Groep 6A · Groep 6 · 27 pupils")
    # (A class the demo already booked at that hour, on some days, says so after its size.)
    expect(class_select.locator("option")).to_have_text(
        [
            re.compile(rf"^{re.escape(label)}( · already has a booking at this time)?$")
            for label in (
                "Groep 6A · Groep 6 · 27 pupils",
                "Groep 7A · Groep 7 · 28 pupils",
                "Groep 7B · Groep 7 · 25 pupils",
                "Groep 8A · Groep 8 · 29 pupils",
            )
        ]
    )
    pupils = page.get_by_label(exactly("Pupils"))
    expect(pupils).to_have_value("27")
    # The count follows the class chosen...
    choose_class(class_select, "Groep 8A · Groep 8 · 29 pupils")
    expect(pupils).to_have_value("29")
    choose_class(class_select, "Groep 6A · Groep 6 · 27 pupils")
    expect(pupils).to_have_value("27")
    # ... until the teacher types another number: that stays.
    pupils.fill("25")
    choose_class(class_select, "Groep 7A · Groep 7 · 28 pupils")
    expect(pupils).to_have_value("25")
    choose_class(class_select, "Groep 6A · Groep 6 · 27 pupils")
    expect(page.get_by_label(exactly("Accompanying adults"))).to_have_value("2")
    page.get_by_label(exactly("Contact phone on the day")).fill(PHONE)
    page.get_by_label(exactly("Notes and special needs")).fill(NOTES)
    screenshot(page, "booking-form-en")
    page.get_by_role("button", name="Request booking").click()

    # 3. The booking page: requested, waiting for the partner.
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/bookings/\d+$"))
    booking_url = page.url
    expect(page.locator(".flash-success")).to_have_text(
        "Your request has been sent. The partner confirms it; you get an email."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(ACTIVITY)
    expect(page.locator(".page-head .lead")).to_have_text(f"Groep 6A · {SCHOOL} · {english_day}, 09:00–11:00")
    expect(page.locator(".page-head .badge")).to_have_text("Requested")
    expect(page.locator("main > .notice")).to_have_text(
        "Waiting for the partner to confirm. The places are held for this class meanwhile."
    )
    details = page.locator("dl.details")
    expect(details.locator("dt:has-text('Pupils') + dd")).to_have_text("25")
    expect(details.locator("dt:has-text('Adults') + dd")).to_have_text("2")
    expect(details.locator("dt:has-text('Contact phone') + dd")).to_have_text(PHONE)
    expect(details.locator("dt:has-text('Notes') + dd")).to_have_text(NOTES)
    expect(details.locator("dt:has-text('Class') + dd")).to_have_text("Groep 6A · Groep 6")
    expect(page.get_by_role("button", name="Cancel booking")).to_be_visible()
    # Cancelling asks first and says what follows; saying no changes nothing.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.locator(".page-head .badge")).to_have_text("Requested")
    assert len(questions) == 1 and questions[0].startswith(
        "Cancel the booking of Groep 6A? Its 25 places are released; classes on the waiting list move up. "
        "Cancelling is free of charge until "
    ), questions
    history = page.locator("ol.history > li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text(re.compile(r"Tom de Leerkracht\s+Requested\s*$"))
    screenshot(page, "booking-requested-en")

    # 4. The partner finds the request in their queue and confirms it.
    partner, partner_page = new_page(browser)
    sign_in(partner_page, live_server, "partner@example.org")
    set_language(partner_page, "en")
    partner_page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Requests").click()
    expect(partner_page).to_have_url(f"{live_server}/requests")
    expect(partner_page.get_by_role("heading", level=1)).to_have_text("Booking requests")
    requests = partner_page.locator("main table tbody tr")
    # The demo's three (Groep 8A, and the two schools that filled the full session), and ours.
    expect(requests).to_have_count(4)
    request = requests.filter(has_text="Groep 6A")
    expect(request).to_have_count(1)
    cells = request.locator("td")
    expect(cells.nth(0)).to_contain_text(ACTIVITY)
    expect(cells.nth(1)).to_contain_text(SCHOOL)
    expect(cells.nth(1)).to_contain_text("Groep 6A · Groep 6")
    expect(cells.nth(1)).to_contain_text("Eén leerling gebruikt een rolstoel.")
    expect(cells.nth(2)).to_have_text("25 2 adults", use_inner_text=True)
    screenshot(partner_page, "requests-partner-en")
    request.get_by_role("button", name=f"Confirm {SCHOOL} Groep 6A").click()
    expect(partner_page).to_have_url(f"{live_server}/requests")
    expect(partner_page.locator(".flash-success")).to_have_text(
        "The request of Groep 6A is confirmed; the school gets an email."
    )
    expect(requests).to_have_count(3)
    expect(requests.filter(has_text="Groep 6A")).to_have_count(0)
    expect(requests.filter(has_text="Groep 8A")).to_have_count(1)

    # The participant list of the session now has the class, with its phone and notes.
    partner_page.goto(f"{live_server}/sessions/{session_id}/participants")
    expect(partner_page.get_by_role("heading", level=1)).to_have_text("Participants")
    expect(partner_page.locator(".page-head .lead")).to_have_text(
        f"{ACTIVITY} · {english_day}, 09:00–11:00 · Industrieweg 12, 3542 AD Utrecht"
    )
    expect(partner_page.locator("main .card > p").first).to_have_text("25 of 60 places taken, 1 of 2 classes.")
    participants = partner_page.locator("main table tbody tr")
    expect(participants).to_have_count(1)
    expect(participants.first.locator("td")).to_have_text(
        [SCHOOL, "Groep 6A · Groep 6", "25", "2", PHONE, NOTES, "Confirmed"]
    )
    expect(partner_page.locator("main table tfoot")).to_have_text(re.compile(r"Total\s*25\s*2"))
    screenshot(partner_page, "participants-partner-en")
    set_language(partner_page, "nl")
    partner.close()

    # 5. The teacher sees the confirmation on the booking page and in the overview.
    page.goto(booking_url)
    expect(page.locator(".page-head .badge")).to_have_text("Confirmed")
    expect(page.locator("main > .notice")).to_have_count(0)
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text("Sanne van Dijk")
    expect(history.nth(1)).to_contain_text("Requested → Confirmed")

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Bookings").click()
    expect(page).to_have_url(f"{live_server}/bookings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Our bookings")
    expect(
        page.get_by_role("navigation", name="Which bookings").get_by_role("link", name="Upcoming")
    ).to_have_attribute("aria-current", "page")
    upcoming = page.locator("main table tbody tr")
    # Of this activity: Groep 7A (confirmed) and Groep 8A (requested) from the demo, and ours. (The
    # demo's lab series lessons of Groep 7A are in the list too.)
    expect(upcoming.filter(has_text=ACTIVITY)).to_have_count(3)
    ours = upcoming.filter(has=page.get_by_role("cell", name="Groep 6A", exact=True))
    expect(ours).to_have_count(1)
    cells = ours.locator("td")
    expect(cells.nth(0)).to_contain_text(format_date(day, "EEE d MMM yyyy", locale="en"))
    expect(cells.nth(0)).to_contain_text("09:00–11:00")
    expect(cells.nth(1).get_by_role("link", name=ACTIVITY)).to_have_attribute(
        "href", booking_url.removeprefix(live_server)
    )
    expect(cells.nth(2)).to_have_text("Groep 6A")
    expect(cells.nth(3)).to_have_text("25")
    expect(cells.nth(4)).to_have_text("Confirmed")
    expect(
        upcoming.filter(has=page.get_by_role("cell", name="Groep 8A", exact=True)).locator("td").nth(4)
    ).to_have_text("Requested")
    screenshot(page, "bookings-upcoming-en")
    set_language(page, "nl")
    teacher.close()


def test_full_session_offers_the_waiting_list(browser, live_server):
    teacher, page = new_page(browser)
    sign_in(page, live_server, "teacher@example.org")
    set_language(page, "en")
    rows = open_activity(page)

    # The demo's full session is the only one offering the waiting list.
    full_rows = rows.filter(has=page.get_by_role("link", name=re.compile(r"^Waiting list\b")))
    expect(full_rows).to_have_count(1)
    full_row = full_rows.first
    expect(full_row.locator(".badge")).to_have_text("Full")
    english_day = full_row.locator("td").first.inner_text().strip()
    link = full_row.get_by_role("link", name=re.compile(r"^Waiting list\b"))
    session_id = session_id_of(link)
    link.click()

    expect(page).to_have_url(f"{live_server}/sessions/{session_id}/book")
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the waiting list")
    notice = page.locator(".card .notice")
    expect(notice).to_contain_text("This session is full.")
    expect(notice).to_contain_text("1 class is waiting.")
    expect(page.locator("dl.details dt:has-text('Places') + dd")).to_have_text("Full")
    expect(page.get_by_role("button", name="Join the waiting list")).to_be_visible()
    expect(page.get_by_role("button", name="Request booking")).to_have_count(0)

    # Groep 7B is already waiting here; Groep 8A (requested on another session) joins.
    choose_class(page.get_by_label(exactly("Class")), "Groep 8A · Groep 8 · 29 pupils")
    page.get_by_label(exactly("Pupils")).fill("29")
    page.get_by_label(exactly("Contact phone on the day")).fill(PHONE)
    screenshot(page, "booking-form-waiting-list-en")
    page.get_by_role("button", name="Join the waiting list").click()

    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/bookings/\d+$"))
    booking_url = page.url
    expect(page.locator(".flash-success")).to_have_text(
        "Groep 8A is on the waiting list. You get an email when a place frees up."
    )
    expect(page.locator(".page-head .lead")).to_have_text(f"Groep 8A · {SCHOOL} · {english_day}, 09:00–11:00")
    expect(page.locator(".page-head .badge")).to_have_text("On the waiting list")
    expect(page.locator("main > .notice")).to_have_text(
        "Number 2 on the waiting list. When places free up, the first classes that fit move up automatically "
        "and you get an email."
    )
    expect(page.get_by_role("button", name="Leave the waiting list")).to_be_visible()
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Leave the waiting list").click()
    expect(page.locator(".page-head .badge")).to_have_text("On the waiting list")
    assert questions == ["Take Groep 8A off the waiting list? Its place in the queue is given up."]
    history = page.locator("ol.history > li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text(re.compile(r"Tom de Leerkracht\s+Joined the waiting list\s*$"))
    screenshot(page, "booking-waiting-list-en")

    # The overview: not among the upcoming bookings, but on the Waiting list tab with Groep 7B.
    page.goto(f"{live_server}/bookings")
    tabs = page.get_by_role("navigation", name="Which bookings")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    expect(page.locator(f"main table tbody a[href='{booking_url.removeprefix(live_server)}']")).to_have_count(0)
    tabs.get_by_role("link", name="Waiting list").click()
    expect(page).to_have_url(f"{live_server}/bookings?show=waiting")
    expect(tabs.get_by_role("link", name="Waiting list")).to_have_attribute("aria-current", "page")
    waiting = page.locator("main table tbody tr")
    expect(waiting).to_have_count(2)
    ours = waiting.filter(has=page.get_by_role("cell", name="Groep 8A", exact=True))
    expect(ours).to_have_count(1)
    cells = ours.locator("td")
    expect(cells.nth(0)).to_contain_text("09:00–11:00")
    expect(cells.nth(1).get_by_role("link", name=ACTIVITY)).to_have_attribute(
        "href", booking_url.removeprefix(live_server)
    )
    expect(cells.nth(3)).to_have_text("29")
    expect(cells.nth(4)).to_have_text("On the waiting list")
    expect(waiting.filter(has=page.get_by_role("cell", name="Groep 7B", exact=True))).to_have_count(1)
    screenshot(page, "bookings-waiting-list-en")
    set_language(page, "nl")
    teacher.close()

    # The partner sees both classes on the session's waiting list, in order.
    partner, page = new_page(browser)
    sign_in(page, live_server, "partner@example.org")
    set_language(page, "en")
    page.goto(f"{live_server}/sessions/{session_id}/participants")
    expect(page.locator("main .card > p").first).to_have_text("57 of 60 places taken, 2 of 2 classes.")
    expect(page.locator("main table tbody tr")).to_have_count(2)
    expect(page.get_by_role("heading", level=2, name="Waiting list")).to_be_visible()
    expect(page.locator("main .card ol > li")).to_have_text(
        [f"{SCHOOL} · Groep 7B · 25 pupils", f"{SCHOOL} · Groep 8A · 29 pupils"]
    )
    screenshot(page, "participants-full-session-partner-en")
    set_language(page, "nl")
    partner.close()

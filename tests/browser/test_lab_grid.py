"""A lab's week grid through a real browser: a coordinator sees which schools booked, and the week
picker moves through the weeks.

The demo (``booking.demo``) has "Lokaal 1" of Technieklokaal Utrecht-West with lesson series that
schools booked from about three weeks ahead (later when a holiday is near).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import set_language, sign_in

SCHOOLS = re.compile("OBS De Regenboog|CBS Het Kompas")
WEEKS_TO_LOOK_AHEAD = 12


def week_number(caption: str) -> int:
    return int(re.match(r"Week (\d+):", caption.strip())[1])


def test_coordinator_sees_the_schools_in_the_week_grid_and_turns_the_weeks(page, live_server):
    sign_in(page, live_server, "coordinator@example.org")
    set_language(page, "en")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Labs").click()
    page.get_by_role("link", name="Lokaal 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lokaal 1")

    grid = page.locator("table.week-grid")
    caption = grid.locator("caption")
    expect(caption).to_be_visible()
    expect(caption).to_have_text(re.compile(r"^Week \d+: Monday \d+ \w+ – Friday \d+ \w+ \d{4}$"))
    next_week = page.get_by_role("navigation", name="Choose a week").get_by_role("link", name="next week ›")

    # Turn the weeks until the first lessons of the series, each turn one week further.
    for _ in range(WEEKS_TO_LOOK_AHEAD):
        if grid.get_by_text(SCHOOLS).count():
            break
        before = week_number(caption.inner_text())
        next_week.click()
        expect(caption).not_to_have_text(re.compile(rf"^Week {before}:"))
        assert week_number(caption.inner_text()) in (before + 1, 1)
    booked = grid.get_by_role("link", name=SCHOOLS).first
    expect(booked).to_be_visible()
    expect(grid.get_by_role("rowheader", name=re.compile("^ochtend"))).to_be_visible()

    # The week field (a date picker where the browser has one) shows the week typed into it.
    page.get_by_role("link", name="this week").click()
    wanted = re.search(r"week=(\d{4}-W\d{2})", next_week.get_attribute("href"))[1]
    page.get_by_label("Week", exact=True).fill(wanted)
    page.get_by_role("button", name="Show").click()
    expect(caption).to_have_text(re.compile(rf"^Week {int(wanted[-2:])}:"))

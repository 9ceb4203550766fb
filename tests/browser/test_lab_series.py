"""A lesson series through a real browser: a teacher books four lessons for a class, sees them in
the lab's week grid, and the coordinator moves one of them.

The demo has "Lokaal 1" of Technieklokaal Utrecht-West with the activity "Lessenreeks Techniek
groep 7-8" (four lessons) and its slots for the school year; Groep 8A of OBS De Regenboog has no
series yet.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, set_language, sign_in


def choose(select, pattern: str) -> None:
    option = select.locator("option", has_text=re.compile(pattern)).first
    select.select_option(value=option.get_attribute("value"))


def test_teacher_books_a_series_sees_it_in_the_week_grid_and_the_coordinator_moves_a_lesson(page, live_server):
    sign_in(page, live_server, "teacher@example.org")
    set_language(page, "en")
    page.goto(f"{live_server}/catalogue?q=Lessenreeks")
    page.get_by_role("link", name="Lessenreeks Techniek groep 7-8").first.click()
    page.get_by_role("link", name="Book a lesson series").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a lesson series")

    choose(page.get_by_label("Class"), r"^Groep 8A")
    choose(page.get_by_label("Day and period"), r"^Monday ochtend")
    page.get_by_role("button", name="Show the proposal").click()

    proposal = page.locator("table.proposal-table")
    expect(proposal).to_be_visible()
    lessons = proposal.locator("tbody tr:not(.proposal-skipped)")
    expect(lessons).to_have_count(4)
    expect(lessons.first).to_contain_text("Monday")
    expect(lessons.first).to_contain_text("Free")
    screenshot(page, "lab_series_proposal")

    page.get_by_role("button", name=re.compile(r"^(Book|Request) these 4 lessons$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lesson series of Groep 8A")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(4)
    series_url = page.url
    screenshot(page, "lab_series_page")
    first_lesson = rows.first.locator("td").nth(1).inner_text()

    # The week of the first lesson: the teacher's own class is shown, with "your school".
    page.get_by_role("link", name="See the lessons in the lab's week").click()
    grid = page.locator("table.week-grid")
    expect(grid).to_be_visible()
    expect(grid.get_by_text("Groep 8A")).to_be_visible()
    expect(grid).not_to_contain_text("CBS Het Kompas")  # another school's booking is only "Taken"
    screenshot(page, "lab_week_grid_teacher")

    # The coordinator moves the first lesson to another free slot; the school is told.
    page.context.clear_cookies()
    sign_in(page, live_server, "coordinator@example.org")
    set_language(page, "en")
    page.goto(series_url)
    page.get_by_role("link", name="Move lesson 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move a lesson")
    target = page.get_by_label("New slot")
    options = target.locator("option")
    new_slot = options.nth(1).inner_text()
    target.select_option(index=1)
    page.get_by_label("Message to the school").fill("Het lokaal is die ochtend bezet voor onderhoud.")
    screenshot(page, "lab_move_lesson")
    page.get_by_role("button", name="Move the lesson").click()
    expect(page.locator(".flash-success")).to_contain_text("The lesson has moved")
    expect(page.locator("main")).to_contain_text(new_slot.split(" · ")[0].split(",")[0])
    expect(page.locator("main")).to_contain_text("Moved to another slot")

    page.goto(series_url)
    expect(page.locator("main table tbody tr").first.locator("td").nth(1)).not_to_have_text(first_lesson)
    page.get_by_role("link", name="See the lessons in the lab's week").click()
    expect(page.locator("table.week-grid")).to_contain_text("OBS De Regenboog")  # the coordinator sees schools
    screenshot(page, "lab_week_grid_coordinator")

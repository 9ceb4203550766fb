"""A school imports its blocked dates from its own calendar (.ics), through the same two steps as
holidays and closures: preview, then confirm."""

from datetime import date

from sqlalchemy import select

from booking.extensions import db
from booking.organisations.models import BlockedDate, DayPart
from tests.calendars.test_import_pages import packed_file, upload

SCHOOL_CALENDAR = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//OBS De Regenboog//Jaarkalender//NL\r
BEGIN:VEVENT\r
UID:studiedag-1@regenboog.example\r
DTSTAMP:20260901T080000Z\r
SUMMARY:Studiedag\r
DTSTART;VALUE=DATE:20270115\r
DTEND;VALUE=DATE:20270116\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:cito-1@regenboog.example\r
DTSTAMP:20260901T080000Z\r
SUMMARY:Cito midden groep 7\r
DTSTART;TZID=Europe/Amsterdam:20270120T083000\r
DTEND;TZID=Europe/Amsterdam:20270120T113000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:sport-1@regenboog.example\r
DTSTAMP:20260901T080000Z\r
SUMMARY:Sportmiddag\r
DTSTART;TZID=Europe/Amsterdam:20270212T130000\r
DTEND;TZID=Europe/Amsterdam:20270212T150000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:toets-1@regenboog.example\r
DTSTAMP:20260901T080000Z\r
SUMMARY:Toetsweek\r
DTSTART;VALUE=DATE:20270301\r
DTEND;VALUE=DATE:20270306\r
END:VEVENT\r
END:VCALENDAR\r
"""


def blocked_dates():
    db.session.expire_all()
    query = select(BlockedDate.reason, BlockedDate.starts_on, BlockedDate.ends_on, BlockedDate.day_part)
    return [tuple(row) for row in db.session.execute(query.order_by(BlockedDate.starts_on))]


def preview(client, school, data=SCHOOL_CALENDAR):
    return client.post(
        f"/schools/{school.id}/blocked-dates/import", data=upload(data), content_type="multipart/form-data"
    ).get_data(as_text=True)


def test_the_preview_shows_the_days_and_parts_and_saves_nothing(client, users, school, login):
    login(users["teacher"])
    page = preview(client, school)
    assert "4 blocked dates will be added." in page
    assert "Cito midden groep 7" in page and "(morning, 08:30–11:30)" in page
    assert "(afternoon, 13:00–15:00)" in page
    assert blocked_dates() == []


def test_confirming_adds_the_days_and_a_second_import_adds_nothing(client, users, school, login):
    login(users["teacher"])
    url = f"/schools/{school.id}/blocked-dates/import"
    response = client.post(url, data={"upload": packed_file(preview(client, school)), "confirm": "y"})
    assert response.status_code == 302
    assert blocked_dates() == [
        ("Studiedag", date(2027, 1, 15), date(2027, 1, 15), DayPart.WHOLE_DAY),
        ("Cito midden groep 7", date(2027, 1, 20), date(2027, 1, 20), DayPart.MORNING),
        ("Sportmiddag", date(2027, 2, 12), date(2027, 2, 12), DayPart.AFTERNOON),
        ("Toetsweek", date(2027, 3, 1), date(2027, 3, 5), DayPart.WHOLE_DAY),
    ]
    page = preview(client, school)
    assert "There is nothing new to import from this file." in page and 'name="confirm"' not in page
    assert len(blocked_dates()) == 4


def test_a_bad_file_is_explained_and_adds_nothing(client, users, school, login):
    login(users["teacher"])
    assert "This file is not an iCalendar (.ics) file." in preview(client, school, b"<html>kalender</html>")
    assert blocked_dates() == []


def test_only_the_school_and_its_coordinators_import(client, users, school, login):
    login(users["partner"])
    assert client.get(f"/schools/{school.id}/blocked-dates/import").status_code == 403
    client.post("/logout")
    login(users["coordinator"])
    assert client.get(f"/schools/{school.id}/blocked-dates/import").status_code == 200

"""A holiday import matches on region and dates, not on the name the file gives it, and says when a
timed event is taken as a whole day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from booking.extensions import db
from booking.organisations.models import Holiday, HolidayRegion
from tests.calendars.test_import_pages import packed_file, preview_holidays

FILE = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Techniekrooster tests//Jaarkalender//NL\r
BEGIN:VEVENT\r
UID:herfst-2027@school.example\r
SUMMARY:Herfstvakantie 2027\r
DTSTART;VALUE=DATE:20271016\r
DTEND;VALUE=DATE:20271025\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:studiedag@school.example\r
SUMMARY:Studiedag (middag)\r
DTSTART;TZID=Europe/Amsterdam:20271103T123000\r
DTEND;TZID=Europe/Amsterdam:20271103T150000\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_the_same_dates_under_another_name_are_the_holiday_already_there(client, users, login):
    db.session.add(Holiday(holiday_region=HolidayRegion.MIDDEN, name="Herfstvakantie",
                           starts_on=date(2027, 10, 16), ends_on=date(2027, 10, 24)))  # fmt: skip
    db.session.commit()
    login(users["coordinator"])
    page = preview_holidays(client, data=FILE).get_data(as_text=True)
    assert "already there as Herfstvakantie" in page
    response = client.post("/holidays/import", data={"holiday_region": "midden", "upload": packed_file(page),
                                                     "confirm": "y"})  # fmt: skip
    assert response.status_code == 302
    names = set(db.session.scalars(select(Holiday.name)))
    assert names == {"Herfstvakantie", "Studiedag (middag)"}  # no "Herfstvakantie 2027" beside it
    assert db.session.scalar(select(func.count(Holiday.id))) == 2


def test_a_timed_event_says_it_is_taken_as_the_whole_day(client, users, login):
    login(users["coordinator"])
    page = preview_holidays(client, data=FILE).get_data(as_text=True)
    assert "Studiedag (middag)" in page
    assert "(12:30–15:00: taken as the whole day)" in page
    assert page.count("taken as the whole day") == 1  # the all-day holiday says nothing of the kind

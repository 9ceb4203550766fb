"""The import pages: holidays of a region and closures of a lab from an .ics file. The preview shows
what will be added and saves nothing; confirming adds exactly that; bad files are explained and add
nothing; and only those who keep the holidays or the lab may import."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from booking.accounts.models import Role
from booking.calendars.imports import pack_upload
from booking.extensions import db
from booking.labs import services as lab_services
from booking.labs.models import LabClosure
from booking.organisations.models import Holiday, HolidayRegion, PartnerKind
from booking.organisations.services import save_holiday

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DATA = Path(__file__).parent / "data"
HOLIDAYS_MIDDEN = (DATA / "schoolvakanties-2026-2027-midden.ics").read_bytes()
EXPECTED_HOLIDAYS = [
    ("Herfstvakantie", date(2026, 10, 17), date(2026, 10, 25)),
    ("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 3)),
    ("Voorjaarsvakantie", date(2027, 2, 20), date(2027, 2, 28)),
    ("Meivakantie", date(2027, 4, 24), date(2027, 5, 2)),
    ("Zomervakantie", date(2027, 7, 17), date(2027, 8, 29)),
]

CLOSURES = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Techniekrooster tests//Jaarkalender Het Vleuterweide College//NL\r
BEGIN:VEVENT\r
UID:studiedag-1@vleuterweide.example\r
SUMMARY:Studiedag\r
DTSTART;VALUE=DATE:20261105\r
DTEND;VALUE=DATE:20261106\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:toetsweek-2@vleuterweide.example\r
SUMMARY:Toetsweek\r
DTSTART;VALUE=DATE:20270125\r
DTEND;VALUE=DATE:20270130\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:onderhoud-3@vleuterweide.example\r
SUMMARY:Onderhoud afzuiging\r
DTSTART;TZID=Europe/Amsterdam:20261202T080000\r
DTEND;TZID=Europe/Amsterdam:20261202T170000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:mentoruur@vleuterweide.example\r
SUMMARY:Mentoruur\r
DTSTART;TZID=Europe/Amsterdam:20260907T083000\r
DURATION:PT1H\r
RRULE:FREQ=WEEKLY;BYDAY=MO\r
END:VEVENT\r
END:VCALENDAR\r
"""
EXPECTED_CLOSURES = [
    ("Studiedag", date(2026, 11, 5), date(2026, 11, 5)),
    ("Onderhoud afzuiging", date(2026, 12, 2), date(2026, 12, 2)),
    ("Toetsweek", date(2027, 1, 25), date(2027, 1, 29)),
]

GARBAGE = {
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This file is not an iCalendar (.ics) file."),
    "html": (b"<html><body>Schoolvakanties</body></html>", "This file is not an iCalendar (.ics) file."),
    "empty": (b"", "The file is empty."),
    "no-end": (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "This iCalendar (.ics) file is damaged and cannot be read."),
    "no-events": (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "contains no events that can be imported"),
}


def upload(data: bytes, filename: str = "kalender.ics", **fields) -> dict:
    return {"file": (io.BytesIO(data), filename), "preview": "Preview", **fields}


def packed_file(page: str) -> str:
    """The file the preview page carries to the confirmation."""
    return re.search(r'name="upload" type="hidden" value="([^"]*)"', page).group(1)


def holidays() -> list[tuple[str, date, date]]:
    db.session.expire_all()
    query = select(Holiday.name, Holiday.starts_on, Holiday.ends_on).order_by(Holiday.starts_on)
    return [tuple(row) for row in db.session.execute(query)]


def closures() -> list[tuple[str, date, date]]:
    db.session.expire_all()
    query = select(LabClosure.reason, LabClosure.starts_on, LabClosure.ends_on).order_by(LabClosure.starts_on)
    return [tuple(row) for row in db.session.execute(query)]


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# Holidays --------------------------------------------------------------------------------------


def preview_holidays(client, data=HOLIDAYS_MIDDEN, region="midden", filename="schoolvakanties.ics"):
    return client.post(
        "/holidays/import", data=upload(data, filename, holiday_region=region), content_type="multipart/form-data"
    )


def test_the_holidays_page_links_to_the_import(client, users, login):
    login(users["coordinator"])
    page = client.get("/holidays?region=midden").get_data(as_text=True)
    assert 'href="/holidays/import?region=midden"' in page
    assert '<option selected value="midden">' in client.get("/holidays/import?region=midden").get_data(as_text=True)


def test_the_preview_shows_the_holidays_of_the_file_and_saves_nothing(client, users, login):
    login(users["coordinator"])
    response = preview_holidays(client)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Preview · Netherlands – middle" in page
    assert "schoolvakanties.ics" in page
    assert "5 holidays will be added." in page
    for name, _first, _last in EXPECTED_HOLIDAYS:
        assert f"<td>{name}</td>" in page
    assert "Sat 17 Oct 2026" in page and "Sun 25 Oct 2026" in page  # DTEND 26 October is exclusive
    assert "Sun 29 Aug 2027" in page
    assert page.count("<strong>new</strong>") == 5
    assert "Import 5 holidays" in page
    assert holidays() == []


def test_confirming_adds_exactly_the_previewed_holidays_to_the_chosen_region(client, users, login):
    login(users["coordinator"])
    page = preview_holidays(client).get_data(as_text=True)

    response = client.post(
        "/holidays/import", data={"holiday_region": "midden", "upload": packed_file(page), "confirm": "y"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/holidays?region=midden"
    assert holidays() == EXPECTED_HOLIDAYS
    assert set(db.session.scalars(select(Holiday.holiday_region))) == {HolidayRegion.MIDDEN}
    assert "5 holidays have been added." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_importing_again_skips_the_holidays_that_are_already_there(client, users, login):
    save_holiday(None, holiday_region=HolidayRegion.MIDDEN, name="Herfstvakantie",
                 starts_on=date(2026, 10, 17), ends_on=date(2026, 10, 25))  # fmt: skip
    save_holiday(None, holiday_region=HolidayRegion.MIDDEN, name="Kerstvakantie",
                 starts_on=date(2026, 12, 19), ends_on=date(2027, 1, 1))  # fmt: skip
    save_holiday(None, holiday_region=HolidayRegion.NOORD, name="Meivakantie",
                 starts_on=date(2027, 4, 24), ends_on=date(2027, 5, 2))  # fmt: skip
    db.session.commit()
    login(users["coordinator"])

    page = preview_holidays(client).get_data(as_text=True)
    assert "3 holidays will be added." in page
    assert "2 are already there." in page
    assert "already there, until 1 Jan 2027" in page  # same name and first day, other last day: left alone
    response = client.post(
        "/holidays/import",
        data={"holiday_region": "midden", "upload": packed_file(page), "confirm": "y"},
        follow_redirects=True,
    )

    assert "3 holidays have been added; 2 were already there." in response.get_data(as_text=True)
    assert count(Holiday) == 6  # five in midden, the Meivakantie of noord untouched
    assert ("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 1)) in holidays()

    page = preview_holidays(client).get_data(as_text=True)
    assert "0 holidays will be added." in page
    assert "5 are already there." in page
    assert "There is nothing new to import from this file." in page
    assert 'name="confirm"' not in page


def test_a_holiday_added_meanwhile_by_someone_else_counts_as_already_there(client, users, login):
    login(users["coordinator"])
    page = preview_holidays(client).get_data(as_text=True)
    save_holiday(None, holiday_region=HolidayRegion.MIDDEN, name="Meivakantie",
                 starts_on=date(2027, 4, 24), ends_on=date(2027, 5, 2))  # fmt: skip
    db.session.commit()

    response = client.post(
        "/holidays/import",
        data={"holiday_region": "midden", "upload": packed_file(page), "confirm": "y"},
        follow_redirects=True,
    )

    assert "4 holidays have been added; 1 was already there." in response.get_data(as_text=True)
    assert holidays() == EXPECTED_HOLIDAYS


def test_a_holiday_another_import_adds_between_the_check_and_the_insert_counts_as_already_there(monkeypatch):
    from booking.calendars.imports import read_day_ranges
    from booking.organisations import services

    ranges = read_day_ranges(HOLIDAYS_MIDDEN, tz=AMSTERDAM).ranges
    checked_before = services.preview_holiday_import(HolidayRegion.MIDDEN, ranges)
    save_holiday(None, holiday_region=HolidayRegion.MIDDEN, name="Meivakantie",
                 starts_on=date(2027, 4, 24), ends_on=date(2027, 5, 2))  # fmt: skip
    db.session.commit()
    monkeypatch.setattr(services, "preview_holiday_import", lambda *args: checked_before)

    result = services.import_holidays(HolidayRegion.MIDDEN, ranges)
    db.session.commit()

    assert (result.added, result.skipped_existing) == (4, 1)
    assert holidays() == EXPECTED_HOLIDAYS


def test_unsupported_parts_are_listed_with_their_reason_and_left_out(client, users, login):
    data = HOLIDAYS_MIDDEN.replace(
        b"END:VCALENDAR",
        b"BEGIN:VEVENT\r\nSUMMARY:Koningsdag\r\nDTSTART;VALUE=DATE:20270427\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n"
        b"BEGIN:VTODO\r\nSUMMARY:Rooster controleren\r\nEND:VTODO\r\n"
        b"BEGIN:VEVENT\r\nSUMMARY:Lange zomer\r\nDTSTART;VALUE=DATE:20270601\r\nDTEND;VALUE=DATE:20270915\r\n"
        b"END:VEVENT\r\n"
        b"END:VCALENDAR",
    )
    login(users["coordinator"])

    page = preview_holidays(client, data).get_data(as_text=True)

    assert "5 holidays will be added." in page
    assert "1 is skipped." in page
    assert "skipped (a holiday lasts at most three months)" in page
    assert "2 parts of the file cannot be imported." in page
    assert "Koningsdag" in page and "repeating event: only one-off events are imported" in page
    assert "Rooster controleren" in page and "a to-do (VTODO), not an event" in page
    client.post("/holidays/import", data={"holiday_region": "midden", "upload": packed_file(page), "confirm": "y"})
    assert holidays() == EXPECTED_HOLIDAYS


@pytest.mark.parametrize("kind", GARBAGE)
def test_a_bad_file_is_explained_and_adds_no_holidays(client, users, login, kind):
    data, message = GARBAGE[kind]
    login(users["coordinator"])

    response = preview_holidays(client, data)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="file-error"' in page  # on the file field
    assert 'name="confirm"' not in page
    assert count(Holiday) == 0


def test_a_huge_upload_is_refused_with_a_page_and_adds_nothing(client, users, login):
    login(users["coordinator"])
    huge = HOLIDAYS_MIDDEN + b"X" * (5 * 1024 * 1024)
    response = preview_holidays(client, huge)
    assert response.status_code == 413
    assert "What you sent is too large." in response.get_data(as_text=True)
    assert count(Holiday) == 0


def test_a_calendar_with_nothing_usable_says_what_was_in_it(client, users, login):
    data = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Weekopening\r\nDTSTART;VALUE=DATE:20260907\r\n"
        b"RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    login(users["coordinator"])

    page = preview_holidays(client, data).get_data(as_text=True)

    assert "The file contains no events that can be imported." in page
    assert "Weekopening" in page and "repeating event: only one-off events are imported" in page
    assert count(Holiday) == 0


@pytest.mark.parametrize(
    "data, message",
    [
        (
            upload(HOLIDAYS_MIDDEN, "schoolvakanties.pdf", holiday_region="midden"),
            "Choose a file whose name ends in .ics.",
        ),
        ({"holiday_region": "midden", "preview": "Preview"}, "Choose an .ics file."),
        (upload(HOLIDAYS_MIDDEN, holiday_region="atlantis"), "Not a valid choice"),
    ],
)
def test_the_upload_form_explains_what_is_missing(client, users, login, data, message):
    login(users["coordinator"])
    page = client.post("/holidays/import", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert message in page
    assert count(Holiday) == 0


@pytest.mark.parametrize(
    "confirmation, message",
    [
        ({"upload": "bm90IGEgcGFja2VkIGZpbGU="}, "The file got lost between the preview and the import."),
        ({"upload": ""}, "The file got lost between the preview and the import."),
        ({}, "The file got lost between the preview and the import."),
        ({"upload": "PNG"}, "The file got lost between the preview and the import."),
    ],
)
def test_a_damaged_confirmation_is_explained_and_adds_nothing(client, users, login, confirmation, message):
    login(users["coordinator"])
    response = client.post("/holidays/import", data={"holiday_region": "midden", "confirm": "y", **confirmation})

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(Holiday) == 0


def test_a_confirmation_is_read_again_and_never_trusted(client, users, login):
    """A forged confirmation can only carry a file, which goes through the same checks as an upload."""
    login(users["coordinator"])
    response = client.post(
        "/holidays/import",
        data={"holiday_region": "midden", "upload": pack_upload(b"<html>hello</html>"), "confirm": "y"},
    )

    assert "This file is not an iCalendar (.ics) file." in response.get_data(as_text=True)
    assert count(Holiday) == 0


HOLIDAY_ROLES = {"anonymous": 302, "teacher": 403, "partner": 403, "coordinator": 200, "admin": 200}


@pytest.mark.parametrize("role", HOLIDAY_ROLES)
def test_coordinators_and_admins_import_holidays_and_nobody_else(app, users, login, role):
    client = app.test_client()
    if role != "anonymous":
        login(users[role], c=client)
    expected = HOLIDAY_ROLES[role]

    assert client.get("/holidays/import").status_code == expected
    assert preview_holidays(client).status_code == expected
    confirmation = {"holiday_region": "midden", "upload": pack_upload(HOLIDAYS_MIDDEN), "confirm": "y"}
    response = client.post("/holidays/import", data=confirmation)

    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == (302 if expected == 200 else 403)
    assert count(Holiday) == (5 if expected == 200 else 0)


# Closures --------------------------------------------------------------------------------------


@pytest.fixture
def staff(make_user, lab_partner):
    return make_user(Role.PARTNER, lab_partner, email="henk@technieklokaal.example")


def preview_closures(client, lab, data=CLOSURES):
    return client.post(
        f"/labs/{lab.id}/closures/import", data=upload(data, "jaarkalender.ics"), content_type="multipart/form-data"
    )


def test_the_lab_page_links_to_the_import_for_those_who_keep_the_lab(app, login, staff, users, lab):
    link = f'href="/labs/{lab.id}/closures/import"'
    assert link in login(staff, c=app.test_client()).get(f"/labs/{lab.id}").get_data(as_text=True)
    assert link not in login(users["teacher"], c=app.test_client()).get(f"/labs/{lab.id}").get_data(as_text=True)


def test_closures_are_previewed_then_imported(client, login, staff, lab):
    lab_services.save_closure(lab, None, starts_on=date(2026, 12, 21), ends_on=date(2026, 12, 21), reason="Inventaris")
    db.session.commit()
    login(staff)

    page = preview_closures(client, lab).get_data(as_text=True)

    assert "Preview · Lokaal 1" in page
    assert "3 closures will be added." in page
    assert "Onderhoud afzuiging" in page and "Wed 2 Dec 2026" in page  # a timed event: its whole day
    assert "Mentoruur" in page and "repeating event: only one-off events are imported" in page
    assert "Import 3 closures" in page
    assert [c[0] for c in closures()] == ["Inventaris"]

    response = client.post(f"/labs/{lab.id}/closures/import", data={"upload": packed_file(page), "confirm": "y"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/labs/{lab.id}#closures"
    assert closures() == sorted([*EXPECTED_CLOSURES, ("Inventaris", date(2026, 12, 21), date(2026, 12, 21))],
                                key=lambda c: c[1])  # fmt: skip
    assert "3 closures have been added." in client.get(f"/labs/{lab.id}").get_data(as_text=True)


def test_importing_closures_again_adds_none_twice(client, login, staff, lab):
    login(staff)
    page = preview_closures(client, lab).get_data(as_text=True)
    client.post(f"/labs/{lab.id}/closures/import", data={"upload": packed_file(page), "confirm": "y"})

    page = preview_closures(client, lab).get_data(as_text=True)
    assert "0 closures will be added." in page
    assert "3 are already there." in page
    assert 'name="confirm"' not in page
    confirmation = {"upload": pack_upload(CLOSURES), "confirm": "y"}  # sent anyway, say from an old tab
    response = client.post(f"/labs/{lab.id}/closures/import", data=confirmation, follow_redirects=True)

    assert "0 closures have been added; 3 were already there." in response.get_data(as_text=True)
    assert closures() == EXPECTED_CLOSURES


def test_closures_of_other_labs_do_not_count_as_already_there(client, login, staff, lab, lab_partner):
    other = lab_services.save_lab(
        None,
        partner=lab_partner,
        data=lab_services.LabData(
            name="Lokaal 2", address="Vleutenseweg 300", capacity_pupils=24, classes_at_once=1,
            holiday_region=HolidayRegion.MIDDEN,
        ),
    )  # fmt: skip
    lab_services.save_closure(other, None, starts_on=date(2026, 11, 5), ends_on=date(2026, 11, 5), reason="Studiedag")
    db.session.commit()
    login(staff)

    assert "3 closures will be added." in preview_closures(client, lab).get_data(as_text=True)


@pytest.mark.parametrize("kind", GARBAGE)
def test_a_bad_file_is_explained_and_adds_no_closures(client, login, staff, lab, kind):
    data, message = GARBAGE[kind]
    login(staff)

    response = preview_closures(client, lab, data)

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert 'name="confirm"' not in response.get_data(as_text=True)
    assert count(LabClosure) == 0
    response = client.post(f"/labs/{lab.id}/closures/import", data={"upload": "rubbish", "confirm": "y"})
    assert "The file got lost between the preview and the import." in response.get_data(as_text=True)
    assert count(LabClosure) == 0


CLOSURE_ROLES = {
    "anonymous": 302,
    "teacher": 403,
    "other_lab_staff": 403,
    "other_coordinator": 403,
    "lab_staff": 200,
    "coordinator": 200,
    "admin": 200,
}


@pytest.fixture
def people(make_user, make_partner, make_region, school, region, staff, users):
    other_lab = make_partner("Technieklokaal Amersfoort", kind=PartnerKind.TECHNIEKLOKAAL)
    return {
        "teacher": users["teacher"],
        "lab_staff": staff,
        "other_lab_staff": make_user(Role.PARTNER, other_lab),
        "coordinator": users["coordinator"],  # of the region the lab's partner serves
        "other_coordinator": make_user(Role.COORDINATOR, make_region("Regio Twente")),
        "admin": users["admin"],
    }


@pytest.mark.parametrize("role", CLOSURE_ROLES)
def test_lab_staff_and_its_coordinators_import_closures_and_nobody_else(app, login, people, lab, role):
    client = app.test_client()
    if role != "anonymous":
        login(people[role], c=client)
    expected = CLOSURE_ROLES[role]
    url = f"/labs/{lab.id}/closures/import"

    assert client.get(url).status_code == expected
    assert preview_closures(client, lab).status_code == expected
    response = client.post(url, data={"upload": pack_upload(CLOSURES), "confirm": "y"})

    if role == "anonymous":
        assert response.headers["Location"].startswith("/login")
    assert response.status_code == (302 if expected != 403 else 403)
    assert count(LabClosure) == (3 if expected == 200 else 0)


def test_an_unknown_lab_is_not_found(client, login, staff):
    login(staff)
    assert client.get("/labs/999999/closures/import").status_code == 404

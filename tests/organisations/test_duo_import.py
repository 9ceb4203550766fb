"""Importing schools from DUO's register: both file shapes, a preview that writes nothing, matching on
BRIN code and location number, clear refusals, and a second import that changes nothing."""

import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from booking.core.errors import DomainError
from booking.extensions import db
from booking.organisations import duo, services
from booking.organisations.models import EducationLevel, HolidayRegion, Region, School

DATA = Path(__file__).parent / "data"
PO_FILE = (DATA / "duo-vestigingen-po.csv").read_bytes()
OLD_VO_FILE = (DATA / "duo-vestigingen-vo-oud.csv").read_bytes()


@pytest.fixture
def utrecht(region):
    services.set_municipalities(region, "Utrecht\nDe Bilt\nStichtse Vecht")
    db.session.commit()
    return region


def schools() -> dict[str, tuple]:
    db.session.expire_all()
    rows = db.session.execute(select(School.brin, School.location_number, School.name, School.municipality,
                                     School.education_level))  # fmt: skip
    return {brin + (location or ""): (name, municipality, level) for brin, location, name, municipality, level in rows}


def preview_page(client, region, data=PO_FILE, filename="vestigingen.csv", **fields):
    return client.post(
        f"/regions/{region.id}/schools/import",
        data={"file": (io.BytesIO(data), filename), "preview": "Preview", **fields},
        content_type="multipart/form-data",
    ).get_data(as_text=True)


def confirm(client, region, page):
    carried = re.search(r'name="upload" type="hidden" value="([^"]*)"', page).group(1)
    level = re.search(r'name="education_level" type="hidden" value="([^"]*)"', page).group(1)
    return client.post(
        f"/regions/{region.id}/schools/import", data={"upload": carried, "education_level": level, "confirm": "y"}
    )


def test_the_current_file_is_read_with_its_bom_and_six_character_codes():
    locations = duo.read_locations(PO_FILE)
    assert locations[0].brin == "12AB" and locations[0].name == "OBS De Regenboog"
    assert [duo._location_number(location) for location in locations[:3]] == ["00", "01", "00"]


def test_the_older_semicolon_file_in_windows_1252_is_read():
    locations = duo.read_locations(OLD_VO_FILE)
    assert [location.name for location in locations] == [
        "Christelijk Lyceum Züid", "Praktijkschool De Schöne Stad", "Vmbo De Vecht"]  # fmt: skip
    assert [duo.level_of(location.level) for location in locations] == [EducationLevel.VO] * 3


def test_the_preview_shows_what_happens_and_writes_nothing(client, users, utrecht, login):
    login(users["coordinator"])
    before = schools()
    page = preview_page(client, utrecht)
    assert "4 schools will be added." in page  # 12AB00, 12AB01, 07XY00 (De Bilt) and the SBO 09QZ00
    assert "1 location is in another municipality and is left out." in page
    assert "“1XAB” is not a BRIN code" in page
    assert "“0A” is not a location number" in page
    assert "unknown education level “Kinderopvang”" in page
    assert "the same location is on line 2 too" in page
    assert schools() == before


def test_confirming_adds_and_a_second_import_changes_nothing(client, users, utrecht, school, login):
    login(users["coordinator"])
    response = confirm(client, utrecht, preview_page(client, utrecht))
    assert response.status_code == 302
    added = schools()
    assert added["12AB00"] == ("OBS De Regenboog", "Utrecht", EducationLevel.PO)
    assert added["07XY00"] == ("CBS Het Kompas", "De Bilt", EducationLevel.PO)
    assert added["09QZ00"][2] is EducationLevel.SO  # speciaal basisonderwijs
    assert "03AA00" not in added  # Amstelveen is not in the region
    page = preview_page(client, utrecht)
    assert "0 schools will be added." in page and "0 schools will be updated." in page
    assert "There is nothing new to import from this file." in page
    assert schools() == added


def test_a_changed_name_is_an_update_of_the_same_school(client, users, utrecht, make_school, login):
    make_school("OBS Regenboog (oude naam)", brin="12AB")
    login(users["coordinator"])
    page = preview_page(client, utrecht)
    assert "name OBS Regenboog (oude naam) → OBS De Regenboog" in page
    confirm(client, utrecht, page)
    assert schools()["12AB00"][0] == "OBS De Regenboog"
    assert db.session.scalar(select(func.count()).select_from(School).where(School.brin == "12AB")) == 2


def test_a_school_of_another_region_is_refused_not_moved(client, users, utrecht, make_region, make_school, login):
    make_school("CBS Het Kompas", brin="07XY", region=make_region("Regio Zeist"))
    login(users["coordinator"])
    assert "already a school of Regio Zeist" in preview_page(client, utrecht)


def test_the_level_chosen_for_the_file_is_used_when_it_has_none(client, users, utrecht, login):
    no_level = b"INSTELLINGSCODE,VESTIGINGSCODE,VESTIGINGSNAAM,GEMEENTENAAM\n30AB,00,Het Lyceum,Utrecht\n"
    login(users["coordinator"])
    assert "no education level: choose the file" in preview_page(client, utrecht, no_level)
    page = preview_page(client, utrecht, no_level, education_level="vo")
    assert "1 school will be added." in page
    confirm(client, utrecht, page)
    assert schools()["30AB00"][2] is EducationLevel.VO


@pytest.mark.parametrize(
    "data, message",
    [
        (b"INSTELLINGSCODE\tVESTIGINGSCODE\tVESTIGINGSNAAM\tGEMEENTENAAM\n", "has a header but no school locations"),
        (b"naam;adres\nOBS;Laan 1\n", "the columns INSTELLINGSCODE, VESTIGINGSCODE, GEMEENTENAAM are missing"),
        (b"", "The file is empty."),
        (b"PK\x03\x04\x14\x00\x06\x00", "This is a spreadsheet or zip file"),
        (b"\x00\x01\x02binary" * 10, "This file is not a CSV file."),
    ],
)
def test_a_file_that_is_not_a_duo_file_gets_a_clear_message(client, users, utrecht, login, data, message):
    login(users["coordinator"])
    before = schools()
    assert message in preview_page(client, utrecht, data)
    assert schools() == before


def test_without_municipalities_the_import_says_what_to_do_first(client, users, region, login):
    login(users["coordinator"])
    assert "First list the municipalities of Regio Utrecht" in preview_page(client, region)


def test_a_forged_confirmation_imports_nothing(client, users, utrecht, login):
    login(users["coordinator"])
    before = schools()
    response = client.post(
        f"/regions/{utrecht.id}/schools/import", data={"upload": "W1syLCIxMkFCIl1d.forged", "confirm": "y"}
    )
    assert "The file got lost between the preview and the import." in response.get_data(as_text=True)
    assert schools() == before


def test_a_200_mb_upload_is_refused_with_a_page(client, users, utrecht, login):
    login(users["coordinator"])
    before = schools()
    response = client.post(
        f"/regions/{utrecht.id}/schools/import",
        data={"file": (io.BytesIO(b"x" * (200 * 1024 * 1024)), "groot.csv"), "preview": "Preview"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True).lower()
    assert schools() == before


def test_only_the_regions_coordinators_and_admins_import(client, users, utrecht, make_region, make_user, login):
    from booking.accounts.models import Role

    url = f"/regions/{utrecht.id}/schools/import"
    for role, status in {"teacher": 403, "partner": 403, "coordinator": 200, "admin": 200}.items():
        login(users[role])
        assert client.get(url).status_code == status, role
        client.post("/logout")
    login(make_user(Role.COORDINATOR, make_region("Regio Zeist")))
    assert client.get(url).status_code == 403
    assert client.post(f"/regions/{utrecht.id}/municipalities", data={"municipalities": "Zeist"}).status_code == 403


def test_municipalities_are_saved_once_each(client, users, region, login):
    login(users["coordinator"])
    client.post(
        f"/regions/{region.id}/municipalities", data={"municipalities": "Utrecht\n utrecht \nDe  Bilt, Zeist\n"}
    )
    db.session.expire_all()
    assert sorted(region.municipalities) == ["De Bilt", "Utrecht", "Zeist"]


CODES = st.from_regex(r"[0-9]{2}[A-Z0-9]{2}", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(CODES, st.integers(0, 99), st.sampled_from(["Utrecht", "De Bilt", "Zeist"])),
                     min_size=1, max_size=25))  # fmt: skip
def test_any_file_adds_each_location_of_the_region_once(app, rows):
    """Whatever the file holds, the import adds one school per distinct BRIN and location in the
    region's municipalities, and importing it again adds nothing."""
    with app.app_context():
        region = Region(name="Regio Proef", holiday_region=HolidayRegion.MIDDEN)
        db.session.add(region)
        services.set_municipalities(region, "Utrecht\nDe Bilt")
        db.session.flush()
        lines = ["INSTELLINGSCODE,VESTIGINGSCODE,VESTIGINGSNAAM,GEMEENTENAAM,SOORT PO"]
        lines += [f"{brin},{number:02d},School {brin}{number:02d},{town},Bo" for brin, number, town in rows]
        data = "\n".join(lines).encode()
        duo.import_locations(region, duo.read_locations(data))
        db.session.flush()
        expected = {(brin, f"{number:02d}") for brin, number, town in rows if town != "Zeist"}
        got = set(db.session.execute(select(School.brin, School.location_number).where(School.region_id == region.id)))
        assert got == expected
        again = duo.preview_import(region, duo.read_locations(data))
        assert not again.of(duo.ADD) and not again.of(duo.UPDATE)
        db.session.rollback()


def test_preview_refuses_a_region_without_municipalities_as_a_domain_error(region):
    with pytest.raises(DomainError):
        duo.preview_import(region, duo.read_locations(PO_FILE))


def test_a_file_of_every_school_location_in_the_country_fits_through_the_page(client, users, utrecht, login):
    """DUO's national file is about 5 MB, more than the site's usual upload limit."""
    from scripts.bench_duo_import import duo_file

    data = duo_file(7_000)
    assert len(data) > 4 * 1024 * 1024
    login(users["coordinator"])
    page = preview_page(client, utrecht, data)
    assert "7000 locations are in other municipalities and are left out." in page


def test_only_the_duo_page_takes_a_file_larger_than_the_site_limit_even_with_csrf_on(make_app, users, utrecht):
    """CSRF protection reads the body before the view runs; the larger limit must hold by then."""
    from scripts.bench_duo_import import duo_file

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    data = duo_file(7_000)

    def post(url):
        return client.post(url, data={"file": (io.BytesIO(data), "v.csv")}, content_type="multipart/form-data")

    assert post(f"/regions/{utrecht.id}/schools/import").status_code == 400  # read, then refused: no token
    assert post("/holidays/import").status_code == 413

import pytest

from booking.core.time import current_school_year
from booking.extensions import db
from booking.organisations.models import Grade, HolidayRegion, Partner, Region, School, SchoolClass

SCHOOL = {
    "name": "OBS De Vlinder",
    "brin": "04xy",
    "location_number": "01",
    "municipality": "Houten",
    "education_level": "po",
    "holiday_region_override": "",
}


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_coordinator_adds_a_school(client, users, region, login):
    login(users["coordinator"])
    response = client.post("/schools/new", data={**SCHOOL, "region_id": region.id})
    assert response.status_code == 302
    school = db.session.scalar(db.select(School).where(School.name == "OBS De Vlinder"))
    assert school.brin_code == "04XY01"
    assert school.holiday_region is HolidayRegion.MIDDEN


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("brin", "4XY", "A BRIN code is 2 digits and 2 letters or digits"),
        ("brin", "AB12", "A BRIN code is 2 digits and 2 letters or digits"),
        ("brin", "04-Y", "A BRIN code is 2 digits and 2 letters or digits"),
        ("location_number", "1", "A location number is 2 digits"),
        ("name", "x" * 161, "Field cannot be longer than 160 characters."),
        ("name", "   ", "This field is required."),
        ("education_level", "kindergarten", "Not a valid choice"),
    ],
)
def test_bad_school_input_gets_a_form_error(client, users, region, login, field, value, message):
    login(users["coordinator"])
    response = client.post("/schools/new", data={**SCHOOL, "region_id": region.id, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(School) == 1  # only the fixture's school


def test_duplicate_brin_is_refused(client, users, region, school, login):
    login(users["coordinator"])
    data = {**SCHOOL, "brin": school.brin, "location_number": school.location_number, "region_id": region.id}
    response = client.post("/schools/new", data=data)
    assert f"A school with BRIN code {school.brin_code} already exists." in response.get_data(as_text=True)


def test_coordinator_cannot_place_a_school_in_another_region(client, users, make_region, login):
    elsewhere = make_region("Regio Twente")
    login(users["coordinator"])
    response = client.post("/schools/new", data={**SCHOOL, "region_id": elsewhere.id})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(School).where(School.region_id == elsewhere.id)) is None


def test_teacher_adds_a_class(client, users, school, login):
    login(users["teacher"])
    data = {"label": "Groep 8B", "school_year": current_school_year(), "grade": "groep-8", "pupils": "29"}
    response = client.post(f"/schools/{school.id}/classes/new", data=data)
    assert response.status_code == 302
    school_class = db.session.scalar(db.select(SchoolClass))
    assert (school_class.label, school_class.grade, school_class.pupils) == ("Groep 8B", Grade.GROEP_8, 29)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"pupils": "-3"}, "A class has between 1 and 60 pupils."),
        ({"pupils": "0"}, "A class has between 1 and 60 pupils."),
        ({"pupils": "500"}, "A class has between 1 and 60 pupils."),
        ({"pupils": "many"}, "Enter the number of pupils."),
        ({"grade": "vo-3"}, "Not a valid choice"),
        ({"school_year": "1999"}, "Not a valid choice"),
        ({"label": "x" * 41}, "Field cannot be longer than 40 characters."),
    ],
)
def test_bad_class_input_gets_a_form_error(client, users, school, login, changes, message):
    login(users["teacher"])
    data = {"label": "Groep 8B", "school_year": current_school_year(), "grade": "groep-8", "pupils": "29", **changes}
    response = client.post(f"/schools/{school.id}/classes/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(SchoolClass) == 0


def test_class_labels_are_unique_per_school_year(client, users, school, make_class, login):
    make_class(school, label="Groep 7A")
    login(users["teacher"])
    data = {"label": "groep 7a", "school_year": current_school_year(), "grade": "groep-7", "pupils": "20"}
    response = client.post(f"/schools/{school.id}/classes/new", data=data)
    assert "There is already a class groep 7a in this school year." in response.get_data(as_text=True)


def test_last_years_classes_are_copied_one_grade_up(client, users, school, make_class, login):
    year = current_school_year()
    make_class(school, label="Groep 7A", grade=Grade.GROEP_7, pupils=27, school_year=year - 1)
    make_class(school, label="Groep 8A", grade=Grade.GROEP_8, pupils=28, school_year=year - 1)
    login(users["teacher"])
    response = client.post(f"/schools/{school.id}/classes/copy?year={year}", follow_redirects=True)
    assert "1 class copied from last school year." in response.get_data(as_text=True)
    [copied] = db.session.scalars(db.select(SchoolClass).where(SchoolClass.school_year == year)).all()
    assert (copied.label, copied.grade, copied.pupils) == ("Groep 8A", Grade.GROEP_8, 27)


def test_teacher_edits_and_deletes_a_class(client, users, school, make_class, login):
    school_class = make_class(school)
    login(users["teacher"])
    data = {"label": "Groep 7A", "school_year": school_class.school_year, "grade": "groep-7", "pupils": "25"}
    assert client.post(f"/classes/{school_class.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(SchoolClass, school_class.id).pupils == 25
    assert client.post(f"/classes/{school_class.id}/delete").status_code == 302
    assert count(SchoolClass) == 0


def test_coordinator_adds_a_partner_for_their_region(client, users, region, login):
    login(users["coordinator"])
    data = {
        "name": "Science Centre Nova",
        "kind": "science_centre",
        "regions": [region.id],
        "email": "Info@Nova.example",
        "website": "https://nova.example",
    }
    assert client.post("/partners/new", data=data).status_code == 302
    partner = db.session.scalar(db.select(Partner).where(Partner.name == "Science Centre Nova"))
    assert partner.email == "info@nova.example"
    assert partner.regions == [db.session.get(Region, region.id)]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"email": "info@"}, "Enter a valid email address"),
        ({"website": "nova"}, "Enter a web address starting with https://."),
        ({"regions": []}, "Choose at least one region."),
        ({"kind": "bakery"}, "Not a valid choice"),
        ({"description": "x" * 5001}, "Field cannot be longer than 5000 characters."),
    ],
)
def test_bad_partner_input_gets_a_form_error(client, users, region, login, changes, message):
    login(users["coordinator"])
    data = {"name": "Science Centre Nova", "kind": "science_centre", "regions": [region.id], **changes}
    response = client.post("/partners/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Partner).where(Partner.name == "Science Centre Nova")) is None


def test_coordinator_editing_a_partner_keeps_regions_they_do_not_coordinate(
    client, users, region, make_region, make_partner, login
):
    elsewhere = make_region("Regio Twente")
    shared = make_partner("Gedeeld BV", regions=[region, elsewhere])
    login(users["coordinator"])
    data = {"name": "Gedeeld BV", "kind": "company", "regions": [region.id]}
    assert client.post(f"/partners/{shared.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert {r.name for r in db.session.get(Partner, shared.id).regions} == {"Regio Utrecht", "Regio Twente"}


def test_html_in_names_is_shown_as_text(client, users, region, login):
    login(users["coordinator"])
    client.post("/schools/new", data={**SCHOOL, "name": "<script>alert(1)</script>", "region_id": region.id})
    page = client.get("/schools").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_admin_creates_a_region(client, users, login):
    login(users["admin"])
    response = client.post("/regions/new", data={"name": "Regio Zwolle", "holiday_region": "noord"})
    assert response.status_code == 302
    duplicate = client.post("/regions/new", data={"name": "regio zwolle", "holiday_region": "noord"})
    assert "There is already a region called regio zwolle." in duplicate.get_data(as_text=True)


def test_school_list_needs_the_same_number_of_queries_for_few_and_many_schools(client, users, make_school, login):
    from sqlalchemy import event

    login(users["coordinator"])

    def queries_for_list() -> int:
        statements = []
        engine = db.engines[None] if hasattr(db, "engines") else db.engine

        def count_statement(*args):
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count_statement)
        try:
            assert client.get("/schools").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count_statement)
        return len(statements)

    few = queries_for_list()
    for _ in range(30):
        make_school()
    assert queries_for_list() == few

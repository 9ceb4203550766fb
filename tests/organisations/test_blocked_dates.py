"""A school's blocked dates: who may enter them, what they block, and the messages for bad input."""

from datetime import date, datetime, time, timedelta

from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st

from booking.core.time import from_local
from booking.extensions import db
from booking.organisations.blocked_dates import (
    blocked_lessons,
    blocked_sentence,
    blocks_for_lesson,
    save_blocked_date,
)
from booking.organisations.models import BlockedDate, DayPart

CITO = date(2027, 1, 20)  # a Wednesday


def lesson(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    return from_local(day, start), from_local(day, end)


def block(school, *, starts_on=CITO, ends_on=None, day_part=DayPart.WHOLE_DAY, reason="Cito", classes=()):
    blocked = save_blocked_date(
        school, None, starts_on=starts_on, ends_on=ends_on, day_part=day_part, reason=reason, classes=list(classes)
    )
    db.session.commit()
    return blocked


def test_teacher_blocks_a_day_for_one_class(client, users, school, make_class, login):
    seven_a = make_class(school, "Groep 7A")
    login(users["teacher"])
    response = client.post(
        f"/schools/{school.id}/blocked-dates/new",
        data={"reason": "Cito", "starts_on": "2027-01-20", "day_part": "morning", "classes": [seven_a.id]},
    )
    assert response.status_code == 302
    blocked = db.session.scalar(db.select(BlockedDate))
    assert (blocked.starts_on, blocked.ends_on, blocked.day_part) == (CITO, CITO, DayPart.MORNING)
    assert [c.label for c in blocked.classes] == ["Groep 7A"]
    page = client.get(f"/schools/{school.id}").get_data(as_text=True)
    assert "Cito" in page and "Groep 7A" in page and "Morning" in page


def test_blocked_date_without_classes_blocks_the_whole_school(school, make_class):
    seven_a, eight_b = make_class(school, "Groep 7A"), make_class(school, "Groep 8B")
    block(school, reason="Studiedag")
    for school_class in (seven_a, eight_b):
        assert [b.reason for b in blocks_for_lesson(school_class, *lesson(CITO, time(9), time(12)))] == ["Studiedag"]


def test_blocked_date_of_one_class_leaves_the_others_free(school, make_class):
    seven_a, eight_b = make_class(school, "Groep 7A"), make_class(school, "Groep 8B")
    block(school, reason="Schoolzwemmen", classes=[seven_a])
    assert blocks_for_lesson(seven_a, *lesson(CITO, time(9), time(12)))
    assert not blocks_for_lesson(eight_b, *lesson(CITO, time(9), time(12)))


def test_a_morning_block_leaves_the_afternoon_free(school, make_class):
    seven_a = make_class(school)
    block(school, day_part=DayPart.MORNING)
    assert blocks_for_lesson(seven_a, *lesson(CITO, time(8, 30), time(11, 30)))
    assert not blocks_for_lesson(seven_a, *lesson(CITO, time(12, 30), time(15)))
    assert blocks_for_lesson(seven_a, *lesson(CITO, time(11), time(13)))  # over lunch: both


def test_an_afternoon_block_leaves_the_morning_free(school, make_class):
    seven_a = make_class(school)
    block(school, day_part=DayPart.AFTERNOON, reason="Sportdag")
    assert not blocks_for_lesson(seven_a, *lesson(CITO, time(8, 30), time(12)))
    assert blocks_for_lesson(seven_a, *lesson(CITO, time(13), time(15)))


def test_a_range_blocks_every_day_in_it_and_none_outside(school, make_class):
    seven_a = make_class(school)
    block(school, starts_on=date(2027, 3, 1), ends_on=date(2027, 3, 3), reason="Toetsweek")
    lessons = [lesson(date(2027, 3, d), time(9), time(11)) for d in range(1, 6)]
    found = blocked_lessons(seven_a, lessons)
    assert sorted(found) == lessons[:3]


def test_sentence_says_which_class_and_why(school, make_class):
    seven_a = make_class(school)
    whole, morning = block(school), block(school, reason="Schoolfoto", day_part=DayPart.MORNING)
    with force_locale("en"):
        assert blocked_sentence(seven_a, whole) == "Groep 7A cannot come that day: Cito."
        assert blocked_sentence(seven_a, morning) == "Groep 7A cannot come that morning: Schoolfoto."
    with force_locale("nl"):
        assert blocked_sentence(seven_a, morning) == "Groep 7A kan die ochtend niet: Schoolfoto."


def test_bad_input_gets_a_message_on_its_field(client, users, school, login):
    login(users["teacher"])
    url = f"/schools/{school.id}/blocked-dates/new"
    day = {"reason": "Cito", "starts_on": "2027-01-20"}
    cases = [
        ({**day, "ends_on": "2027-01-19"}, "The last day cannot be before the first day."),
        ({"reason": "   ", "starts_on": "2027-01-20"}, "This field is required."),
        ({"reason": "Cito", "starts_on": ""}, "Enter a date."),
        ({**day, "ends_on": "2029-01-20"}, "A blocked period lasts at most a year"),
        ({"reason": "Cito", "starts_on": "2027-01-20", "classes": ["99999"]}, "is not a valid choice"),
        ({"reason": "Cito", "starts_on": "2027-01-20", "classes": ["x"]}, "could not be coerced"),
        ({"reason": "Cito\x00", "starts_on": "2027-01-20"}, "Remove the invisible control characters"),
    ]
    for data, message in cases:
        response = client.post(url, data={"day_part": "whole_day", **data})
        assert response.status_code == 200, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(db.select(db.func.count()).select_from(BlockedDate)) == 0


def test_classes_of_another_school_cannot_be_chosen(client, users, school, make_school, make_class, login):
    other = make_class(make_school("Basisschool Elders", brin="05AB"))
    login(users["teacher"])
    response = client.post(
        f"/schools/{school.id}/blocked-dates/new",
        data={"reason": "Cito", "starts_on": "2027-01-20", "day_part": "whole_day", "classes": [other.id]},
    )
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(BlockedDate)) == 0


def test_only_the_school_and_its_coordinators_manage_its_blocked_dates(
    client, users, school, make_school, make_user, login
):
    from booking.accounts.models import Role

    blocked = block(school)
    elsewhere = make_user(Role.TEACHER, make_school("Basisschool Elders", brin="05AB"))
    expected = {"teacher": 200, "coordinator": 200, "admin": 200, "partner": 403}
    for role, status in expected.items():
        login(users[role])
        assert client.get(f"/blocked-dates/{blocked.id}/edit").status_code == status, role
        assert client.get(f"/schools/{school.id}/blocked-dates/new").status_code == status, role
        client.post("/logout")
    login(elsewhere)
    assert client.get(f"/blocked-dates/{blocked.id}/edit").status_code == 403
    assert client.post(f"/blocked-dates/{blocked.id}/delete").status_code == 403
    assert db.session.get(BlockedDate, blocked.id) is not None
    assert client.get("/blocked-dates/2147483648/edit").status_code == 404


def test_teacher_deletes_a_blocked_date(client, users, school, login):
    blocked = block(school)
    login(users["teacher"])
    response = client.post(f"/blocked-dates/{blocked.id}/delete", follow_redirects=True)
    assert "The blocked date Cito has been deleted." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(BlockedDate)) == 0


def test_past_blocked_dates_are_not_listed(client, users, school, login, clock):
    block(school, starts_on=date(2026, 10, 1), reason="Oude studiedag")
    block(school, starts_on=date(2027, 1, 20), reason="Cito")
    login(users["teacher"])
    page = client.get(f"/schools/{school.id}").get_data(as_text=True)
    assert "Cito" in page and "Oude studiedag" not in page


PARTS = st.sampled_from(list(DayPart))
HOURS = st.integers(min_value=7 * 4, max_value=17 * 4).map(lambda q: time(q // 4, q % 4 * 15))


@given(part=PARTS, start=HOURS, length=st.integers(min_value=1, max_value=16), offset=st.integers(-3, 3))
def test_block_covers_exactly_its_days_and_part(part, start, length, offset):
    """Any lesson on a day of the range is blocked iff it overlaps the part's hours; other days never."""
    blocked = BlockedDate(starts_on=CITO, ends_on=CITO + timedelta(days=1), day_part=part, reason="x")
    end_minutes = min(start.hour * 60 + start.minute + length * 15, 23 * 60 + 59)
    end = time(end_minutes // 60, end_minutes % 60)
    day = CITO + timedelta(days=offset)
    in_range = 0 <= offset <= 1
    begins, ends = part.hours
    assert blocked.blocks(day, start, end) == (in_range and start < ends and end > begins)
    if part is DayPart.WHOLE_DAY:
        assert blocked.blocks(day, start, end) == in_range
    if part is DayPart.MORNING and start >= time(12, 30):
        assert not blocked.blocks(day, start, end)
    if part is DayPart.AFTERNOON and end <= time(12, 0):
        assert not blocked.blocks(day, start, end)

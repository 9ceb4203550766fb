"""Lesson series: proposals around holidays and taken slots, all-or-nothing booking, quotas,
cancelling and moving lessons, and who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from booking.accounts.models import Role
from booking.bookings import services as bookings
from booking.bookings.models import Booking, BookingQuota, BookingStatus
from booking.catalogue.models import Session
from booking.core.errors import DomainError
from booking.core.time import to_local
from booking.extensions import db
from booking.labs import series as series_service
from booking.labs import services
from booking.labs.models import LabQuota, LabSeries
from booking.organisations.blocked_dates import save_blocked_date
from booking.organisations.models import DayPart, Grade
from booking.organisations.services import load_holiday_file
from tests.labs.conftest import create_slots

MONDAY_W50 = date(2026, 12, 7)  # week 50: two weeks before the Kerstvakantie (midden: 19 Dec – 3 Jan)


@pytest.fixture(autouse=True)
def _english():
    with force_locale("en"):
        yield


@dataclass
class Planned:
    lab: object
    activity: object
    tuesday_morning: object
    school: object
    other_school: object
    class_7a: object
    class_8b: object
    other_class: object
    people: dict

    def request(self, school_class=None, pupils=None):
        school_class = school_class or self.class_7a
        return bookings.BookingRequest(school_class=school_class, pupils=pupils or school_class.pupils, adults=2)

    def propose(self, school_class=None, week=MONDAY_W50, period=None):
        return series_service.propose_series(
            self.activity, self.request(school_class), period=period or self.tuesday_morning, week=week
        )

    def book(self, school_class=None, week=MONDAY_W50, actor=None):
        school_class = school_class or self.class_7a
        proposal = self.propose(school_class, week)
        teacher = actor or self.people["teacher" if school_class.school_id == self.school.id else "other_teacher"]
        booked = series_service.book_series(
            self.activity,
            self.request(school_class),
            period=self.tuesday_morning,
            week=week,
            expected=proposal.session_ids,
            actor=teacher,
        )
        db.session.commit()
        return booked

    def book_single(self, slot, school_class, actor=None):
        """One lesson on its own, as when the lab offered single lessons before the series."""
        length, self.activity.series_length = self.activity.series_length, 1
        try:
            booking = bookings.book_session(
                slot, self.request(school_class),
                actor=actor or self.people["teacher" if school_class.school_id == self.school.id else "other_teacher"],
            )  # fmt: skip
        finally:
            self.activity.series_length = length
        db.session.commit()
        return booking

    def slot(self, day: date, start: time) -> Session:
        return next(
            s
            for s in db.session.scalars(select(Session).where(Session.lab_id == self.lab.id))
            if to_local(s.starts_at).date() == day and to_local(s.starts_at).time() == start
        )


@pytest.fixture
def planned(clock, region, make_region, lab, lab_partner, series, make_school, make_class, make_user):
    """Lokaal 1 with mornings and afternoons on weekdays for 2026–2027, its 4-lesson series
    (confirmed at once) with slots all year, two schools and their teachers, coordinators."""
    load_holiday_file()
    lab_partner.email = "lab@example.org"
    services.add_periods_on_weekdays(lab, school_year=2026, weekdays={0, 1, 2, 3, 4}, name="ochtend",
                                     starts_at=time(8, 30), ends_at=time(11, 30))  # fmt: skip
    services.add_periods_on_weekdays(lab, school_year=2026, weekdays={0, 1, 2, 3, 4}, name="middag",
                                     starts_at=time(12, 30), ends_at=time(15, 0))  # fmt: skip
    series.series_length = 4
    series.requires_confirmation = False
    series.booking_closes_days = 7
    series.free_cancellation_days = 14
    db.session.commit()
    create_slots(lab, series, 2026)
    db.session.commit()
    school = make_school("OBS De Regenboog")
    other_school = make_school("CBS Het Kompas")
    far_region = make_region("Regio Zwolle")
    people = {
        "teacher": make_user(Role.TEACHER, school, email="teacher@example.org", name="Anna de Vries"),
        "other_teacher": make_user(Role.TEACHER, other_school, email="other.teacher@example.org"),
        "lab": make_user(Role.PARTNER, lab_partner, email="lab.staff@example.org"),
        "coordinator": make_user(Role.COORDINATOR, region, email="coordinator@example.org"),
        "other_coordinator": make_user(Role.COORDINATOR, far_region, email="other.coordinator@example.org"),
        "admin": make_user(Role.ADMIN, email="admin@example.org"),
    }
    tuesday_morning = next(p for p in lab.periods_in(2026) if p.weekday == 1 and p.name == "ochtend")
    return Planned(
        lab=lab,
        activity=series,
        tuesday_morning=tuesday_morning,
        school=school,
        other_school=other_school,
        class_7a=make_class(school, "Groep 7A", Grade.GROEP_7, 26),
        class_8b=make_class(school, "Groep 8B", Grade.GROEP_8, 24),
        other_class=make_class(other_school, "Groep 7", Grade.GROEP_7, 25),
        people=people,
    )


def lesson_days(booked_or_proposal) -> list[date]:
    sessions = (
        booked_or_proposal.sessions
        if hasattr(booked_or_proposal, "sessions")
        else [b.session for b in booked_or_proposal.lessons]
    )
    return [to_local(s.starts_at).date() for s in sessions]


def class_bookings(school_class) -> list[Booking]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Booking)
            .join(Session, Session.id == Booking.session_id)
            .where(Booking.school_class_id == school_class.id)
            .order_by(Session.starts_at, Booking.id)
        )
    )


# Proposals ------------------------------------------------------------------------------------


def test_a_series_that_meets_a_holiday_skips_the_holiday_weeks(planned):
    proposal = planned.propose()
    assert proposal.complete
    assert lesson_days(proposal) == [date(2026, 12, 8), date(2026, 12, 15), date(2027, 1, 5), date(2027, 1, 12)]
    skipped = [(row.day, row.note) for row in proposal.rows if row.kind == series_service.SKIPPED]
    assert skipped == [(date(2026, 12, 22), "holiday: Kerstvakantie"), (date(2026, 12, 29), "holiday: Kerstvakantie")]
    assert all(to_local(s.starts_at).time() == time(8, 30) for s in proposal.sessions)


def test_a_series_that_meets_a_taken_slot_gets_the_nearest_free_slot_that_week(planned):
    # Another school has Tuesday 15 December in the morning.
    taken = planned.slot(date(2026, 12, 15), time(8, 30))
    planned.book_single(taken, planned.other_class)
    proposal = planned.propose()
    second = proposal.lessons[1]
    assert second.kind == series_service.ALTERNATIVE and second.note == "taken"
    # Nearest to Tuesday 08:30 in that week: Tuesday 12:30 (4 hours later) beats Monday 12:30.
    assert to_local(second.session.starts_at).replace(tzinfo=None).isoformat() == "2026-12-15T12:30:00"
    assert [row.kind for row in proposal.lessons] == ["free", "alternative", "free", "free"]


def test_a_week_without_any_free_slot_is_skipped_and_the_series_runs_longer(planned, make_class):
    week = [s for s in db.session.scalars(select(Session).where(Session.lab_id == planned.lab.id))
            if date(2026, 12, 14) <= to_local(s.starts_at).date() <= date(2026, 12, 18)]  # fmt: skip
    for n, slot in enumerate(week):
        other = make_class(planned.other_school, f"Groep 7-{n}", Grade.GROEP_7, 20)
        planned.book_single(slot, other)
    proposal = planned.propose()
    assert proposal.complete
    assert lesson_days(proposal) == [date(2026, 12, 8), date(2027, 1, 5), date(2027, 1, 12), date(2027, 1, 19)]
    assert proposal.rows[1].note == "taken; no free slot that week"


def test_closures_are_skipped_like_holidays(planned):
    services.save_closure(planned.lab, None, starts_on=date(2027, 1, 4), ends_on=date(2027, 1, 8), reason="Onderhoud")
    db.session.commit()
    proposal = planned.propose()
    assert date(2027, 1, 5) not in lesson_days(proposal)
    assert (date(2027, 1, 5), "lab closed: Onderhoud") in [(r.day, r.note) for r in proposal.rows]


def test_a_blocked_morning_of_the_class_is_skipped_like_a_holiday(planned):
    save_blocked_date(planned.school, None, starts_on=date(2026, 12, 15), ends_on=None, day_part=DayPart.MORNING,
                      reason="Cito", classes=[planned.class_7a])  # fmt: skip
    db.session.commit()
    proposal = planned.propose()
    assert proposal.complete
    assert (date(2026, 12, 15), "the class cannot come: Cito") in [(r.day, r.note) for r in proposal.rows]
    assert lesson_days(proposal) == [date(2026, 12, 8), date(2027, 1, 5), date(2027, 1, 12), date(2027, 1, 19)]
    # Another class of the school is not held up by 7A's Cito.
    assert date(2026, 12, 15) in lesson_days(planned.propose(planned.class_8b))


def test_an_afternoon_block_does_not_skip_a_morning_lesson(planned):
    save_blocked_date(planned.school, None, starts_on=date(2026, 12, 15), ends_on=None, day_part=DayPart.AFTERNOON,
                      reason="Sportdag", classes=[])  # fmt: skip
    db.session.commit()
    assert date(2026, 12, 15) in lesson_days(planned.propose())


def test_an_alternative_slot_is_never_on_a_blocked_day(planned):
    # Tuesday 15 December in the morning is taken; the nearest alternative would be that afternoon,
    # but the school has a study day in the afternoon, so the next nearest is taken.
    planned.book_single(planned.slot(date(2026, 12, 15), time(8, 30)), planned.other_class)
    save_blocked_date(planned.school, None, starts_on=date(2026, 12, 15), ends_on=None, day_part=DayPart.AFTERNOON,
                      reason="Studiemiddag", classes=[])  # fmt: skip
    db.session.commit()
    second = planned.propose().lessons[1]
    assert second.kind == series_service.ALTERNATIVE
    assert to_local(second.session.starts_at).date() != date(2026, 12, 15)


def test_a_series_must_fit_before_the_summer(planned):
    proposal = planned.propose(week=date(2027, 7, 5))  # two weeks before the zomervakantie (midden: 17 July)
    assert not proposal.complete
    assert "Only 2 of the 4 lessons fit" in proposal.problem
    with pytest.raises(DomainError, match="Only 2 of the 4 lessons fit"):
        series_service.book_series(planned.activity, planned.request(), period=planned.tuesday_morning,
                                   week=date(2027, 7, 5), expected=proposal.session_ids,
                                   actor=planned.people["teacher"])  # fmt: skip


@pytest.mark.parametrize(
    ("week", "message"),
    [
        (date(2026, 11, 23), r"the first lesson can be on 01-12-2026 at the earliest"),  # bookings close 7 days before
        (date(2027, 8, 30), r"belongs to the timetable of 2026–2027"),  # next school year
    ],
)
def test_the_start_week_must_be_bookable(planned, week, message):
    with pytest.raises(DomainError, match=message):
        planned.propose(week=week)


def test_a_class_of_the_wrong_grade_or_size_is_told_before_the_proposal(planned, make_class):
    groep_5 = make_class(planned.school, "Groep 5A", Grade.GROEP_5, 25)
    with pytest.raises(DomainError, match="This activity is for Groep 7, Groep 8; Groep 5A is in Groep 5"):
        planned.propose(groep_5)
    with pytest.raises(DomainError, match="groups of 15 to 32 pupils"):
        series_service.propose_series(planned.activity, planned.request(pupils=10), period=planned.tuesday_morning,
                                      week=MONDAY_W50)  # fmt: skip


# Booking: all or nothing -----------------------------------------------------------------------


def test_booking_a_series_books_every_lesson_and_sends_one_email_each(planned, outbox):
    booked = planned.book()
    lessons = class_bookings(planned.class_7a)
    assert len(lessons) == 4 and {b.series_id for b in lessons} == {booked.id}
    assert {b.status for b in lessons} == {BookingStatus.CONFIRMED}
    assert all(b.session.booked_pupils == 26 and b.session.booked_classes == 1 for b in lessons)
    assert booked.weekday == 1 and booked.period_name == "ochtend" and booked.first_day == date(2026, 12, 8)
    mails = outbox()
    assert [(m.recipient, m.subject) for m in mails] == [
        ("teacher@example.org", "Lesson series booked: Lessenreeks Techniek groep 7-8"),
        ("lab@example.org", "Lessenreeks geboekt: Lessenreeks Techniek groep 7-8"),  # the lab's mail is in Dutch
    ]
    assert "Tuesday 8 December 2026, 08:30–11:30" in mails[0].body_text
    assert "Tuesday 12 January 2027" in mails[0].body_text
    assert f"/series/{booked.id}" in mails[0].body_text


def test_a_slot_taken_after_the_proposal_books_nothing(planned):
    proposal = planned.propose()
    third = proposal.sessions[2]
    planned.book_single(third, planned.other_class)
    with pytest.raises(series_service.ProposalChanged, match="Check the new proposal"):
        series_service.book_series(planned.activity, planned.request(), period=planned.tuesday_morning,
                                   week=MONDAY_W50, expected=proposal.session_ids,
                                   actor=planned.people["teacher"])  # fmt: skip
    db.session.rollback()
    assert class_bookings(planned.class_7a) == []
    assert db.session.scalar(select(func.count()).select_from(LabSeries)) == 0


def test_a_refusal_on_the_third_lesson_books_none_of_them(planned, login, client):
    """The school's booking quota runs out at the third lesson: the first two are rolled back too."""
    db.session.add(BookingQuota(school_id=planned.school.id, school_year=2026, max_bookings=2))
    db.session.commit()
    proposal = planned.propose()
    login(planned.people["teacher"])
    response = client.post(
        f"/activities/{planned.activity.id}/series",
        data=_series_form(planned, confirm="1", expected=",".join(map(str, proposal.session_ids))),
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "has used its 2 bookings for school year 2026–2027" in response.get_data(as_text=True)
    assert class_bookings(planned.class_7a) == []
    db.session.expire_all()
    assert all(s.booked_pupils == 0 for s in proposal.sessions)


def test_a_lesson_of_a_series_is_not_booked_on_its_own(planned, login, client):
    slot = planned.slot(date(2026, 12, 8), time(8, 30))
    with pytest.raises(DomainError, match="is booked as a series of 4 lessons; book the series"):
        bookings.book_session(slot, planned.request(), actor=planned.people["teacher"])
    db.session.rollback()
    login(planned.people["teacher"])
    response = client.get(f"/sessions/{slot.id}/book")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/activities/{planned.activity.id}/series?week=2026-W50&period={planned.tuesday_morning.id}"
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="2026-W50"' in page
    assert f'<option selected value="{planned.tuesday_morning.id}">' in page


def test_the_same_class_cannot_book_the_same_slots_twice(planned):
    booked = planned.book()
    own = {lesson.session_id for lesson in booked.lessons}
    proposal = planned.propose()
    # Its own Tuesday mornings are taken (by itself): the afternoons of those weeks are proposed.
    assert [row.kind for row in proposal.lessons] == ["alternative"] * 4
    assert not own & set(proposal.session_ids)
    assert all(to_local(s.starts_at).time() == time(12, 30) for s in proposal.sessions)


# Quotas -----------------------------------------------------------------------------------------


def test_a_lab_quota_limits_the_lessons_of_a_school(planned):
    bookings.set_lab_quota(planned.lab.id, planned.school, 2026, 5)
    db.session.commit()
    planned.book()
    with pytest.raises(DomainError, match="has only 1 of its 5 lessons in Lokaal 1 left for school year 2026–2027"):
        planned.book(planned.class_8b, week=date(2027, 2, 1))
    db.session.rollback()
    # One more single lesson fits; the one after that does not.
    free = planned.slot(date(2027, 3, 2), time(12, 30))
    planned.book_single(free, planned.class_8b)
    with pytest.raises(DomainError, match="may book 5 lessons in Lokaal 1 in school year 2026–2027 and has used"):
        planned.book_single(planned.slot(date(2027, 3, 3), time(12, 30)), planned.class_8b)
    db.session.rollback()
    assert bookings.lab_lessons_used(planned.lab.id, planned.school.id, 2026) == 5
    # Other schools have no limit.
    planned.book(planned.other_class)


def test_no_quota_means_no_limit_and_an_empty_value_removes_it(planned):
    bookings.set_lab_quota(planned.lab.id, planned.school, 2026, 0)
    db.session.commit()
    with pytest.raises(DomainError, match="has only 0 of its 0 lessons"):
        planned.book()
    db.session.rollback()
    bookings.set_lab_quota(planned.lab.id, planned.school, 2026, None)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LabQuota)) == 0
    planned.book()
    with pytest.raises(DomainError, match="cannot be negative"):
        bookings.set_lab_quota(planned.lab.id, planned.school, 2026, -1)


# Cancelling -------------------------------------------------------------------------------------


def test_cancelling_one_lesson_leaves_the_others(planned, outbox):
    booked = planned.book()
    first = class_bookings(planned.class_7a)[0]
    bookings.take_step(first, "cancel", actor=planned.people["teacher"])
    db.session.commit()
    assert [b.status for b in class_bookings(planned.class_7a)].count(BookingStatus.CONFIRMED) == 3
    assert len(series_service.open_lessons(db.session.get(LabSeries, booked.id))) == 3


def test_cancelling_the_whole_series_cancels_every_open_lesson_with_one_email(planned, outbox):
    booked = planned.book()
    before = len(outbox())
    cancelled = series_service.cancel_series(booked, actor=planned.people["teacher"], reason=None)
    db.session.commit()
    assert len(cancelled) == 4
    assert {b.status for b in class_bookings(planned.class_7a)} == {BookingStatus.CANCELLED}
    assert all(b.session.booked_pupils == 0 for b in class_bookings(planned.class_7a))
    mails = outbox()[before:]
    assert [(m.recipient, m.subject) for m in mails] == [
        ("teacher@example.org", "Lesson series cancelled: Lessenreeks Techniek groep 7-8"),
        ("lab@example.org", "Lessenreeks geannuleerd: Lessenreeks Techniek groep 7-8"),
    ]
    with pytest.raises(DomainError, match="no lessons left to cancel"):
        series_service.cancel_series(booked, actor=planned.people["teacher"], reason=None)


def test_a_late_series_cancellation_needs_a_reason_and_the_lab_always_gives_one(planned, clock):
    booked = planned.book()
    clock.move_to("2026-11-30 09:00Z")  # the first lesson (8 December) is within the 14 free days
    with pytest.raises(DomainError, match="The free cancellation period ended"):
        series_service.cancel_series(booked, actor=planned.people["teacher"], reason="")
    db.session.rollback()
    with pytest.raises(DomainError, match="Give a reason"):
        series_service.cancel_series(booked, actor=planned.people["lab"], reason=None)
    db.session.rollback()
    series_service.cancel_series(booked, actor=planned.people["lab"], reason="Lokaal onder water")
    db.session.commit()
    assert {b.status_reason for b in class_bookings(planned.class_7a)} == {"Lokaal onder water"}


# Moving a lesson ------------------------------------------------------------------------------


def test_the_coordinator_moves_one_lesson_and_the_school_is_told(planned, outbox):
    planned.book()
    second = class_bookings(planned.class_7a)[1]
    old = second.session
    target = planned.slot(date(2026, 12, 17), time(12, 30))
    assert target in series_service.move_targets(second)
    before = len(outbox())
    series_service.move_lesson(second, target, actor=planned.people["coordinator"], reason="Bus is later")
    db.session.commit()
    db.session.expire_all()
    assert second.session_id == target.id and second.status is BookingStatus.CONFIRMED
    assert (old.booked_pupils, old.booked_classes) == (0, 0)
    assert (target.booked_pupils, target.booked_classes) == (26, 1)
    assert second.history[-1].step == "move" and second.history[-1].reason == "Bus is later"
    mails = outbox()[before:]
    assert [m.recipient for m in mails] == ["teacher@example.org", "lab@example.org"]
    assert mails[0].subject == "Moved: Lessenreeks Techniek groep 7-8"
    assert "It was on Tuesday 15 December 2026, 08:30–11:30" in mails[0].body_text
    assert "Thursday 17 December 2026, 12:30–15:00" in mails[0].body_text
    assert "Bus is later" in mails[0].body_text


def test_a_lesson_cannot_move_to_a_taken_slot_or_another_lab(planned, make_activity, lab_partner):
    planned.book()
    planned.book(planned.other_class, week=date(2027, 2, 1))
    lesson = class_bookings(planned.class_7a)[0]
    taken = class_bookings(planned.other_class)[0].session
    assert taken not in series_service.move_targets(lesson)
    with pytest.raises(DomainError, match="no longer free"):
        series_service.move_lesson(lesson, taken, actor=planned.people["coordinator"])
    db.session.rollback()
    with pytest.raises(DomainError, match="already has"):
        series_service.move_lesson(lesson, lesson.session, actor=planned.people["coordinator"])
    db.session.rollback()
    assert class_bookings(planned.class_7a)[0].session_id == lesson.session_id


# Who may do what --------------------------------------------------------------------------------


def _series_form(planned, **extra):
    return {
        "school_class": planned.class_7a.id,
        "period": planned.tuesday_morning.id,
        "first_week": "2026-W50",
        "pupils": 26,
        "adults": 2,
        **extra,
    }


@pytest.mark.parametrize(
    ("person", "book", "view", "cancel", "move", "quotas"),
    [
        ("teacher", 200, 200, True, 403, 403),
        ("other_teacher", 200, 403, False, 403, 403),
        ("lab", 403, 200, True, 200, 403),
        ("coordinator", 403, 200, True, 200, 200),
        ("other_coordinator", 403, 403, False, 403, 403),
        ("admin", 403, 200, True, 200, 200),
    ],
)
def test_who_may_do_what(planned, login, client, person, book, view, cancel, move, quotas):
    booked = planned.book()
    lesson = class_bookings(planned.class_7a)[0]
    login(planned.people[person])
    assert client.get(f"/activities/{planned.activity.id}/series").status_code == book
    assert client.get(f"/series/{booked.id}").status_code == view
    assert booked.can_cancel(planned.people[person]) is cancel
    assert client.get(f"/bookings/{lesson.id}/move").status_code == move
    assert client.get(f"/labs/{planned.lab.id}/quotas").status_code == quotas
    quota_link = f'href="/labs/{planned.lab.id}/quotas"' in client.get(f"/labs/{planned.lab.id}").get_data(as_text=True)
    assert quota_link is (quotas == 200)


def test_anonymous_visitors_are_sent_to_the_login(planned, client):
    for url in (f"/activities/{planned.activity.id}/series", f"/labs/{planned.lab.id}/quotas"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_school_cannot_cancel_the_series(planned, login, client):
    booked = planned.book()
    login(planned.people["other_teacher"])
    assert client.post(f"/series/{booked.id}/cancel", data={"reason": "x"}).status_code == 403
    assert {b.status for b in class_bookings(planned.class_7a)} == {BookingStatus.CONFIRMED}


# Pages ------------------------------------------------------------------------------------------


def test_the_series_page_proposes_then_books(planned, login, client):
    login(planned.people["teacher"])
    page = client.get(f"/activities/{planned.activity.id}/series").get_data(as_text=True)
    assert "Book a lesson series" in page and "Tuesday ochtend 08:30–11:30" in page
    response = client.post(f"/activities/{planned.activity.id}/series", data=_series_form(planned, propose="1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Proposal" in page and "holiday: Kerstvakantie" in page and "Book these 4 lessons" in page
    assert class_bookings(planned.class_7a) == []
    expected = ",".join(map(str, planned.propose().session_ids))
    response = client.post(
        f"/activities/{planned.activity.id}/series", data=_series_form(planned, confirm="1", expected=expected)
    )
    assert response.status_code == 302 and "/series/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lesson series of Groep 7A" in page and page.count("Confirmed") == 4


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_week", "", "Choose the week of the first lesson."),
        ("first_week", "2026-W99", "Choose a week, like 2027-W05."),
        ("first_week", "next week", "Choose a week, like 2027-W05."),
        ("period", "999999", "Not a valid choice"),
        ("school_class", "abc", "Not a valid choice"),
        ("pupils", "-3", "Enter the number of pupils who come, from 1 to 60."),
    ],
)
def test_bad_series_input_gets_a_clear_message(planned, login, client, field, value, message):
    login(planned.people["teacher"])
    response = client.post(
        f"/activities/{planned.activity.id}/series", data=_series_form(planned, propose="1", **{field: value})
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert class_bookings(planned.class_7a) == []


def test_a_forged_expected_list_books_nothing(planned, login, client):
    login(planned.people["teacher"])
    response = client.post(
        f"/activities/{planned.activity.id}/series",
        data=_series_form(planned, confirm="1", expected="1,2,3,4"),
        follow_redirects=True,
    )
    assert "Check the new proposal" in response.get_data(as_text=True)
    assert class_bookings(planned.class_7a) == []


def test_the_move_page_moves_a_lesson(planned, login, client):
    planned.book()
    lesson = class_bookings(planned.class_7a)[0]
    target = planned.slot(date(2026, 12, 9), time(8, 30))
    login(planned.people["coordinator"])
    page = client.get(f"/bookings/{lesson.id}/move").get_data(as_text=True)
    assert "Wednesday 9 December, 08:30–11:30 · 30 places left" in page
    nearest = planned.slot(date(2026, 12, 8), time(12, 30))  # the afternoon of the same day
    assert f'<option selected value="{nearest.id}">' in page
    response = client.post(f"/bookings/{lesson.id}/move", data={"target": target.id, "reason": ""})
    assert response.status_code == 302
    assert class_bookings(planned.class_7a)[0].session_id == target.id
    response = client.post(f"/bookings/{lesson.id}/move", data={"target": "abc"})
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_the_quota_page_sets_and_clears_a_quota(planned, login, client):
    login(planned.people["coordinator"])
    assert f'href="/labs/{planned.lab.id}/quotas"' in client.get(f"/labs/{planned.lab.id}").get_data(as_text=True)
    data = {"school": planned.school.id, "school_year": 2026, "max_lessons": "8"}
    assert client.post(f"/labs/{planned.lab.id}/quotas", data=data).status_code == 302
    page = client.get(f"/labs/{planned.lab.id}/quotas").get_data(as_text=True)
    assert "OBS De Regenboog" in page and ">8<" in page.replace(" ", "")
    response = client.post(f"/labs/{planned.lab.id}/quotas", data={**data, "max_lessons": "-2"})
    assert "Enter a number from 0 to 500, or leave it empty." in response.get_data(as_text=True)
    client.post(f"/labs/{planned.lab.id}/quotas", data={**data, "max_lessons": ""})
    assert db.session.scalar(select(func.count()).select_from(LabQuota)) == 0


def test_the_activity_page_shows_teachers_a_taste_of_the_slots_and_the_lab_all_of_them(planned, login, app):
    teacher = login(planned.people["teacher"], c=app.test_client())
    page = teacher.get(f"/activities/{planned.activity.id}").get_data(as_text=True)
    assert "Book a lesson series" in page and f'href="/labs/{planned.lab.id}#week"' in page
    assert page.count("Lokaal 1, Vleutenseweg 300") == 10  # one per listed slot
    lab = login(planned.people["lab"], c=app.test_client())
    page = lab.get(f"/activities/{planned.activity.id}").get_data(as_text=True)
    assert page.count("Lokaal 1, Vleutenseweg 300") > 100


def test_the_series_pupil_count_follows_the_chosen_class_without_javascript(planned, login, client):
    """The form was filled for Groep 7A (26); the teacher picks Groep 8B (24) and leaves the count."""
    login(planned.people["teacher"])
    page = client.get(f"/activities/{planned.activity.id}/series").get_data(as_text=True)
    assert f'name="pupils_from" type="hidden" value="{planned.class_7a.id}"' in page
    stale = _series_form(planned, school_class=planned.class_8b.id, pupils=26, pupils_from=planned.class_7a.id)
    expected = ",".join(map(str, planned.propose(planned.class_8b).session_ids))
    response = client.post(
        f"/activities/{planned.activity.id}/series", data={**stale, "confirm": "1", "expected": expected}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert {b.pupils for b in class_bookings(planned.class_8b)} == {24}


def test_a_requested_series_says_requested_and_asks_the_lab_to_confirm(planned, outbox):
    planned.activity.requires_confirmation = True
    db.session.commit()
    planned.book()
    assert {b.status for b in class_bookings(planned.class_7a)} == {BookingStatus.REQUESTED}
    teacher_mail, lab_mail = outbox()
    assert teacher_mail.subject == "Lesson series requested: Lessenreeks Techniek groep 7-8"
    assert "Your request for these 4 lessons has been sent. The lab confirms them" in teacher_mail.body_text
    assert lab_mail.subject == "Lessenreeks aangevraagd: Lessenreeks Techniek groep 7-8"
    assert "vraagt een reeks van 4 lessen aan" in lab_mail.body_text and "/requests" in lab_mail.body_text
    assert "geboekt" not in lab_mail.subject + lab_mail.body_text.split("\n")[0]

"""Every route and every form of every role, driven with hostile values (ids no column holds, NUL
bytes, far dates, huge numbers, spaces, long and odd text): never a 5xx, and a submission the
application refuses leaves the database exactly as it was. Runs on both databases.

The world has one user per role and one of each object; the forms are the ones the pages really
show each role (scraped from their HTML), so a hostile value reaches as deep as a real browser's.
Hypothesis draws the values, deterministically (``derandomize``), and shrinks a failure to the
smallest request that shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from booking.accounts import services as accounts
from booking.accounts.models import Role, User
from booking.bookings import services as bookings
from booking.calendars import services as calendars
from booking.calendars.models import FeedKind
from booking.catalogue.models import LocationType, Theme
from booking.core.time import current_school_year
from booking.extensions import db
from booking.labs import services as labs
from booking.organisations import services
from booking.organisations.blocked_dates import save_blocked_date
from booking.organisations.models import DayPart, Grade, Holiday, HolidayRegion, PartnerKind, School
from tests.conftest import NOW, PASSWORD

ROLES = ("anonymous", "teacher", "partner", "lab", "coordinator", "admin")
SKIPPED_POSTS = {"/logout"}  # signing a role's browser out would turn the rest of the run anonymous

HOSTILE_IDS = [0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**40]
HOSTILE_TEXT = [
    "\x00", "a\x00b", "\x00" * 3, " ", "   ", "\t", "", "\r\n", "\x1b[31m", "\u202e", "\ufeff",
    "0", "-1", "1.5", "1e309", "NaN", str(2**31), str(2**31 - 1), str(2**63), "9" * 40, "²", "٣",
    "0001-01-01", "9999-12-31", "1999-12-31", "2100-12-31", "2026-02-30", "24:00", "23:59:60",
    "9999-W53", "0000-W01", "2027-W54", "x" * 5000, "Ωmega ☃ 😀", "<script>alert(1)</script>",
    "' OR '1'='1", "%00", "../../etc/passwd", "//evil.example/", "javascript:alert(1)", "on", "y",
]  # fmt: skip
QUERY_KEYS = ["page", "from", "to", "grade", "status", "location", "theme", "region", "school", "partner",
              "year", "week", "period", "activity", "class", "q", "show", "next", "free"]  # fmt: skip

hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=12))


# The world ---------------------------------------------------------------------------------------


@dataclass
class World:
    ids: dict[str, int]  # URL argument name -> a real id
    browsers: dict[str, object]
    forms: list = field(default_factory=list)


@pytest.fixture
def world(app, clock, region, school, partner, make_user, make_partner, make_class, make_activity, make_session):
    lab_partner = make_partner("Technieklokaal Utrecht-West", kind=PartnerKind.TECHNIEKLOKAAL)
    people = {
        "teacher": make_user(Role.TEACHER, school, email="teacher@example.org"),
        "partner": make_user(Role.PARTNER, partner, email="partner@example.org"),
        "lab": make_user(Role.PARTNER, lab_partner, email="lab@example.org"),
        "coordinator": make_user(Role.COORDINATOR, region, email="coordinator@example.org"),
        "admin": make_user(Role.ADMIN, email="admin@example.org"),
    }
    year = current_school_year()
    school_class = make_class(school, "Groep 7A", Grade.GROEP_7, 27)
    theme = Theme(name="Robotica")
    db.session.add(theme)
    activity = make_activity("Robots bouwen", themes=[theme])
    session = make_session(activity, NOW + timedelta(days=30), capacity=60, max_classes=2)
    lab = labs.save_lab(
        None,
        partner=lab_partner,
        data=labs.LabData("Lokaal 1", "Vleutenseweg 300, Utrecht", 30, 1, HolidayRegion.MIDDEN),
    )
    db.session.flush()
    periods = labs.add_periods_on_weekdays(
        lab, school_year=year, weekdays={0, 1, 2, 3, 4}, name="ochtend", starts_at=time(8, 30), ends_at=time(11, 30)
    )
    closure = labs.save_closure(lab, None, starts_on=date(2027, 3, 8), ends_on=date(2027, 3, 12), reason="Onderhoud")
    series = make_activity("Lessenreeks", partner=lab_partner, location_type=LocationType.TECHNIEKLOKAAL,
                           address=lab.address, lab_id=lab.id, min_pupils=15, series_length=3)  # fmt: skip
    holiday = Holiday(holiday_region=HolidayRegion.MIDDEN, name="Kerstvakantie", starts_on=date(2026, 12, 19),
                      ends_on=date(2027, 1, 3))  # fmt: skip
    db.session.add(holiday)
    blocked = save_blocked_date(school, None, starts_on=date(2027, 1, 20), ends_on=None, day_part=DayPart.MORNING,
                                reason="Cito", classes=[school_class])  # fmt: skip
    services.set_municipalities(region, "Utrecht")
    booking = bookings.book_session(
        session, bookings.BookingRequest(school_class=school_class, pupils=27, adults=2), actor=people["teacher"]
    )
    db.session.commit()
    with current_app.test_request_context():  # invitations and feeds make links
        invitation = accounts.invite(
            db.session.get(User, people["coordinator"].id), "new.teacher@example.org", db.session.get(School, school.id)
        )
        feed = calendars.feed_for(db.session.get(User, people["teacher"].id), FeedKind.MY_BOOKINGS, None)
        db.session.commit()
        invitation_id, feed_id = invitation.id, feed.id
    ids = {
        "activity_id": activity.id, "session_id": session.id, "booking_id": booking.id, "class_id": school_class.id,
        "closure_id": closure.id, "feed_id": feed_id, "holiday_id": holiday.id, "invitation_id": invitation_id,
        "lab_id": lab.id, "message_id": 1, "partner_id": partner.id, "period_id": periods[0].id,
        "region_id": region.id, "school_id": school.id, "series_id": 1, "subject_id": school.id,
        "theme_id": theme.id, "blocked_id": blocked.id,
    }  # fmt: skip
    ids["series_activity_id"] = series.id
    browsers = {"anonymous": _browser(app)}
    for role, user in people.items():
        browser = _browser(app)
        response = browser.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, role
        browsers[role] = browser
    return World(ids=ids, browsers=browsers)


def _browser(app):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return browser


# Routes ------------------------------------------------------------------------------------------

ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>[a-z_]+)>")


def _rules(app, method: str):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if method in rule.methods and rule.endpoint != "static"),
        key=lambda rule: rule.rule,
    )


def _path(rule: str, values: dict) -> str:
    return ARGUMENT.sub(lambda m: str(values[m["name"]]), rule)


def _real_values(rule: str, ids: dict) -> dict:
    values = {}
    for match in ARGUMENT.finditer(rule):
        name, converter, options = match["name"], match["converter"], match["options"]
        if converter == "int":
            values[name] = ids["series_activity_id"] if rule.endswith("/series") else ids[name]
        elif converter == "any":
            values[name] = options.split(",")[0].strip()
        else:
            values[name] = {"step": "cancel", "kind": "my_bookings", "token": "not-a-token"}[name]
    return values


def _argument_strategy(rule: str, ids: dict):
    """Values for each of a rule's arguments: the real one, or a hostile one."""
    parts = {}
    for match in ARGUMENT.finditer(rule):
        name, converter = match["name"], match["converter"]
        real = _real_values(rule, ids)[name]
        if converter == "int":
            parts[name] = st.sampled_from([real, *HOSTILE_IDS])
        else:
            parts[name] = st.one_of(st.just(real), hostile_text.filter(lambda text: text and "/" not in text))
    return st.fixed_dictionaries(parts)


def _quoted(value) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")


def _below_500(response, what: str) -> None:
    response.get_data()  # runs a streamed body (the CSV exports) to its end
    response.close()
    assert response.status_code < 500, f"{response.status_code} for {what}"


# Forms, as the pages show them -------------------------------------------------------------------


@dataclass
class PageForm:
    role: str
    action: str
    fields: tuple  # (name, default, options)


class FormParser(HTMLParser):
    """The POST forms of a page: their action and fields with the values a browser would send."""

    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self._form, self._select, self._textarea = page, [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "option" and self._select is not None:
            self._select[2].append(attrs.get("value", ""))
            if "selected" in attrs or not self._select[1]:
                self._select[1] = attrs.get("value", "")
        elif tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {"action": attrs.get("action") or self.page, "fields": []}
        elif self._form is None or not attrs.get("name"):
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "file", "reset"):
            checkable = attrs.get("type") in ("checkbox", "radio")
            if not checkable or "checked" in attrs:
                self._form["fields"].append([attrs["name"], attrs.get("value") or ("y" if checkable else ""), []])
        elif tag == "input" and attrs.get("type") == "submit":
            self._form["fields"].append([attrs["name"], attrs.get("value") or "y", []])
        elif tag == "select":
            self._select = [attrs["name"], "", []]
            self._form["fields"].append(self._select)
        elif tag == "textarea":
            self._textarea = [attrs["name"], "", []]
            self._form["fields"].append(self._textarea)
        elif tag == "button" and attrs.get("value"):
            self._form["fields"].append([attrs["name"], attrs["value"], []])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _page_forms(role: str, page: str, html: str) -> list[PageForm]:
    parser = FormParser(page)
    parser.feed(html)
    forms = []
    for form in parser.forms:
        action = urlsplit(form["action"])
        if action.netloc or action.path in SKIPPED_POSTS:
            continue
        path = action.path + (f"?{action.query}" if action.query else "")
        forms.append(
            PageForm(role, path, tuple((f[0], f[1], tuple(f[2])) for f in form["fields"] if f[0] != "csrf_token"))
        )
    return forms


# Fingerprint -------------------------------------------------------------------------------------


def fingerprint() -> list:
    """Every row of every table, read on a fresh connection (what other requests would see)."""
    with db.engine.connect() as connection:
        return [
            (table.name, connection.execute(select(table).order_by(*table.primary_key.columns)).all())
            for table in db.metadata.sorted_tables
        ]


def _changed(before, after) -> list[str]:
    return [name for (name, rows), (_, rows_after) in zip(before, after, strict=True) if rows != rows_after]


# The tests ---------------------------------------------------------------------------------------

QUERY_EXAMPLES, FORM_EXAMPLES = 150, 150
SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_hostile_ids_in_every_route_answer_404(app, world):
    for method in ("GET", "POST"):
        for rule in _rules(app, method):
            if "<int:" not in rule.rule or rule.rule in SKIPPED_POSTS:
                continue
            for number in HOSTILE_IDS[2:]:
                values = {name: (number if isinstance(value, int) else value)
                          for name, value in _real_values(rule.rule, world.ids).items()}  # fmt: skip
                path = _path(rule.rule, values)
                response = world.browsers["admin"].open(path, method=method)
                _below_500(response, f"{method} {path}")
                assert response.status_code == 404, f"{method} {path}: {response.status_code}"


def test_hostile_query_strings_and_url_arguments_never_fail(app, world):
    rules = [rule.rule for rule in _rules(app, "GET")]

    @settings(SETTINGS, max_examples=QUERY_EXAMPLES)
    @given(
        role=st.sampled_from(ROLES),
        request=st.sampled_from(rules).flatmap(
            lambda rule: st.tuples(st.just(rule), _argument_strategy(rule, world.ids))
        ),
        query=st.dictionaries(st.sampled_from(QUERY_KEYS), hostile_text, max_size=4),
    )
    def check(role, request, query):
        rule, values = request
        path = _path(rule, {name: _quoted(value) for name, value in values.items()})
        response = world.browsers[role].get(path, query_string=query)
        _below_500(response, f"GET {path} {query!r} as {role}")

    check()


def test_every_page_and_hostile_form_of_every_role_never_fails_and_a_refused_form_changes_nothing(app, world):
    for rule in _rules(app, "GET"):  # every page as every role; the POST forms they show are kept
        path = _path(rule.rule, _real_values(rule.rule, world.ids))
        for role in ROLES:
            response = world.browsers[role].get(path)
            _below_500(response, f"GET {path} as {role}")
            if response.status_code == 200 and response.mimetype == "text/html":
                world.forms.extend(_page_forms(role, path, response.text))
    forms = list({(form.role, form.action, form.fields): form for form in world.forms if form.fields}.values())
    assert len({form.action for form in forms if not form.action.startswith("/language")}) > 30

    @settings(SETTINGS, max_examples=FORM_EXAMPLES)
    @given(
        form=st.sampled_from(forms),
        changes=st.lists(st.tuples(st.integers(min_value=0, max_value=40), hostile_text), min_size=1, max_size=3),
    )
    def check(form, changes):
        data = {}
        for name, default, _ in form.fields:
            data.setdefault(name, []).append(default)
        names = [name for name, _, _ in form.fields]
        for index, value in changes:
            data[names[index % len(names)]] = [value]
        before = fingerprint()
        response = world.browsers[form.role].post(form.action, data=data)
        what = f"POST {form.action} {data!r} as {form.role}"
        _below_500(response, what)
        if response.status_code == 200 or response.status_code >= 400:
            changed = _changed(before, fingerprint())
            assert not changed, f"{what} was refused ({response.status_code}) but changed {changed}"

    check()

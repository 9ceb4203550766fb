"""Who may open which page: anonymous / teacher / partner / coordinator / admin × page."""

import pytest

from booking.extensions import db

# The matrix's session is 30 days ahead: on the real clock that is next school year from July on.
pytestmark = pytest.mark.usefixtures("clock")

ROLES = ["anonymous", "teacher", "partner", "coordinator", "admin"]
OK, LOGIN, UNAUTHORIZED, FORBIDDEN = 200, 302, 401, 403

# page -> expected status per role, in ROLES order
MATRIX = {
    "/": [OK, OK, OK, OK, OK],
    "/healthz": [OK, OK, OK, OK, OK],
    "/login": [OK, LOGIN, LOGIN, LOGIN, LOGIN],
    "/password/forgot": [OK, OK, OK, OK, OK],
    "/account": [LOGIN, OK, OK, OK, OK],
    "/logout": [LOGIN, OK, OK, OK, OK],
    "/regions": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/regions/new": [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    "/regions/{region}": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/regions/{region}/edit": [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    "/regions/{other_region}": [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    "/schools": [LOGIN, OK, FORBIDDEN, OK, OK],
    "/schools/new": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/schools/{school}": [LOGIN, OK, FORBIDDEN, OK, OK],
    "/schools/{school}/edit": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/schools/{school}/classes/new": [LOGIN, OK, FORBIDDEN, OK, OK],
    "/classes/{school_class}/edit": [LOGIN, OK, FORBIDDEN, OK, OK],
    "/schools/{other_school}": [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    "/classes/{other_class}/edit": [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    "/partners": [LOGIN, FORBIDDEN, OK, OK, OK],
    "/partners/new": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/partners/{partner}": [LOGIN, FORBIDDEN, OK, OK, OK],
    "/partners/{partner}/edit": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/partners/{other_partner}": [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    "/catalogue": [OK, OK, OK, OK, OK],
    "/activities/{activity}": [OK, OK, OK, OK, OK],
    "/activities/{draft}": [UNAUTHORIZED, FORBIDDEN, OK, OK, OK],
    "/activities/new": [LOGIN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN],
    "/activities/{activity}/edit": [LOGIN, FORBIDDEN, OK, FORBIDDEN, OK],
    "/activities/{other_activity}/edit": [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    "/activities/{activity}/sessions/new": [LOGIN, FORBIDDEN, OK, FORBIDDEN, OK],
    "/activities/{activity}/sessions/weekly": [LOGIN, FORBIDDEN, OK, FORBIDDEN, OK],
    "/sessions/{session}/edit": [LOGIN, FORBIDDEN, OK, FORBIDDEN, OK],
    "/review": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/themes": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/holidays": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/holidays/new": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/sessions/{session}/book": [LOGIN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "/sessions/{session}/participants": [LOGIN, FORBIDDEN, OK, OK, OK],
    "/sessions/{session}/participants.csv": [LOGIN, FORBIDDEN, OK, OK, OK],
    "/sessions/{session}/cancel": [LOGIN, FORBIDDEN, OK, FORBIDDEN, OK],
    "/bookings": [LOGIN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "/bookings/{booking}": [LOGIN, OK, OK, OK, OK],
    "/bookings/{other_booking}": [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    "/requests": [LOGIN, FORBIDDEN, OK, FORBIDDEN, OK],
    "/coordination/bookings": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/coordination/bookings.csv": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/schools/{school}/quota": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/evaluations": [LOGIN, FORBIDDEN, OK, OK, OK],
    "/labs": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK],
    "/calendars": [LOGIN, OK, OK, OK, OK],
}

# Posts that change something, with the same matrix idea (302 = done and redirected).
POSTS = {
    "/classes/{school_class}/delete": [LOGIN, LOGIN, FORBIDDEN, LOGIN, LOGIN],
    "/schools/{school}/classes/copy": [LOGIN, LOGIN, FORBIDDEN, LOGIN, LOGIN],
    "/bookings/{booking}/confirm": [LOGIN, FORBIDDEN, LOGIN, FORBIDDEN, LOGIN],
    "/sessions/{session}/cancel": [LOGIN, FORBIDDEN, LOGIN, FORBIDDEN, LOGIN],
    "/calendars/feeds/my_bookings": [LOGIN, LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
}


@pytest.fixture
def world(
    users, school, partner, region, make_region, make_school, make_partner, make_class, make_activity, make_session
):
    from datetime import timedelta

    from booking.bookings.services import BookingRequest, book_session
    from booking.catalogue.models import ActivityStatus
    from booking.core.time import utcnow

    other_region = make_region("Regio Twente")
    other_school = make_school("Elders", region=other_region)
    activity = make_activity()
    other_partner = make_partner("Elders BV", regions=[other_region])
    session = make_session(activity, utcnow() + timedelta(days=30), capacity=60, max_classes=2)
    other_activity = make_activity("Van elders", partner=other_partner, regions=[other_region])
    other_session = make_session(other_activity, utcnow() + timedelta(days=30))
    school_class, other_class = make_class(school), make_class(other_school)
    booking = book_session(session, BookingRequest(school_class, 25), actor=users["teacher"])
    other_booking = book_session(other_session, BookingRequest(other_class, 25), actor=None)
    db.session.commit()
    return {
        "activity": activity.id,
        "draft": make_activity("Concept", status=ActivityStatus.DRAFT).id,
        "other_activity": other_activity.id,
        "session": session.id,
        "booking": booking.id,
        "other_booking": other_booking.id,
        "region": region.id,
        "other_region": other_region.id,
        "school": school.id,
        "other_school": other_school.id,
        "school_class": school_class.id,
        "other_class": other_class.id,
        "partner": partner.id,
        "other_partner": other_partner.id,
    }


def client_for(role, app, users, login):
    client = app.test_client()
    if role != "anonymous":
        login(users[role], c=client)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_page_access_matrix(role, app, users, world, login):
    client = client_for(role, app, users, login)
    results = {page: client.get(page.format(**world)).status_code for page in MATRIX}
    expected = {page: statuses[ROLES.index(role)] for page, statuses in MATRIX.items()}
    assert results == expected


@pytest.mark.parametrize("role", ROLES)
def test_change_access_matrix(role, app, users, world, login):
    client = client_for(role, app, users, login)
    for page, statuses in POSTS.items():
        response = client.post(page.format(**world), data={"reason": "Access test"})
        assert response.status_code == statuses[ROLES.index(role)], page


def test_dashboard_shows_each_role_its_own_section(client, users, login):
    expectations = {
        "teacher": "OBS De Regenboog",
        "partner": "Van Dijk Techniek",
        "coordinator": "Regio Utrecht",
        "admin": "Installation",
    }
    for role, text in expectations.items():
        c = client.application.test_client()
        c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        login(users[role], c=c)
        assert text in c.get("/").get_data(as_text=True), role


def test_user_without_roles_is_told_to_ask_for_an_invitation(client, make_user, login):
    login(make_user())
    assert "not linked to a school, partner or region yet" in client.get("/").get_data(as_text=True)


def test_navigation_follows_the_role(client, users, login):
    login(users["teacher"])
    page = client.get("/").get_data(as_text=True)
    assert 'href="/schools"' in page
    assert 'href="/partners"' not in page
    assert 'href="/regions"' not in page


def test_error_pages_are_friendly(client, users, login):
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "This page does not exist" in response.get_data(as_text=True)
    login(users["teacher"])
    response = client.get("/regions/new")
    assert response.status_code == 403
    assert "You do not have access" in response.get_data(as_text=True)


def test_server_error_page(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "An unexpected error occurred" in response.get_data(as_text=True)

"""The public catalogue: every filter, sorting, pagination, shared links and the query budget."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from booking.accounts.models import Role
from booking.catalogue.models import ActivityStatus, CostType, LocationType, SessionStatus
from booking.extensions import db
from booking.organisations.models import Grade
from tests.conftest import counting_queries

JAN = datetime(2027, 1, 12, 8, tzinfo=UTC)


def titles(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'<h3><a href="/activities/\d+">([^<]+)</a></h3>', response.get_data(as_text=True))


@pytest.fixture
def catalogue(make_activity, make_session, make_theme, make_partner, make_region, clock):
    """A small catalogue with one distinguishing feature per activity."""
    robotica, energie = make_theme("Robotica"), make_theme("Duurzame energie")
    twente = make_region("Regio Twente")
    twente_partner = make_partner("Twentse Techniek", regions=[twente])
    made = {
        "robots": make_activity("Robots bouwen", themes=[robotica], grades=[Grade.GROEP_7, Grade.GROEP_8]),
        "zon": make_activity(
            "Zonnepanelen meten",
            themes=[energie],
            grades=[Grade.GROEP_5],
            location_type=LocationType.AT_SCHOOL,
            address=None,
            description="De coördinator van het dak legt uit hoe panelen werken.",
        ),
        "online": make_activity(
            "Programmeren op afstand", location_type=LocationType.ONLINE, address=None, grades=[Grade.VO_1]
        ),
        "twente": make_activity("Bruggen bouwen", partner=twente_partner, regions=[twente]),
        "draft": make_activity("Robots in concept", status=ActivityStatus.DRAFT, themes=[robotica]),
        "archived": make_activity("Oude robots", status=ActivityStatus.ARCHIVED),
    }
    make_session(made["robots"], JAN + timedelta(days=30))
    make_session(made["robots"], JAN - timedelta(days=60), capacity=30, booked_pupils=30)  # 14 Nov: past
    make_session(made["zon"], JAN, capacity=25, booked_pupils=25, booked_classes=1)  # full
    make_session(made["zon"], JAN + timedelta(days=90), status=SessionStatus.CANCELLED)
    make_session(made["online"], JAN + timedelta(days=7))
    make_session(made["twente"], JAN + timedelta(days=1))
    make_session(made["draft"], JAN)
    return made | {"robotica": robotica, "energie": energie, "twente_region": twente}


def test_only_published_activities_appear_soonest_first(client, catalogue):
    # Zon's first session is on 12 January, Bruggen on the 13th, online on the 19th, robots in February.
    assert titles(client.get("/catalogue")) == [
        "Zonnepanelen meten",
        "Bruggen bouwen",
        "Programmeren op afstand",
        "Robots bouwen",
    ]


def test_activities_without_upcoming_dates_come_last(client, catalogue, make_activity):
    make_activity("Aaa zonder data")
    result = titles(client.get("/catalogue"))
    assert result[-1] == "Aaa zonder data"
    assert "No dates planned yet" in client.get("/catalogue").get_data(as_text=True)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=robots", ["Robots bouwen"]),
        ("q=ROBOTS+bouwen", ["Robots bouwen"]),
        ("q=bouwen", ["Bruggen bouwen", "Robots bouwen"]),
        ("q=coordinator", ["Zonnepanelen meten"]),  # matches "coördinator" in the description
        ("q=Twentse", ["Bruggen bouwen"]),  # the partner's name
        ("q=100%25", []),  # LIKE wildcards are searched literally
        ("q=_", []),
        ("theme={robotica}", ["Robots bouwen"]),
        ("theme={energie}", ["Zonnepanelen meten"]),
        ("grade=groep-5", ["Zonnepanelen meten"]),
        ("grade=groep-8", ["Bruggen bouwen", "Robots bouwen"]),
        ("grade=vo-1", ["Programmeren op afstand"]),
        ("location=online", ["Programmeren op afstand"]),
        ("location=at_school", ["Zonnepanelen meten"]),
        ("region={twente_region}", ["Bruggen bouwen"]),
        ("from=2027-01-13&to=2027-01-31", ["Bruggen bouwen", "Programmeren op afstand"]),
        ("from=2027-02-01", ["Robots bouwen"]),
        ("to=2027-01-12", ["Zonnepanelen meten"]),
        ("free=y", ["Bruggen bouwen", "Programmeren op afstand", "Robots bouwen"]),
        ("free=y&to=2027-01-12", []),
        ("q=bouwen&grade=groep-7&region={region}", ["Robots bouwen"]),
    ],
)
def test_each_filter(client, catalogue, region, query, expected):
    ids = {key: value.id for key, value in catalogue.items()} | {"region": region.id}
    assert titles(client.get("/catalogue?" + query.format(**ids))) == expected


def test_date_filter_counts_only_matching_sessions_for_the_next_date(client, catalogue):
    page = client.get("/catalogue?from=2027-02-01").get_data(as_text=True)
    assert "(1 date)" in page


@pytest.mark.parametrize(
    "query", ["grade=groep-99", "location=moon", "from=gisteren", "to=2027-13-45", "theme=abc", "region=-1", "page=x"]
)
def test_bad_filter_values_are_ignored_not_errors(client, catalogue, query):
    response = client.get("/catalogue?" + query)
    assert response.status_code == 200
    assert len(titles(response)) == 4


def test_bad_date_is_explained(client, catalogue):
    page = client.get("/catalogue?from=gisteren").get_data(as_text=True)
    assert "Enter a date like 2027-03-15." in page


def test_teacher_starts_with_their_schools_region_and_can_choose_all(client, users, login, catalogue, region):
    login(users["teacher"])
    assert "Bruggen bouwen" not in titles(client.get("/catalogue"))
    page = client.get("/catalogue").get_data(as_text=True)
    assert f'<option selected value="{region.id}">' in page
    assert "Bruggen bouwen" in titles(client.get("/catalogue?region="))


def test_anonymous_visitors_see_all_regions(client, catalogue):
    assert "Bruggen bouwen" in titles(client.get("/catalogue"))


def test_pagination_keeps_the_filters(client, make_activity, make_session, clock):
    for n in range(45):
        activity = make_activity(f"Activiteit {n:02d}", grades=[Grade.GROEP_6])
        make_session(activity, JAN + timedelta(hours=n))
    make_activity("Andere groep", grades=[Grade.GROEP_3])
    first = client.get("/catalogue?grade=groep-6")
    assert titles(first) == [f"Activiteit {n:02d}" for n in range(20)]
    page = first.get_data(as_text=True)
    assert "45 activities" in page
    assert 'href="/catalogue?page=2&amp;grade=groep-6"' in page
    assert titles(client.get("/catalogue?grade=groep-6&page=3")) == [f"Activiteit {n:02d}" for n in range(40, 45)]
    assert titles(client.get("/catalogue?grade=groep-6&page=9")) == []


def test_html_in_texts_is_shown_as_text(client, make_activity, make_session, clock):
    activity = make_activity(
        '<script>alert("x")</script> Robots',
        summary="<b>vet</b>",
        description='<img src=x onerror="alert(1)">\nTweede regel',
        preparation_notes="<a href='javascript:alert(1)'>klik</a>",
    )
    make_session(activity, JAN)
    for url in ("/catalogue", f"/activities/{activity.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Robots" in page
        assert "&lt;b&gt;vet&lt;/b&gt;" in page
    page = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;\nTweede regel" in page
    assert "<a href='javascript" not in page


def test_activity_page_shows_practical_details_and_places_left(client, catalogue):
    robots = catalogue["robots"]
    robots.cost_type, robots.cost_cents = CostType.PER_PUPIL, 450
    db.session.commit()
    page = client.get(f"/activities/{robots.id}").get_data(as_text=True)
    assert "€4.50 per pupil" in page
    assert "10 to 32 pupils per class" in page
    assert "Groep 7, Groep 8" in page
    assert "30 places left" in page
    assert "Industrieweg 1, Utrecht" in page
    # The past (fully booked) session is not listed; a cancelled one is not shown to teachers.
    zon = client.get(f"/activities/{catalogue['zon'].id}").get_data(as_text=True)
    assert "Full" in zon
    assert "Cancelled" not in zon


def test_unknown_activity_is_404(client, clock):
    assert client.get("/activities/999").status_code == 404


# Query budget ----------------------------------------------------------------------------------


def _fill_catalogue(make_activity, make_session, make_theme, count: int, offset: int = 0):
    themes = [make_theme(f"Thema {offset + n}") for n in range(2)]
    for n in range(count):
        activity = make_activity(f"Activiteit {offset + n}", themes=themes, grades=[Grade.GROEP_7, Grade.GROEP_8])
        for day in range(3):
            make_session(activity, JAN + timedelta(days=day, hours=n))


@pytest.mark.parametrize(
    "url",
    ["/catalogue", "/catalogue?q=activiteit&grade=groep-7&free=y&from=2027-01-01", "/catalogue?page=2"],
)
def test_catalogue_costs_the_same_queries_for_a_few_or_60_activities(
    app, users, login, make_activity, make_session, make_theme, clock, url
):
    client = login(users["teacher"], c=app.test_client())
    first = 21 if "page=2" in url else 1  # page 2 has one activity on it, then twenty
    _fill_catalogue(make_activity, make_session, make_theme, first)
    with counting_queries() as few:
        assert client.get(url).status_code == 200
    _fill_catalogue(make_activity, make_session, make_theme, 60 - first, offset=100)
    with counting_queries() as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(titles(response)) > 1
    assert len(few) > 3  # the request's own queries are counted
    assert len(many) == len(few), many


def test_activity_page_costs_the_same_queries_for_1_or_50_sessions(
    app, users, login, make_activity, make_session, clock
):
    activity = make_activity()
    owner = login(users["partner"], c=app.test_client())
    make_session(activity, JAN)
    with counting_queries() as few:
        assert owner.get(f"/activities/{activity.id}").status_code == 200
    for n in range(1, 50):
        make_session(activity, JAN + timedelta(days=n))
    with counting_queries() as many:
        assert owner.get(f"/activities/{activity.id}").status_code == 200
    assert len(few) > 3
    assert len(many) == len(few), many


def test_partner_dashboard_costs_the_same_queries_for_1_or_30_activities(
    app, users, login, make_activity, make_session, make_user, partner, clock
):
    owner = login(users["partner"], c=app.test_client())
    make_session(make_activity("Eerste"), JAN)
    with counting_queries() as few:
        assert owner.get("/").status_code == 200
    for n in range(29):
        activity = make_activity(f"Nog een {n}", status=list(ActivityStatus)[n % 5])
        make_session(activity, JAN + timedelta(days=n + 1))
    with counting_queries() as many:
        page = owner.get("/").get_data(as_text=True)
    assert "Nog een 28" in page
    assert len(few) > 3
    assert len(many) == len(few), many


def test_partner_dashboard_groups_activities_and_shows_fill_rate(
    client, users, login, make_activity, make_session, make_user, make_partner, clock
):
    make_session(make_activity("Gepubliceerd ding"), JAN, capacity=30, booked_pupils=27)
    make_activity("Half af", status=ActivityStatus.DRAFT)
    make_activity("Van een ander", partner=make_partner("Ander BV"))
    login(users["partner"])
    page = client.get("/").get_data(as_text=True)
    assert re.search(r"Published\s*<span class=\"muted\">\(1\)", page)
    assert re.search(r"Draft\s*<span class=\"muted\">\(1\)", page)
    assert "27 of 30 pupils (90%)" in page
    assert "Van een ander" not in page


def test_partner_with_two_organisations_sees_each_dashboard(
    client, make_user, make_partner, login, make_activity, clock
):
    first, second = make_partner("Eerste BV"), make_partner("Tweede BV")
    user = make_user(Role.PARTNER, first)
    from booking.accounts.services import add_membership

    add_membership(user, Role.PARTNER, second)
    db.session.commit()
    make_activity("Van de eerste", partner=first)
    make_activity("Van de tweede", partner=second)
    login(user)
    page = client.get("/").get_data(as_text=True)
    assert "Van de eerste" in page and "Van de tweede" in page
    assert client.get(f"/activities/new?partner={second.id}").status_code == 200

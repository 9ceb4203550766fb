"""The approval workflow: every step, who may take it, and its history."""

import pytest

from booking.accounts.models import Role
from booking.catalogue.models import TRANSITIONS, ActivityEvent, ActivityStatus
from booking.extensions import db

S = ActivityStatus
ACTORS = ["anonymous", "teacher", "owner", "other_partner", "coordinator", "other_coordinator", "admin"]

# step -> (from status, who may take it)
WHO_MAY = {
    "submit": ({S.DRAFT, S.CHANGES_REQUESTED}, {"owner", "admin"}),
    "withdraw": ({S.SUBMITTED}, {"owner", "admin"}),
    "publish": ({S.SUBMITTED}, {"coordinator", "admin"}),
    "request_changes": ({S.SUBMITTED}, {"coordinator", "admin"}),
    "archive": ({S.PUBLISHED}, {"owner", "coordinator", "admin"}),
    "restore": ({S.ARCHIVED}, {"owner", "admin"}),
}


def test_the_matrix_covers_every_transition():
    assert set(WHO_MAY) == set(TRANSITIONS)


@pytest.fixture
def actors(users, make_user, make_partner, make_region):
    other_region = make_region("Regio Twente")
    return {
        "teacher": users["teacher"],
        "owner": users["partner"],
        "other_partner": make_user(Role.PARTNER, make_partner("Elders BV", regions=[other_region])),
        "coordinator": users["coordinator"],
        "other_coordinator": make_user(Role.COORDINATOR, other_region),
        "admin": users["admin"],
    }


def _post(app, login, actor_name, actors, url, data=None):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if actor_name != "anonymous":
        login(actors[actor_name], c=client)
    return client.post(url, data=data or {})


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("step", list(WHO_MAY))
def test_who_may_take_each_step(app, login, actors, make_activity, step, actor):
    sources, allowed = WHO_MAY[step]
    for status in ActivityStatus:
        activity = make_activity(f"{step} from {status.value}", status=status)
        response = _post(
            app, login, actor, actors, f"/activities/{activity.id}/{step}", {"comment": "Graag een foto erbij."}
        )
        db.session.expire_all()
        if status in sources and actor in allowed:
            assert response.status_code == 302, (step, status, actor)
            assert activity.status is TRANSITIONS[step].target
            event = activity.history[0]
            assert (event.from_status, event.to_status, event.actor_id) == (
                status,
                activity.status,
                actors[actor].id,
            )
        else:
            if actor == "anonymous":
                assert response.status_code == 302
                assert "/login" in response.headers["Location"]
            else:
                assert response.status_code == 403, (step, status, actor)
            assert activity.status is status
            assert activity.history == []


def test_request_changes_needs_a_comment(client, users, login, make_activity):
    activity = make_activity(status=S.SUBMITTED)
    login(users["coordinator"])
    response = client.post(f"/activities/{activity.id}/request_changes", data={"comment": "   "}, follow_redirects=True)
    assert "Say what needs to change" in response.get_data(as_text=True)
    db.session.expire_all()
    assert activity.status is S.SUBMITTED


def test_whole_round_trip_is_logged_and_shown_on_the_activity(client, app, users, login, make_activity):
    activity = make_activity(status=S.DRAFT)
    partner = login(users["partner"], c=app.test_client())
    coordinator = login(users["coordinator"], c=app.test_client())
    partner.post(f"/activities/{activity.id}/submit")
    coordinator.post(f"/activities/{activity.id}/request_changes", data={"comment": "Voeg de <b>prijs</b> toe."})
    partner.post(f"/activities/{activity.id}/submit")
    coordinator.post(f"/activities/{activity.id}/publish")
    db.session.expire_all()
    assert activity.status is S.PUBLISHED
    steps = [(e.from_status, e.to_status) for e in reversed(activity.history)]
    assert steps == [
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.CHANGES_REQUESTED),
        (S.CHANGES_REQUESTED, S.SUBMITTED),
        (S.SUBMITTED, S.PUBLISHED),
    ]
    page = partner.get(f"/activities/{activity.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Voeg de &lt;b&gt;prijs&lt;/b&gt; toe." in page
    assert "Changes requested → Waiting for review" in page
    assert users["coordinator"].name in page


def test_history_is_hidden_from_teachers(client, users, login, make_activity):
    activity = make_activity(status=S.PUBLISHED)
    db.session.add(ActivityEvent(activity=activity, from_status=S.SUBMITTED, to_status=S.PUBLISHED, comment="Intern"))
    db.session.commit()
    login(users["teacher"])
    page = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "Intern" not in page
    assert "History" not in page


def test_submitting_an_incomplete_activity_says_what_is_missing(client, users, login, make_activity):
    activity = make_activity(status=S.DRAFT, grades=[])
    login(users["partner"])
    response = client.post(f"/activities/{activity.id}/submit", follow_redirects=True)
    assert "Choose at least one grade." in response.get_data(as_text=True)
    db.session.expire_all()
    assert activity.status is S.DRAFT


def test_review_queue_shows_only_submitted_activities_of_my_region(
    client, users, login, make_activity, make_region, make_partner
):
    elsewhere = make_region("Regio Twente")
    make_activity("Wacht op mij", status=S.SUBMITTED)
    make_activity("Al gepubliceerd", status=S.PUBLISHED)
    make_activity("Niet mijn regio", status=S.SUBMITTED, partner=make_partner("Twente BV", regions=[elsewhere]),
                  regions=[elsewhere])  # fmt: skip
    login(users["coordinator"])
    page = client.get("/review").get_data(as_text=True)
    assert "Wacht op mij" in page
    assert "Al gepubliceerd" not in page
    assert "Niet mijn regio" not in page
    assert "1 activity is waiting for your review." in client.get("/").get_data(as_text=True)


def test_draft_is_invisible_outside_the_partner_and_its_reviewers(app, login, actors, make_activity):
    activity = make_activity(status=S.DRAFT)
    expected = {"anonymous": 401, "teacher": 403, "other_partner": 403, "other_coordinator": 403,
                "owner": 200, "coordinator": 200, "admin": 200}  # fmt: skip
    for actor, status in expected.items():
        client = app.test_client()
        if actor != "anonymous":
            login(actors[actor], c=client)
        assert client.get(f"/activities/{activity.id}").status_code == status, actor

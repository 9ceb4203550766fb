import re
from datetime import timedelta

import pytest

from booking.accounts.models import Invitation, Role, User
from booking.core.time import utcnow
from booking.extensions import db


def invitation_link(message) -> str:
    return re.search(r"http://localhost(/invitations/\S+)", message.body_text).group(1)


def invite(client, path, email="new.teacher@school.example"):
    return client.post(path, data={"email": email}, follow_redirects=True)


def test_coordinator_invites_a_teacher_who_creates_an_account(client, app, users, school, login, outbox):
    login(users["coordinator"])
    page = invite(client, f"/schools/{school.id}/invitations?next=/schools/{school.id}").get_data(as_text=True)
    assert "Invitation sent to new.teacher@school.example" in page
    [message] = outbox()
    assert message.recipient == "new.teacher@school.example"
    assert "OBS De Regenboog" in message.body_text
    assert "valid for 7 days" in message.body_text

    invitee = app.test_client()
    invitee.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    link = invitation_link(message)
    assert "Welcome to Techniekrooster" in invitee.get(link).get_data(as_text=True)
    response = invitee.post(
        link, data={"name": "Nina Nieuw", "password": "a long new password", "confirm": "a long new password"}
    )
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "new.teacher@school.example"))
    assert user.name == "Nina Nieuw"
    assert user.school_ids == {school.id}
    assert invitee.get("/account").status_code == 200


def test_an_invitation_link_works_only_once(client, app, users, school, login, outbox):
    login(users["coordinator"])
    invite(client, f"/schools/{school.id}/invitations")
    link = invitation_link(outbox()[0])
    data = {"name": "Nina", "password": "a long new password", "confirm": "a long new password"}
    assert app.test_client().post(link, data=data).status_code == 302
    again = app.test_client().post(link, headers={"Accept-Language": "en"}, data=data)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id)).where(User.email == "new.teacher@school.example")) == 1


def test_an_expired_invitation_is_refused(client, app, users, school, login, outbox):
    login(users["coordinator"])
    invite(client, f"/schools/{school.id}/invitations")
    invitation = db.session.scalar(db.select(Invitation))
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = app.test_client().get(invitation_link(outbox()[0]), headers={"Accept-Language": "en"})
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + "xx", lambda t: "garbage", lambda t: t + "a"])
def test_a_tampered_invitation_link_is_refused(client, app, users, school, login, outbox, tamper):
    login(users["coordinator"])
    invite(client, f"/schools/{school.id}/invitations")
    token = invitation_link(outbox()[0]).rsplit("/", 1)[1]
    response = app.test_client().get(f"/invitations/{tamper(token)}", headers={"Accept-Language": "en"})
    assert response.status_code == 410
    assert "not valid" in response.get_data(as_text=True)


def test_a_new_invitation_replaces_the_open_one(client, app, users, school, login, outbox):
    login(users["coordinator"])
    invite(client, f"/schools/{school.id}/invitations")
    invite(client, f"/schools/{school.id}/invitations")
    first, second = outbox()
    assert app.test_client().get(invitation_link(first)).status_code == 410
    assert app.test_client().get(invitation_link(second)).status_code == 200


def test_a_withdrawn_invitation_is_refused(client, app, users, school, login, outbox):
    login(users["coordinator"])
    invite(client, f"/schools/{school.id}/invitations")
    invitation = db.session.scalar(db.select(Invitation))
    assert client.post(f"/invitations/{invitation.id}/revoke").status_code == 302
    response = app.test_client().get(invitation_link(outbox()[0]), headers={"Accept-Language": "en"})
    assert response.status_code == 410
    assert "withdrawn" in response.get_data(as_text=True)


def test_an_existing_user_joins_after_signing_in(client, app, users, make_school, login, outbox):
    other_school = make_school("CBS Het Kompas")
    login(users["coordinator"])
    invite(client, f"/schools/{other_school.id}/invitations", email=users["teacher"].email)
    link = invitation_link(outbox()[0])
    teacher_client = app.test_client()
    teacher_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "Sign in with it to accept" in teacher_client.get(link).get_data(as_text=True)
    login(users["teacher"], c=teacher_client)
    assert teacher_client.post(link).status_code == 302
    db.session.expire_all()
    teacher = db.session.get(User, users["teacher"].id)
    assert other_school.id in teacher.school_ids


def test_inviting_an_existing_member_says_so(client, users, school, login, outbox):
    login(users["coordinator"])
    page = invite(client, f"/schools/{school.id}/invitations", email=users["teacher"].email).get_data(as_text=True)
    assert "is already a member of OBS De Regenboog" in page
    assert outbox() == []


def test_invitation_with_an_invalid_email_is_refused(client, users, school, login, outbox):
    login(users["coordinator"])
    page = invite(client, f"/schools/{school.id}/invitations", email="not an email").get_data(as_text=True)
    assert "Enter a valid email address" in page
    assert outbox() == []


def test_new_account_must_have_a_decent_password(client, app, users, school, login, outbox):
    login(users["coordinator"])
    invite(client, f"/schools/{school.id}/invitations")
    link = invitation_link(outbox()[0])
    invitee = app.test_client()
    invitee.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    for password, problem in [
        ("short", "at least 10 characters"),
        ("1234567890", "too easy to guess"),
        ("aaaaaaaaaaaa", "too easy to guess"),
        ("new.teacher-rocks", "name or email address"),
        ("x" * 129, "at most 128 characters"),
    ]:
        response = invitee.post(link, data={"name": "Nina", "password": password, "confirm": password})
        assert response.status_code == 200
        assert problem in response.get_data(as_text=True), password
    mismatch = invitee.post(link, data={"name": "Nina", "password": "a long password", "confirm": "another one"})
    assert "The passwords do not match." in mismatch.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.email == "new.teacher@school.example")) is None


@pytest.mark.parametrize(
    "role, target, allowed",
    [
        ("teacher", "school", False),
        ("partner", "school", False),
        ("coordinator", "school", True),
        ("admin", "school", True),
        ("teacher", "partner", False),
        ("partner", "partner", False),
        ("coordinator", "partner", True),
        ("coordinator", "region", False),
        ("admin", "region", True),
    ],
)
def test_who_may_invite(client, users, school, partner, region, login, outbox, role, target, allowed):
    login(users[role])
    organisation_id = {"school": school.id, "partner": partner.id, "region": region.id}[target]
    response = client.post(f"/{target}s/{organisation_id}/invitations", data={"email": "someone@example.org"})
    assert response.status_code == (302 if allowed else 403)
    assert len(outbox()) == (1 if allowed else 0)
    if allowed:
        expected = {"school": Role.TEACHER, "partner": Role.PARTNER, "region": Role.COORDINATOR}[target]
        assert db.session.scalar(db.select(Invitation)).role is expected


def test_coordinator_of_another_region_may_not_invite(client, make_region, make_user, school, login, outbox):
    elsewhere = make_user(Role.COORDINATOR, make_region("Regio Twente"))
    login(elsewhere)
    assert client.post(f"/schools/{school.id}/invitations", data={"email": "x@example.org"}).status_code == 403
    assert outbox() == []


def test_invitation_email_is_in_the_inviters_language(client, users, school, login, outbox):
    from booking.accounts.models import Language

    coordinator = users["coordinator"]
    coordinator.language = Language.NL
    db.session.commit()
    login(coordinator)
    invite(client, f"/schools/{school.id}/invitations")
    [message] = outbox()
    assert message.language == "nl"
    assert "Uitnodiging" in message.subject
    assert "dagen geldig" in message.body_text

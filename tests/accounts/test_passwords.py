import re

from booking.accounts.models import User
from booking.extensions import db
from tests.conftest import PASSWORD


def reset_link(message) -> str:
    return re.search(r"http://localhost(/password/reset/\S+)", message.body_text).group(1)


def test_forgotten_password_is_reset_by_emailed_link(client, users, outbox):
    response = client.post("/password/forgot", data={"email": "TEACHER@example.org"}, follow_redirects=True)
    assert "we have sent it a link" in response.get_data(as_text=True)
    [message] = outbox()
    assert message.recipient == "teacher@example.org"
    link = reset_link(message)
    response = client.post(link, data={"password": "my brand new secret", "confirm": "my brand new secret"})
    assert response.status_code == 302
    assert client.post("/login", data={"email": "teacher@example.org", "password": PASSWORD}).status_code == 200
    assert (
        client.post("/login", data={"email": "teacher@example.org", "password": "my brand new secret"}).status_code
        == 302
    )


def test_reset_link_works_once(client, users, outbox):
    client.post("/password/forgot", data={"email": "teacher@example.org"})
    link = reset_link(outbox()[0])
    client.post(link, data={"password": "my brand new secret", "confirm": "my brand new secret"})
    response = client.get(link)
    assert response.status_code == 410
    assert "not valid any more" in response.get_data(as_text=True)


def test_unknown_email_gets_the_same_answer_and_no_mail(client, users, outbox):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "If there is an account for nobody@example.org" in response.get_data(as_text=True)
    assert outbox() == []


def test_reset_refuses_a_weak_password(client, users, outbox):
    client.post("/password/forgot", data={"email": "teacher@example.org"})
    link = reset_link(outbox()[0])
    response = client.post(link, data={"password": "password12", "confirm": "password12"})
    assert response.status_code == 200
    assert "too easy to guess" in response.get_data(as_text=True)
    assert db.session.get(User, users["teacher"].id).check_password(PASSWORD)


def change_password(client, current: str, new: str = "another good password"):
    data = {"current_password": current, "password": new, "confirm": new, "submit_password": "1"}
    return client.post("/account", data=data)


def test_user_changes_their_password_and_stays_signed_in(client, users, login):
    login(users["teacher"])
    response = change_password(client, PASSWORD)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, users["teacher"].id).check_password("another good password")


def test_changing_password_needs_the_current_one(client, users, login):
    login(users["teacher"])
    response = change_password(client, "wrong")
    assert "Your current password is not correct." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, users["teacher"].id).check_password(PASSWORD)


def test_changing_password_signs_out_other_sessions(app, users, login):
    other_device = app.test_client()
    login(users["teacher"], c=other_device)
    this_device = app.test_client()
    login(users["teacher"], c=this_device)
    change_password(this_device, PASSWORD)
    assert this_device.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302

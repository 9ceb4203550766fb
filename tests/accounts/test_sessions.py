"""A sign-in lives on the server: logout, a new password, deactivation and "sign out everywhere"
end it, so a copied or replayed session cookie stops working at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from booking.accounts import sessions
from booking.accounts.models import LoginSession
from booking.accounts.services import password_reset_token
from booking.extensions import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "another-long-passphrase-7"


def device(app, user, user_agent="Firefox op de laptop"):
    """A browser of its own, signed in."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           headers={"User-Agent": user_agent})  # fmt: skip
    assert response.status_code == 302
    return client


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """Another browser that presents a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/account")


def sign_ins(user) -> int:
    return db.session.scalar(select(func.count(LoginSession.id)).where(LoginSession.user_id == user.id))


def test_a_cookie_replayed_after_logout_is_refused(app, users):
    laptop = device(app, users["teacher"])
    copied = cookie_of(laptop)
    assert replay(app, copied).status_code == 200  # a copy works while the sign-in lives
    assert laptop.post("/logout").status_code == 302
    assert replay(app, copied).status_code == 302  # to the sign-in page
    assert sign_ins(users["teacher"]) == 0


def test_logout_ends_only_this_device(app, users):
    laptop, phone = device(app, users["teacher"]), device(app, users["teacher"], "Safari op iPhone")
    laptop.post("/logout")
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 200


def test_a_password_change_signs_out_the_other_devices_and_keeps_this_one(app, users):
    laptop, phone = device(app, users["teacher"]), device(app, users["teacher"], "Safari op iPhone")
    old_laptop_cookie = cookie_of(laptop)
    change = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "submit_password": "1"}
    response = laptop.post("/account", data=change, follow_redirects=True)
    assert "You have been signed out on your other devices." in response.get_data(as_text=True)
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert replay(app, old_laptop_cookie).status_code == 302  # the sign-in before the change is over too
    assert sign_ins(users["teacher"]) == 1


def test_a_password_reset_signs_out_everywhere(app, users):
    phone = device(app, users["teacher"])
    token = password_reset_token(users["teacher"])
    response = app.test_client().post(f"/password/reset/{token}", data={"password": NEW_PASSWORD,
                                                                        "confirm": NEW_PASSWORD})  # fmt: skip
    assert response.status_code == 302
    assert phone.get("/account").status_code == 302
    assert sign_ins(users["teacher"]) == 0


def test_deactivating_a_user_ends_their_sign_ins(app, users):
    phone = device(app, users["teacher"])
    copied = cookie_of(phone)
    sessions.deactivate(users["teacher"])
    db.session.commit()
    assert phone.get("/account").status_code == 302
    assert replay(app, copied).status_code == 302
    assert sign_ins(users["teacher"]) == 0


def test_an_administrator_deactivates_a_leaver_from_the_command_line(app, users):
    phone = device(app, users["teacher"])
    result = app.test_cli_runner().invoke(args=["deactivate-user", "Teacher@Example.org"])
    assert result.exit_code == 0, result.output
    assert "signed out everywhere" in result.output
    assert phone.get("/account").status_code == 302
    db.session.expire_all()
    assert not users["teacher"].is_active
    assert app.test_cli_runner().invoke(args=["deactivate-user", "nobody@example.org"]).exit_code != 0


def test_sign_out_everywhere_from_the_account_page(app, users):
    laptop, phone = device(app, users["teacher"]), device(app, users["teacher"], "Safari op iPhone")
    page = laptop.get("/account").get_data(as_text=True)
    assert "You are signed in here and on 1 other device or browser." in page
    response = laptop.post("/account", data={"submit_everywhere": "1"}, follow_redirects=True)
    assert "You have been signed out on every device." in response.get_data(as_text=True)
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302
    assert sign_ins(users["teacher"]) == 0


def test_only_a_hash_of_the_cookie_token_is_stored(app, users):
    device(app, users["teacher"], "Firefox op de laptop")
    row = db.session.scalar(select(LoginSession))
    assert len(row.token_hash) == 64 and row.user_agent == "Firefox op de laptop"
    assert sessions.user_for(row.token_hash) is None  # the hash itself opens nothing


def test_a_sign_in_ends_after_thirty_days_and_stops_counting_as_a_device(app, users):
    import time_machine

    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        old_laptop = device(app, users["teacher"])
        copied = cookie_of(old_laptop)
        clock.shift(timedelta(days=29))
        assert replay(app, copied).status_code == 200
        clock.shift(timedelta(days=2))
        assert replay(app, copied).status_code == 302  # 31 days after signing in
        phone = device(app, users["teacher"], "Safari op iPhone")
        assert "You are signed in on this device only." in phone.get("/account").get_data(as_text=True)
        assert sign_ins(users["teacher"]) == 1  # the expired one was tidied up at this sign-in

import pytest

from booking.accounts.models import Role, User
from booking.extensions import db
from tests.conftest import NOW, PASSWORD


def test_user_signs_in_and_sees_their_dashboard(client, users):
    response = client.post("/login", data={"email": "Teacher@Example.org ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert users["teacher"].name in page
    assert "OBS De Regenboog" in page


def test_sign_in_returns_to_the_page_that_asked_for_it(client, users):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login?next=%2Faccount" in response.headers["Location"]
    response = client.post("/login?next=/account", data={"email": users["teacher"].email, "password": PASSWORD})
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(client, users, target):
    response = client.post(f"/login?next={target}", data={"email": users["teacher"].email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "email, password",
    [("teacher@example.org", "wrong-password-123"), ("nobody@example.org", PASSWORD)],
    ids=["wrong password", "unknown email"],
)
def test_wrong_credentials_get_one_generic_error(client, users, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Email address or password is not correct." in page
    assert client.get("/account").status_code == 302


def test_deactivated_user_cannot_sign_in_and_loses_their_session(client, users, login):
    teacher = users["teacher"]
    login(teacher)
    teacher.is_active = False
    db.session.commit()
    assert client.get("/account").status_code == 302
    response = client.post("/login", data={"email": teacher.email, "password": PASSWORD})
    assert "Email address or password is not correct." in response.get_data(as_text=True)


def test_logout_needs_a_post_and_ends_the_session(client, users, login):
    login(users["teacher"])
    assert client.get("/logout").status_code == 200  # a confirmation page, no sign-out by link
    assert client.get("/account").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


def test_remember_me_sets_a_lasting_cookie(client, users):
    client.post("/login", data={"email": users["teacher"].email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def test_login_form_rejects_bad_input_without_error_page(client):
    response = client.post("/login", data={"email": "not-an-email", "password": ""})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter a valid email address" in page
    assert "This field is required." in page
    response = client.post("/login", data={"email": "a" * 300 + "@example.org", "password": "x" * 500})
    assert response.status_code == 200


def test_wrong_passwords_from_one_address_wait_longer_and_longer(client, users):
    import time_machine

    teacher = users["teacher"]
    wrong = {"email": teacher.email, "password": "wrong-password"}
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(3):
            assert client.post("/login", data=wrong).status_code == 200
        refused = client.post("/login", data={"email": teacher.email, "password": PASSWORD})
        assert refused.status_code == 429
        page = refused.get_data(as_text=True)
        assert "Too many sign-in attempts. Wait 1 minute and try again, or choose a new password." in page
        assert 'name="email"' in page and teacher.email in page  # the form is back, filled in
        assert int(refused.headers["Retry-After"]) <= 61
        clock.shift(61)  # after a minute: three more tries, then a quarter of an hour
        for _ in range(3):
            assert client.post("/login", data=wrong).status_code == 200
        clock.shift(61)
        refused = client.post("/login", data=wrong)
        assert refused.status_code == 429
        assert "minutes and try again" in refused.get_data(as_text=True)
        clock.shift(15 * 60)
        assert client.post("/login", data={"email": teacher.email, "password": PASSWORD}).status_code == 302


def test_a_stranger_guessing_cannot_keep_the_owner_out(app, users):
    """The pair of account and address is throttled: the owner signs in from their own network."""
    coordinator = users["coordinator"]
    stranger = app.test_client()
    for _ in range(10):
        stranger.post("/login", data={"email": coordinator.email, "password": "guess"},
                      environ_base={"REMOTE_ADDR": "203.0.113.9"})  # fmt: skip
    assert stranger.post("/login", data={"email": coordinator.email, "password": "guess"},
                         environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 429  # fmt: skip
    owner = app.test_client().post(
        "/login", data={"email": coordinator.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "192.0.2.10"}
    )
    assert owner.status_code == 302


def test_guessing_one_account_from_many_addresses_meets_a_wider_limit(make_app, users):
    app = make_app(RATELIMIT_LOGIN_PER_ACCOUNT="5 per hour")
    teacher = users["teacher"]
    for n in range(5):
        response = app.test_client().post("/login", data={"email": teacher.email, "password": "wrong"},
                                          environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})  # fmt: skip
        assert response.status_code == 200
    response = app.test_client().post(
        "/login", data={"email": teacher.email, "password": "wrong"}, environ_base={"REMOTE_ADDR": "10.0.9.9"}
    )
    assert response.status_code == 429
    # Another account is not affected.
    other = app.test_client().post("/login", data={"email": users["partner"].email, "password": PASSWORD})
    assert other.status_code == 302
    make_app()  # the limiter is shared: back to the default limits for the other tests


def test_login_is_rate_limited_per_address(client, users, make_user):
    accounts = [make_user(Role.TEACHER, users["teacher"].memberships[0].school) for _ in range(21)]
    for user in accounts[:20]:
        assert client.post("/login", data={"email": user.email, "password": "wrong-password"}).status_code == 200
    response = client.post("/login", data={"email": accounts[20].email, "password": PASSWORD})
    assert response.status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(app, users):
    for _ in range(8):
        client = app.test_client()
        assert client.post("/login", data={"email": users["teacher"].email, "password": PASSWORD}).status_code == 302


def test_forms_without_csrf_token_are_refused(make_app, users):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/login", data={"email": users["teacher"].email, "password": PASSWORD})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    # With the token from the form it works.
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": users["teacher"].email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_rate_limits_can_be_shared_through_redis(make_app, users):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    apps = [make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15") for _ in range(2)]
    from booking.extensions import limiter

    with apps[0].app_context():
        limiter.reset()
    email = users["teacher"].email
    for attempt in range(3):
        client = apps[attempt % 2].test_client()
        assert client.post("/login", data={"email": email, "password": "wrong"}).status_code == 200
    # The second instance knows about the attempts made at the first.
    try:
        assert apps[1].test_client().post("/login", data={"email": email, "password": PASSWORD}).status_code == 429
    finally:
        with apps[0].app_context():
            limiter.reset()
        make_app()  # the limiter is shared: back to in-memory storage for the other tests


def test_passwords_are_stored_hashed(users):
    teacher = db.session.get(User, users["teacher"].id)
    assert PASSWORD not in teacher.password_hash
    assert teacher.check_password(PASSWORD)


def test_rate_limit_uses_the_forwarded_address_only_behind_a_trusted_proxy(make_app, users):
    def attempts_until_limited(app, forwarded_for):
        client = app.test_client()
        for attempt in range(25):
            response = client.post(
                "/login",
                data={"email": f"nobody{attempt}@example.org", "password": "wrong"},
                headers={"X-Forwarded-For": forwarded_for(attempt)},
            )
            if response.status_code == 429:
                return attempt
        return None

    from booking.extensions import limiter

    behind_proxy = make_app(PROXY_COUNT=1)
    # Each client address behind the proxy gets its own allowance.
    assert attempts_until_limited(behind_proxy, lambda n: f"198.51.100.{n}") is None
    limiter.reset()
    # Without a trusted proxy, a forged header does not escape the limit on the real address.
    direct = make_app()
    assert attempts_until_limited(direct, lambda n: f"198.51.100.{n}") == 20

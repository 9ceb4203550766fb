"""Two people doing the same thing at the same moment, through separate server processes: the
database's unique constraints decide, and the one who comes second gets a message, never a 500."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import func, select

from booking.accounts import services as accounts
from booking.accounts.models import Membership, Role, User
from booking.extensions import db
from booking.organisations.models import School
from tests.bookings.test_race import Browser, _fire, _serve
from tests.conftest import PASSWORD
from tests.processes import serving

# The server processes (tests/bookings/test_race.py's) run on the tests' clock: so does the test body.
pytestmark = pytest.mark.usefixtures("clock")

PROCESSES = 3
AT_ONCE = 4  # requests fired together, spread over the processes
ROUNDS = 3


@pytest.fixture(scope="module")
def servers(db_url):
    """Several OS processes serving the app on the test database (started once for the module)."""
    with serving(_serve, db_url, PROCESSES) as bases:
        yield bases


def _invitation_link(inviter, email, organisation) -> str:
    with current_app.test_request_context():
        invitation = accounts.invite(db.session.get(User, inviter.id), email, db.session.get(School, organisation.id))
        db.session.commit()
        return f"/invitations/{accounts.invitation_token(invitation)}"


def _count(query) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_create_my_account_twice_at_once_makes_one_account(servers, users, school, round_):
    email = f"new.teacher{round_}@example.org"
    link = _invitation_link(users["coordinator"], email, school)
    form = {"name": "Nieuwe Leerkracht", "password": PASSWORD, "confirm": PASSWORD, "submit": "Create my account"}
    browsers = [Browser(servers[n % len(servers)]) for n in range(AT_ONCE)]

    results = _fire([(browser, link, form) for browser in browsers])

    assert all(status < 500 for status, _ in results), [status for status, _ in results]
    assert _count(select(User).where(User.email == email)) == 1
    assert _count(select(Membership).join(User).where(User.email == email, Membership.school_id == school.id)) == 1
    welcomed = [page for _, page in results if "Your account is ready." in page]
    # A request that read the invitation just before the winner committed and looked for the account
    # just after is told the account exists and to sign in: as right an answer as "used".
    told = ("This invitation has already been used.", f"There is already an account for {email}.")
    used = [page for _, page in results if any(text in page for text in told)]
    assert (len(welcomed), len(used)) == (1, AT_ONCE - 1), [page[page.find("<main") :][:400] for _, page in results]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_accept_invitation_clicked_twice_at_once_joins_once(servers, users, make_school, round_):
    other_school = make_school(f"CBS Het Kompas {round_}")
    teacher = users["teacher"]
    link = _invitation_link(users["coordinator"], teacher.email, other_school)
    first = Browser(servers[0])
    first.post("/login", {"email": teacher.email, "password": PASSWORD})
    browsers = []
    for n in range(AT_ONCE):  # one signed-in browser whose clicks land on different processes
        browser = Browser(servers[n % len(servers)])
        browser.opener = first.opener
        browsers.append(browser)

    results = _fire([(browser, link, {"submit": "Accept invitation"}) for browser in browsers])

    assert all(status < 500 for status, _ in results), [status for status, _ in results]
    members = select(Membership).where(Membership.user_id == teacher.id, Membership.school_id == other_school.id)
    assert _count(members) == 1


@pytest.mark.parametrize(("location", "round_"), [*(("00", n) for n in range(ROUNDS)), ("", 0), ("", 1)])
def test_two_coordinators_adding_the_same_brin_at_once_make_one_school(
    servers, users, region, make_user, location, round_
):
    """With a location number and without one (then the unique index counts no location as one)."""
    coordinators = [users["coordinator"]] + [
        make_user(Role.COORDINATOR, region, email=f"coordinator{round_}-{n}@example.org") for n in range(AT_ONCE - 1)
    ]
    brin = f"9{round_}Z{'Y' if location else 'X'}"
    requests = []
    for n, coordinator in enumerate(coordinators):
        browser = Browser(servers[n % len(servers)])
        status, _ = browser.post("/login", {"email": coordinator.email, "password": PASSWORD})
        assert status == 200
        form = {"name": f"School {n}", "brin": brin, "location_number": location, "municipality": "Utrecht",
                "education_level": "po", "region_id": region.id, "submit": "Save"}  # fmt: skip
        requests.append((browser, "/schools/new", form))

    results = _fire(requests)

    assert all(status < 500 for status, _ in results), [status for status, _ in results]
    assert _count(select(School).where(School.brin == brin)) == 1
    refused = [page for _, page in results if f"A school with BRIN code {brin}{location} already exists." in page]
    assert len(refused) == AT_ONCE - 1

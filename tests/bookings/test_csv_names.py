"""Downloaded files say what they are: the list, whose it is and the day, in the user's language."""

from __future__ import annotations

from booking.accounts.models import Language
from booking.extensions import db


def filename(response) -> str:
    response.get_data()  # read the streamed body before the request's context ends
    return response.headers["Content-Disposition"].split('filename="')[1].rstrip('"')


def test_a_participant_list_is_named_after_its_activity_and_day(app, login, world):
    world.book()
    partner = login(world.people["partner"], c=app.test_client())
    partner.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert filename(partner.get(f"/sessions/{world.session.id}/participants.csv")) == (
        "participants-robots-bouwen-2026-12-23.csv"
    )


def test_the_region_list_is_named_after_the_region_and_today_in_dutch_too(app, login, world):
    world.book()
    world.people["coordinator"].language = Language.NL
    db.session.commit()
    coordinator = login(world.people["coordinator"], c=app.test_client())
    assert filename(coordinator.get("/coordination/bookings.csv")) == "boekingen-regio-utrecht-2026-11-23.csv"

"""Dutch by default, English on request: the user's preference, then the browser, then Dutch."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from booking.accounts.models import Language, User
from booking.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def html_lang(response) -> str:
    return response.get_data(as_text=True).split('<html lang="')[1].split('"')[0]


def test_visitors_get_dutch_by_default(app):
    response = app.test_client().get("/login")
    assert html_lang(response) == "nl"
    assert "Inloggen" in response.get_data(as_text=True)


def test_browser_language_is_respected(app):
    response = app.test_client().get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert html_lang(response) == "en"
    assert "Sign in" in response.get_data(as_text=True)


def test_unsupported_browser_language_falls_back_to_dutch(app):
    assert html_lang(app.test_client().get("/login", headers={"Accept-Language": "fr-FR"})) == "nl"


def test_visitor_switches_language(app):
    client = app.test_client()
    response = client.post("/language?next=/login", data={"language": "en"})
    assert response.headers["Location"] == "/login"
    assert html_lang(client.get("/login")) == "en"
    client.post("/language", data={"language": "nl"})
    assert html_lang(client.get("/login", headers={"Accept-Language": "en"})) == "nl"


def test_unknown_language_is_refused(app):
    assert app.test_client().post("/language", data={"language": "xx"}).status_code == 400


def test_user_preference_beats_the_browser(app, users, login):
    client = app.test_client()
    teacher = users["teacher"]
    teacher.language = Language.NL
    db.session.commit()
    login(teacher, c=client)
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "nl"


def test_switching_language_when_signed_in_saves_the_preference(client, users, login):
    login(users["teacher"])
    client.post("/language", data={"language": "nl"})
    db.session.expire_all()
    assert db.session.get(User, users["teacher"].id).language is Language.NL


def test_user_sets_language_on_the_account_page(client, users, login):
    login(users["teacher"])
    response = client.post("/account", data={"language": "nl", "submit_language": "1"}, follow_redirects=True)
    assert "Je taalkeuze is opgeslagen." in response.get_data(as_text=True)
    assert html_lang(response) == "nl"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_catalogue_is_complete(language, tmp_path):
    """Every string in the code and templates has a translation."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [Path(sys.executable).parent / "pybabel", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        template = read_po(handle)
    with (ROOT / "booking" / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        strings = translated.string if translated else None
        if not translated or translated.fuzzy or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id)
    assert missing == []


def test_form_errors_are_in_dutch_for_dutch_users(app, users, school, login):
    client = app.test_client()
    teacher = users["teacher"]
    teacher.language = Language.NL
    db.session.commit()
    login(teacher, c=client)
    response = client.post(
        f"/schools/{school.id}/classes/new",
        data={"label": "Groep 8B", "school_year": "1999", "grade": "groep-8", "pupils": "0"},
    )
    page = response.get_data(as_text=True)
    assert "Verbeter de velden die hieronder zijn gemarkeerd." in page
    assert "Ongeldige keuze." in page  # WTForms' own message, from its Dutch catalogue
    assert "Een klas heeft tussen 1 en 60 leerlingen." in page


def test_grade_choices_built_at_import_follow_the_users_language(client, users, login):
    """Form classes list the grades when the module is imported; their labels must still translate."""
    login(users["partner"])
    english = client.get("/activities/new").get_data(as_text=True)
    assert "Secondary year 1" in english and "MBO level 4" in english
    from booking.accounts.models import Language
    from booking.extensions import db

    users["partner"].language = Language.NL
    db.session.commit()
    dutch = client.get("/activities/new").get_data(as_text=True)
    assert "VO leerjaar 1" in dutch and "MBO-niveau 4" in dutch
    assert "Secondary year" not in dutch

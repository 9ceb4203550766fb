"""Browser tests: the real app on a local port, driven by the system Chromium through Playwright.

Every test in this folder is marked ``browser``. Without /usr/bin/chromium they are skipped, unless
``REQUIRE_BROWSER=1`` is set (CI), in which case they fail. The live server runs on its own SQLite
file with the demo data; each test gets a fresh browser context (no cookies), so it signs in itself.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from booking.demo import DEMO_PASSWORD
from tests.conftest import free_port

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent.parent / "screenshots"


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").strip() == "1"


def _in_this_folder(item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(
        reason=f"Chromium not found at {CHROMIUM}; install it (apt-get install chromium) to run the browser tests"
    )
    for item in items:
        if not _in_this_folder(item):
            continue
        item.add_marker(pytest.mark.browser)
        if not CHROMIUM.exists() and not _browser_required():
            item.add_marker(skip)


# Live server ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server():
    """The app with the demo data, served on 127.0.0.1 in a background thread; yields its base URL."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from booking import create_app
    from booking.demo import load_demo
    from booking.extensions import db, limiter

    directory = tempfile.mkdtemp(prefix="techniekrooster-browser-")
    # Flask-Limiter keeps ``enabled`` on the one shared extension object, so RATELIMIT_ENABLED=False
    # would switch rate limiting off for every other app in this pytest session. Put it back right
    # away: the live app was never registered with the limiter, so it still counts no failed logins.
    limiter_was_enabled = limiter.enabled
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/browser.sqlite",
            "WTF_CSRF_ENABLED": True,
            "OUTBOX_SEND_AFTER_REQUEST": False,
            "RATELIMIT_ENABLED": False,
        },
    )
    limiter.enabled = limiter_was_enabled
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        db.session.remove()

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(directory, ignore_errors=True)


# Browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"REQUIRE_BROWSER=1 but Chromium is not installed at {CHROMIUM}.", pytrace=False)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


# Helpers -------------------------------------------------------------------------------------


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG as screenshots/<name>.png (the folder is git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Open the login page, fill in the form and submit it; waits for the next page to load."""
    page.goto(f"{base_url}/login")
    form = page.locator("main form:has(input[name=password])")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("[type=submit]").click()


def set_language(page, code: str) -> None:
    """Press NL or EN in the header language switch and wait until the page is in that language."""
    from playwright.sync_api import expect

    with page.expect_navigation():
        page.locator(f"form.language-switch button[name=language][value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)

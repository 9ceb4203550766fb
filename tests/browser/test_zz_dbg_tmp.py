from tests.browser.conftest import sign_in


def test_x(page, live_server):
    sign_in(page, live_server, "partner@example.org")
    page.goto(f"{live_server}/activities/new")
    print(page.locator("label[for=title]").evaluate("e => e.outerHTML"))
    print(page.locator("#title").evaluate("e => e.outerHTML"))
    print(page.get_by_label("Title").count(), page.get_by_label("Titel").count())
    print(page.locator("fieldset").first.evaluate("e => e.outerHTML")[:3000])

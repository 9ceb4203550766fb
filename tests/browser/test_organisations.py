"""Organisations through a real browser: a coordinator invites a teacher, who joins and adds a class."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, set_language, sign_in


def test_coordinator_invites_a_teacher_who_joins_and_adds_a_class(browser, live_server):
    coordinator = browser.new_context(viewport={"width": 1280, "height": 800})
    page = coordinator.new_page()
    sign_in(page, live_server, "coordinator@example.org")
    set_language(page, "en")
    page.get_by_role("link", name="Schools").first.click()
    page.get_by_role("link", name="CBS Het Kompas").click()
    page.get_by_label("Email address of the person to invite").fill("nieuwe.juf@kompas.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".flash-success")).to_contain_text("Invitation sent to nieuwe.juf@kompas.example")
    screenshot(page, "school-page-coordinator-en")

    # The invitation arrives in the development mailbox; the invitee opens its link.
    page.goto(f"{live_server}/dev/mailbox")
    page.get_by_role("link", name="Invitation to Techniekrooster").first.click()
    link = page.locator(".mail-body a[href*='/invitations/']").first.get_attribute("href")
    set_language(page, "nl")  # leave the coordinator as the demo had them
    coordinator.close()

    invitee = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
    page = invitee.new_page()
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Welkom bij Techniekrooster")
    page.get_by_label("Je naam").fill("Nina Nieuw")
    page.locator("input[name=password]").fill("kort")
    page.locator("input[name=confirm]").fill("kort")
    page.locator("main form [type=submit]").click()
    expect(page.locator(".field.has-error .error").first).to_contain_text("10 tekens")
    screenshot(page, "invitation-accept-error-nl")
    page.locator("input[name=password]").fill("een lang nieuw wachtwoord")
    page.locator("input[name=confirm]").fill("een lang nieuw wachtwoord")
    page.locator("main form [type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Welkom, Nina Nieuw")

    # She adds her class; a bad number of pupils is explained first.
    page.get_by_role("link", name="Klas toevoegen").click()
    page.get_by_label("Naam van de klas").fill("Groep 6/7")
    page.get_by_label("Leerjaar").select_option("groep-7")
    page.get_by_label("Aantal leerlingen").fill("0")
    page.locator("main form [type=submit]").click()
    expect(page.locator(".field.has-error .error")).to_contain_text("tussen 1 en 60 leerlingen")
    screenshot(page, "class-form-error-nl")
    page.get_by_label("Aantal leerlingen").fill("26")
    page.locator("main form [type=submit]").click()
    expect(page.locator("table")).to_contain_text("Groep 6/7")
    screenshot(page, "school-page-teacher-nl")
    invitee.close()


def test_admin_sees_the_region_with_its_coordinators(page, live_server):
    sign_in(page, live_server, "admin@example.org")
    set_language(page, "en")
    page.get_by_role("link", name="Regions").first.click()
    page.get_by_role("link", name="Regio Utrecht").click()
    expect(page.locator("#members-heading")).to_have_text("Coordinators")
    expect(page.get_by_role("button", name="Send invitation")).to_be_visible()
    screenshot(page, "region-page-admin-en")
    set_language(page, "nl")

"""The language switch in every page's header: a member reading in French switches to
English, the choice follows them from page to page, and switching back gives French."""

import re

from rers_core.testing.factories import ListingFactory, MemberFactory
from tests.browser.support import expect, log_in


def test_the_language_switch_changes_every_page_and_back(page, network):
    member = MemberFactory(network=network)
    listing = ListingFactory(network=network, title="Tricot pour débutants")
    log_in(page, member.user.email)
    page.goto(f"/{network.slug}/listings/{listing.pk}/")
    switcher = page.locator("form.language-switcher")
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(menu.get_by_role("link", name="Offres et demandes")).to_be_visible()
    expect(switcher.get_by_role("button", name="Français")).to_have_attribute(
        "aria-pressed", "true"
    )

    switcher.get_by_role("button", name="English").click()

    # The same page, now in English.
    expect(page).to_have_url(re.compile(rf"/{network.slug}/listings/{listing.pk}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tricot pour débutants")
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link", name="Offers and requests")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(switcher.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")

    # The choice follows the member to other pages.
    menu.get_by_role("link", name="Calendar").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    switcher.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

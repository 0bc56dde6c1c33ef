"""Pages that are not the portal's own templates still work under the site's
Content-Security-Policy (no inline script): the API's schema browser and the administration.
Any refusal reported by the browser fails the test (see ``open_page`` in conftest.py)."""

from rers_core.testing.factories import UserFactory
from tests.browser.support import PASSWORD, expect


def test_the_api_schema_browser_works_without_inline_scripts(page):
    page.goto("/api/schema/ui/")
    operation = page.get_by_text("/api/v1/networks/{slug}/listings/", exact=True).first
    expect(operation).to_be_visible()


def test_the_administration_works_without_inline_scripts(page):
    admin = UserFactory(is_staff=True, is_superuser=True)
    page.goto("/admin/")
    page.get_by_label("Nom d’utilisateur").fill(admin.get_username())
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Réseaux").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("réseau")

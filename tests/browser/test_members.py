"""A facilitator registers someone met at a drop-in session; a member leaves the network,
after which their name is gone and their account no longer opens."""

from rers_core.models import Member
from rers_core.testing.factories import (
    PASSWORD,
    FacilitatorFactory,
    ListingFactory,
    MemberFactory,
)
from tests.browser.support import expect, guide_picture, log_in


def test_a_facilitator_registers_a_visitor_and_records_the_charter(page, network):
    facilitator = FacilitatorFactory(network=network)
    log_in(page, facilitator.user.email)
    page.goto(f"/{network.slug}/")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Animation"
    ).click()
    page.get_by_role("link", name="Inscrire une personne en découverte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscrire une personne en découverte")
    page.get_by_label("Nom que les autres membres verront").fill("Dominique")
    page.get_by_label("E-mail").fill("dominique@example.org")
    page.get_by_label("Sa présentation, avec ses propres mots").fill(
        "Rencontrée à la permanence du lundi ; aime le jardinage."
    )
    guide_picture(page, "animateur-inscrire-personne")
    page.get_by_role("button", name="Inscrire", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dominique")
    expect(page.get_by_text("Vous agissez au nom de cette personne")).to_be_visible()
    person = Member.objects.get(network=network, display_name="Dominique")
    assert person.status == Member.Status.VISITOR

    page.get_by_role("link", name="Lire et accepter la charte").click()
    page.get_by_label("Cette personne a lu (ou entendu) la charte").check()
    page.get_by_role("button", name="Accepter la charte").click()
    expect(page.get_by_text("La charte est acceptée.")).to_be_visible()
    person.refresh_from_db()
    assert person.status == Member.Status.MEMBER


def test_a_member_withdraws_and_can_no_longer_log_in(open_page, network):
    leaving = MemberFactory(network=network, display_name="Hortense")
    email = leaving.user.email
    ListingFactory(member=leaving, title="Tricoter une écharpe")
    facilitator = FacilitatorFactory(network=network)

    page = open_page()
    log_in(page, email)
    page.goto(f"/{network.slug}/me/")
    page.get_by_role("region", name="Données et départ").get_by_role(
        "link", name="Quitter le réseau"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quitter le réseau")
    # Without ticking the box, nothing happens.
    page.get_by_role("button", name="Quitter le réseau").click()
    expect(page.get_by_role("alert")).to_contain_text("Cochez la case pour confirmer.")
    page.get_by_label("J’ai compris, et je veux quitter le réseau").check()
    page.get_by_role("button", name="Quitter le réseau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Au revoir, et merci")

    # The account is gone.
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("ne correspondent à aucun compte")).to_be_visible()

    # Nobody sees the name or the offer any more.
    staff = open_page()
    log_in(staff, facilitator.user.email)
    staff.goto(f"/{network.slug}/manage/members/")
    expect(staff.get_by_role("main")).not_to_contain_text("Hortense")
    staff.goto(f"/{network.slug}/listings/")
    expect(staff.get_by_role("main")).not_to_contain_text("Tricoter une écharpe")
    leaving.refresh_from_db()
    assert (leaving.status, leaving.display_name, leaving.user_id) == ("withdrawn", "", None)


def test_closing_a_listing_for_good_asks_first(page, network):
    """No script dialog (the CSP allows none): a page asks, and "no" changes nothing."""
    member = MemberFactory(network=network)
    listing = ListingFactory(member=member, title="Tricoter une écharpe")
    log_in(page, member.user.email)
    page.goto(f"/{network.slug}/listings/{listing.pk}/")

    page.get_by_role("link", name="Clôturer définitivement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Clôturer définitivement « Tricoter une écharpe » ?"
    )
    expect(page.get_by_role("main")).to_contain_text("Vous ne pourrez plus la rouvrir.")
    page.get_by_role("link", name="Non, revenir").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tricoter une écharpe")
    listing.refresh_from_db()
    assert listing.status == "open"

    page.get_by_role("link", name="Clôturer définitivement").click()
    page.get_by_role("button", name="Oui, clôturer").click()
    expect(page.get_by_text("C’est clôturé.")).to_be_visible()
    listing.refresh_from_db()
    assert listing.status == "closed"

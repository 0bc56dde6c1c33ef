"""A newcomer joins a network in a real browser: sign up, read and accept the charter,
choose how people may contact them; then posts an offer. In French, as people see it."""

from rers_core.models import ContactConsent, Listing, Member
from rers_core.testing.factories import MemberFactory
from tests.browser.support import expect, guide_picture, log_in

EMAIL = "camille@example.org"
PASSWORD = "une-phrase-de-passe-assez-longue"
NETWORK_GROUP = "Les membres de mon réseau peuvent me contacter…"
NEIGHBOURS_GROUP = "Les membres des réseaux voisins peuvent me contacter…"
THROUGH_FACILITATOR = "uniquement par l’intermédiaire de l’équipe d’animation"


def test_a_visitor_signs_up_accepts_the_charter_and_chooses_contacts(page, network):
    page.goto(f"/{network.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(network.name)
    page.get_by_role("main").get_by_role("link", name="S’inscrire").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()

    # Straight on to the network's join page, the charter in full.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Rejoindre {network.name}")
    expect(page.get_by_text("Votre compte est prêt.")).to_be_visible()
    expect(page.locator(".charter")).to_contain_text("Chacun sait plus qu'il ne le croit.")
    page.get_by_label("Nom que les autres membres verront").fill("Camille")
    page.get_by_label("Votre présentation, avec vos propres mots").fill(
        "J’aime transmettre ce que je sais de la cuisine."
    )
    page.get_by_label("J’accepte librement la charte").check()
    page.get_by_role("group", name=NETWORK_GROUP).get_by_label("par e-mail").check()
    page.get_by_role("group", name=NEIGHBOURS_GROUP).get_by_label(THROUGH_FACILITATOR).check()
    guide_picture(page, "membre-adhesion")
    page.get_by_role("button", name="Rejoindre").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.get_by_text("Vous êtes maintenant membre de")).to_be_visible()
    expect(page.get_by_text("Version 1 acceptée.")).to_be_visible()
    choices = page.get_by_role("region", name="Choix de contact")
    expect(choices).to_contain_text("Les membres de mon réseau\u00a0: e-mail")
    expect(choices).to_contain_text(
        "Les membres des réseaux voisins\u00a0: uniquement par l’équipe"
    )

    member = Member.objects.get(network=network, user__email=EMAIL)
    assert member.status == Member.Status.MEMBER
    assert member.display_name == "Camille"
    assert {
        (c.audience, c.channel)
        for c in ContactConsent.objects.filter(member=member, revoked_at__isnull=True)
    } == {("network", "email"), ("federated", "via_facilitator")}

    # The contact choices can change at any time; their history stays visible.
    choices.get_by_role("link", name="Modifier les choix de contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes choix de contact")
    page.get_by_role("group", name=NETWORK_GROUP).get_by_label("par téléphone").check()
    page.get_by_role("button", name="Enregistrer les choix de contact").click()
    expect(page.get_by_text("Les choix de contact sont enregistrés.")).to_be_visible()
    assert ContactConsent.objects.filter(
        member=member, channel="phone", audience="network", revoked_at__isnull=True
    ).exists()

    # The charter page says it is accepted.
    page.goto(f"/{network.slug}/me/charter/")
    expect(page.get_by_text("Vous avez accepté cette version de la charte.")).to_be_visible()


def test_a_member_posts_an_offer(page, network):
    member = MemberFactory(network=network, display_name="Dominique")
    log_in(page, member.user.email)
    page.goto(f"/{network.slug}/me/")
    page.get_by_role("link", name="Proposer une offre ou une demande").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle offre ou demande")
    page.get_by_label("Une offre").check()
    page.get_by_label("Savoir-faire").check()
    page.get_by_label("Domaine").select_option(label="Cuisine")
    page.get_by_label("Titre").fill("Cuisiner pour six avec un petit budget")
    page.get_by_label("Description").fill("Je montre mes recettes, pas à pas.")
    page.get_by_label("Disponibilités").fill("Le mercredi après-midi")
    page.get_by_role("button", name="Publier").click()

    expect(page.get_by_text("C’est publié.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Cuisiner pour six avec un petit budget")
    listing = Listing.objects.get(member=member)
    assert (listing.direction, listing.kind, listing.domain.name, listing.status) == (
        "offer",
        "know_how",
        "Cuisine",
        "open",
    )

    # Other members find it among the offers and requests.
    page.goto(f"/{network.slug}/listings/")
    page.get_by_role("link", name="Cuisiner pour six avec un petit budget").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cuisiner pour six avec un petit budget"
    )

"""Two networks of the test site become neighbours through their coordinators' pages (the
federation requests go in-process, signed as between two sites); an event one of them
schedules for its neighbours then shows in the other's calendar, named as theirs."""

import re
from datetime import timedelta

from django.utils import timezone

from rers_core.models import Event
from rers_core.testing.factories import CoordinatorFactory, MemberFactory
from rers_federation.models import Peer
from tests.browser.support import expect, guide_picture, log_in


def _peers_page(page, network):
    page.goto(f"/{network.slug}/manage/")
    page.get_by_role("navigation", name="Animation").get_by_role(
        "link", name="Réseaux voisins"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réseaux voisins")


def test_a_federated_event_shows_in_the_neighbours_calendar(
    open_page, live_server, network, other_network
):
    ours = CoordinatorFactory(network=network, display_name="Camille")
    theirs = CoordinatorFactory(network=other_network, display_name="Yanis")
    neighbour = MemberFactory(network=other_network, display_name="Zoé")

    # Our coordinator checks the neighbour's address, compares fingerprints, and asks.
    camille = open_page()
    log_in(camille, ours.user.email)
    _peers_page(camille, network)
    camille.get_by_role("link", name="Demander un partenariat à un réseau").click()
    camille.get_by_label("Adresse du réseau voisin").fill(
        f"{live_server.url}/federation/{other_network.slug}/"
    )
    camille.get_by_role("button", name="Vérifier cette adresse").click()
    preview = camille.get_by_role("region", name="Est-ce bien le bon réseau ?")
    expect(preview).to_contain_text(other_network.name)
    guide_picture(camille, "coordination-partenariat")
    camille.get_by_role("button", name="Envoyer la demande de partenariat").click()
    expect(camille.get_by_text("La demande de partenariat a été envoyée")).to_be_visible()

    # Their coordinator sees the request with the same fingerprint, and accepts it.
    yanis = open_page()
    log_in(yanis, theirs.user.email)
    _peers_page(yanis, other_network)
    request = yanis.get_by_role("article", name=network.name)
    expect(request).to_contain_text(Peer.objects.get(network=other_network).fingerprint)
    request.get_by_role("button", name=f"Accepter : {network.name}").click()
    expect(yanis.get_by_text(f"{network.name} est désormais un réseau voisin.")).to_be_visible()
    assert Peer.objects.get(network=network).status == Peer.Status.ACTIVE

    # Our coordinator schedules a drop-in session for both networks.
    day = timezone.localdate() + timedelta(days=3)
    camille.goto(f"/{network.slug}/calendar/")
    camille.get_by_role("link", name="Programmer un événement").click()
    camille.get_by_label("Type d’événement").select_option(label="Permanence")
    camille.get_by_label("Titre").fill("Permanence numérique partagée")
    camille.get_by_label(re.compile(r"^Adresse")).fill("Médiathèque, 2 rue du Port")
    camille.get_by_label("Date (la première").fill(day.isoformat())
    camille.get_by_label("Heure de début").fill("10:00")
    camille.get_by_label("Heure de fin").fill("12:00")
    camille.get_by_label("Mon réseau et les réseaux voisins").check()
    camille.get_by_role("button", name="Ajouter au calendrier").click()
    expect(camille.get_by_text("L’événement est dans le calendrier.")).to_be_visible()
    assert Event.objects.filter(network=other_network, title__contains="partagée").exists()

    # A member of the neighbouring network finds it in their calendar, named as ours.
    zoe = open_page()
    log_in(zoe, neighbour.user.email)
    zoe.goto(f"/{other_network.slug}/calendar/?view=list")
    entry = zoe.locator(".occurrence", has_text="Permanence numérique partagée")
    expect(entry).to_contain_text(f"Organisé par {network.name}")
    entry.get_by_role("link").click()
    expect(zoe.get_by_role("heading", level=1)).to_have_text("Permanence numérique partagée")
    expect(zoe.get_by_role("main")).to_contain_text(f"Organisé par {network.name}")
    expect(zoe.get_by_role("region", name="Inscription")).to_contain_text(
        f"Votre inscription sera transmise à {network.name}"
    )

    # The technical follow-up shows the neighbour, reached without failure.
    _peers_page(camille, network)
    camille.get_by_role("link", name=re.compile("Suivi technique")).click()
    expect(camille.get_by_role("heading", level=1)).to_have_text(
        "Suivi technique des réseaux voisins"
    )
    expect(camille.get_by_role("article", name=other_network.name)).to_be_visible()
    guide_picture(camille, "coordination-suivi-technique")

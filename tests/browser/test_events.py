"""Registering for an event with one seat: the first person gets it, the second waits;
when the first cancels, the second gets the seat and the facilitator notes attendance."""

import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from rers_core.models import Event, Registration
from rers_core.services.events import event_create
from rers_core.testing.factories import FacilitatorFactory, MemberFactory
from tests.browser.support import expect, guide_picture, log_in


def _open_the_date(page, network, title):
    page.goto(f"/{network.slug}/")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Calendrier"
    ).click()
    page.get_by_role("link", name=re.compile("prochains jours")).click()
    page.get_by_role("link", name=re.compile(title)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_one_seat_a_waiting_list_and_a_promotion(open_page, network):
    facilitator = FacilitatorFactory(network=network, display_name="Dominique")
    first = MemberFactory(network=network, display_name="Fatou")
    second = MemberFactory(network=network, display_name="Gaston", email="gaston@example.org")
    start = timezone.localtime(timezone.now() + timedelta(days=2)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    event_create(
        network=network,
        acting=facilitator.user,
        kind=Event.Kind.COLLECTIVE_EXCHANGE,
        title="Atelier CV",
        description="Venez avec votre CV, même inachevé.",
        place="Maison des associations, salle 2",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=1,
    )

    fatou = open_page()
    log_in(fatou, first.user.email)
    _open_the_date(fatou, network, "Atelier CV")
    practical = fatou.get_by_role("region", name="Informations pratiques")
    expect(practical).to_contain_text("1 sur 1")
    fatou.get_by_role("button", name="M’inscrire").click()
    expect(fatou.get_by_text("Vous êtes inscrit·e. À bientôt")).to_be_visible()
    expect(practical).to_contain_text("0 sur 1")

    gaston = open_page()
    log_in(gaston, second.user.email)
    _open_the_date(gaston, network, "Atelier CV")
    gaston.get_by_role("button", name="S’inscrire sur la liste d’attente").click()
    expect(gaston.get_by_text("C’est complet : vous êtes sur liste d’attente.")).to_be_visible()
    expect(gaston.get_by_role("region", name="Inscription")).to_contain_text("(n° 1)")

    # Fatou cannot come after all: Gaston gets her seat, and an email says so.
    fatou.get_by_role("button", name="Annuler mon inscription").click()
    expect(fatou.get_by_text("Votre inscription est annulée.")).to_be_visible()
    expect(fatou.get_by_role("button", name="M’inscrire")).to_have_count(0)
    expect(fatou.get_by_role("button", name="S’inscrire sur la liste d’attente")).to_be_visible()
    assert any(m.to == ["gaston@example.org"] for m in mail.outbox)
    gaston.reload()
    expect(gaston.get_by_role("region", name="Inscription")).to_contain_text("Vous êtes inscrit·e.")
    assert Registration.objects.get(member=second).status == Registration.Status.CONFIRMED
    assert Registration.objects.get(member=first).status == Registration.Status.CANCELLED

    # The facilitator sees who comes, and notes that Gaston came.
    staff = open_page()
    log_in(staff, facilitator.user.email)
    _open_the_date(staff, network, "Atelier CV")
    registered = staff.get_by_role("region", name="1 personne inscrite")
    expect(registered.get_by_role("row", name=re.compile("Gaston"))).to_contain_text(
        "non renseignée"
    )
    expect(registered).to_contain_text("Personne n’est en attente.")
    registered.get_by_role("button", name="Présent·e Gaston").click()
    expect(staff.get_by_text("Gaston : présence notée.")).to_be_visible()
    guide_picture(staff, "animateur-presences")
    assert Registration.objects.get(member=second).attended is True

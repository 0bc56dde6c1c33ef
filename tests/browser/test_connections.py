"""A facilitator puts two members in contact; each accepts, then sees how to reach the
other, through the channels they chose, and nothing more."""

import re

from django.core import mail

from rers_core.models import Connection
from rers_core.services.members import consent_grant
from rers_core.testing.factories import FacilitatorFactory, ListingFactory, MemberFactory
from tests.browser.support import expect, guide_picture, log_in, log_out


def test_a_facilitator_proposes_a_connection_both_accept_and_see_each_others_contact(
    open_page, network
):
    numerique = network.domains.get(slug="numerique")
    alice = MemberFactory(network=network, display_name="Alice", phone="06 11 22 33 44")
    bruno = MemberFactory(network=network, display_name="Bruno", email="bruno@example.org")
    consent_grant(member=alice, channel="phone", audience="network", acting=alice.user)
    consent_grant(member=bruno, channel="email", audience="network", acting=bruno.user)
    request = ListingFactory(
        member=alice,
        direction="request",
        domain=numerique,
        title="Apprendre à utiliser un tableur",
        description="Faire mes comptes avec un tableur.",
    )
    ListingFactory(
        member=bruno,
        direction="offer",
        domain=numerique,
        title="Le tableur pas à pas",
        description="Je montre comment faire ses comptes avec un tableur.",
    )
    facilitator = FacilitatorFactory(network=network, display_name="Dominique")

    staff = open_page()
    log_in(staff, facilitator.user.email)
    staff.goto(f"/{network.slug}/")
    staff.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Animation"
    ).click()
    staff.get_by_role("navigation", name="Animation").get_by_role(
        "link", name="Mises en relation suggérées"
    ).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Mises en relation suggérées")
    suggestion = staff.get_by_role("region", name=request.title)
    expect(suggestion).to_contain_text("Le tableur pas à pas")
    guide_picture(staff, "animateur-mises-en-relation-suggerees")
    suggestion.get_by_role(
        "button", name="Proposer cette mise en relation entre Alice et Bruno"
    ).click()
    expect(
        staff.get_by_text("La mise en relation entre Alice et Bruno est proposée.")
    ).to_be_visible()
    connection = Connection.objects.get()
    assert connection.status == Connection.Status.PROPOSED

    # Alice finds it in her space; nothing is shared yet.
    alice_page = open_page()
    log_in(alice_page, alice.user.email)
    alice_page.goto(f"/{network.slug}/me/")
    alice_page.get_by_role("link", name="Mes mises en relation").click()
    alice_page.get_by_role("link", name="Apprendre à utiliser un tableur").click()
    expect(alice_page.get_by_role("heading", level=1)).to_have_text(
        "Mise en relation entre Alice et Bruno"
    )
    reach = alice_page.get_by_role("region", name="Comment se joindre")
    expect(reach).to_contain_text("Les coordonnées ne sont partagées qu’une fois")
    expect(alice_page.get_by_role("region", name="Votre réponse")).to_contain_text("téléphone")
    guide_picture(alice_page, "membre-mise-en-relation")
    alice_page.get_by_role("button", name="J’accepte la mise en relation").click()
    expect(alice_page.get_by_text("Nous attendons la réponse de l’autre personne.")).to_be_visible()
    expect(reach).not_to_contain_text("bruno@example.org")

    # Bruno follows the link in the email he received.
    [to_bruno] = [m for m in mail.outbox if m.to == ["bruno@example.org"]]
    link = re.search(r"https?://\S+/connections/\d+/", to_bruno.body).group(0)
    bruno_page = open_page()
    bruno_page.goto(link)
    expect(bruno_page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    log_in(bruno_page, bruno.user.email, go=False)
    expect(bruno_page.get_by_role("region", name="Votre réponse")).to_contain_text("e-mail")
    bruno_page.get_by_role("button", name="J’accepte la mise en relation").click()
    expect(bruno_page.get_by_text("Les deux personnes ont accepté")).to_have_count(2)
    bruno_reach = bruno_page.get_by_role("region", name="Comment se joindre")
    expect(bruno_reach).to_contain_text("Alice")
    expect(bruno_reach.get_by_role("link", name="06 11 22 33 44")).to_be_visible()
    # Only what Alice chose: her email is not shown.
    expect(bruno_reach).not_to_contain_text(alice.email)

    alice_page.reload()
    expect(reach.get_by_role("link", name="bruno@example.org")).to_be_visible()
    expect(reach).not_to_contain_text(bruno.phone)
    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACCEPTED

    log_out(alice_page)
    alice_page.goto(link)
    expect(alice_page.get_by_role("heading", level=1)).to_have_text("Se connecter")

"""Connections across networks in the portal and the API: asking for a neighbour's offer
from its page, a facilitator proposing one of our offers for a neighbour's request, the
pages of both networks (each labelled with the other network), the exchange, and the JSON.

The two networks of the test site are peered and talk in-process (see ``conftest``); each
page is read as the people of its own network see it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from rers_core.models import Connection, ContactConsent, Exchange, Listing
from rers_core.services import listings as core_listings
from rers_core.testing.factories import FacilitatorFactory, ListingFactory, MemberFactory
from rers_federation.models import Peer
from rers_federation.services.catalogue import listing_uri
from tests.conftest import login
from tests.core.api_support import client_for, net
from tests.core.page_checks import check_page
from tests.federation.test_connections_federated import consent, held_by

FEDERATED = ContactConsent.Audience.FEDERATED


def _as(member, language="en") -> Client:
    return login(Client(HTTP_ACCEPT_LANGUAGE=language), member)


def _url(name, network, *args):
    return reverse(f"rers_core:{name}", args=[network.slug, *args])


def publish(run, member, direction, title, description=""):
    return run(
        core_listings.listing_create,
        member=member,
        acting=member.user,
        direction=direction,
        kind=Listing.Kind.KNOW_HOW,
        domain=member.network.domains.order_by("position").first(),
        title=title,
        description=description,
        visibility=Listing.Visibility.FEDERATED,
    )


def copy_of(listing, network):
    return Listing.objects.get(network=network, origin_uri=listing_uri(listing))


@pytest.fixture
def odile(active_peer, network):
    """Our member: her phone for neighbouring networks, her email for her own only."""
    person = MemberFactory(
        network=network,
        display_name="Odile Martin",
        presentation="Retraitée, ancienne comptable.",
        phone="06 12 34 56 78",
    )
    consent(person, ContactConsent.Channel.PHONE)
    consent(person, ContactConsent.Channel.EMAIL, ContactConsent.Audience.NETWORK)
    return person


@pytest.fixture
def offer(run, odile):
    return publish(
        run,
        odile,
        Listing.Direction.OFFER,
        "Le tableur pour débutants",
        "Faire ses comptes dans une feuille de calcul, les formules de base.",
    )


@pytest.fixture
def karim(active_peer, other_network):
    """A member of the neighbouring network, who chose no channel for neighbours."""
    return MemberFactory(
        network=other_network, display_name="Karim Benali", presentation="Je cherche un emploi."
    )


@pytest.fixture
def asked(run, other_network, karim, offer):
    """Karim asked for Odile's offer from its page on his network."""
    copy = copy_of(offer, other_network)
    response = run(
        _as(karim).post,
        _url("connection_propose", other_network),
        {"offer": copy.pk, "message": "Bonjour, je débute."},
    )
    assert response.status_code == 302
    return Connection.objects.get(network=other_network)


def accept(run, member, connection):
    response = run(
        _as(member).post,
        _url("connection_answer", member.network, connection.pk),
        {"answer": "yes"},
    )
    assert response.status_code == 302


# --- Asking for a neighbour's offer -------------------------------------------------------------


def test_a_neighbours_offer_page_has_the_ask_button_and_says_what_goes(other_network, karim, offer):
    copy = copy_of(offer, other_network)
    page = check_page(_as(karim).get(_url("listing_detail", other_network, copy.pk)))
    panel = page.split('id="ask-title"')[1].split("</section>")[0]
    assert "Ask to be put in contact" in panel and f'name="offer" value="{copy.pk}"' in panel
    assert "Your request goes to RERS de Souday, which asks the person who offers it." in panel
    assert "You have not chosen to be known by neighbouring networks" in panel
    assert "only our network’s facilitators are named" in panel
    assert _url("consents", other_network) in panel
    assert "Odile" not in page

    consent(karim, ContactConsent.Channel.VIA_FACILITATOR)
    page = check_page(_as(karim).get(_url("listing_detail", other_network, copy.pk)))
    assert "You chose to be known by neighbouring networks" in page


def test_asking_from_a_neighbours_offer_page_reaches_its_network(
    run, network, other_network, karim, offer
):
    copy = copy_of(offer, other_network)
    response = run(
        _as(karim).post,
        _url("connection_propose", other_network),
        {"offer": copy.pk, "message": "Bonjour, je débute."},
        follow=True,
    )
    page = check_page(response)
    asked = Connection.objects.get(network=other_network)
    assert response.redirect_chain[-1][0] == _url("connection_detail", other_network, asked.pk)
    assert (asked.requester, asked.offerer, asked.remote_side) == (karim, None, "offerer")
    assert "Your request is sent to RERS de Souday, which asks the person concerned." in page
    assert "With RERS de Souday, a neighbouring network" in page
    assert "Connection between Karim Benali and a member of RERS de Souday" in page
    assert "answers through RERS de Souday, their own network" in page
    # The offer is our copy: a page of this network.
    assert _url("listing_detail", other_network, copy.pk) in page
    assert held_by(network, asked).offer == offer

    # Once asked, the offer's page shows the connection instead of a second button.
    page = check_page(_as(karim).get(_url("listing_detail", other_network, copy.pk)))
    assert "Ask to be put in contact" not in page.split("</h1>")[1]
    assert _url("connection_detail", other_network, asked.pk) in page


def test_asking_a_network_that_cannot_be_reached_says_so(run, network, other_network, karim, offer):
    copy = copy_of(offer, other_network)
    Peer.objects.filter(network=other_network).update(status=Peer.Status.SUSPENDED)
    response = run(
        _as(karim).post, _url("connection_propose", other_network), {"offer": copy.pk}, follow=True
    )
    page = check_page(response)
    assert "RERS de Souday cannot be reached at the moment: try again later." in page
    assert not Connection.objects.exists()


# --- The pages of both networks ----------------------------------------------------------------


def test_the_offerer_sees_who_asks_and_answers_with_her_choices_for_neighbours(
    network, other_network, odile, asked
):
    theirs = held_by(network, asked)
    browser = _as(odile)
    page = check_page(browser.get(_url("connections", network)))
    row = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "a member of RERS voisin" in row and "Odile Martin" in row
    assert "With RERS voisin, a neighbouring network" in row
    assert "Le tableur pour débutants" in row

    page = check_page(browser.get(_url("connection_detail", network, theirs.pk)))
    assert "Connection between a member of RERS voisin and Odile Martin" in page
    assert "With RERS voisin, a neighbouring network" in page
    # Karim is not known by neighbours: no name, no presentation, no message.
    assert "Karim" not in page and "emploi" not in page and "débute" not in page
    answer = page.split('id="answer-title"')[1].split("</section>")[0]
    assert "You chose to be contacted by members of neighbouring networks:" in answer
    assert "<li>phone</li>" in answer and "email" not in answer
    assert "I accept to be put in contact" in answer


def test_a_consenting_askers_name_and_presentation_are_shown_with_their_network(
    run, network, other_network, karim, offer
):
    consent(karim, ContactConsent.Channel.VIA_FACILITATOR)
    copy = copy_of(offer, other_network)
    run(_as(karim).post, _url("connection_propose", other_network), {"offer": copy.pk})
    theirs = Connection.objects.get(network=network)
    facilitator = FacilitatorFactory(network=network)
    page = check_page(_as(facilitator).get(_url("connection_detail", network, theirs.pk)))
    assert 'Karim Benali (looking for it) <span class="meta">· RERS voisin</span>' in page
    assert "How Karim Benali presents themselves" in page and "Je cherche un emploi." in page
    # Only our member's answer can be recorded here, and only ours has a member page.
    record = page.split('id="record-title"')[1].split("</section>")[0]
    assert 'name="side" value="offerer"' in record
    assert 'name="side" value="requester"' not in record
    member_pages = re.findall(r'href="/souday/manage/members/(\d+)/"', page)
    assert member_pages == [str(theirs.offerer_id)]
    page = check_page(_as(facilitator).get(_url("connections", network)))
    assert "Karim Benali" in page and "(RERS voisin)" in page


def test_once_accepted_each_side_sees_the_other_and_facilitators_relay_together(
    run, network, other_network, odile, karim, asked
):
    theirs = held_by(network, asked)
    accept(run, odile, theirs)
    asked.refresh_from_db()
    assert asked.status == Connection.Status.ACCEPTED

    page = check_page(_as(karim).get(_url("connection_detail", other_network, asked.pk)))
    contact = page.split('id="contact-title"')[1].split("</section>")[0]
    assert "Odile Martin" in contact and "06 12 34 56 78" in contact
    assert odile.email not in page
    assert 'Odile Martin (offering it) <span class="meta">· RERS de Souday</span>' in page

    # Karim gave no channel to neighbours: Odile is told facilitators of both networks relay.
    page = check_page(_as(odile).get(_url("connection_detail", network, theirs.pk)))
    assert "the facilitators of both networks will pass your messages on" in page

    facilitator = FacilitatorFactory(network=other_network)
    page = check_page(_as(facilitator).get(_url("connection_detail", other_network, asked.pk)))
    relay = page.split('id="relay-title"')[1].split("</section>")[0]
    assert "the facilitators of both networks pass messages on" in relay
    assert "To reach the facilitators of RERS de Souday:" in relay
    assert f'href="mailto:{network.contact_email}"' in relay


def test_the_exchange_page_names_the_other_person_and_their_network(
    run, network, other_network, odile, karim, asked
):
    accept(run, odile, held_by(network, asked))
    response = run(
        _as(karim).post,
        _url("connection_start_exchange", other_network, asked.pk),
        follow=True,
    )
    page = check_page(response)
    exchange = Exchange.objects.get(connection=asked)
    assert response.redirect_chain[-1][0] == _url("exchange_detail", other_network, exchange.pk)
    participants = page.split('id="participants-title"')[1].split("</section>")[0]
    assert "The other person takes part from RERS de Souday" in participants
    giving = participants.split("Giving")[1].split("Receiving")[0]
    assert "Odile Martin (RERS de Souday)" in giving
    assert "Karim Benali" in participants.split("Receiving")[1]
    assert "Odile Martin (RERS de Souday) has not confirmed yet" in page
    assert "With RERS de Souday, a neighbouring network" in page

    page = check_page(_as(karim).get(_url("exchanges", other_network)))
    assert "With RERS de Souday, a neighbouring network" in page

    # On Odile's side, Karim is a member of RERS voisin.
    mirrored = Exchange.objects.get(connection=held_by(network, asked))
    page = check_page(_as(odile).get(_url("exchange_detail", network, mirrored.pk)))
    assert "a member of RERS voisin" in page.split("Receiving")[1].split("</dd>")[0]


# --- A facilitator proposes across networks ----------------------------------------------------


@pytest.fixture
def karims_request(run, karim):
    return publish(
        run,
        karim,
        Listing.Direction.REQUEST,
        "Apprendre le tableur",
        "Faire ses comptes dans une feuille de calcul avec des formules.",
    )


def test_a_facilitator_proposes_one_of_our_offers_for_a_neighbours_request(
    run, network, other_network, odile, karim, offer, karims_request
):
    copy = copy_of(karims_request, network)
    facilitator = FacilitatorFactory(network=network)
    browser = _as(facilitator)
    page = check_page(browser.get(_url("suggested_connections", network)))
    section = page.split(f'id="request-{copy.pk}"')[1].split("</section>")[0]
    assert "RERS voisin" in section and "Odile Martin" in section
    assert f'name="request" value="{copy.pk}"' in section
    assert f'name="offer" value="{offer.pk}"' in section
    assert "between a member of RERS voisin and Odile Martin" in section

    response = run(
        browser.post,
        _url("connection_propose", network),
        {"request": copy.pk, "offer": offer.pk, "next": _url("suggested_connections", network)},
        follow=True,
    )
    page = check_page(response)
    assert "The connection between a member of RERS voisin and Odile Martin is proposed." in page
    proposed = Connection.objects.get(network=network)
    assert (proposed.requester, proposed.offerer, proposed.remote_side) == (
        None,
        odile,
        "requester",
    )
    # Asked for it now, the pair is no longer suggested.
    assert f'name="request" value="{copy.pk}"' not in page

    theirs = held_by(other_network, proposed)
    assert theirs.requester == karim and theirs.request == karims_request
    page = check_page(_as(karim).get(_url("connection_detail", other_network, theirs.pk)))
    assert "a facilitator of RERS de Souday" in page
    assert "Le tableur pour débutants" in page and "(RERS de Souday)" in page
    assert "I accept to be put in contact" in page
    assert "You have not chosen any way to be contacted by members of neighbouring networks" in page


def test_our_request_can_be_proposed_a_neighbours_offer(run, network, other_network, karim):
    """The other way round: the neighbour's offer among the offers for our request."""
    neighbours_offer = publish(
        run,
        karim,
        Listing.Direction.OFFER,
        "Le tableur pas à pas",
        "Les formules du tableur, pour faire ses comptes.",
    )
    copy = copy_of(neighbours_offer, network)
    camille = MemberFactory(network=network, display_name="Camille")
    wanted = publish(
        run,
        camille,
        Listing.Direction.REQUEST,
        "Apprendre les formules du tableur",
        "Pour faire mes comptes.",
    )
    # Camille herself may ask for it from her request's page.
    page = check_page(_as(camille).get(_url("listing_detail", network, wanted.pk)))
    panel = page.split('id="suggestions-title"')[1].split("</section>")[0]
    assert f'name="offer" value="{copy.pk}"' in panel
    assert "RERS voisin asks the person who offers it" in panel
    assert "only if you chose to be known by neighbouring networks" in panel

    facilitator = FacilitatorFactory(network=network)
    browser = _as(facilitator)
    page = check_page(browser.get(_url("suggested_connections", network)))
    section = page.split(f'id="request-{wanted.pk}"')[1].split("</section>")[0]
    assert f'name="offer" value="{copy.pk}"' in section
    assert "between Camille and a member of RERS voisin" in section
    assert "only if you chose" not in section
    response = run(
        browser.post, _url("connection_propose", network), {"request": wanted.pk, "offer": copy.pk}
    )
    assert response.status_code == 302
    proposed = Connection.objects.get(network=network)
    assert (proposed.requester, proposed.offerer, proposed.remote_side) == (
        camille,
        None,
        "offerer",
    )
    theirs = held_by(other_network, proposed)
    assert theirs.offerer == karim and theirs.offer == neighbours_offer


# --- API -----------------------------------------------------------------------------------------


def test_api_connections_carry_the_remote_side_and_network(
    run, network, other_network, odile, karim, asked
):
    accept(run, odile, held_by(network, asked))
    client = client_for(karim)
    rows = client.get(net(other_network, "connections/")).json()["results"]
    assert [row["id"] for row in rows] == [asked.pk]
    row = rows[0]
    assert row["requester"] == {"id": karim.pk, "display_name": "Karim Benali"}
    assert row["offerer"] is None
    assert (row["requester_name"], row["offerer_name"]) == ("Karim Benali", "Odile Martin")
    assert row["remote_side"] == "offerer" and row["my_side"] == "requester"
    assert row["remote_network"] == {
        "name": "RERS de Souday",
        "facilitators_email": network.contact_email,
    }
    assert row["offer"]["title"] == "Le tableur pour débutants"

    detail = client.get(net(other_network, f"connections/{asked.pk}/")).json()
    assert detail["contact"]["phone"] == "06 12 34 56 78"
    assert detail["contact"]["display_name"] == "Odile Martin"

    theirs = client_for(odile).get(net(network, "connections/")).json()["results"][0]
    assert theirs["requester"] is None and theirs["requester_name"] == "a member of RERS voisin"
    assert (
        theirs["remote_side"] == "requester" and theirs["remote_network"]["name"] == "RERS voisin"
    )


def test_api_local_connections_have_no_remote_network(network, odile):
    camille = MemberFactory(network=network)
    offer = ListingFactory(member=odile, title="Coudre un bouton")
    response = client_for(camille).post(
        net(network, "connections/"), {"offer": offer.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["remote_side"] is None and body["remote_network"] is None
    assert body["offerer_name"] == "Odile Martin" and body["remote_listing_title"] == ""


def test_api_propose_with_a_neighbours_offer(run, network, other_network, karim, offer):
    copy = copy_of(offer, other_network)
    response = run(
        client_for(karim).post,
        net(other_network, "connections/"),
        {"offer": copy.pk, "message": "Bonjour"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["offer"]["id"] == copy.pk and body["offerer"] is None
    assert body["remote_side"] == "offerer"
    assert body["offerer_name"] == "a member of RERS de Souday"
    assert body["remote_network"]["name"] == "RERS de Souday"
    assert body["offerer_answer"] == "pending" and body["requester_answer"] == "accepted"
    assert Connection.objects.filter(network=network, offer=offer).exists()

    Peer.objects.filter(network=other_network).update(status=Peer.Status.SUSPENDED)
    again = client_for(MemberFactory(network=other_network)).post(
        net(other_network, "connections/"), {"offer": copy.pk}, format="json"
    )
    assert again.status_code == 400
    assert "cannot be reached at the moment" in again.json()["detail"]


# --- French --------------------------------------------------------------------------------------


def test_cross_network_pages_in_french(network, other_network, odile, karim, offer, asked):
    copy = copy_of(offer, other_network)
    page = check_page(
        _as(MemberFactory(network=other_network), "fr").get(
            _url("listing_detail", other_network, copy.pk)
        )
    )
    assert "Demander une mise en relation" in page
    assert "Votre demande part vers RERS de Souday" in page
    page = check_page(_as(karim, "fr").get(_url("connection_detail", other_network, asked.pk)))
    assert "Avec RERS de Souday, un réseau voisin" in page
    assert "une personne de RERS de Souday" in page
    assert "répond par l’intermédiaire de RERS de Souday, son propre réseau" in page

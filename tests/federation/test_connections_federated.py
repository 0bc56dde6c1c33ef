"""Connections across networks between two peered networks of the test site: a member of
the other network asks for one of our offers; answers, contact per consent, relay, the
exchange's lifecycle, cancellation, withdrawal and the end of the peering."""

import json

import pytest

from rers_core.errors import DomainError
from rers_core.models import Connection, ContactConsent, Exchange, Listing, Review
from rers_core.selectors.connections import contact_for
from rers_core.services import connections as core
from rers_core.services import exchanges
from rers_core.services import listings as core_listings
from rers_core.services.members import member_withdraw
from rers_core.testing.factories import FacilitatorFactory, MemberFactory
from rers_federation.models import InboxActivity, OutboxActivity, Peer
from rers_federation.services import peering
from rers_federation.services.catalogue import listing_uri

FEDERATED = ContactConsent.Audience.FEDERATED


def consent(member, channel, audience=FEDERATED):
    ContactConsent.objects.create(member=member, channel=channel, audience=audience)


@pytest.fixture
def offerer(active_peer, network):
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
def offer(run, offerer):
    return run(
        core_listings.listing_create,
        member=offerer,
        acting=offerer.user,
        direction=Listing.Direction.OFFER,
        kind=Listing.Kind.KNOW_HOW,
        domain=offerer.network.domains.order_by("position").first(),
        title="Tableur pour débutants",
        description="Faire ses comptes dans une feuille de calcul.",
        visibility=Listing.Visibility.FEDERATED,
    )


@pytest.fixture
def their_copy(offer, other_network):
    return Listing.objects.get(network=other_network, origin_uri=listing_uri(offer))


@pytest.fixture
def asker(other_network):
    return MemberFactory(
        network=other_network, display_name="Karim Benali", presentation="Je cherche un emploi."
    )


def ask(run, asker, their_copy, message="Bonjour, je débute."):
    asked = run(core.connection_propose, acting=asker.user, offer=their_copy, message=message)
    asked.refresh_from_db()
    return asked


def held_by(network, connection):
    return Connection.objects.get(network=network, federation_uri=connection.federation_uri)


def test_a_request_reaches_the_offerer_without_a_name_unless_consented(
    run, network, other_network, asker, their_copy, offerer
):
    asked = ask(run, asker, their_copy)
    assert asked.remote_side == "offerer" and asked.offerer is None
    asked.refresh_from_db()
    assert asked.federation_uri.endswith(f"/connections/{asked.pk}")
    theirs = held_by(network, asked)
    assert (theirs.offerer, theirs.requester, theirs.remote_side) == (offerer, None, "requester")
    assert theirs.offer.title == "Tableur pour débutants"
    assert theirs.requester_answer == "accepted" and theirs.offerer_answer == "pending"
    assert theirs.remote_name == "" and theirs.message == ""
    assert theirs.requester_name == f"a member of {other_network.name}"
    assert theirs.remote_network_name == other_network.name
    sent = json.dumps(OutboxActivity.objects.get(type="Create", network=other_network).payload)
    assert "Karim" not in sent and "emploi" not in sent and "débute" not in sent


def test_with_consent_the_request_carries_name_presentation_and_message(
    run, network, asker, their_copy
):
    consent(asker, ContactConsent.Channel.VIA_FACILITATOR)
    theirs = held_by(network, ask(run, asker, their_copy))
    assert (theirs.remote_name, theirs.remote_presentation, theirs.message) == (
        "Karim Benali",
        "Je cherche un emploi.",
        "Bonjour, je débute.",
    )


def test_acceptance_flows_back_and_contact_follows_each_federated_consent(
    run, network, other_network, asker, their_copy, offerer
):
    consent(asker, ContactConsent.Channel.EMAIL)
    asked = ask(run, asker, their_copy)
    theirs = held_by(network, asked)
    assert contact_for(theirs, offerer.user) is None  # nothing before both accept
    run(core.connection_answer, connection=theirs, accept=True, acting=offerer.user)
    asked.refresh_from_db()
    theirs.refresh_from_db()
    assert asked.status == theirs.status == Connection.Status.ACCEPTED
    # Odile allowed her phone to neighbouring networks, her email to her own network only.
    card = contact_for(asked, asker.user)
    assert (card.phone, card.email) == ("06 12 34 56 78", "")
    assert card.display_name == "Odile Martin"
    card = contact_for(theirs, offerer.user)
    assert (card.email, card.phone, card.through_facilitator) == (asker.email, "", False)
    assert asked.relay_requested_at is None and theirs.relay_requested_at is None


def test_a_decline_flows_back_and_shares_nothing(run, network, asker, their_copy, offerer):
    consent(asker, ContactConsent.Channel.EMAIL)
    asked = ask(run, asker, their_copy)
    run(
        core.connection_answer,
        connection=held_by(network, asked),
        accept=False,
        acting=offerer.user,
    )
    asked.refresh_from_db()
    assert asked.status == Connection.Status.DECLINED and asked.offerer_answer == "declined"
    assert asked.remote_contact == {} and contact_for(asked, asker.user) is None
    assert "06 12" not in json.dumps([a.payload for a in OutboxActivity.objects.all()])


def test_only_through_a_facilitator_asks_the_facilitators_of_both_networks(
    run, network, other_network, asker, their_copy, offerer
):
    consent(asker, ContactConsent.Channel.VIA_FACILITATOR)
    facilitators = FacilitatorFactory(network=network), FacilitatorFactory(network=other_network)
    asked = ask(run, asker, their_copy)
    theirs = held_by(network, asked)
    run(core.connection_answer, connection=theirs, accept=True, acting=offerer.user)
    asked.refresh_from_db()
    theirs.refresh_from_db()
    assert asked.relay_requested_at is not None and theirs.relay_requested_at is not None
    assert contact_for(theirs, offerer.user).through_facilitator
    # Each side knows how to reach the other network's facilitators.
    assert asked.remote_network_email == (network.contact_email or "")
    assert all(f.notifications.filter(kind="relay_requested").exists() for f in facilitators)


def test_the_answer_of_the_other_networks_person_is_theirs_to_give(
    run, network, asker, their_copy, offerer
):
    asked = ask(run, asker, their_copy)
    facilitator = FacilitatorFactory(network=asker.network)
    with pytest.raises(DomainError, match="through"):
        core.connection_answer(
            connection=asked, accept=True, acting=facilitator.user, side="offerer"
        )


def test_the_exchange_agreement_and_completion_are_shared_reviews_stay_home(
    run, network, asker, their_copy, offerer
):
    asked = ask(run, asker, their_copy)
    theirs = held_by(network, asked)
    run(core.connection_answer, connection=theirs, accept=True, acting=offerer.user)
    started = run(exchanges.exchange_from_connection, connection=asked, acting=asker.user)
    mirrored = Exchange.objects.get(connection=theirs)
    assert [p.member for p in mirrored.participants.all()] == [offerer]
    assert [p.role for p in started.participants.all()] == ["receiver"]
    run(
        exchanges.agreement_update,
        exchange=mirrored,
        acting=offerer.user,
        place="Médiathèque",
        content="Les formules de base",
    )
    started.refresh_from_db()
    assert (started.agreement.place, started.agreement.content) == (
        "Médiathèque",
        "Les formules de base",
    )
    run(exchanges.agreement_confirm, exchange=started, acting=asker.user)
    assert Exchange.objects.get(pk=started.pk).status == Exchange.Status.DRAFT
    run(exchanges.agreement_confirm, exchange=mirrored, acting=offerer.user)
    for exchange, connection in ((started, asked), (mirrored, theirs)):
        exchange.refresh_from_db()
        connection.refresh_from_db()
        assert exchange.status == Exchange.Status.AGREED
        assert connection.status == Connection.Status.AGREED
    # An edit after agreeing reopens it on both sides.
    run(exchanges.agreement_update, exchange=started, acting=asker.user, schedule="Le jeudi")
    mirrored.refresh_from_db()
    assert mirrored.status == Exchange.Status.DRAFT and mirrored.agreement.schedule == "Le jeudi"
    run(exchanges.agreement_confirm, exchange=mirrored, acting=offerer.user)
    run(exchanges.agreement_confirm, exchange=started, acting=asker.user)
    run(exchanges.exchange_complete, exchange=started, acting=asker.user)
    mirrored.refresh_from_db()
    theirs.refresh_from_db()
    assert mirrored.status == Exchange.Status.DONE and theirs.status == Connection.Status.DONE
    assert list(Review.objects.filter(exchange=mirrored).values_list("member", flat=True)) == [
        offerer.pk
    ]
    assert list(Review.objects.filter(exchange=started).values_list("member", flat=True)) == [
        asker.pk
    ]


def test_cancelling_on_either_side_cancels_both(run, network, asker, their_copy, offerer):
    asked = ask(run, asker, their_copy)
    theirs = held_by(network, asked)
    run(core.connection_answer, connection=theirs, accept=True, acting=offerer.user)
    run(core.connection_cancel, connection=theirs, acting=offerer.user)
    asked.refresh_from_db()
    assert asked.status == Connection.Status.CANCELLED


def test_a_closed_offer_cancels_the_request(run, network, asker, their_copy, offer, offerer):
    # The copy is still there when the offer closes between the copy and the request.
    Listing.objects.filter(pk=offer.pk).update(status=Listing.Status.CLOSED)
    asked = ask(run, asker, their_copy)
    asked.refresh_from_db()
    assert asked.status == Connection.Status.CANCELLED
    assert not Connection.objects.filter(network=network).exists()


def test_an_unreachable_network_is_said_plainly(run, active_peer, asker, their_copy):
    Peer.objects.filter(network=asker.network).update(status=Peer.Status.SUSPENDED)
    with pytest.raises(DomainError, match="cannot be reached"):
        ask(run, asker, their_copy)
    assert not Connection.objects.exists()


def test_the_askers_withdrawal_erases_them_on_the_other_network(
    run, network, asker, their_copy, offerer
):
    consent(asker, ContactConsent.Channel.EMAIL)
    asked = ask(run, asker, their_copy)
    theirs = held_by(network, asked)
    run(core.connection_answer, connection=theirs, accept=True, acting=offerer.user)
    email = asker.email
    run(member_withdraw, member=asker, acting=asker.user)
    theirs.refresh_from_db()
    assert theirs.status == Connection.Status.CANCELLED
    assert (theirs.remote_name, theirs.remote_contact, theirs.message) == ("", {}, "")
    kept = json.dumps(
        [a.payload for a in InboxActivity.objects.all()]
        + [a.payload for a in OutboxActivity.objects.all()]
    )
    assert "Karim" not in kept and email not in kept


def test_the_offerers_withdrawal_erases_them_on_the_askers_network(
    run, network, asker, their_copy, offerer
):
    asked = ask(run, asker, their_copy)
    run(
        core.connection_answer, connection=held_by(network, asked), accept=True, acting=offerer.user
    )
    asked.refresh_from_db()
    assert asked.remote_contact["phone"] == "06 12 34 56 78"
    run(member_withdraw, member=offerer, acting=offerer.user)
    asked.refresh_from_db()
    assert asked.status == Connection.Status.CANCELLED
    assert (asked.remote_name, asked.remote_contact) == ("", {})
    assert contact_for(asked, asker.user) is None
    kept = json.dumps([a.payload for a in InboxActivity.objects.all()])
    assert "Odile" not in kept and "06 12" not in kept


def test_ending_the_peering_stops_and_erases_connections(
    run, network, other_network, asker, their_copy, offerer
):
    consent(asker, ContactConsent.Channel.EMAIL)
    asked = ask(run, asker, their_copy)
    theirs = held_by(network, asked)
    run(core.connection_answer, connection=theirs, accept=True, acting=offerer.user)
    coordinator = network.members.filter(role="coordinator").first()
    run(
        peering.peer_end,
        peer=Peer.objects.get(network=network),
        acting=coordinator.user,
    )
    theirs.refresh_from_db()
    asked.refresh_from_db()
    for connection in (theirs, asked):
        assert connection.status == Connection.Status.CANCELLED
        assert connection.remote_contact == {} and connection.remote_name == ""


def test_a_facilitator_answers_a_neighbours_request_with_one_of_our_offers(
    run, network, other_network, asker, offerer, offer
):
    """The other way round: the neighbours were asked about a request, and our facilitator
    proposes our member's offer; both people are asked, each on their own network."""
    request = run(
        core_listings.listing_create,
        member=asker,
        acting=asker.user,
        direction=Listing.Direction.REQUEST,
        kind=Listing.Kind.KNOW_HOW,
        domain=other_network.domains.order_by("position").first(),
        title="Apprendre Excel",
        visibility=Listing.Visibility.FEDERATED,
    )
    copy = Listing.objects.get(network=network, origin_uri=listing_uri(request))
    facilitator = FacilitatorFactory(network=network)
    proposed = run(core.connection_propose, acting=facilitator.user, request=copy, offer=offer)
    proposed.refresh_from_db()
    theirs = held_by(other_network, proposed)
    assert theirs.requester == asker and theirs.remote_side == "offerer"
    assert theirs.offerer_answer == "pending" and theirs.requester_answer == "pending"
    run(core.connection_answer, connection=theirs, accept=True, acting=asker.user)
    run(core.connection_answer, connection=proposed, accept=True, acting=offerer.user)
    proposed.refresh_from_db()
    theirs.refresh_from_db()
    assert proposed.status == theirs.status == Connection.Status.ACCEPTED
    assert contact_for(theirs, asker.user).phone == "06 12 34 56 78"

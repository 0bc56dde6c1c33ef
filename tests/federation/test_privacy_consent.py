"""A connection across networks follows its people's consents after it opened: what a
member no longer allows neighbouring networks to know (their name and presentation, a
contact channel) is erased there, and from the activities both networks stored."""

import json

import pytest

from rers_core.models import Connection, ContactConsent, Listing
from rers_core.selectors.connections import contact_for
from rers_core.services import connections as core
from rers_core.services import listings as core_listings
from rers_core.services.members import (
    consent_grant,
    consent_revoke,
    consent_set,
    member_update_profile,
)
from rers_core.testing.factories import MemberFactory
from rers_federation.models import InboxActivity, OutboxActivity
from rers_federation.services.catalogue import listing_uri

FEDERATED = ContactConsent.Audience.FEDERATED
NETWORK = ContactConsent.Audience.NETWORK


def stored(model, network) -> str:
    payloads = model.objects.filter(network=network).values_list("payload", flat=True)
    return json.dumps(list(payloads), ensure_ascii=False)


def updates_sent(network) -> int:
    return OutboxActivity.objects.filter(network=network, type="Update").count()


@pytest.fixture
def offerer(active_peer, network):
    person = MemberFactory(
        network=network,
        display_name="Odile Martin",
        presentation="Retraitée, ancienne comptable.",
        phone="06 12 34 56 78",
        email="odile@example.org",
    )
    ContactConsent.objects.create(member=person, channel="phone", audience=FEDERATED)
    return person


@pytest.fixture
def asker(other_network):
    person = MemberFactory(network=other_network, display_name="Karim Benali")
    ContactConsent.objects.create(member=person, channel="email", audience=FEDERATED)
    return person


@pytest.fixture
def connected(run, network, other_network, offerer, asker):
    """Karim, of the other network, asked for Odile's offer and she accepted: (his
    network's connection, hers)."""
    offer = run(
        core_listings.listing_create,
        member=offerer,
        acting=offerer.user,
        direction=Listing.Direction.OFFER,
        kind=Listing.Kind.KNOW_HOW,
        domain=network.domains.order_by("position").first(),
        title="Tableur pour débutants",
        description="Faire ses comptes.",
        visibility=Listing.Visibility.FEDERATED,
    )
    copy = Listing.objects.get(network=other_network, origin_uri=listing_uri(offer))
    asked = run(core.connection_propose, acting=asker.user, offer=copy, message="Bonjour")
    asked.refresh_from_db()
    theirs = Connection.objects.get(network=network, federation_uri=asked.federation_uri)
    run(core.connection_answer, connection=theirs, accept=True, acting=offerer.user)
    asked.refresh_from_db()
    assert (asked.remote_name, contact_for(asked, asker.user).phone) == (
        "Odile Martin",
        "06 12 34 56 78",
    )
    return asked, theirs


def test_revoking_the_consent_for_neighbours_erases_name_and_contact_over_there(
    run, network, other_network, offerer, asker, connected
):
    asked, _theirs = connected
    consent = ContactConsent.objects.get(member=offerer, audience=FEDERATED)
    run(consent_revoke, consent=consent, acting=offerer.user)
    asked.refresh_from_db()
    assert (asked.remote_name, asked.remote_presentation) == ("", "")
    card = contact_for(asked, asker.user)
    assert (card.phone, card.email, card.through_facilitator) == ("", "", True)
    assert card.display_name == f"a member of {network.name}"
    for kept in (stored(InboxActivity, other_network), stored(OutboxActivity, network)):
        assert "06 12" not in kept and "Odile" not in kept and "comptable" not in kept


def test_a_new_channel_for_neighbours_reaches_the_other_network(
    run, network, offerer, asker, connected
):
    asked, _theirs = connected
    run(consent_grant, member=offerer, channel="email", audience=FEDERATED, acting=offerer.user)
    asked.refresh_from_db()
    card = contact_for(asked, asker.user)
    assert (card.phone, card.email) == ("06 12 34 56 78", "odile@example.org")


def test_changing_channels_at_once_is_told_once_of_the_final_choice(
    run, network, other_network, offerer, asker, connected
):
    asked, _theirs = connected
    assert asked.relay_requested_at is None  # both gave a direct channel
    before = updates_sent(network)
    run(consent_set, member=offerer, choices=[("email", FEDERATED)], acting=offerer.user)
    assert updates_sent(network) == before + 1
    asked.refresh_from_db()
    assert asked.remote_name == "Odile Martin"
    card = contact_for(asked, asker.user)
    assert (card.phone, card.email) == ("", "odile@example.org")
    # No half-made change asked the facilitators to relay for nothing.
    assert asked.relay_requested_at is None
    assert "06 12" not in stored(InboxActivity, other_network)


def test_consents_for_the_network_only_tell_the_neighbours_nothing(
    run, network, offerer, connected
):
    before = updates_sent(network)
    run(consent_grant, member=offerer, channel="email", audience=NETWORK, acting=offerer.user)
    assert updates_sent(network) == before


def test_new_contact_details_replace_the_old_ones_over_there(
    run, network, other_network, offerer, asker, connected
):
    asked, _theirs = connected
    run(member_update_profile, member=offerer, acting=offerer.user, phone="07 98 76 54 32")
    asked.refresh_from_db()
    assert contact_for(asked, asker.user).phone == "07 98 76 54 32"


def test_an_update_without_person_or_contact_erases_what_was_held(
    run, network, other_network, offerer, asker, connected
):
    """What the receiving side does with an Update that no longer carries them, whatever
    the reason the sending side left them out."""
    asked, theirs = connected
    ContactConsent.objects.filter(member=offerer).update(revoked_at=theirs.created_at)
    run(core.announce, theirs)
    asked.refresh_from_db()
    assert (asked.remote_name, asked.remote_presentation) == ("", "")
    assert "phone" not in asked.remote_contact

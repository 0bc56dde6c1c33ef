"""Peering cannot be taken over by a stranger: a Follow for a network we know must be
signed with a key we hold for it, accepting checks the fingerprint the coordinator
compared, key ids lie under their network's address and name one network only."""

import pytest

from rers_core.errors import DomainError
from rers_core.models import Listing
from rers_core.testing.factories import CoordinatorFactory
from rers_federation import keys
from rers_federation.models import InboxActivity, Peer
from rers_federation.services import peering
from tests.federation.forgery import (
    SOUDAY,
    SOUDAY_INBOX,
    VOISIN,
    VOISIN_INBOX,
    follow,
    forged_document,
    listing_create,
    post_as,
    post_signed,
)


@pytest.fixture
def coordinators(network, other_network):
    return CoordinatorFactory(network=network), CoordinatorFactory(network=other_network)


@pytest.fixture
def requested(network, other_network, coordinators, run):
    """We (souday) asked voisin to peer; voisin's coordinator has not answered yet."""
    run(peering.peer_request, network=network, url=VOISIN, acting=coordinators[0].user)
    return Peer.objects.get(network=network)


def snapshot(peer):
    peer.refresh_from_db()
    return peer.status, peer.fingerprint, peer.keys, peer.inbox_url, peer.follow_id


def test_a_strangers_follow_does_not_take_over_a_peering_we_asked_for(client, requested):
    before = snapshot(requested)
    assert before[0] == "requested"
    # Same address as voisin (and its inbox), but the stranger's own key.
    document, private, key_id = forged_document(VOISIN, name="RERS voisin")
    response = post_signed(client, SOUDAY_INBOX, follow(document), private, key_id)
    assert response.status_code == 403
    assert response.json()["error"] == "not_the_peer"
    assert snapshot(requested) == before
    # Nor can the stranger speak for voisin afterwards.
    create = post_signed(client, SOUDAY_INBOX, listing_create(VOISIN, 666), private, key_id)
    assert create.status_code == 401
    assert not Listing.objects.filter(origin_uri__startswith=VOISIN).exists()
    assert not InboxActivity.objects.filter(network=requested.network).exists()


def test_a_strangers_follow_does_not_swap_the_keys_of_a_request_waiting_for_us(
    client, requested, other_network
):
    pending = Peer.objects.get(network=other_network)
    before = snapshot(pending)
    assert before[0] == "pending"
    document, private, key_id = forged_document(SOUDAY, name="RERS de Souday")
    response = post_signed(client, VOISIN_INBOX, follow(document), private, key_id)
    assert response.status_code == 403
    assert response.json()["error"] == "not_the_peer"
    assert snapshot(pending) == before


@pytest.mark.parametrize("status", ["active", "suspended", "rejected", "ended"])
def test_a_known_network_is_never_refilled_by_a_strangers_follow(
    client, active_peer, other_network, status
):
    Peer.objects.filter(pk=active_peer.pk).update(status=status)
    before = snapshot(active_peer)
    document, private, key_id = forged_document(VOISIN, name="RERS voisin")
    response = post_signed(client, SOUDAY_INBOX, follow(document), private, key_id)
    assert response.status_code == 403
    assert snapshot(active_peer) == before


def test_a_request_crossing_ours_is_taken_when_signed_with_the_key_we_hold(
    network, other_network, coordinators, run
):
    ours, theirs = coordinators
    # We ask first, but our Follow is still on its way when they ask us too.
    peering.peer_request(network=network, url=VOISIN, acting=ours.user)
    run(peering.peer_request, network=other_network, url=SOUDAY, acting=theirs.user)
    assert Peer.objects.get(network=network).status == "active"
    assert Peer.objects.get(network=other_network).status == "active"


def test_a_network_we_know_asks_again_with_its_own_key(network, other_network, coordinators, run):
    ours, theirs = coordinators
    run(peering.peer_request, network=network, url=VOISIN, acting=ours.user)
    incoming = Peer.objects.get(network=other_network)
    run(peering.peer_reject, peer=incoming, acting=theirs.user)
    run(peering.peer_request, network=network, url=VOISIN, acting=ours.user)
    incoming.refresh_from_db()
    assert incoming.status == "pending"


def test_accepting_checks_the_fingerprint_the_coordinator_compared(
    requested, other_network, coordinators, run
):
    theirs = coordinators[1]
    pending = Peer.objects.get(network=other_network)
    shown = pending.fingerprint
    # The request's key changes after the page was shown.
    Peer.objects.filter(pk=pending.pk).update(fingerprint="0000 " * 15 + "0000")
    with pytest.raises(DomainError, match="changed since the page was shown"):
        run(peering.peer_accept, peer=pending, acting=theirs.user, fingerprint=shown)
    pending.refresh_from_db()
    assert pending.status == "pending"
    run(peering.peer_accept, peer=pending, acting=theirs.user, fingerprint=pending.fingerprint)
    pending.refresh_from_db()
    assert pending.status == "active"


def test_the_accept_button_refuses_a_key_changed_since_the_page(
    client, requested, other_network, coordinators
):
    from tests.conftest import in_english, login

    theirs = in_english(login(client, coordinators[1]))
    pending = Peer.objects.get(network=other_network)
    url = f"/federation/voisin/peers/{pending.pk}/accept/"
    for sent in ({}, {"fingerprint": "0000 1111"}):
        response = theirs.post(url, sent, follow=True)
        assert "changed since the page was shown" in response.content.decode()
        pending.refresh_from_db()
        assert pending.status == "pending"


def test_a_document_with_a_key_id_outside_its_address_is_refused(client, network):
    outside = {"id": f"{VOISIN}#key-1", "publicKey": "A" * 43, "expires": None}
    document, private, key_id = forged_document(
        "http://testserver/federation/loin/", extra_keys=[outside]
    )
    response = post_signed(client, SOUDAY_INBOX, follow(document), private, key_id)
    assert response.status_code == 400
    assert not Peer.objects.filter(network=network).exists()


def test_a_document_claiming_an_active_peers_key_id_is_refused(
    client, network, other_network, active_peer
):
    key = keys.current_key(other_network)
    # A stranger at an address above voisin's may list key ids under voisin's address.
    claimed = {"id": key.key_id, "publicKey": key.public_key, "expires": None}
    document, private, key_id = forged_document(
        "http://testserver/federation/", extra_keys=[claimed], name="zzz"
    )
    response = post_signed(client, SOUDAY_INBOX, follow(document), private, key_id)
    assert response.status_code == 400
    assert list(Peer.objects.filter(network=network).values_list("name", flat=True)) == [
        "RERS voisin"
    ]
    assert post_as(client, other_network, SOUDAY_INBOX, listing_create(VOISIN, 1)).status_code == (
        202
    )


@pytest.mark.parametrize("status", ["pending", "rejected", "ended"])
def test_keys_of_untrusted_rows_never_shadow_an_active_peers(
    client, network, other_network, active_peer, status
):
    # A row written before key ids were checked, listing voisin's key id with another key.
    key = keys.current_key(other_network)
    stranger, _private, _key_id = forged_document("http://testserver/federation/")
    Peer.objects.create(
        network=network,
        document_url=stranger["id"],
        name="zzz",
        inbox_url=stranger["inbox"],
        keys=[{"id": key.key_id, "publicKey": stranger["publicKeys"][0]["publicKey"]}],
        fingerprint="x",
        status=status,
    )
    response = post_as(client, other_network, SOUDAY_INBOX, listing_create(VOISIN, 2))
    assert response.status_code == 202


def test_a_request_whose_key_id_an_active_peer_holds_cannot_be_accepted(
    network, other_network, active_peer, coordinator, run
):
    key = keys.current_key(other_network)
    stranger, _private, _key_id = forged_document("http://testserver/federation/")
    pending = Peer.objects.create(
        network=network,
        document_url=stranger["id"],
        name="zzz",
        inbox_url=stranger["inbox"],
        keys=[{"id": key.key_id, "publicKey": key.public_key}],
        fingerprint="AAAA",
        status="pending",
    )
    with pytest.raises(DomainError, match="already used by another neighbouring network"):
        run(peering.peer_accept, peer=pending, acting=coordinator.user, fingerprint="AAAA")
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_a_follow_for_our_own_address_is_refused(client, network):
    document, private, key_id = forged_document(SOUDAY, name="RERS de Souday")
    response = post_signed(client, SOUDAY_INBOX, follow(document), private, key_id)
    assert response.status_code == 400
    assert not Peer.objects.filter(network=network).exists()


def test_a_follow_is_checked_with_the_keys_of_its_own_network_only(
    client, network, other_network, active_peer
):
    # Voisin, a trusted peer, cannot open a request in the name of another network.
    document, _private, _key_id = forged_document("http://testserver/federation/loin/")
    response = post_as(client, other_network, SOUDAY_INBOX, follow(document))
    assert response.status_code == 401
    assert response.json()["error"] == "unknown_key"
    assert Peer.objects.filter(network=network).count() == 1

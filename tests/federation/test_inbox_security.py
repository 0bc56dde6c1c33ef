"""The inbox and the log take from a peer only what is its own: activity ids under its
address (so nobody spends another network's ids), objects under it at a path-segment
boundary, connections only on listings shared with neighbours, and clear 400s for bad
cursors."""

import uuid
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from rers_core.models import Connection, Listing
from rers_core.services import listings as core_listings
from rers_core.testing.factories import MemberFactory
from rers_federation import keys
from rers_federation.addresses import is_under
from rers_federation.models import InboxActivity, OutboxActivity, Peer
from rers_federation.services import catalogue
from rers_federation.services.objects import ActivityInvalid
from rers_federation.signing import sign
from tests.federation.forgery import (
    SOUDAY,
    SOUDAY_INBOX,
    VOISIN,
    follow,
    forged_document,
    listing_create,
    post_as,
    post_signed,
)


def test_nobody_spends_the_activity_id_of_another_network(
    client, network, other_network, active_peer
):
    their_id = f"{VOISIN}activities/{uuid.uuid4()}"
    document, private, key_id = forged_document("http://testserver/federation/loin/")
    stranger = post_signed(
        client, SOUDAY_INBOX, follow(document, activity_id=their_id), private, key_id
    )
    assert stranger.status_code == 400
    assert not InboxActivity.objects.filter(activity_id=their_id).exists()
    # The real one is applied, not taken for a repeat.
    real = post_as(client, other_network, SOUDAY_INBOX, listing_create(VOISIN, 1, their_id))
    assert real.status_code == 202
    assert Listing.objects.filter(network=network, origin_uri=f"{VOISIN}listings/1").exists()


def test_a_peer_names_only_activities_under_its_own_address(
    client, network, other_network, active_peer
):
    for foreign in (
        f"{SOUDAY}activities/{uuid.uuid4()}",
        f"http://testserver/federation/voisinage/activities/{uuid.uuid4()}",
        f"{VOISIN}../souday/activities/{uuid.uuid4()}",
    ):
        response = post_as(client, other_network, SOUDAY_INBOX, listing_create(VOISIN, 2, foreign))
        assert response.status_code == 400, foreign
    assert not InboxActivity.objects.filter(network=network, type="Create").exists()


def test_is_under_stops_at_path_segment_boundaries():
    assert is_under("https://a.example/f/voisin/activities/1", "https://a.example/f/voisin/")
    assert is_under("https://a.example/f/voisin/#key-1", "https://a.example/f/voisin/")
    assert is_under("https://a.example/f/voisin/x", "https://a.example/f/voisin")
    assert not is_under("https://a.example/f/voisinage/x", "https://a.example/f/voisin")
    assert not is_under("https://a.example.evil.org/", "https://a.example")
    assert not is_under("https://a.example/f/voisin/../souday/", "https://a.example/f/voisin/")
    assert not is_under("https://a.example/f/voisin/x", "")


def test_ownership_of_objects_stops_at_a_path_segment_boundary(network):
    # A peer whose address has no trailing slash does not own its neighbour's addresses.
    peer = Peer.objects.create(
        network=network,
        document_url="http://testserver/federation/voisin",
        name="Voisin",
        inbox_url="http://testserver/federation/voisin/inbox/",
        fingerprint="x",
        status=Peer.Status.ACTIVE,
    )
    listing = listing_create("http://testserver/federation/voisinage/", 3)["object"]
    with pytest.raises(ActivityInvalid):
        catalogue.listing_receive(network=network, peer=peer, obj=listing)


def signed_get(network_signing, url):
    key = keys.current_key(network_signing)
    headers = sign(
        method="GET", url=url, body=b"", key_id=key.key_id, private_key=keys.private_key(key)
    )
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return Client().get(url.replace("http://testserver", ""), **extra)


@pytest.mark.parametrize("after", ["²", "١٢", "-1", "1" * 30])
def test_a_bad_cursor_is_a_clear_400(network, other_network, active_peer, after):
    response = signed_get(other_network, f"{SOUDAY}outbox/?after={quote(after)}")
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"


@pytest.fixture
def author(network):
    return MemberFactory(network=network, display_name="Odile")


def create_listing(run, author, **fields):
    return run(
        core_listings.listing_create,
        member=author,
        acting=author.user,
        direction=Listing.Direction.OFFER,
        kind=Listing.Kind.KNOW_HOW,
        domain=author.network.domains.order_by("position").first(),
        title=fields.pop("title", "Tricot"),
        description="Pour débuter.",
        **fields,
    )


def ask_for(run, client, network, other_network, listing_address, n):
    """Voisin asks for a listing of ours; what we answer about that connection."""
    obj = {
        "type": "Connection",
        "id": f"{VOISIN}connections/{n}",
        "side": "requester",
        "offer": listing_address,
        "request": None,
        "answer": "accepted",
        "status": "proposed",
        "updated": timezone.now().isoformat(),
    }
    activity = {
        "id": f"{VOISIN}activities/{uuid.uuid4()}",
        "type": "Create",
        "actor": VOISIN,
        "object": obj,
    }
    response = run(post_as, client, other_network, SOUDAY_INBOX, activity)
    assert response.status_code == 202
    answers = OutboxActivity.objects.filter(network=network, object_uri=obj["id"])
    return [
        {k: v for k, v in a.payload["object"].items() if k not in ("id", "updated")}
        for a in answers
    ]


@pytest.mark.parametrize("hidden", ["network_only", "paused"])
def test_a_connection_needs_a_listing_shared_with_neighbours(
    run, client, network, other_network, active_peer, author, hidden
):
    if hidden == "network_only":
        listing = create_listing(run, author, visibility=Listing.Visibility.NETWORK)
    else:
        listing = create_listing(run, author, visibility=Listing.Visibility.FEDERATED)
        Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PAUSED)
    refused = ask_for(run, client, network, other_network, f"{SOUDAY}listings/{listing.pk}", 1)
    missing = ask_for(run, client, network, other_network, f"{SOUDAY}listings/987654", 2)
    assert not Connection.objects.filter(network=network).exists()
    # Refused exactly as a listing that does not exist.
    assert refused == missing
    assert refused and refused[0]["status"] == "cancelled"

"""The federated catalogue between two peered networks of the test site: anonymised
listings, their changes, withdrawals and tombstones."""

import json

import pytest
from django.db import connection, transaction

from rers_core.errors import NotAllowed
from rers_core.models import Listing
from rers_core.search import search_listings
from rers_core.selectors.listings import Scope, listing_text_filter, listings_from
from rers_core.services import listings as core
from rers_core.services.members import member_withdraw
from rers_core.testing.factories import CoordinatorFactory, ListingFactory, MemberFactory
from rers_federation.models import MirroredObject, OutboxActivity, Peer
from rers_federation.services import peering
from rers_federation.services.catalogue import listing_uri


@pytest.fixture
def author(active_peer, network):
    return MemberFactory(
        network=network,
        display_name="Odile Martin",
        presentation="Retraitée, ancienne comptable.",
        phone="06 12 34 56 78",
    )


def post(run, author, **fields):
    values = {
        "direction": Listing.Direction.OFFER,
        "kind": Listing.Kind.KNOW_HOW,
        "domain": author.network.domains.order_by("position").first(),
        "title": "Tricoter une écharpe",
        "description": "Les points de base, au chaud, avec un thé.",
        "availability": "Le mardi après-midi",
        "visibility": Listing.Visibility.FEDERATED,
        **fields,
    }
    return run(core.listing_create, member=author, acting=author.user, **values)


def their_copy(other_network, listing):
    return Listing.objects.filter(network=other_network, origin_uri=listing_uri(listing)).first()


def test_a_federated_offer_reaches_the_peer_anonymised(run, author, network, other_network):
    listing = post(run, author)
    copy = their_copy(other_network, listing)
    assert copy is not None and copy.is_mirrored and copy.member is None
    assert (copy.title, copy.direction, copy.origin_name) == (
        "Tricoter une écharpe",
        "offer",
        network.name,
    )
    assert copy.domain.slug == listing.domain.slug and copy.domain.network == other_network
    assert copy.availability == ""
    sent = json.dumps(OutboxActivity.objects.get(type="Create").payload, ensure_ascii=False)
    for personal in ("Odile", "Retraitée", "06 12", author.email, "mardi"):
        assert personal not in sent
    # Searchable among the neighbour's listings, with accents dropped.
    assert list(search_listings(Listing.objects.filter(network=other_network), "echarpe")) == [copy]


def test_listings_kept_to_the_network_stay_home(run, author, other_network):
    listing = post(run, author, visibility=Listing.Visibility.NETWORK)
    assert their_copy(other_network, listing) is None
    assert not OutboxActivity.objects.filter(object_uri=listing_uri(listing)).exists()


def test_edits_pauses_and_reopening_follow(run, author, other_network):
    listing = post(run, author)
    run(core.listing_update, listing=listing, acting=author.user, title="Tricoter un bonnet")
    assert their_copy(other_network, listing).title == "Tricoter un bonnet"
    run(core.listing_pause, listing=listing, acting=author.user)
    assert their_copy(other_network, listing) is None
    run(core.listing_reopen, listing=listing, acting=author.user)
    assert their_copy(other_network, listing).title == "Tricoter un bonnet"
    run(core.listing_update, listing=listing, acting=author.user, visibility="network")
    assert their_copy(other_network, listing) is None


def test_closing_deletes_for_good(run, author, other_network):
    listing = post(run, author)
    run(core.listing_close, listing=listing, acting=author.user)
    assert their_copy(other_network, listing) is None
    assert MirroredObject.objects.get(uri=listing_uri(listing)).deleted_at is not None
    assert list(
        OutboxActivity.objects.filter(object_uri=listing_uri(listing)).values_list(
            "type", flat=True
        )
    ) == ["Create", "Delete"]


def test_a_member_who_withdraws_leaves_no_listing_at_the_peers(run, author, other_network):
    listings = [post(run, author), post(run, author, title="Réparer un vélo")]
    never_shared = post(run, author, visibility="network")
    run(member_withdraw, member=author, acting=author.user)
    assert not Listing.objects.filter(network=other_network).exists()
    assert all(
        MirroredObject.objects.get(uri=listing_uri(listing)).deleted_at for listing in listings
    )
    assert not OutboxActivity.objects.filter(object_uri=listing_uri(never_shared)).exists()


def test_only_the_posting_network_changes_a_listing(run, author, other_network):
    copy = their_copy(other_network, post(run, author))
    theirs = CoordinatorFactory(network=other_network)
    with pytest.raises(NotAllowed):
        core.listing_update(listing=copy, acting=theirs.user, title="Autre")
    with pytest.raises(NotAllowed):
        core.listing_close(listing=copy, acting=theirs.user)


def test_ending_the_peering_purges_the_peers_listings(run, author, other_network):
    post(run, author)
    peer_at_theirs = Peer.objects.get(network=other_network)
    run(
        peering.peer_end,
        peer=peer_at_theirs,
        acting=CoordinatorFactory(network=other_network).user,
    )
    assert not Listing.objects.filter(network=other_network).exists()
    assert (
        not search_listings(Listing.objects.all(), "echarpe").filter(network=other_network).exists()
    )


def test_a_search_covers_the_origins_its_scope_names(run, author, other_network):
    copy = their_copy(other_network, post(run, author))
    own = ListingFactory(
        member=MemberFactory(network=other_network), title="Tricoter des chaussettes"
    )
    theirs_and_ours = Listing.objects.filter(network=other_network)

    def titles(**kwargs):
        return sorted(li.title for li in search_listings(theirs_and_ours, "tricot", **kwargs))

    assert titles() == sorted([copy.title, own.title])
    assert titles(mirrored=False) == [own.title]
    assert titles(mirrored=True) == [copy.title]
    for scope, expected in ((Scope.HERE, [own]), (Scope.NEIGHBOURS, [copy])):
        assert list(listing_text_filter(theirs_and_ours, "tricot", scope)) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index and planner")
def test_our_own_listings_are_searched_in_an_index_of_their_own(run, author, other_network):
    copy = their_copy(other_network, post(run, author))
    own = ListingFactory(member=MemberFactory(network=other_network), title="Tricot pour tous")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT listing_id, mirrored FROM rers_listing_search WHERE listing_id IN (%s, %s)",
            [copy.pk, own.pk],
        )
        assert dict(cursor.fetchall()) == {copy.pk: True, own.pk: False}
    search = listing_text_filter(
        listings_from(Listing.objects.filter(network=other_network), Scope.HERE),
        "tricot",
        Scope.HERE,
    )
    sql, params = search.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # Two rows are cheaper to read in full: ask which index a large table would take.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "rers_listing_search_own_vector" in plan

"""A neighbour's listings mirrored here change the cached pages of listings at once: created,
edited, withdrawn, deleted, relabelled when the neighbour renames itself, purged when the
peering ends (rers_core/listing_cache.py)."""

import pytest
from django.urls import reverse

from rers_core.models import Listing
from rers_core.services import listings as core
from rers_core.services.networks import network_update
from rers_core.testing.factories import CoordinatorFactory, MemberFactory
from rers_federation.models import Peer
from rers_federation.services import peering
from tests.conftest import login


@pytest.fixture(autouse=True)
def _cached(in_process_federation, cached_listing_pages):
    """After the federation's settings (tests/federation/conftest.py), which replace RERS_CORE."""


@pytest.fixture
def author(active_peer, network):
    return MemberFactory(network=network)


@pytest.fixture
def neighbours_page(client, other_network):
    """The other network's listings page, neighbours' listings only, as one of its members
    sees it."""
    login(client, MemberFactory(network=other_network))
    url = reverse("rers_core:listings", args=[other_network.slug])

    def get():
        response = client.get(url, {"scope": "neighbours"})
        assert response.status_code == 200
        return response.content.decode()

    return get


def post(run, author, title):
    return run(
        core.listing_create,
        member=author,
        acting=author.user,
        direction=Listing.Direction.OFFER,
        kind=Listing.Kind.KNOW_HOW,
        domain=author.network.domains.order_by("position").first(),
        title=title,
        visibility=Listing.Visibility.FEDERATED,
    )


def test_the_neighbours_changes_show_in_the_cached_page(run, author, network, neighbours_page):
    assert "Tricoter une écharpe" not in neighbours_page()
    listing = post(run, author, "Tricoter une écharpe")
    assert "Tricoter une écharpe" in neighbours_page()

    run(core.listing_update, listing=listing, acting=author.user, title="Tricoter un bonnet")
    content = neighbours_page()
    assert "Tricoter un bonnet" in content and "Tricoter une écharpe" not in content

    run(core.listing_pause, listing=listing, acting=author.user)  # withdrawn from the peers
    assert "Tricoter un bonnet" not in neighbours_page()
    run(core.listing_reopen, listing=listing, acting=author.user)
    assert "Tricoter un bonnet" in neighbours_page()

    # The neighbour renames itself: our copies are relabelled with update().
    run(network_update, network=network, acting=CoordinatorFactory(network=network).user,
        name="RERS du Havre-Sud")  # fmt: skip
    assert "RERS du Havre-Sud" in neighbours_page()

    run(core.listing_close, listing=listing, acting=author.user)  # deleted for good
    assert "Tricoter un bonnet" not in neighbours_page()


def test_ending_the_peering_empties_the_cached_page(run, author, other_network, neighbours_page):
    post(run, author, "Tricoter une écharpe")
    assert "Tricoter une écharpe" in neighbours_page()
    run(
        peering.peer_end,
        peer=Peer.objects.get(network=other_network),
        acting=CoordinatorFactory(network=other_network).user,
    )
    assert "Tricoter une écharpe" not in neighbours_page()

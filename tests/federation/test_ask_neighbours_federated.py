"""Asking the neighbours between two peered networks of the test site: a facilitator shares
an unmet request, the neighbour's facilitators see it apart in their unmet-requests report,
and the member who closes it (or keeps it to the network) withdraws it there."""

import pytest
from django.test import Client
from django.urls import reverse

from rers_core.models import Listing
from rers_core.selectors.suggestions import neighbours_unmet_requests, unmet_requests
from rers_core.services import listings as core
from rers_core.testing.factories import FacilitatorFactory, MemberFactory
from rers_federation.services.catalogue import listing_uri
from tests.conftest import login
from tests.core.page_checks import check_page

THEIR_SECTION = "Neighbouring networks’ unmet requests</h2>"


@pytest.fixture
def drone(run, active_peer, network):
    """Odile's request, kept to her network as she posted it."""
    odile = MemberFactory(network=network, display_name="Odile Martin")
    return run(
        core.listing_create,
        member=odile,
        acting=odile.user,
        direction=Listing.Direction.REQUEST,
        kind=Listing.Kind.KNOW_HOW,
        domain=network.domains.order_by("position").first(),
        title="Piloter un drone",
        description="Pour filmer le jardin partagé.",
        availability="Le samedi matin",
    )


def their_copy(other_network, listing):
    return Listing.objects.filter(network=other_network, origin_uri=listing_uri(listing)).first()


def their_report(other_network) -> str:
    facilitator = FacilitatorFactory(network=other_network)
    browser = login(Client(HTTP_ACCEPT_LANGUAGE="en"), facilitator)
    page = check_page(browser.get(reverse("rers_core:unmet_requests", args=[other_network.slug])))
    return page.split(THEIR_SECTION)[1]


def test_asking_the_neighbours_reaches_their_facilitators_until_it_is_closed(
    run, network, other_network, drone
):
    assert their_copy(other_network, drone) is None

    run(core.request_ask_neighbours, listing=drone, acting=FacilitatorFactory(network=network).user)
    copy = their_copy(other_network, drone)
    assert copy is not None and copy.member is None
    assert (copy.direction, copy.status, copy.origin_name) == ("request", "open", network.name)
    assert neighbours_unmet_requests(other_network)[0].request == copy
    assert unmet_requests(other_network) == []
    theirs = their_report(other_network)
    assert "Piloter un drone" in theirs and network.name in theirs
    for personal in ("Odile", "samedi"):
        assert personal not in theirs

    run(core.listing_close, listing=drone, acting=drone.member.user)
    assert their_copy(other_network, drone) is None
    assert neighbours_unmet_requests(other_network) == []
    assert "Piloter un drone" not in their_report(other_network)


def test_the_member_keeps_it_to_the_network(run, network, other_network, drone):
    facilitator = FacilitatorFactory(network=network)
    run(core.request_ask_neighbours, listing=drone, acting=facilitator.user)
    assert their_copy(other_network, drone) is not None

    run(core.listing_update, listing=drone, acting=drone.member.user, visibility="network")
    assert their_copy(other_network, drone) is None
    assert neighbours_unmet_requests(other_network) == []

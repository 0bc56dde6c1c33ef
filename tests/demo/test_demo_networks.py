"""The demo networks of ``make demo``: their data is consistent, seeding them again changes
nothing, and three networks of one test site federate through ``rers demo-federate`` as
the demo's three instances do (the launcher itself is run in tests/e2e/test_demo.py)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rers_core.conf import core_settings
from rers_core.demo.towns import (
    CROSS_ASKS,
    CROSS_VISITS,
    DEMO_ACCOUNTS,
    EVERY_CONSENT,
    NEIGHBOURS,
    TOWNS,
)
from rers_core.models import (
    Connection,
    ContactConsent,
    Event,
    Exchange,
    Listing,
    Member,
    Network,
    Registration,
    Review,
)
from rers_core.models import Testimony as Verbatim  # not a test class
from rers_core.services.connections import connection_propose
from rers_core.testing.factories import FacilitatorFactory, ListingFactory, MemberFactory
from rers_federation.models import Peer
from rers_federation.testing import InProcessTransport

DOMAINS = {slug for slug, _name in core_settings.DEFAULT_DOMAINS}


@pytest.fixture(autouse=True)
def in_process_federation(settings):
    """The three networks share this test site; federation goes through the test client."""
    settings.RERS_FEDERATION = {
        "TRANSPORT": "rers_federation.testing.InProcessTransport",
        "BASE_URL": "http://testserver",
    }
    settings.RERS_CORE = {"SITE_URL": "http://testserver"}
    InProcessTransport.sent = []


@pytest.mark.parametrize("slug", sorted(TOWNS))
def test_the_data_names_existing_choices_people_and_listings(slug):
    town = TOWNS[slug]
    people = {person.key: person for person in town.people}
    assert set(dict(DEMO_ACCOUNTS)) <= set(people)
    assert {p.role for p in town.people} <= set(Member.Role.values)
    assert {pair for p in town.people for pair in p.consents} == set(EVERY_CONSENT)
    assert any(not p.consents and not p.visitor for p in town.people)
    refs = [row[0] for row in town.listings]
    assert len(refs) == len(set(refs))
    for (
        ref,
        owner,
        direction,
        kind,
        domain,
        title,
        _d,
        ways,
        setting,
        _a,
        visibility,
        status,
    ) in town.listings:
        assert owner in people and not people[owner].visitor, ref
        assert direction in Listing.Direction.values and kind in Listing.Kind.values, ref
        assert domain in DOMAINS and setting in Listing.Setting.values, ref
        assert visibility in Listing.Visibility.values and status in Listing.Status.values, ref
        assert title and ways and set(ways) <= set("ogp"), ref
    for link in town.links:
        request, offer = town.listing(link.request), town.listing(link.offer)
        assert (request[2], offer[2]) == ("request", "offer"), link
        assert request[11] == offer[11] == "open", link
        assert link.stage in Connection.Status.values, link
        assert link.proposer in ("requester", "offerer", "facilitator"), link
        assert set(link.reviews) <= {request[1], offer[1]}, link
    for gathering in town.gatherings:
        assert gathering.kind in Event.Kind.values
        assert gathering.visibility in Event.Visibility.values
        assert set(gathering.registrants) <= set(people)
        for said in gathering.testimonies:
            assert said.author in people and said.publication in Verbatim.Publication.values


def test_the_neighbours_connections_reach_every_stage_and_cross_networks():
    stages = {link.stage for slug in NEIGHBOURS for link in TOWNS[slug].links}
    assert stages == set(Connection.Status.values)
    for ask in CROSS_ASKS:
        offer = TOWNS[ask.offer_town].listing(ask.offer)
        assert (offer[2], offer[10], offer[11]) == ("offer", "federated", "open")
        assert ask.member in {p.key for p in TOWNS[ask.town].people}
    for visit in CROSS_VISITS:
        assert TOWNS[visit.event_town].gathering(visit.event).visibility == "federated"


def seed(*slugs: str) -> None:
    for slug in slugs:
        call_command("seed_demo", "--network", slug, "-v0", stdout=StringIO())


def state() -> dict[str, tuple]:
    return {
        network.slug: (
            network.members.count(),
            network.listings.count(),
            ContactConsent.objects.filter(member__network=network).count(),
            Event.objects.filter(network=network).count(),
            Connection.objects.filter(network=network).count(),
            Exchange.objects.filter(network=network).count(),
            Review.objects.filter(exchange__network=network).count(),
            Verbatim.objects.filter(network=network).count(),
            Registration.objects.filter(event__network=network).count(),
        )
        for network in Network.objects.order_by("slug")
    }


def test_each_neighbour_is_seeded_with_its_collective_life_once(db):
    seed(*NEIGHBOURS)
    first = state()
    for slug in NEIGHBOURS:
        town, network = TOWNS[slug], Network.objects.get(slug=slug)
        statuses = set(network.connections.values_list("status", flat=True))
        assert statuses == {link.stage for link in town.links}
        kinds = set(network.events.values_list("kind", flat=True))
        assert {"drop_in", "monthly_meeting", "retrospective"} <= kinds
        assert network.events.filter(visibility="federated").exists()
        retrospective = network.events.get(kind="retrospective")
        assert retrospective.testimonies.filter(featured=True).exists()
        done = Exchange.objects.filter(network=network, status="done")
        assert Review.objects.filter(exchange__in=done, submitted_at__isnull=False).exists()
    seed(*NEIGHBOURS)
    assert state() == first


def test_seeding_leaves_the_other_networks_proposals_alone(network, other_network):
    request = ListingFactory(member=MemberFactory(network=network), direction="request")
    offer = ListingFactory(member=MemberFactory(network=network), direction="offer")
    waiting = connection_propose(
        request=request, offer=offer, acting=FacilitatorFactory(network=network).user
    )
    seed("le-havre")
    waiting.refresh_from_db()
    assert waiting.status == "proposed"
    assert Connection.objects.filter(network__slug="le-havre", status="expired").count() == 1


def federate(slug: str, capture) -> bool:
    """One short run of the command on one network; whether it finished."""
    neighbours = [
        arg
        for other in NEIGHBOURS
        if other != slug
        for arg in ("--neighbour", f"{other}=http://testserver")
    ]
    with capture(execute=True):
        try:
            call_command(
                "demo_federate", "--network", slug, *neighbours, "--timeout", "0", stdout=StringIO()
            )
        except CommandError:
            return False
    return True


def test_three_neighbours_federate_as_the_demos_instances_do(
    db, django_capture_on_commit_callbacks
):
    seed(*NEIGHBOURS)
    # On one test site the commands take turns: each does what it can, then the others.
    for _round in range(8):
        finished = [federate(slug, django_capture_on_commit_callbacks) for slug in NEIGHBOURS]
        if all(finished):
            break
    assert all(finished), finished
    networks = {slug: Network.objects.get(slug=slug) for slug in NEIGHBOURS}
    for network in networks.values():
        assert list(Peer.objects.filter(network=network).values_list("status", flat=True)) == [
            "active",
            "active",
        ]
    # Le Havre's forum is on both neighbours' calendars, as are its federated offers.
    forum = "Forum des savoirs des réseaux voisins"
    for slug in ("montivilliers", "harfleur"):
        assert networks[slug].events.filter(title=forum).exclude(origin_uri="").exists()
        assert networks[slug].listings.filter(origin_name="RERS du Havre").exists()
    # Montivilliers' member asked for Le Havre's offer; its author accepted, over there.
    asked = Connection.objects.get(network=networks["montivilliers"], remote_side="offerer")
    held = Connection.objects.get(network=networks["le-havre"], remote_side="requester")
    assert asked.status == held.status == "accepted"
    assert held.offer.external_ref == "demo-03"
    # Harfleur's request waits for Montivilliers' member to answer.
    waiting = Connection.objects.get(network=networks["montivilliers"], remote_side="requester")
    assert waiting.status == "proposed" and waiting.offerer.user.email.startswith("membre@")
    registration = Registration.objects.get(event__network=networks["harfleur"], event__title=forum)
    assert registration.status == "confirmed"

    before = state()
    assert all(federate(slug, django_capture_on_commit_callbacks) for slug in NEIGHBOURS)
    assert state() == before

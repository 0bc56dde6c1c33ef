"""axe-core audits every main page of the portal, as each kind of person sees it: no
serious or critical violation. axe-core comes from npm (tests/browser/package.json) and is
read from disk into each page, never from a CDN."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rers_core.models import Event, Member
from rers_core.selectors.events import occurrence_key
from rers_core.services.connections import connection_propose
from rers_core.services.events import event_create, registration_create
from rers_core.services.members import consent_grant
from rers_core.testing.factories import (
    CoordinatorFactory,
    FacilitatorFactory,
    ListingFactory,
    MemberFactory,
    UserFactory,
)
from rers_federation.models import Peer
from rers_federation.services import peering
from tests.browser.conftest import VIEWPORT
from tests.browser.support import axe_violations, describe, expect, log_in

pytestmark = pytest.mark.axe
PHONE = {"width": 360, "height": 740}
# axe-core's rules whose outcome changes with the width of the screen.
LAYOUT_RULES = [
    "scrollable-region-focusable",
    "color-contrast",
    "target-size",
    "link-in-text-block",
    "region",
]


@pytest.fixture
def portal(live_server, network, other_network):
    """A lived-in network: people in every role, listings that match, a connection, an
    event with a waiting list, and a neighbouring network sharing its events."""
    numerique = network.domains.get(slug="numerique")
    people = {
        "coordinator": CoordinatorFactory(network=network, display_name="Camille"),
        "facilitator": FacilitatorFactory(network=network, display_name="Dominique"),
        "alice": MemberFactory(network=network, display_name="Alice"),
        "bruno": MemberFactory(network=network, display_name="Bruno"),
        "visitor": MemberFactory(network=network, display_name="Victor", status="visitor"),
        "newcomer": UserFactory(),
    }
    for person in ("alice", "bruno"):
        consent_grant(
            member=people[person], channel="email", audience="network", acting=people[person].user
        )
    request = ListingFactory(
        member=people["alice"],
        direction="request",
        domain=numerique,
        title="Apprendre à utiliser un tableur",
    )
    offer = ListingFactory(
        member=people["bruno"], direction="offer", domain=numerique, title="Le tableur pas à pas"
    )
    ListingFactory(member=people["alice"], direction="request", title="Réparer un vélo")
    connection = connection_propose(acting=people["facilitator"].user, request=request, offer=offer)
    start = timezone.localtime(timezone.now() + timedelta(days=2)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    event = event_create(
        network=network,
        acting=people["facilitator"].user,
        kind=Event.Kind.DROP_IN,
        title="Permanence du mercredi",
        place="Maison des associations",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=1,
    )
    for person in ("alice", "bruno"):
        registration_create(
            event=event, original_start=start, member=people[person], acting=people[person].user
        )
    theirs = CoordinatorFactory(network=other_network)
    peering.peer_request(
        network=network,
        url=f"{live_server.url}/federation/{other_network.slug}/",
        acting=people["coordinator"].user,
    )
    asked = Peer.objects.get(network=other_network)
    peering.peer_accept(peer=asked, acting=theirs.user, fingerprint=asked.fingerprint)
    event_create(
        network=other_network,
        acting=theirs.user,
        kind=Event.Kind.INFORMATION,
        title="Réunion d’information des voisins",
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, hours=1),
        visibility=Event.Visibility.FEDERATED,
    )
    slug = network.slug

    def url(name, *args, app="rers_core"):
        return reverse(f"{app}:{name}", args=[slug, *args])

    occurrence = url("occurrence_detail", event.pk, occurrence_key(start))
    return {
        "people": people,
        "pages": {
            "anonymous": [
                reverse("rers_core:home"),
                url("network"),
                reverse("rers_core:signup"),
                reverse("rers_core:login"),
                url("calendar"),
                url("calendar") + "?view=list",
                url("event_detail", event.pk),
                occurrence,
                url("news"),
                url("resources"),
                url("testimonies"),
                url("contact"),
            ],
            "newcomer": [url("join")],
            "visitor": [url("me"), url("charter")],
            "alice": [
                url("me"),
                url("consents"),
                url("my_listings"),
                url("listings"),
                url("listing_detail", offer.pk),
                url("listing_detail", request.pk),
                url("listing_create"),
                url("connections"),
                url("connection_detail", connection.pk),
                url("calendar"),
                occurrence,
                url("my_registrations"),
                url("my_audit"),
                url("exchanges"),
                url("withdraw"),
                # The pages that ask before an act that cannot be taken back.
                url("listing_close", request.pk),
                url("connection_cancel", connection.pk),
            ],
            "facilitator": [
                url("manage_members"),
                url("manage_member_new"),
                url("manage_member", people["alice"].pk),
                url("suggested_connections"),
                url("unmet_requests"),
                url("connections"),
                url("connection_detail", connection.pk),
                occurrence,
                url("occurrence_cancel", event.pk, occurrence_key(start)),
                url("event_new"),
                url("figures"),
                url("manage_reviews"),
                url("manage_testimonies"),
                url("manage_messages"),
            ],
            "coordinator": [
                url("dashboard"),
                url("manage_audit"),
                url("peers", app="rers_federation"),
                url("peer_new", app="rers_federation"),
                url("operations", app="rers_federation"),
                f"/admin/rers_core/network/{network.pk}/change/",
            ],
        },
    }


def _audit(page, paths) -> str:
    """Every serious or critical violation on these pages, described; empty if none.
    Each page is audited on a wide screen, then on a phone's (the portal is mobile first)
    for what depends on the layout."""
    found = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        for viewport, rules in ((VIEWPORT, None), (PHONE, LAYOUT_RULES)):
            page.set_viewport_size(viewport)
            violations = axe_violations(page, rules)
            if violations:
                found.append(f"{path} ({viewport['width']} px wide)\n{describe(violations)}")
        page.set_viewport_size(VIEWPORT)
    return "\n\n".join(found)


@pytest.mark.parametrize(
    "who", ["anonymous", "newcomer", "visitor", "alice", "facilitator", "coordinator"]
)
def test_main_pages_have_no_serious_accessibility_violation(page, portal, who):
    if who != "anonymous":
        person = portal["people"][who]
        log_in(page, person.user.email if isinstance(person, Member) else person.email)
    problems = _audit(page, portal["pages"][who])
    if who == "newcomer":
        # A form sent incomplete: its errors, summed up at the top and beside each field.
        page.get_by_role("button", name="Rejoindre").click()
        expect(page.get_by_role("alert")).to_be_visible()
        problems += describe(axe_violations(page))
    assert not problems, problems

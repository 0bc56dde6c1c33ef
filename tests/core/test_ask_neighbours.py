"""Asking the neighbours: a facilitator shares an unmet request with the neighbouring
networks (service, report page, API), the member keeps control of it, and the receiving
side shows neighbours' requests to its facilitators: in the suggested connections when our
offers may answer them, apart in the unmet-requests report otherwise.

The federation itself is not involved here: a neighbour's request is created as the
federation mirrors it (``tests/federation/test_ask_neighbours_federated.py`` runs the whole
journey between two networks).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rers_core.errors import DomainError, NotAllowed
from rers_core.models import Listing
from rers_core.selectors.figures import Month, monthly_figures
from rers_core.selectors.suggestions import (
    neighbours_unmet_requests,
    suggested_connections,
    unmet_requests,
)
from rers_core.services.listings import (
    listing_close,
    listing_pause,
    listing_update,
    request_ask_neighbours,
)
from rers_core.signals import listing_changed
from rers_core.testing.factories import (
    CoordinatorFactory,
    FacilitatorFactory,
    ListingFactory,
    MemberFactory,
)
from tests.conftest import login
from tests.core.api_support import client_for, net
from tests.core.neighbours_support import pretend_neighbours
from tests.core.page_checks import check_page
from tests.core.test_neighbours_listings import mirrored

SHARED = "Shared with neighbouring networks"
ASK = "Ask the neighbouring networks"
THEIR_SECTION = "Neighbouring networks’ unmet requests</h2>"
REQUEST_NOTE = "A request of a neighbouring network: proposing one of our offers asks our member"


@pytest.fixture(autouse=True)
def _neighbours(monkeypatch):
    """The network federates with neighbours: asking them means something (without any,
    see test_portal_usability)."""
    pretend_neighbours(monkeypatch)


def _as(member, language="en") -> Client:
    return login(Client(HTTP_ACCEPT_LANGUAGE=language), member)


def _url(name, network, *args):
    return reverse(f"rers_core:{name}", args=[network.slug, *args])


@pytest.fixture
def published():
    """What the services told other apps (the federation) about listings."""
    sent = []

    def receiver(sender, *, listing, **kwargs):
        sent.append((listing.pk, listing.visibility))

    listing_changed.connect(receiver, dispatch_uid="tests.ask_neighbours")
    yield sent
    listing_changed.disconnect(dispatch_uid="tests.ask_neighbours")


@pytest.fixture
def camille(network):
    return MemberFactory(network=network, display_name="Camille")


@pytest.fixture
def violin(camille):
    """Camille's request that nothing in the network answers."""
    return ListingFactory(
        member=camille, direction="request", title="Jouer du violon", description=""
    )


@pytest.fixture
def receiving(network):
    """Our offer, a neighbour's request it answers and one nothing of ours answers."""
    offer = ListingFactory(
        member=MemberFactory(network=network, display_name="Dominique"),
        title="Formules du tableur Excel",
        description="Je montre les formules de base et les tableaux.",
    )
    answered = mirrored(
        network,
        "Apprendre le tableur Excel",
        direction="request",
        description="Faire mon budget avec des formules.",
    )
    lonely = mirrored(
        network,
        "Piloter un drone",
        direction="request",
        origin_name="RERS B",
        km=80,
        description="",
    )
    return offer, answered, lonely


# --- The service ---------------------------------------------------------------------------


def test_a_facilitator_asks_the_neighbours_once(violin, facilitator, published):
    shared = request_ask_neighbours(listing=violin, acting=facilitator.user)
    violin.refresh_from_db()
    assert shared.pk == violin.pk and violin.visibility == Listing.Visibility.FEDERATED
    assert violin.member.display_name == "Camille" and violin.status == Listing.Status.OPEN
    # Published as any edit is: the federation listens to this signal.
    assert published == [(violin.pk, Listing.Visibility.FEDERATED)]

    updated_at = violin.updated_at
    request_ask_neighbours(listing=violin, acting=facilitator.user)
    violin.refresh_from_db()
    assert violin.visibility == Listing.Visibility.FEDERATED and violin.updated_at == updated_at
    assert len(published) == 1


@pytest.mark.parametrize("who", ["author", "member", "other_facilitator"])
def test_only_the_networks_facilitators_ask(network, other_network, violin, published, who):
    acting = {
        "author": violin.member,
        "member": MemberFactory(network=network),
        "other_facilitator": FacilitatorFactory(network=other_network),
    }[who].user
    with pytest.raises(NotAllowed, match="Only a facilitator of this network can do this."):
        request_ask_neighbours(listing=violin, acting=acting)
    violin.refresh_from_db()
    assert violin.visibility == Listing.Visibility.NETWORK and published == []


def test_a_coordinator_asks_too(network, violin):
    coordinator = CoordinatorFactory(network=network)
    request_ask_neighbours(listing=violin, acting=coordinator.user)
    violin.refresh_from_db()
    assert violin.visibility == Listing.Visibility.FEDERATED


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("offer", "Only a request can be shared this way"),
        ("paused", "Only an open request can be shared with the neighbouring networks."),
        ("closed", "Only an open request can be shared with the neighbouring networks."),
    ],
)
def test_only_an_open_request_is_asked(camille, facilitator, published, case, message):
    listing = ListingFactory(
        member=camille, direction="offer" if case == "offer" else "request", title="Le tricot"
    )
    if case == "paused":
        listing_pause(listing=listing, acting=camille.user)
    elif case == "closed":
        listing_close(listing=listing, acting=camille.user)
    published.clear()
    with pytest.raises(DomainError, match=message):
        request_ask_neighbours(listing=listing, acting=facilitator.user)
    listing.refresh_from_db()
    assert listing.visibility == Listing.Visibility.NETWORK and published == []


def test_a_neighbours_request_is_theirs_to_share(network, facilitator, receiving, published):
    _offer, answered, _lonely = receiving
    with pytest.raises(NotAllowed, match="Only RERS A, where this listing was posted"):
        request_ask_neighbours(listing=answered, acting=facilitator.user)
    answered.refresh_from_db()
    assert answered.visibility == Listing.Visibility.NETWORK and published == []


def test_the_member_keeps_control(network, camille, violin, facilitator, published):
    request_ask_neighbours(listing=violin, acting=facilitator.user)
    mine = _as(camille)
    page = check_page(mine.get(_url("my_listings", network)))
    assert "Jouer du violon" in page and SHARED in page

    # The existing edit takes it back to the network (and tells the federation).
    listing_update(listing=violin, acting=camille.user, visibility=Listing.Visibility.NETWORK)
    assert published[-1] == (violin.pk, Listing.Visibility.NETWORK)
    page = check_page(mine.get(_url("my_listings", network)))
    assert "Jouer du violon" in page and SHARED not in page
    page = check_page(_as(facilitator).get(_url("unmet_requests", network)))
    assert ASK in page.split(THEIR_SECTION)[0]


# --- The report page -----------------------------------------------------------------------


def test_the_report_offers_to_ask_and_says_what_is_shared(network, camille, violin, facilitator):
    shared = ListingFactory(
        member=camille,
        direction="request",
        title="Piloter un planeur",
        description="",
        visibility=Listing.Visibility.FEDERATED,
    )
    staff = _as(facilitator)
    page = check_page(staff.get(_url("unmet_requests", network)))
    ours = page.split(THEIR_SECTION)[0]
    assert "neighbouring networks this network federates with, if any" in ours
    action = _url("listing_ask_neighbours", network, violin.pk)
    assert ours.count(f'<form method="post" action="{action}">') == 1
    assert f'{ASK}<span class="visually-hidden"> “Jouer du violon”' in ours
    assert _url("listing_ask_neighbours", network, shared.pk) not in ours
    assert ours.count(SHARED) == 1

    response = staff.post(action, {"next": _url("unmet_requests", network) + "?order=title"})
    assert response.status_code == 302
    assert response["Location"] == _url("unmet_requests", network) + "?order=title"
    page = check_page(staff.get(response["Location"]))
    assert "“Jouer du violon” is shared with the neighbouring networks." in page
    ours = page.split(THEIR_SECTION)[0]
    assert ours.count(SHARED) == 2 and action not in ours
    violin.refresh_from_db()
    assert violin.visibility == Listing.Visibility.FEDERATED


def test_the_report_button_refuses_politely(network, camille, facilitator):
    paused = ListingFactory(
        member=camille, direction="request", title="Le tricot", status=Listing.Status.PAUSED
    )
    response = _as(facilitator).post(
        _url("listing_ask_neighbours", network, paused.pk), follow=True
    )
    page = check_page(response)
    assert "Only an open request can be shared with the neighbouring networks." in page
    paused.refresh_from_db()
    assert paused.visibility == Listing.Visibility.NETWORK


def test_the_report_button_is_for_the_networks_facilitators(
    network, other_network, camille, violin
):
    url = _url("listing_ask_neighbours", network, violin.pk)
    assert _as(camille).post(url).status_code == 403
    assert _as(FacilitatorFactory(network=other_network)).post(url).status_code == 403
    assert _as(FacilitatorFactory(network=network)).get(url).status_code == 405
    assert Client().post(url).status_code == 302  # to the login page
    violin.refresh_from_db()
    assert violin.visibility == Listing.Visibility.NETWORK
    # A listing of another network is not found from this one.
    theirs = ListingFactory(member=MemberFactory(network=other_network), direction="request")
    staff = _as(FacilitatorFactory(network=network))
    assert staff.post(_url("listing_ask_neighbours", network, theirs.pk)).status_code == 404


def test_the_report_in_french(network, violin, facilitator):
    page = check_page(_as(facilitator, "fr").get(_url("unmet_requests", network)))
    assert "Solliciter les réseaux voisins" in page
    assert "Besoins non satisfaits des réseaux voisins" in page
    request_ask_neighbours(listing=violin, acting=facilitator.user)
    page = check_page(_as(facilitator, "fr").get(_url("unmet_requests", network)))
    assert "Partagée avec les réseaux voisins" in page


# --- The API -------------------------------------------------------------------------------


def test_api_asks_the_neighbours(network, other_network, camille, violin, facilitator):
    url = net(network, f"listings/{violin.pk}/ask-neighbours/")
    for person in (camille, FacilitatorFactory(network=other_network)):
        response = client_for(person).post(url)
        assert response.status_code == 403
        assert response.json()["code"] == "not_allowed"
    violin.refresh_from_db()
    assert violin.visibility == Listing.Visibility.NETWORK

    staff = client_for(facilitator)
    for _twice in range(2):
        response = staff.post(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["id"], body["visibility"]) == (violin.pk, "federated")
        assert body["member"]["display_name"] == "Camille"


def test_api_refusals_are_json(network, camille, facilitator, receiving):
    _offer, answered, _lonely = receiving
    staff = client_for(facilitator)
    offer = ListingFactory(member=camille, title="Le tricot")
    response = staff.post(net(network, f"listings/{offer.pk}/ask-neighbours/"))
    assert response.status_code == 400
    assert response.json()["code"] == "domain_error"
    assert "Only a request can be shared this way" in response.json()["detail"]
    response = staff.post(net(network, f"listings/{answered.pk}/ask-neighbours/"))
    assert response.status_code == 403 and "Only RERS A" in response.json()["detail"]
    response = staff.post(net(network, "listings/999999/ask-neighbours/"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert staff.get(net(network, f"listings/{offer.pk}/ask-neighbours/")).status_code == 405


# --- The receiving side: suggested connections ---------------------------------------------


def test_a_neighbours_request_is_suggested_our_offers(network, facilitator, receiving):
    offer, answered, lonely = receiving
    rows = {request.pk: found for request, found in suggested_connections(network)}
    assert set(rows) == {answered.pk}
    assert [s.offer.pk for s in rows[answered.pk]] == [offer.pk]

    page = check_page(_as(facilitator).get(_url("suggested_connections", network)))
    section = page.split(f'id="request-{answered.pk}"')[1].split("</section>")[0]
    assert answered.title in section and offer.title in section
    assert "RERS A · 12 km" in section and "Dominique" in section
    assert REQUEST_NOTE in section and "RERS A asks the person who posted it" in section
    # Proposed like ours: the person over there is asked by their own network.
    assert section.count("Propose this connection") == 1
    assert f'name="request" value="{answered.pk}"' in section
    assert f'name="offer" value="{offer.pk}"' in section
    assert "between a member of RERS A and Dominique" in section
    assert lonely.title not in page

    rows = client_for(facilitator).get(net(network, "suggested-connections/")).json()["results"]
    assert [row["request"]["id"] for row in rows] == [answered.pk]
    request = rows[0]["request"]
    assert request["is_mirrored"] and request["member"] is None
    assert (request["origin_name"], request["origin_distance_km"]) == ("RERS A", 12)
    assert [s["offer"]["id"] for s in rows[0]["suggestions"]] == [offer.pk]


def test_our_requests_come_first_and_keep_their_action(network, camille, facilitator, receiving):
    offer, answered, _lonely = receiving
    ours = ListingFactory(
        member=camille, direction="request", title="Les formules du tableur Excel"
    )
    assert [r.pk for r, _found in suggested_connections(network)] == [ours.pk, answered.pk]
    page = check_page(_as(facilitator).get(_url("suggested_connections", network)))
    assert page.count("Propose this connection") == 2
    assert f'name="request" value="{ours.pk}"' in page
    assert page.index(f'name="request" value="{ours.pk}"') < page.index(
        f'name="request" value="{answered.pk}"'
    )


def test_a_neighbours_request_is_not_paired_with_other_neighbours_offers(network):
    answered = mirrored(network, "Apprendre le tableur Excel", direction="request")
    mirrored(network, "Formules du tableur Excel", origin_name="RERS C")
    assert suggested_connections(network) == []
    assert [u.request.pk for u in neighbours_unmet_requests(network)] == [answered.pk]


def test_a_neighbours_request_weighs_our_offers_by_its_distance(network):
    ListingFactory(member=MemberFactory(network=network), title="Le tricot pour débuter")
    wanted = {"title": "Apprendre le tricot", "direction": "request"}
    near, far = mirrored(network, km=5, **wanted), mirrored(network, km=300, **wanted)
    scores = {r.pk: found[0].score for r, found in suggested_connections(network)}
    assert scores[near.pk] > scores[far.pk]


def test_the_suggest_command_names_a_neighbours_requests_network(network, receiving, capsys):
    offer, answered, _lonely = receiving
    call_command("suggest", "--network", network.slug)
    rows = json.loads(capsys.readouterr().out)
    assert [(row["request"], row["offer"]) for row in rows] == [(answered.pk, offer.pk)]
    assert (rows[0]["request_network"], rows[0]["request_distance_km"]) == ("RERS A", 12)
    assert "offer_network" not in rows[0]


# --- The receiving side: the unmet-requests report -----------------------------------------


def test_neighbours_unmet_requests_have_their_own_section(
    network, camille, violin, facilitator, receiving
):
    _offer, answered, lonely = receiving
    assert [u.request.pk for u in unmet_requests(network)] == [violin.pk]
    assert [u.request.pk for u in neighbours_unmet_requests(network)] == [lonely.pk]

    page = check_page(_as(facilitator).get(_url("unmet_requests", network)))
    ours, theirs = page.split(THEIR_SECTION)
    assert "1 unmet request<" in ours and violin.title in ours
    assert lonely.title not in ours and answered.title not in ours
    assert lonely.title in theirs and "RERS B · 80 km" in theirs
    assert answered.title not in theirs and "Camille" not in theirs
    assert _url("listing_detail", network, lonely.pk) in theirs
    # No action on a neighbour's request: it is theirs to share.
    assert ASK not in theirs and "<form" not in theirs
    assert _url("neighbours_unmet_requests_csv", network) in theirs

    # Never among our own figures.
    figures = monthly_figures(network, Month.of(timezone.now()))
    assert (figures["new_requests"], figures["unmet_requests"]) == (1, 1)


def test_neighbours_unmet_requests_as_csv(network, violin, facilitator, receiving):
    _offer, _answered, lonely = receiving
    lonely.origin_name = "=RERS B"  # a spreadsheet must not run it as a formula
    lonely.save()
    staff = _as(facilitator)
    response = staff.get(_url("neighbours_unmet_requests_csv", network))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"neighbours-unmet-requests-{network.slug}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Number",
        "Request",
        "Domain",
        "Network",
        "Distance (km)",
        "Shared with us for (days)",
        "Shared with us on",
        "Closest offer here",
        "Relevance of the closest offer, in percent",
    ]
    assert [row[:6] for row in rows[1:]] == [
        [str(lonely.pk), "Piloter un drone", lonely.domain.name, "'=RERS B", "80", "0"]
    ]
    # Ours stay ours.
    ours = staff.get(_url("unmet_requests_csv", network)).content.decode("utf-8-sig")
    assert "Jouer du violon" in ours and "Piloter un drone" not in ours


def test_neighbours_unmet_requests_in_the_api(network, violin, facilitator, camille, receiving):
    _offer, _answered, lonely = receiving
    unknown = mirrored(network, "Souder à l'arc", direction="request", km=None, description="")
    staff = client_for(facilitator)
    url = net(network, "unmet-requests/neighbours/")
    body = staff.get(url, {"order": "title"}).json()
    assert body["count"] == 2
    assert [row["request"] for row in body["results"]] == [lonely.pk, unknown.pk]
    row = body["results"][0]
    assert (row["title"], row["network"], row["distance_km"]) == ("Piloter un drone", "RERS B", 80)
    assert row["age_days"] == 0 and row["best_score"] < 0.3
    assert body["results"][1]["distance_km"] is None

    response = staff.get(url, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert {(r["title"], r["network"], r["distance_km"]) for r in rows} == {
        ("Piloter un drone", "RERS B", "80"),
        ("Souder à l'arc", "RERS A", ""),
    }

    ours = staff.get(net(network, "unmet-requests/")).json()
    assert [row["request"] for row in ours["results"]] == [violin.pk]
    response = client_for(camille).get(url)
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    response = staff.get(url, {"order": "size"})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["order"]


def test_closing_withdraws_a_neighbours_request_everywhere(network, facilitator, receiving):
    """The federation deletes our copy when its network closes the request."""
    _offer, answered, lonely = receiving
    answered.delete()
    lonely.delete()
    assert suggested_connections(network) == [] and neighbours_unmet_requests(network) == []
    staff = _as(facilitator)
    page = check_page(staff.get(_url("suggested_connections", network)))
    assert answered.title not in page
    page = check_page(staff.get(_url("unmet_requests", network)))
    theirs = page.split(THEIR_SECTION)[1]
    assert lonely.title not in theirs
    assert "No request of a neighbouring network is waiting for an offer here." in theirs
    api = client_for(facilitator).get(net(network, "unmet-requests/neighbours/")).json()
    assert api["count"] == 0


def _queries(client, url) -> int:
    client.get(url)  # warm per-process caches (e.g. search synonyms)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize(
    "url",
    [
        "suggested_connections",
        "unmet_requests",
        "neighbours_unmet_requests_csv",
        "api:suggested-connections/",
        "api:unmet-requests/neighbours/",
    ],
)
def test_neighbours_requests_cost_no_query_each(network, facilitator, receiving, url):
    if url.startswith("api:"):
        client, address = client_for(facilitator), net(network, url[4:])
    else:
        client, address = _as(facilitator), _url(url, network)

    def add(count):
        for index in range(count):
            mirrored(network, f"Le tableur Excel, leçon {index}", direction="request")
            mirrored(network, f"Astronomie {index}", direction="request", description="")

    add(1)
    few = _queries(client, address)
    add(5)
    assert _queries(client, address) == few

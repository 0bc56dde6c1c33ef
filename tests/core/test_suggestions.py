import json
from pathlib import Path

import pytest

from rers_core.models import Connection, Listing
from rers_core.selectors.suggestions import (
    suggested_connections,
    suggestions_for_request,
    unmet_requests,
)
from rers_core.testing.factories import ListingFactory, MemberFactory

EVAL = json.loads((Path(__file__).parents[1] / "data" / "matching_eval.json").read_text())


@pytest.fixture
def evaluation(network):
    offerers = [MemberFactory(network=network) for _ in range(5)]
    requester = MemberFactory(network=network)
    domains = {d.slug: d for d in network.domains.all()}
    offers = {
        o["ref"]: ListingFactory(
            member=offerers[i % 5],
            direction="offer",
            kind=o["kind"],
            domain=domains[o["domain"]],
            title=o["title"],
            description=o["description"],
            external_ref=o["ref"],
        )
        for i, o in enumerate(EVAL["offers"])
    }
    requests = {
        r["ref"]: ListingFactory(
            member=requester,
            direction="request",
            kind=r["kind"],
            domain=domains[r["domain"]],
            title=r["title"],
            description=r["description"],
            external_ref=r["ref"],
        )
        for r in EVAL["requests"]
    }
    return offers, requests


def test_quality_bar_on_the_evaluation_set(evaluation):
    offers, requests = evaluation
    answered = [r for r in EVAL["requests"] if r["answers"]]
    unanswerable = [r for r in EVAL["requests"] if not r["answers"]]
    assert len(answered) >= 30 and unanswerable
    hits = 0
    for r in answered:
        refs = [s.offer.external_ref for s in suggestions_for_request(requests[r["ref"]], limit=5)]
        hits += bool(set(refs) & set(r["answers"]))
    assert hits / len(answered) >= 0.95
    noise = [len(suggestions_for_request(requests[r["ref"]])) for r in unanswerable]
    assert sum(noise) / len(noise) <= 1.0
    assert noise.count(0) >= len(noise) * 0.75


def test_never_own_offer_nor_connected_pair(network, member):
    request = ListingFactory(member=member, direction="request", title="Apprendre Excel")
    ListingFactory(member=member, direction="offer", title="Excel pour débutants")
    other = ListingFactory(
        member=MemberFactory(network=network), direction="offer", title="Les formules Excel"
    )
    declined = ListingFactory(
        member=MemberFactory(network=network), direction="offer", title="Excel et tableaux croisés"
    )
    Connection.objects.create(
        network=network,
        request=request,
        offer=declined,
        requester=member,
        offerer=declined.member,
        proposed_by="requester",
        status="declined",
    )
    assert [s.offer for s in suggestions_for_request(request)] == [other]


def test_closed_paused_and_other_network_offers_are_not_suggested(network, member, other_network):
    request = ListingFactory(member=member, direction="request", title="Cuisine végétarienne")
    ListingFactory(
        member=MemberFactory(network=network),
        direction="offer",
        title="Cuisine végétarienne",
        status=Listing.Status.PAUSED,
    )
    ListingFactory(
        member=MemberFactory(network=other_network), direction="offer", title="Cuisine végétarienne"
    )
    assert suggestions_for_request(request) == []


def test_unmet_report_and_facilitator_view(network, member):
    answered = ListingFactory(
        member=member, direction="request", title="Rédiger mon CV", description=""
    )
    lonely = ListingFactory(
        member=member, direction="request", title="Jouer du violon", description=""
    )
    offer = ListingFactory(
        member=MemberFactory(network=network),
        direction="offer",
        title="Relire votre curriculum vitae",
        description="",
    )
    unmet = unmet_requests(network)
    assert [u.request for u in unmet] == [lonely]
    assert unmet[0].domain and unmet[0].age_days == 0
    rows = suggested_connections(network)
    assert [(r, [s.offer for s in found]) for r, found in rows] == [(answered, [offer])]

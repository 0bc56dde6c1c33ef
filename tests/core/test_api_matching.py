"""API v1 for matching: suggestions, connections, exchanges, reviews, unmet requests and
reciprocity. Journeys, who may call what, bad input, the CSV export and query counts."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from django.db import connection as db_connection
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from rers_core.models import Connection, Exchange, Listing, Member
from rers_core.services import connections as connection_services
from rers_core.services import exchanges as exchange_services
from rers_core.services.members import consent_grant
from rers_core.testing.factories import ListingFactory, MemberFactory
from tests.core.api_support import (
    V1,
    World,
    assert_error,
    build_world,
    client_for,
    make_exchange,
    net,
)

HUGE = "x" * 100_000
BIG_ID = 10**30


def _request(member, title, **extra):
    return ListingFactory(member=member, direction=Listing.Direction.REQUEST, title=title, **extra)


def _offer(member, title, **extra):
    return ListingFactory(member=member, direction=Listing.Direction.OFFER, title=title, **extra)


def _accepted(request, offer) -> Connection:
    """A connection both people accepted (recorded by the system)."""
    found = connection_services.connection_propose(request=request, offer=offer, acting=None)
    connection_services.connection_answer(
        connection=found, accept=True, acting=None, side="requester"
    )
    return connection_services.connection_answer(
        connection=found, accept=True, acting=None, side="offerer"
    )


# --- the journey ---------------------------------------------------------------------


@pytest.fixture
def people(network):
    requester = MemberFactory(network=network, display_name="Alix", phone="06 11 11 11 11")
    offerer = MemberFactory(
        network=network,
        display_name="Camille",
        phone="06 22 22 22 22",
        other_link="https://example.org/camille",
    )
    return requester, offerer


def test_journey_from_suggestion_to_closed_connection(network, people, facilitator):
    requester, offerer = people
    r, o, f = client_for(requester), client_for(offerer), client_for(facilitator)
    domain = "numerique"

    # Each person posts a listing and says how they may be contacted.
    response = o.post(
        net(network, "listings/"),
        {
            "direction": "offer",
            "kind": "know_how",
            "domain": domain,
            "title": "Les formules du tableur Excel",
            "description": "Sommes, moyennes et recherches dans un tableur.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    offer_id = response.json()["id"]
    response = r.post(
        net(network, "listings/"),
        {
            "direction": "request",
            "kind": "know_how",
            "domain": domain,
            "title": "Apprendre les formules du tableur Excel",
            "description": "Faire des sommes dans un tableur.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    request_id = response.json()["id"]
    assert (
        r.post(
            net(network, "me/consents/"), {"channel": "email", "audience": "network"}, format="json"
        ).status_code
        == 201
    )
    assert (
        o.post(
            net(network, "me/consents/"),
            {"channel": "phone", "audience": "network", "scope": "le tableur"},
            format="json",
        ).status_code
        == 201
    )

    # Suggestions for the request: the offer, with a score.
    response = r.get(net(network, f"listings/{request_id}/suggestions/"))
    assert response.status_code == 200, response.json()
    suggestions = response.json()
    assert [s["offer"]["id"] for s in suggestions] == [offer_id]
    assert suggestions[0]["score"] >= 0.3
    assert suggestions[0]["offer"]["member"] == {"id": offerer.pk, "display_name": "Camille"}
    assert "email" not in str(suggestions) and offerer.phone not in str(suggestions)

    # The requester proposes; their own consent is recorded at once.
    response = r.post(
        net(network, "connections/"),
        {
            "request": request_id,
            "offer": offer_id,
            "message": "Je suis libre le mardi.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    proposed = response.json()
    cid = proposed["id"]
    assert proposed["status"] == "proposed"
    assert proposed["proposed_by"] == "requester"
    assert proposed["requester_answer"] == "accepted" and proposed["requester_answered_at"]
    assert proposed["offerer_answer"] == "pending" and proposed["offerer_answered_at"] is None
    assert proposed["my_side"] == "requester"
    assert proposed["contact"] is None
    assert proposed["request"]["id"] == request_id and proposed["offer"]["id"] == offer_id
    assert proposed["exchange"] is None

    # The offered listing is no longer suggested for this request.
    assert r.get(net(network, f"listings/{request_id}/suggestions/")).json() == []

    # The offerer sees it, without anyone's contact details yet.
    listed = o.get(net(network, "connections/")).json()
    assert [c["id"] for c in listed["results"]] == [cid]
    detail = o.get(net(network, f"connections/{cid}/")).json()
    assert detail["contact"] is None and detail["my_side"] == "offerer"
    assert requester.email not in str(detail)

    # The offerer accepts: each sees the other's card, limited to what they consented.
    response = o.post(net(network, f"connections/{cid}/accept/"))
    assert response.status_code == 200, response.json()
    accepted = response.json()
    assert accepted["status"] == "accepted"
    assert accepted["offerer_answer"] == "accepted" and accepted["offerer_answered_at"]
    assert accepted["contact"] == {
        "display_name": "Alix",
        "email": requester.email,
        "phone": "",
        "link": "",
        "through_facilitator": False,
        "scope": "",
    }
    card = r.get(net(network, f"connections/{cid}/")).json()["contact"]
    assert card == {
        "display_name": "Camille",
        "email": "",
        "phone": "06 22 22 22 22",
        "link": "",
        "through_facilitator": False,
        "scope": "le tableur",
    }
    seen_by_facilitator = f.get(net(network, f"connections/{cid}/")).json()
    assert seen_by_facilitator["contact"] is None and seen_by_facilitator["my_side"] is None
    assert seen_by_facilitator["relay_requested_at"] is None

    # The exchange starts from the connection (twice: the same one).
    response = r.post(net(network, f"connections/{cid}/exchange/"))
    assert response.status_code == 201, response.json()
    exchange = response.json()
    eid = exchange["id"]
    assert exchange["status"] == "draft" and exchange["kind"] == "one_to_one"
    assert exchange["title"] == "Les formules du tableur Excel"
    assert exchange["connection"] == cid
    assert exchange["my_role"] == "receiver"
    assert {(p["member"]["id"], p["role"], p["agreed_at"]) for p in exchange["participants"]} == {
        (offerer.pk, "giver", None),
        (requester.pk, "receiver", None),
    }
    assert exchange["reviews"] is None and exchange["my_review"] is None
    assert o.post(net(network, f"connections/{cid}/exchange/")).json()["id"] == eid
    assert r.get(net(network, f"connections/{cid}/")).json()["exchange"] == eid

    # Nothing to agree on yet.
    assert_error(r.post(net(network, f"exchanges/{eid}/agree/")), 400, "domain_error")

    # They write the agreement together, then both confirm it.
    response = o.patch(
        net(network, f"exchanges/{eid}/agreement/"),
        {
            "content": "Les formules de base",
            "schedule": "Mardi 10h",
            "place": "Agence",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    agreement = response.json()["agreement"]
    assert agreement["content"] == "Les formules de base"
    assert agreement["schedule"] == "Mardi 10h" and agreement["frequency"] == ""
    assert agreement["updated_by"] == {"id": offerer.pk, "display_name": "Camille"}
    response = r.patch(
        net(network, f"exchanges/{eid}/agreement/"), {"frequency": "Chaque semaine"}, format="json"
    )
    assert response.json()["agreement"]["frequency"] == "Chaque semaine"

    first = o.post(net(network, f"exchanges/{eid}/agree/")).json()
    assert first["status"] == "draft"
    assert [
        p["agreed_at"] is not None for p in first["participants"] if p["member"]["id"] == offerer.pk
    ] == [True]
    response = r.post(net(network, f"exchanges/{eid}/agree/"), {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "agreed"
    assert r.get(net(network, f"connections/{cid}/")).json()["status"] == "agreed"

    # A session, then the exchange took place.
    response = r.post(
        net(network, f"exchanges/{eid}/sessions/"),
        {"starts_at": "2025-03-04T10:00:00+01:00", "note": "1re séance"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["note"] == "1re séance"
    sessions = r.get(net(network, f"exchanges/{eid}/")).json()["sessions"]
    assert [s["note"] for s in sessions] == ["1re séance"]

    response = o.post(net(network, f"exchanges/{eid}/done/"))
    assert response.status_code == 200, response.json()
    done = response.json()
    assert done["status"] == "done" and done["done_at"]
    assert done["my_review"]["submitted_at"] is None and done["reviews"] is None
    assert r.get(net(network, f"connections/{cid}/")).json()["status"] == "done"

    # Both reviews: the connection closes.
    response = r.post(
        net(network, f"exchanges/{eid}/review/"),
        {"interest": "J'ai compris les sommes", "next_steps": "Les graphiques"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["submitted_at"] and response.json()["member"]["id"] == requester.pk
    assert r.get(net(network, f"connections/{cid}/")).json()["status"] == "done"
    response = o.post(
        net(network, f"exchanges/{eid}/review/"),
        {"interest": "Expliquer m'a fait du bien", "obstacles": "Le bruit"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    closed = r.get(net(network, f"connections/{cid}/")).json()
    assert closed["status"] == "closed"
    assert closed["contact"]["email"] == ""  # still only what was consented

    # Facilitators read the reviews; each participant sees only their own.
    seen = f.get(net(network, f"exchanges/{eid}/")).json()
    assert {rv["member"]["id"] for rv in seen["reviews"]} == {requester.pk, offerer.pk}
    own = r.get(net(network, f"exchanges/{eid}/")).json()
    assert own["reviews"] is None
    assert own["my_review"]["interest"] == "J'ai compris les sommes"
    assert "Expliquer" not in str(own)
    reviews = f.get(net(network, "reviews/")).json()
    assert reviews["count"] == 2
    assert {rv["exchange"]["id"] for rv in reviews["results"]} == {eid}
    assert f.get(net(network, "reviews/"), {"submitted": "false"}).json()["count"] == 0

    # Reciprocity: encouragement, not a balance.
    assert r.get(net(network, "me/reciprocity/")).json() == {
        "offers": 0,
        "requests": 1,
        "gave": 0,
        "received": 1,
    }
    assert f.get(net(network, f"members/{offerer.pk}/reciprocity/")).json() == {
        "offers": 1,
        "requests": 0,
        "gave": 1,
        "received": 0,
    }


def test_facilitator_records_answers_and_reviews_on_behalf(network, people, facilitator):
    requester, offerer = people
    request = _request(requester, "Préparer un entretien")
    offer = _offer(offerer, "Simuler un entretien d'embauche")
    f, r, o = client_for(facilitator), client_for(requester), client_for(offerer)

    response = f.post(
        net(network, "connections/"), {"request": request.pk, "offer": offer.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    proposed = response.json()
    cid = proposed["id"]
    assert proposed["proposed_by"] == "facilitator"
    assert (proposed["requester_answer"], proposed["offerer_answer"]) == ("pending", "pending")
    assert proposed["my_side"] is None

    # A facilitator who is not one of the two must say whose answer they record.
    assert_error(f.post(net(network, f"connections/{cid}/accept/")), 400, field="side")
    response = f.post(
        net(network, f"connections/{cid}/accept/"), {"side": "requester"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["requester_answer"] == "accepted"
    assert response.json()["status"] == "proposed"
    # The requester's answer is already given; a member cannot answer for the other side.
    assert_error(r.post(net(network, f"connections/{cid}/accept/")), 400, "domain_error")
    assert_error(
        r.post(net(network, f"connections/{cid}/accept/"), {"side": "offerer"}, format="json"),
        403,
        "not_allowed",
    )
    response = f.post(
        net(network, f"connections/{cid}/accept/"), {"side": "offerer"}, format="json"
    )
    assert response.json()["status"] == "accepted"

    # Neither gave a direct channel: the facilitators relay, and record it.
    accepted = f.get(net(network, f"connections/{cid}/")).json()
    assert accepted["relay_requested_at"] is not None and accepted["relayed_at"] is None
    card = r.get(net(network, f"connections/{cid}/")).json()["contact"]
    assert card["through_facilitator"] is True
    assert (card["email"], card["phone"], card["link"]) == ("", "", "")
    assert_error(r.post(net(network, f"connections/{cid}/relayed/")), 403)
    response = f.post(net(network, f"connections/{cid}/relayed/"))
    assert response.status_code == 200 and response.json()["relayed_at"]

    # The facilitator starts and runs the exchange on the participants' behalf.
    response = f.post(
        net(network, f"connections/{cid}/exchange/"),
        {"kind": "practice", "title": "  Entretien blanc  "},
        format="json",
    )
    assert response.status_code == 201, response.json()
    exchange = response.json()
    eid = exchange["id"]
    assert (exchange["kind"], exchange["title"], exchange["my_role"]) == (
        "practice",
        "Entretien blanc",
        None,
    )
    f.patch(net(network, f"exchanges/{eid}/agreement/"), {"place": "Agence"}, format="json")
    assert_error(f.post(net(network, f"exchanges/{eid}/agree/")), 400, field="member")
    assert_error(
        f.post(net(network, f"exchanges/{eid}/agree/"), {"member": facilitator.pk}, format="json"),
        400,
        field="member",
    )
    # A participant cannot confirm for the other one.
    assert_error(
        r.post(net(network, f"exchanges/{eid}/agree/"), {"member": offerer.pk}, format="json"),
        403,
        "not_allowed",
    )
    for person in (requester, offerer):
        response = f.post(
            net(network, f"exchanges/{eid}/agree/"), {"member": person.pk}, format="json"
        )
        assert response.status_code == 200, response.json()
    assert response.json()["status"] == "agreed"
    assert all(p["agreed_at"] for p in response.json()["participants"])
    assert f.post(net(network, f"exchanges/{eid}/done/")).json()["status"] == "done"
    assert f.post(net(network, f"exchanges/{eid}/done/")).status_code == 200  # harmless again

    assert_error(
        f.post(net(network, f"exchanges/{eid}/review/"), {"interest": "Oral"}, format="json"),
        400,
        field="member",
    )
    response = f.post(
        net(network, f"exchanges/{eid}/review/"),
        {"member": requester.pk, "interest": "Dit à l'oral : rassuré"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["member"]["id"] == requester.pk
    # The participant's own review, recorded for them, is theirs to read.
    assert r.get(net(network, f"exchanges/{eid}/")).json()["my_review"]["interest"] == (
        "Dit à l'oral : rassuré"
    )
    o.post(net(network, f"exchanges/{eid}/review/"), {"helpers": "La bienveillance"}, format="json")
    assert f.get(net(network, f"connections/{cid}/")).json()["status"] == "closed"


def test_decline_is_final(network, people):
    requester, offerer = people
    request = _request(requester, "Apprendre les formules du tableur Excel")
    offer = _offer(offerer, "Les formules du tableur Excel")
    r, o = client_for(requester), client_for(offerer)
    cid = r.post(
        net(network, "connections/"), {"request": request.pk, "offer": offer.pk}, format="json"
    ).json()["id"]

    response = o.post(net(network, f"connections/{cid}/decline/"), {}, format="json")
    assert response.status_code == 200, response.json()
    declined = response.json()
    assert declined["status"] == "declined"
    assert declined["offerer_answer"] == "declined" and declined["offerer_answered_at"]
    assert declined["contact"] is None
    assert r.get(net(network, f"connections/{cid}/")).json()["contact"] is None

    assert_error(o.post(net(network, f"connections/{cid}/accept/")), 400, "domain_error")
    assert_error(r.post(net(network, f"connections/{cid}/exchange/")), 400, "domain_error")
    payload = assert_error(
        r.post(
            net(network, "connections/"), {"request": request.pk, "offer": offer.pk}, format="json"
        ),
        400,
        "domain_error",
    )
    assert "declined" in payload["detail"]
    # Declined offers are not suggested again.
    assert r.get(net(network, f"listings/{request.pk}/suggestions/")).json() == []
    listed = r.get(net(network, "connections/"), {"status": "declined"}).json()
    assert [c["id"] for c in listed["results"]] == [cid]
    assert r.get(net(network, "connections/"), {"status": "proposed"}).json()["count"] == 0


def test_cancel_and_transitions(network, people):
    requester, offerer = people
    r = client_for(requester)
    connection = _accepted(_request(requester, "Coudre"), _offer(offerer, "Couture"))
    exchange = exchange_services.exchange_from_connection(connection=connection, acting=None)
    assert r.post(net(network, f"exchanges/{exchange.pk}/cancel/")).json()["status"] == (
        "cancelled"
    )
    assert r.post(net(network, f"exchanges/{exchange.pk}/cancel/")).status_code == 200
    assert r.get(net(network, f"connections/{connection.pk}/")).json()["status"] == "cancelled"
    assert r.post(net(network, f"connections/{connection.pk}/cancel/")).status_code == 200
    assert_error(r.post(net(network, f"exchanges/{exchange.pk}/done/")), 400, "domain_error")
    assert_error(
        r.patch(
            net(network, f"exchanges/{exchange.pk}/agreement/"), {"place": "Ici"}, format="json"
        ),
        400,
        "domain_error",
    )
    assert_error(
        r.post(
            net(network, f"exchanges/{exchange.pk}/sessions/"),
            {"starts_at": "2025-03-04T10:00:00Z"},
            format="json",
        ),
        400,
        "domain_error",
    )
    # A finished exchange cannot be cancelled any more.
    done = make_exchange(network, offerer, requester, done=True)
    assert_error(r.post(net(network, f"exchanges/{done.pk}/cancel/")), 409, "invalid_transition")
    assert_error(
        r.post(net(network, f"exchanges/{done.pk}/review/"), {"member": "x"}, format="json"),
        400,
        field="member",
    )
    assert r.get(net(network, "exchanges/"), {"status": "done"}).json()["count"] == 1
    assert r.get(net(network, "exchanges/"), {"kind": "collective"}).json()["count"] == 0


def test_facilitator_sets_up_a_collective_exchange(network, facilitator, people):
    requester, offerer = people
    third = MemberFactory(network=network, display_name="Dominique")
    f = client_for(facilitator)
    response = f.post(
        net(network, "exchanges/"),
        {
            "kind": "collective",
            "title": "Atelier CV",
            "givers": [offerer.pk],
            "receivers": [requester.pk, third.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["kind"] == "collective" and created["connection"] is None
    assert sorted((p["member"]["id"], p["role"]) for p in created["participants"]) == sorted(
        [(offerer.pk, "giver"), (requester.pk, "receiver"), (third.pk, "receiver")]
    )
    assert created["agreement"]["content"] == "" and created["sessions"] == []
    assert created["reviews"] == []
    # Members see the exchanges they take part in, not the others.
    assert client_for(third).get(net(network, "exchanges/")).json()["count"] == 1
    stranger = client_for(MemberFactory(network=network))
    assert stranger.get(net(network, "exchanges/")).json()["count"] == 0
    assert stranger.get(net(network, f"exchanges/{created['id']}/")).status_code == 404


def test_members_list_only_their_own_connections(network, people, facilitator):
    requester, offerer = people
    mine = _accepted(_request(requester, "Coudre"), _offer(offerer, "Couture"))
    others = _accepted(
        _request(MemberFactory(network=network), "Jardiner"),
        _offer(MemberFactory(network=network), "Jardinage"),
    )
    listed = client_for(requester).get(net(network, "connections/")).json()["results"]
    assert [c["id"] for c in listed] == [mine.pk]
    assert "contact" not in listed[0]
    assert client_for(requester).get(net(network, f"connections/{others.pk}/")).status_code == 404
    everything = client_for(facilitator).get(net(network, "connections/")).json()
    assert {c["id"] for c in everything["results"]} == {mine.pk, others.pk}


def test_member_answers_a_request_with_own_know_how(network, people):
    requester, offerer = people
    request = _request(requester, "Réparer un vélo")
    o = client_for(offerer)
    response = o.post(net(network, "connections/"), {"request": request.pk}, format="json")
    assert response.status_code == 201, response.json()
    proposed = response.json()
    assert proposed["offer"] is None and proposed["offerer"]["id"] == offerer.pk
    assert proposed["proposed_by"] == "offerer" and proposed["offerer_answer"] == "accepted"


def test_suggestions_limit_and_scope(network, people, facilitator):
    requester, offerer = people
    request = _request(requester, "Les formules du tableur Excel")
    for i in range(4):
        _offer(MemberFactory(network=network), f"Les formules du tableur Excel {i}")
    r = client_for(requester)
    assert len(r.get(net(network, f"listings/{request.pk}/suggestions/")).json()) == 4
    one = r.get(net(network, f"listings/{request.pk}/suggestions/"), {"limit": 1}).json()
    assert len(one) == 1
    as_facilitator = (
        client_for(facilitator).get(net(network, f"listings/{request.pk}/suggestions/")).json()
    )
    assert as_facilitator == r.get(net(network, f"listings/{request.pk}/suggestions/")).json()
    # Another member sees the request, not its suggestions.
    assert_error(
        client_for(offerer).get(net(network, f"listings/{request.pk}/suggestions/")),
        403,
        "not_allowed",
    )
    # A closed request has none.
    client_for(requester).post(net(network, f"listings/{request.pk}/close/"))
    assert r.get(net(network, f"listings/{request.pk}/suggestions/")).json() == []

    suggested = client_for(facilitator).get(net(network, "suggested-connections/")).json()
    assert suggested["count"] == 0  # the only request is closed


def test_suggested_connections_for_facilitators(network, people, facilitator):
    requester, offerer = people
    request = _request(requester, "Les formules du tableur Excel")
    offer = _offer(offerer, "Formules du tableur Excel")
    _request(requester, "Astronomie amateur")
    response = client_for(facilitator).get(net(network, "suggested-connections/"), {"limit": 3})
    assert response.status_code == 200, response.json()
    rows = response.json()["results"]
    assert [row["request"]["id"] for row in rows] == [request.pk]
    assert [s["offer"]["id"] for s in rows[0]["suggestions"]] == [offer.pk]


# --- unmet requests and the CSV export -----------------------------------------------


@pytest.fixture
def unmet(network, people):
    requester, offerer = people
    _offer(offerer, "Formules du tableur Excel")
    _request(requester, "Les formules du tableur Excel")  # answered: not unmet
    old = _request(requester, "Astronomie amateur")
    Listing.objects.filter(pk=old.pk).update(
        created_at=old.created_at.replace(year=old.created_at.year - 1)
    )
    risky = _request(requester, '=HYPERLINK("http://evil.example")')
    return old, risky


def test_unmet_requests_json(network, facilitator, unmet):
    old, risky = unmet
    f = client_for(facilitator)
    response = f.get(net(network, "unmet-requests/"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["request"] for row in body["results"]] == [old.pk, risky.pk]
    first = body["results"][0]
    assert set(first) == {"request", "title", "domain", "age_days", "created_at", "best_score"}
    assert first["age_days"] >= 365 and first["title"] == "Astronomie amateur"
    newest = f.get(net(network, "unmet-requests/"), {"order": "-age"}).json()["results"]
    assert [row["request"] for row in newest] == [risky.pk, old.pk]


@pytest.mark.parametrize("how", ["format", "accept"])
def test_unmet_requests_csv(network, facilitator, unmet, how):
    old, risky = unmet
    f = client_for(facilitator)
    if how == "format":
        response = f.get(net(network, "unmet-requests/"), {"format": "csv", "order": "title"})
    else:
        response = f.get(
            net(network, "unmet-requests/"), {"order": "title"}, HTTP_ACCEPT="text/csv"
        )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.splitlines()[0] == "request,title,domain,age_days,created_at,best_score"
    rows = list(csv.DictReader(io.StringIO(text)))
    # The formula is neutralised: a spreadsheet shows it as text.
    assert [(int(row["request"]), row["title"]) for row in rows] == [
        (risky.pk, '\'=HYPERLINK("http://evil.example")'),
        (old.pk, "Astronomie amateur"),
    ]
    assert float(rows[1]["best_score"]) < 0.3 and int(rows[1]["age_days"]) >= 365
    assert rows[1]["domain"] == old.domain.name


def test_unmet_requests_errors_are_json(network, member, facilitator):
    assert_error(
        client_for(member).get(net(network, "unmet-requests/"), {"format": "csv"}),
        403,
        "not_allowed",
    )
    assert_error(
        client_for().get(net(network, "unmet-requests/"), HTTP_ACCEPT="text/csv"),
        403,
        "not_authenticated",
    )
    f = client_for(facilitator)
    assert_error(
        f.get(net(network, "unmet-requests/"), {"format": "csv", "order": "size"}),
        400,
        field="order",
    )
    assert_error(f.get(net(network, "unmet-requests/"), {"format": "xml"}), 400, field="format")
    assert_error(f.get(net(network, "unmet-requests/"), {"order": "-title"}), 400, field="order")


# --- permissions ---------------------------------------------------------------------

ROLES = ("anonymous", "visitor", "member", "participant", "facilitator", "outsider")


@dataclass
class MatchWorld:
    base: World
    participant: Member  # takes part in every connection and exchange below
    request: Listing  # participant's open request
    proposal: Connection  # proposed by a facilitator: nobody answered yet
    accepted: Connection  # both accepted, no exchange yet
    free_request: Listing  # participant's request not yet in any connection
    free_offer: Listing  # target's offer not yet in any connection
    draft: Exchange
    agreed: Exchange
    done: Exchange
    other_connection: Connection
    other_exchange: Exchange

    @property
    def network(self):
        return self.base.network

    def client(self, role):
        if role == "participant":
            return client_for(self.participant)
        return self.base.client(role)


@pytest.fixture
def world(network, other_network):
    base = build_world(network, other_network)
    participant = MemberFactory(network=network, display_name="Alix")
    target = base.target
    request = _request(participant, "Apprendre à coudre")
    proposal = connection_services.connection_propose(
        request=request, offer=base.listing, acting=None
    )
    accepted = _accepted(_request(participant, "Jardiner"), _offer(target, "Jardinage"))
    draft = exchange_services.exchange_from_connection(
        connection=_accepted(_request(participant, "Cuisiner"), _offer(target, "Cuisine")),
        acting=None,
    )
    exchange_services.agreement_update(exchange=draft, acting=None, content="Des recettes")
    other_requester = MemberFactory(network=other_network)
    return MatchWorld(
        base=base,
        participant=participant,
        request=request,
        proposal=proposal,
        accepted=accepted,
        free_request=_request(participant, "Réparer un vélo"),
        free_offer=_offer(target, "Réparation de vélos"),
        draft=draft,
        agreed=make_exchange(network, target, participant, agreed=True),
        done=make_exchange(network, target, participant, done=True),
        other_connection=_accepted(_request(other_requester, "Coudre"), base.other_listing),
        other_exchange=make_exchange(other_network, base.other_member, other_requester),
    )


def _c(w, obj, action=""):
    return net(w.network, f"connections/{obj.pk}/{action}")


def _e(w, obj, action=""):
    return net(w.network, f"exchanges/{obj.pk}/{action}")


FACILITATORS_ONLY = (403, 403, 403, 403, 200, 403)
PEOPLE_OF_THE_NETWORK = (403, 200, 200, 200, 200, 403)
OWN_OBJECT = (403, 404, 404, 200, 200, 403)
OTHER_NETWORKS_OBJECT = (403, 404, 404, 404, 404, 403)

# (name, method, url(world), body(world) or None, statuses in the order of ROLES)
CASES = [
    (
        "suggestions",
        "get",
        lambda w: net(w.network, f"listings/{w.request.pk}/suggestions/"),
        None,
        (403, 404, 403, 200, 200, 403),
    ),
    (
        "suggestions-other-network",
        "get",
        lambda w: net(w.network, f"listings/{w.base.other_listing.pk}/suggestions/"),
        None,
        OTHER_NETWORKS_OBJECT,
    ),
    (
        "suggested-connections",
        "get",
        lambda w: net(w.network, "suggested-connections/"),
        None,
        FACILITATORS_ONLY,
    ),
    ("unmet-requests", "get", lambda w: net(w.network, "unmet-requests/"), None, FACILITATORS_ONLY),
    (
        "unmet-requests-csv",
        "get",
        lambda w: net(w.network, "unmet-requests/?format=csv"),
        None,
        FACILITATORS_ONLY,
    ),
    ("reviews", "get", lambda w: net(w.network, "reviews/"), None, FACILITATORS_ONLY),
    (
        "connections-get",
        "get",
        lambda w: net(w.network, "connections/"),
        None,
        PEOPLE_OF_THE_NETWORK,
    ),
    (
        "connections-propose",
        "post",
        lambda w: net(w.network, "connections/"),
        lambda w: {"request": w.free_request.pk, "offer": w.free_offer.pk, "message": "Bonjour"},
        (403, 400, 403, 201, 201, 403),
    ),
    (
        "connections-propose-other-network-offer",
        "post",
        lambda w: net(w.network, "connections/"),
        lambda w: {"request": w.free_request.pk, "offer": w.base.other_listing.pk},
        (403, 400, 400, 400, 400, 403),
    ),
    ("connection-get", "get", lambda w: _c(w, w.proposal), None, OWN_OBJECT),
    (
        "connection-accept",
        "post",
        lambda w: _c(w, w.proposal, "accept/"),
        lambda w: {"side": "requester"},
        OWN_OBJECT,
    ),
    (
        "connection-decline",
        "post",
        lambda w: _c(w, w.proposal, "decline/"),
        lambda w: {"side": "requester"},
        OWN_OBJECT,
    ),
    ("connection-cancel", "post", lambda w: _c(w, w.proposal, "cancel/"), None, OWN_OBJECT),
    (
        "connection-relayed",
        "post",
        lambda w: _c(w, w.accepted, "relayed/"),
        None,
        FACILITATORS_ONLY,
    ),
    (
        "connection-exchange",
        "post",
        lambda w: _c(w, w.accepted, "exchange/"),
        None,
        (403, 404, 404, 201, 201, 403),
    ),
    (
        "other-connection-get",
        "get",
        lambda w: _c(w, w.other_connection),
        None,
        OTHER_NETWORKS_OBJECT,
    ),
    (
        "other-connection-accept",
        "post",
        lambda w: _c(w, w.other_connection, "accept/"),
        lambda w: {"side": "offerer"},
        OTHER_NETWORKS_OBJECT,
    ),
    (
        "other-connection-cancel",
        "post",
        lambda w: _c(w, w.other_connection, "cancel/"),
        None,
        OTHER_NETWORKS_OBJECT,
    ),
    (
        "other-connection-relayed",
        "post",
        lambda w: _c(w, w.other_connection, "relayed/"),
        None,
        (403, 403, 403, 403, 404, 403),
    ),
    (
        "other-connection-exchange",
        "post",
        lambda w: _c(w, w.other_connection, "exchange/"),
        None,
        OTHER_NETWORKS_OBJECT,
    ),
    ("exchanges-get", "get", lambda w: net(w.network, "exchanges/"), None, PEOPLE_OF_THE_NETWORK),
    (
        "exchanges-post",
        "post",
        lambda w: net(w.network, "exchanges/"),
        lambda w: {
            "kind": "one_to_one",
            "title": "Couture",
            "givers": [w.base.target.pk],
            "receivers": [w.participant.pk],
        },
        (403, 403, 403, 403, 201, 403),
    ),
    (
        "exchanges-post-other-network-member",
        "post",
        lambda w: net(w.network, "exchanges/"),
        lambda w: {
            "kind": "one_to_one",
            "title": "Couture",
            "givers": [w.base.other_member.pk],
            "receivers": [w.participant.pk],
        },
        (403, 403, 403, 403, 400, 403),
    ),
    ("exchange-get", "get", lambda w: _e(w, w.draft), None, OWN_OBJECT),
    (
        "exchange-agreement",
        "patch",
        lambda w: _e(w, w.draft, "agreement/"),
        lambda w: {"place": "Agence"},
        OWN_OBJECT,
    ),
    (
        "exchange-agree",
        "post",
        lambda w: _e(w, w.draft, "agree/"),
        lambda w: {"member": w.participant.pk},
        OWN_OBJECT,
    ),
    (
        "exchange-sessions",
        "post",
        lambda w: _e(w, w.draft, "sessions/"),
        lambda w: {"starts_at": "2025-03-04T10:00:00+01:00"},
        (403, 404, 404, 201, 201, 403),
    ),
    ("exchange-done", "post", lambda w: _e(w, w.agreed, "done/"), None, OWN_OBJECT),
    ("exchange-cancel", "post", lambda w: _e(w, w.draft, "cancel/"), None, OWN_OBJECT),
    (
        "exchange-review",
        "post",
        lambda w: _e(w, w.done, "review/"),
        lambda w: {"member": w.participant.pk, "interest": "Utile"},
        OWN_OBJECT,
    ),
    ("other-exchange-get", "get", lambda w: _e(w, w.other_exchange), None, OTHER_NETWORKS_OBJECT),
    (
        "other-exchange-agreement",
        "patch",
        lambda w: _e(w, w.other_exchange, "agreement/"),
        lambda w: {"place": "Ici"},
        OTHER_NETWORKS_OBJECT,
    ),
    (
        "other-exchange-cancel",
        "post",
        lambda w: _e(w, w.other_exchange, "cancel/"),
        None,
        OTHER_NETWORKS_OBJECT,
    ),
    (
        "me-reciprocity",
        "get",
        lambda w: net(w.network, "me/reciprocity/"),
        None,
        (403, 200, 200, 200, 200, 404),
    ),
    (
        "member-reciprocity",
        "get",
        lambda w: net(w.network, f"members/{w.participant.pk}/reciprocity/"),
        None,
        FACILITATORS_ONLY,
    ),
    (
        "other-member-reciprocity",
        "get",
        lambda w: net(w.network, f"members/{w.base.other_member.pk}/reciprocity/"),
        None,
        (403, 403, 403, 403, 404, 403),
    ),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "statuses"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_permission_matrix(world, method, url, body, statuses):
    """Each role calls the endpoint in a transaction rolled back afterwards."""
    clients = {role: world.client(role) for role in ROLES}
    actual = {}
    for role in ROLES:
        with transaction.atomic():
            data = body(world) if body is not None else None
            kwargs = {"format": "json"} if body is not None else {}
            response = getattr(clients[role], method)(url(world), data, **kwargs)
            actual[role] = response.status_code
            if response.status_code >= 400:
                assert response["Content-Type"].startswith("application/json"), role
                payload = response.json()
                assert payload["detail"] and payload["code"], (role, payload)
                if role == "anonymous" and response.status_code == 403:
                    assert payload["code"] == "not_authenticated", payload
            transaction.set_rollback(True)
    assert actual == dict(zip(ROLES, statuses, strict=True))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "connections/{connection}/"),
        ("post", "connections/{connection}/cancel/"),
        ("post", "connections/{connection}/relayed/"),
        ("get", "exchanges/{exchange}/"),
        ("post", "exchanges/{exchange}/cancel/"),
        ("get", "listings/{request}/suggestions/"),
        ("get", "members/{participant}/reciprocity/"),
    ],
)
def test_outsider_cannot_reach_objects_through_own_network(world, method, path):
    """A facilitator of the other network, addressing our ids under their own network."""
    url = net(
        world.base.other,
        path.format(
            connection=world.accepted.pk,
            exchange=world.draft.pk,
            request=world.request.pk,
            participant=world.participant.pk,
        ),
    )
    assert_error(getattr(world.client("outsider"), method)(url), 404)
    world.accepted.refresh_from_db()
    world.draft.refresh_from_db()
    assert world.accepted.status == "accepted" and world.accepted.relayed_at is None
    assert world.draft.status == "draft"


def test_reviews_are_for_facilitators_only(world):
    url = _e(world, world.done)
    client_for(world.participant).post(url + "review/", {"interest": "Utile"}, format="json")
    for role in ("member", "participant"):
        assert "Utile" not in str(world.client(role).get(net(world.network, "exchanges/")).json())
    assert world.client("participant").get(url).json()["reviews"] is None
    reviews = world.client("facilitator").get(url).json()["reviews"]
    assert [rv["interest"] for rv in reviews if rv["submitted_at"]] == ["Utile"]


def test_connection_lists_never_carry_contact_details(world):
    consent_grant(member=world.participant, channel="phone", audience="network", acting=None)
    for role in ("participant", "facilitator"):
        text = str(world.client(role).get(net(world.network, "connections/")).json())
        text += str(world.client(role).get(net(world.network, "exchanges/")).json())
        for secret in (world.base.target.email, world.participant.email):
            assert secret not in text
        assert world.base.target.phone not in text


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "offer"),
        ({"request": "abc"}, "request"),
        ({"request": BIG_ID}, "request"),
        ({"request": 1.5}, "request"),
        ({"request": 987654}, "request"),
        ({"request": None}, "request"),
        ({"offer": [1]}, "offer"),
        ({"offer": "request"}, "offer"),
        ({"request": "offer"}, "request"),
        ({"request": "request", "message": HUGE}, "message"),
    ],
)
def test_invalid_proposals(world, body, field):
    ids = {"request": world.free_request.pk, "offer": world.free_offer.pk}
    body = {
        k: ids.get(v, v) if isinstance(v, str) and k != "message" else v for k, v in body.items()
    }
    client = world.client("participant")
    assert_error(
        client.post(net(world.network, "connections/"), body, format="json"), 400, field=field
    )
    assert not Connection.objects.filter(request=world.free_request).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"side": "boss"}, "side"),
        ({"side": ["requester"]}, "side"),
        ({"side": None}, "side"),
    ],
)
def test_invalid_answers(world, body, field):
    client = world.client("facilitator")
    assert_error(
        client.post(_c(world, world.proposal, "accept/"), body, format="json"), 400, field=field
    )
    world.proposal.refresh_from_db()
    assert world.proposal.requester_answer == "pending"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "kind"),
        ({"kind": "party"}, "kind"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": HUGE}, "title"),
        ({"givers": []}, "givers"),
        ({"givers": "target"}, "givers"),
        ({"givers": ["abc"]}, "givers.0"),
        ({"givers": [BIG_ID]}, "givers.0"),
        ({"givers": [987654]}, "givers"),
        ({"receivers": [987654, "target"]}, "receivers"),
        ({"receivers": ["target"]}, "givers"),
        ({"receivers": ["participant", "visitor"]}, "kind"),
        ({"givers": list(range(1, 200))}, "givers"),
    ],
)
def test_invalid_exchanges(world, body, field):
    ids = {
        "target": world.base.target.pk,
        "participant": world.participant.pk,
        "visitor": world.base.people["visitor"].pk,
    }
    base = {
        "kind": "one_to_one",
        "title": "Couture",
        "givers": [world.base.target.pk],
        "receivers": [world.participant.pk],
    }
    if body:
        body = {
            **base,
            **{
                k: [ids.get(i, i) for i in v] if isinstance(v, list) else v for k, v in body.items()
            },
        }
    before = Exchange.objects.count()
    client = world.client("facilitator")
    assert_error(
        client.post(net(world.network, "exchanges/"), body, format="json"), 400, field=field
    )
    assert Exchange.objects.count() == before


def test_exchange_with_a_visitor_is_refused(world):
    body = {
        "kind": "collective",
        "title": "Atelier",
        "givers": [world.base.target.pk],
        "receivers": [world.participant.pk, world.base.people["visitor"].pk],
    }
    payload = assert_error(
        world.client("facilitator").post(net(world.network, "exchanges/"), body, format="json"),
        400,
        "domain_error",
    )
    assert "member" in payload["detail"]


@pytest.mark.parametrize(
    ("method", "action", "body", "field"),
    [
        ("patch", "agreement/", {"place": "x" * 201}, "place"),
        ("patch", "agreement/", {"content": HUGE}, "content"),
        ("patch", "agreement/", {"content": None}, "content"),
        ("patch", "agreement/", {"schedule": {"day": "lundi"}}, "schedule"),
        ("post", "agree/", {"member": "me"}, "member"),
        ("post", "agree/", {"member": 987654}, "member"),
        ("post", "agree/", {"member": BIG_ID}, "member"),
        ("post", "sessions/", {}, "starts_at"),
        ("post", "sessions/", {"starts_at": "tomorrow"}, "starts_at"),
        ("post", "sessions/", {"starts_at": "2025-02-30T10:00:00"}, "starts_at"),
        ("post", "sessions/", {"starts_at": "0001-01-01T00:00:00"}, "starts_at"),
        ("post", "sessions/", {"starts_at": "9999-12-31T23:59:59"}, "starts_at"),
        ("post", "sessions/", {"starts_at": "9999-12-31T23:59:59-12:00"}, "starts_at"),
        ("post", "sessions/", {"starts_at": "2025-03-04T10:00:00Z", "note": "x" * 301}, "note"),
    ],
)
def test_invalid_exchange_inputs(world, method, action, body, field):
    client = world.client("participant")
    response = getattr(client, method)(_e(world, world.draft, action), body, format="json")
    assert_error(response, 400, field=field)
    world.draft.refresh_from_db()
    assert world.draft.status == "draft" and not world.draft.sessions.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "interest"),
        ({"interest": "   "}, "interest"),
        ({"interest": HUGE}, "interest"),
        ({"next_steps": 12}, None),
        ({"helpers": ["a"]}, "helpers"),
    ],
)
def test_invalid_reviews(world, body, field):
    response = world.client("participant").post(
        _e(world, world.done, "review/"), body, format="json"
    )
    if field is None:  # numbers are accepted as text, like everywhere in the API
        assert response.status_code == 200
        return
    assert_error(response, 400, field=field)
    assert not world.done.reviews.filter(submitted_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("listings/{request}/suggestions/", {"limit": 0}, "limit"),
        ("listings/{request}/suggestions/", {"limit": 21}, "limit"),
        ("listings/{request}/suggestions/", {"limit": "abc"}, "limit"),
        ("suggested-connections/", {"limit": BIG_ID}, "limit"),
        ("unmet-requests/", {"order": "size"}, "order"),
        ("connections/", {"status": "married"}, "status"),
        ("exchanges/", {"kind": "party"}, "kind"),
        ("exchanges/", {"status": HUGE}, "status"),
        ("reviews/", {"exchange": "abc"}, "exchange"),
        ("reviews/", {"exchange": str(BIG_ID)}, "exchange"),
    ],
)
def test_invalid_queries(world, path, query, field):
    url = net(world.network, path.format(request=world.request.pk))
    assert_error(world.client("facilitator").get(url, query), 400, field=field)


def test_suggestions_are_for_requests(world):
    assert_error(
        world.client("facilitator").get(
            net(world.network, f"listings/{world.free_offer.pk}/suggestions/")
        ),
        400,
        "domain_error",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "connections/987654/"),
        ("get", "connections/abc/"),
        ("get", f"connections/{2**63}/"),
        ("post", "connections/987654/accept/"),
        ("get", "exchanges/987654/"),
        ("get", "exchanges/-1/"),
        ("post", "exchanges/987654/review/"),
        ("patch", "exchanges/987654/agreement/"),
        ("get", "listings/987654/suggestions/"),
        ("get", "members/987654/reciprocity/"),
    ],
)
def test_unknown_ids_are_json_404(world, method, path):
    client = world.client("facilitator")
    assert_error(getattr(client, method)(net(world.network, path)), 404, "not_found")


@pytest.mark.parametrize("role", ["participant", "facilitator"])
@pytest.mark.parametrize(
    "path",
    [
        "connections/",
        "connections/{proposal}/",
        "connections/{proposal}/accept/",
        "connections/{proposal}/cancel/",
        "connections/{accepted}/exchange/",
        "exchanges/",
        "exchanges/{draft}/",
        "exchanges/{draft}/agreement/",
        "exchanges/{draft}/agree/",
        "exchanges/{draft}/sessions/",
        "exchanges/{draft}/done/",
        "exchanges/{done}/review/",
        "listings/{request}/suggestions/",
        "me/reciprocity/",
    ],
)
def test_options_requests_do_not_fail(world, role, path):
    url = net(
        world.network,
        path.format(
            proposal=world.proposal.pk,
            accepted=world.accepted.pk,
            draft=world.draft.pk,
            done=world.done.pk,
            request=world.request.pk,
        ),
    )
    response = world.client(role).options(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("query", ["", "?format=csv"])
def test_options_on_the_csv_report_is_json(world, query):
    response = world.client("facilitator").options(net(world.network, "unmet-requests/" + query))
    assert response.status_code == 200
    assert response.json()["name"]


def test_methods_not_allowed_are_json(world):
    client = world.client("facilitator")
    assert_error(client.delete(_c(world, world.proposal)), 405, "method_not_allowed")
    assert_error(client.get(_e(world, world.draft, "agreement/")), 405, "method_not_allowed")
    assert_error(client.put(_e(world, world.draft), {}, format="json"), 405, "method_not_allowed")
    assert_error(client.post(net(world.network, "reviews/"), {}, format="json"), 405)


# --- query counts --------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    client.get(url, params or {})  # warm per-process caches (e.g. search synonyms)
    with CaptureQueriesContext(db_connection) as context:
        response = client.get(url, {"page_size": 100, **(params or {})})
    assert response.status_code == 200
    return len(context)


def _assert_constant(client, url, add, django_assert_num_queries, params=None, rows=None):
    add(3)
    few = _queries(client, url, params)
    add(12)
    with django_assert_num_queries(few):
        response = client.get(url, {"page_size": 100, **(params or {})})
    if rows is not None:
        assert rows(response) == 15
    return response


def _results(response):
    return len(response.json()["results"])


@pytest.mark.parametrize("role", ["participant", "facilitator"])
def test_connection_list_queries(network, people, facilitator, role, django_assert_num_queries):
    requester, _offerer = people

    def add(count):
        for i in range(count):
            offer = _offer(MemberFactory(network=network), f"Offre {i}")
            found = _accepted(_request(requester, f"Demande {i}"), offer)
            exchange_services.exchange_from_connection(connection=found, acting=None)

    client = client_for(requester if role == "participant" else facilitator)
    _assert_constant(
        client,
        net(network, "connections/"),
        add,
        django_assert_num_queries,
        {"status": "accepted"},
        _results,
    )


@pytest.mark.parametrize("role", ["participant", "facilitator"])
def test_exchange_list_queries(network, people, facilitator, role, django_assert_num_queries):
    requester, _offerer = people

    def add(count):
        for _ in range(count):
            make_exchange(network, MemberFactory(network=network), requester, agreed=True)

    client = client_for(requester if role == "participant" else facilitator)
    _assert_constant(
        client, net(network, "exchanges/"), add, django_assert_num_queries, rows=_results
    )


def test_review_list_queries(network, people, facilitator, django_assert_num_queries):
    requester, _offerer = people
    made = []

    def add(count):
        for _ in range(count):
            exchange = make_exchange(network, MemberFactory(network=network), requester, done=True)
            made.append(exchange)

    response = _assert_constant(
        client_for(facilitator), net(network, "reviews/"), add, django_assert_num_queries
    )
    assert response.json()["count"] == 30  # two per exchange


def test_suggestion_queries(network, people, facilitator, django_assert_num_queries):
    requester, _offerer = people
    request = _request(requester, "Les formules du tableur Excel")

    def add(count):
        for i in range(count):
            _offer(MemberFactory(network=network), f"Formules du tableur Excel {i}")

    client = client_for(requester)
    url = net(network, f"listings/{request.pk}/suggestions/")
    response = _assert_constant(client, url, add, django_assert_num_queries, {"limit": 20})
    assert len(response.json()) == 15


def test_suggested_connections_queries(network, people, facilitator, django_assert_num_queries):
    requester, offerer = people
    _offer(offerer, "Les formules du tableur Excel")

    def add(count):
        for i in range(count):
            _request(MemberFactory(network=network), f"Apprendre les formules du tableur {i}")

    _assert_constant(
        client_for(facilitator),
        net(network, "suggested-connections/"),
        add,
        django_assert_num_queries,
        rows=_results,
    )


@pytest.mark.parametrize("params", [{}, {"format": "csv"}])
def test_unmet_request_queries(network, people, facilitator, params, django_assert_num_queries):
    requester, _offerer = people

    def add(count):
        for i in range(count):
            _request(MemberFactory(network=network), f"Astronomie {i}")

    response = _assert_constant(
        client_for(facilitator),
        net(network, "unmet-requests/"),
        add,
        django_assert_num_queries,
        params,
    )
    if params:
        assert len(response.content.decode().splitlines()) == 16
    else:
        assert response.json()["count"] == 15


def test_no_global_connection_list(db):
    """The new endpoints stay under a network: there is no global connections list."""
    assert client_for().get(f"{V1}/connections/").status_code == 404

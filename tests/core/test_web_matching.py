"""Matching through the portal: suggestions, connections, exchanges, reviews, unmet requests.

The journeys go through pages only (GET to see, POST to act), as a person would; contact
details must appear exactly as each person consented, and never before both accepted.
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rers_core.models import Connection, ContactConsent, Exchange, Review
from rers_core.services import connections as connection_services
from rers_core.services import exchanges as exchange_services
from rers_core.testing.factories import FacilitatorFactory, ListingFactory, MemberFactory
from tests.conftest import login
from tests.core.page_checks import check_page

CAMILLE_EMAIL, CAMILLE_PHONE = "camille@exemple.fr", "06 11 11 11 11"
DOMINIQUE_EMAIL, DOMINIQUE_PHONE = "dominique@exemple.fr", "06 22 22 22 22"
AGREEMENT = {
    "frequency": "Une fois par semaine, pendant un mois",
    "place": "Salle de réunion de l'agence",
    "schedule": "Le lundi, de 10 h à midi",
    "content": "Les formules de base du tableur, puis un budget.",
    "methods": "On fait ensemble sur l'ordinateur.",
    "evaluation": "Camille refait seule un tableau de budget.",
}


# --- Helpers ---------------------------------------------------------------------------------


def _as(member, language: str = "en") -> Client:
    """A logged-in browser; English by default, so that checks read the msgids whatever
    catalogue the site's default language (French) has."""
    return login(Client(HTTP_ACCEPT_LANGUAGE=language), member)


def _url(name, network, *args):
    return reverse(f"rers_core:{name}", args=[network.slug, *args])


def _consent(member, *channels, audience="network"):
    for channel in channels:
        ContactConsent.objects.create(member=member, channel=channel, audience=audience)


@pytest.fixture
def camille(network):
    """Looks for help with spreadsheets; may be contacted by email only."""
    person = MemberFactory(
        network=network, display_name="Camille", email=CAMILLE_EMAIL, phone=CAMILLE_PHONE
    )
    _consent(person, "email")
    return person


@pytest.fixture
def dominique(network):
    """Knows spreadsheets; may be contacted by phone only."""
    person = MemberFactory(
        network=network, display_name="Dominique", email=DOMINIQUE_EMAIL, phone=DOMINIQUE_PHONE
    )
    _consent(person, "phone")
    return person


@pytest.fixture
def pair(camille, dominique):
    wanted = ListingFactory(
        member=camille,
        direction="request",
        title="Apprendre le tableur Excel",
        description="Je voudrais faire mon budget avec des formules.",
    )
    offer = ListingFactory(
        member=dominique,
        direction="offer",
        title="Formules du tableur Excel",
        description="Je montre les formules de base et les tableaux.",
    )
    return wanted, offer


def _assert_no_contact_details(*contents):
    for content in contents:
        for secret in (CAMILLE_EMAIL, CAMILLE_PHONE, DOMINIQUE_EMAIL, DOMINIQUE_PHONE):
            assert secret not in content


# --- Journeys --------------------------------------------------------------------------------


def test_member_journey_from_suggestion_to_closed_connection(
    network, pair, camille, dominique, facilitator
):
    wanted, offer = pair
    me, them = _as(camille), _as(dominique)

    # Camille sees the offers that may answer her request, and asks to be put in contact.
    page = check_page(me.get(_url("listing_detail", network, wanted.pk)))
    assert "Offers that may answer this request" in page
    assert offer.title in page
    _assert_no_contact_details(page)
    response = me.post(
        _url("connection_propose", network),
        {
            "request": wanted.pk,
            "offer": offer.pk,
        },
    )
    connection = Connection.objects.get(request=wanted, offer=offer)
    assert response.status_code == 302
    assert response["Location"] == _url("connection_detail", network, connection.pk)
    assert connection.proposed_by == "requester"
    assert (connection.requester_answer, connection.offerer_answer) == ("accepted", "pending")
    # Already asked: the offer is no longer suggested for this request.
    assert (
        offer.title
        not in me.get(_url("listing_detail", network, wanted.pk))
        .content.decode()
        .split("Offers that may answer this request")[1]
        .split("</section>")[0]
    )

    # Before Dominique answers, nobody sees anything of the other.
    mine = check_page(me.get(_url("connection_detail", network, connection.pk)))
    theirs = check_page(them.get(_url("connection_detail", network, connection.pk)))
    _assert_no_contact_details(mine, theirs)
    assert "I accept to be put in contact" in theirs
    assert "I accept to be put in contact" not in mine
    assert _url("consents", network) in theirs  # consent explained, with a link to change it
    assert "<li>phone</li>" in theirs  # her own channel, shown before she answers

    response = them.post(_url("connection_answer", network, connection.pk), {"answer": "yes"})
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.status == "accepted" and connection.offerer_answered_at is not None

    # Each sees the other's contact card, limited to the channels that person consented to.
    mine = check_page(me.get(_url("connection_detail", network, connection.pk)))
    theirs = check_page(them.get(_url("connection_detail", network, connection.pk)))
    assert DOMINIQUE_PHONE in mine and DOMINIQUE_EMAIL not in mine
    assert CAMILLE_EMAIL in theirs and CAMILLE_PHONE not in theirs

    # They start the exchange, write the agreement together and both confirm it.
    response = me.post(_url("connection_start_exchange", network, connection.pk))
    exchange = Exchange.objects.get(connection=connection)
    assert response["Location"] == _url("exchange_detail", network, exchange.pk)
    assert {(p.member_id, p.role) for p in exchange.participants.all()} == {
        (dominique.pk, "giver"),
        (camille.pk, "receiver"),
    }
    page = check_page(me.get(_url("exchange_detail", network, exchange.pk)))
    assert "I agree with these terms" in page
    assert (
        them.post(
            _url("exchange_agreement", network, exchange.pk),
            {
                **AGREEMENT,
                "content": "Les formules de base.",
            },
        ).status_code
        == 302
    )
    assert me.post(_url("exchange_confirm", network, exchange.pk)).status_code == 302
    assert exchange.participants.get(member=camille).agreed_at is not None
    # Camille adds to the content: everyone is asked to confirm again.
    assert me.post(_url("exchange_agreement", network, exchange.pk), AGREEMENT).status_code == 302
    assert not exchange.participants.filter(agreed_at__isnull=False).exists()
    exchange.agreement.refresh_from_db()
    assert exchange.agreement.content == AGREEMENT["content"]
    assert exchange.agreement.updated_by == camille
    me.post(_url("exchange_confirm", network, exchange.pk))
    them.post(_url("exchange_confirm", network, exchange.pk))
    exchange.refresh_from_db()
    connection.refresh_from_db()
    assert exchange.status == "agreed" and connection.status == "agreed"
    page = check_page(them.get(_url("exchange_detail", network, exchange.pk)))
    assert "Camille agreed on" in page and "Dominique agreed on" in page

    # A session typed in the network's time zone (Paris: UTC+1 in March).
    response = them.post(
        _url("exchange_session_add", network, exchange.pk),
        {
            "starts_at": "2025-03-17T10:00",
            "note": "Première séance",
        },
    )
    assert response.status_code == 302
    session = exchange.sessions.get()
    assert session.starts_at == datetime(2025, 3, 17, 9, 0, tzinfo=UTC)
    page = check_page(me.get(_url("exchange_detail", network, exchange.pk)))
    assert "Première séance" in page and "10:00" in page

    # It took place; each gives a review; the connection ends closed.
    assert me.post(_url("exchange_complete", network, exchange.pk)).status_code == 302
    exchange.refresh_from_db()
    assert exchange.status == "done"
    page = check_page(me.get(_url("exchange_review", network, exchange.pk)))
    assert "What did it bring you?" in page
    response = me.post(
        _url("exchange_review", network, exchange.pk),
        {
            "interest": "J'ai fait mon budget.",
            "obstacles": "",
            "helpers": "La patience",
            "next_steps": "Apprendre les graphiques",
        },
    )
    assert response["Location"] == _url("exchange_detail", network, exchange.pk)
    connection.refresh_from_db()
    assert connection.status == "done"
    them.post(
        _url("exchange_review", network, exchange.pk),
        {
            "interest": "Transmettre m'a fait du bien.",
        },
    )
    connection.refresh_from_db()
    assert connection.status == "closed"
    assert Review.objects.filter(exchange=exchange, submitted_at__isnull=False).count() == 2

    # Reviews are for facilitators: a participant does not read the other's.
    page = check_page(me.get(_url("exchange_detail", network, exchange.pk)))
    assert "Transmettre m'a fait du bien." not in page
    page = check_page(_as(facilitator).get(_url("exchange_detail", network, exchange.pk)))
    assert "Transmettre m'a fait du bien." in page and "J'ai fait mon budget." in page
    page = check_page(_as(facilitator).get(_url("manage_reviews", network)))
    assert "Transmettre m'a fait du bien." in page

    # Reciprocity, phrased as encouragement, in each one's space and on the facilitator's page.
    page = check_page(me.get(_url("me", network)))
    assert "Reciprocity" in page and "You learnt from others in 1 exchange" in page
    assert _url("connections", network) in page and _url("exchanges", network) in page
    page = check_page(_as(facilitator).get(_url("manage_member", network, dominique.pk)))
    assert "Passed on knowledge in 1 exchange" in page
    assert "balance" not in page.lower().replace("no account to balance", "")


def test_facilitator_proposes_and_records_answers_on_behalf(
    network, pair, camille, dominique, facilitator
):
    wanted, offer = pair
    # Camille now only accepts contact through a facilitator.
    ContactConsent.objects.filter(member=camille).delete()
    _consent(camille, "via_facilitator")
    helper = _as(facilitator)

    page = check_page(helper.get(_url("suggested_connections", network)))
    assert wanted.title in page and offer.title in page and "Relevance" in page
    suggestions_url = _url("suggested_connections", network)
    response = helper.post(
        _url("connection_propose", network),
        {
            "request": wanted.pk,
            "offer": offer.pk,
            "next": suggestions_url,
        },
    )
    assert response["Location"] == suggestions_url
    connection = Connection.objects.get(request=wanted, offer=offer)
    assert connection.proposed_by == "facilitator"
    assert (connection.requester_answer, connection.offerer_answer) == ("pending", "pending")

    page = check_page(helper.get(_url("connection_detail", network, connection.pk)))
    assert "Record an answer given to you" in page
    assert _url("manage_member_consents", network, camille.pk) in page
    helper.post(
        _url("connection_answer", network, connection.pk), {"answer": "yes", "side": "requester"}
    )
    connection.refresh_from_db()
    assert connection.status == "proposed" and connection.requester_answer == "accepted"
    _assert_no_contact_details(
        _as(camille).get(_url("connection_detail", network, connection.pk)).content.decode(),
        _as(dominique).get(_url("connection_detail", network, connection.pk)).content.decode(),
    )
    helper.post(
        _url("connection_answer", network, connection.pk), {"answer": "yes", "side": "offerer"}
    )
    connection.refresh_from_db()
    assert connection.status == "accepted" and connection.relay_requested_at is not None

    # Dominique is told a facilitator passes messages on; Camille sees Dominique's phone.
    theirs = check_page(_as(dominique).get(_url("connection_detail", network, connection.pk)))
    assert "through a facilitator" in theirs
    assert CAMILLE_EMAIL not in theirs and CAMILLE_PHONE not in theirs
    mine = check_page(_as(camille).get(_url("connection_detail", network, connection.pk)))
    assert DOMINIQUE_PHONE in mine and DOMINIQUE_EMAIL not in mine

    page = check_page(helper.get(_url("connection_detail", network, connection.pk)))
    assert "I passed their messages on" in page
    helper.post(_url("connection_relayed", network, connection.pk))
    connection.refresh_from_db()
    assert connection.relayed_at is not None

    # The facilitator follows the exchange through, for both people.
    response = helper.post(_url("connection_start_exchange", network, connection.pk))
    exchange = Exchange.objects.get(connection=connection)
    helper.post(_url("exchange_agreement", network, exchange.pk), AGREEMENT)
    page = check_page(helper.get(_url("exchange_detail", network, exchange.pk)))
    assert "Camille agrees" in page and "Dominique agrees" in page
    for person in (camille, dominique):
        helper.post(_url("exchange_confirm", network, exchange.pk), {"member": person.pk})
    exchange.refresh_from_db()
    assert exchange.status == "agreed"
    helper.post(
        _url("exchange_session_add", network, exchange.pk),
        {"starts_at": "2025-06-02T14:30", "note": ""},
    )
    assert exchange.sessions.get().starts_at == datetime(2025, 6, 2, 12, 30, tzinfo=UTC)
    helper.post(_url("exchange_complete", network, exchange.pk))

    choose = check_page(helper.get(_url("exchange_review", network, exchange.pk)))
    assert f"?member={camille.pk}" in choose
    for person in (camille, dominique):
        review_url = _url("exchange_review", network, exchange.pk) + f"?member={person.pk}"
        page = check_page(helper.get(review_url))
        assert f"Review of {person.display_name}" in page
        response = helper.post(review_url, {"interest": f"Dit à l'oral par {person.display_name}"})
        assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.status == "closed"
    assert Review.objects.get(exchange=exchange, member=camille).interest == (
        "Dit à l'oral par Camille"
    )


def test_decline_path_shares_nothing_and_is_not_proposed_again(network, pair, camille, dominique):
    _wanted, offer = pair
    me, them = _as(camille), _as(dominique)

    page = check_page(me.get(_url("listing_detail", network, offer.pk)))
    assert "Ask to be put in contact" in page
    me.post(
        _url("connection_propose", network),
        {
            "offer": offer.pk,
            "message": "Bonjour, je débute complètement.",
        },
    )
    connection = Connection.objects.get(offer=offer, requester=camille)
    assert connection.request is None and connection.message
    # While it is pending, the offer's page leads to the connection instead of asking again.
    page = check_page(me.get(_url("listing_detail", network, offer.pk)))
    assert "Ask to be put in contact" not in page
    assert _url("connection_detail", network, connection.pk) in page

    theirs = check_page(them.get(_url("connection_detail", network, connection.pk)))
    assert "Bonjour, je débute complètement." in theirs
    them.post(_url("connection_answer", network, connection.pk), {"answer": "no"})
    connection.refresh_from_db()
    assert connection.status == "declined" and connection.offerer_answer == "declined"

    mine = check_page(me.get(_url("connection_detail", network, connection.pk)))
    theirs = check_page(them.get(_url("connection_detail", network, connection.pk)))
    assert "Declined" in mine
    _assert_no_contact_details(mine, theirs)
    # No exchange can start, and asking again is refused with a message, not an error page.
    me.post(_url("connection_start_exchange", network, connection.pk))
    assert not Exchange.objects.exists()
    response = me.post(_url("connection_propose", network), {"offer": offer.pk}, follow=True)
    assert response.status_code == 200
    assert "declined before" in response.content.decode()
    assert Connection.objects.filter(offer=offer).count() == 1


def test_a_member_offers_help_on_a_request(network, pair, camille, dominique):
    wanted, _offer = pair
    them = _as(dominique)
    page = check_page(them.get(_url("listing_detail", network, wanted.pk)))
    assert "I can help" in page
    assert "Offers that may answer this request" not in page  # only for its owner
    them.post(_url("connection_propose", network), {"request": wanted.pk, "message": ""})
    connection = Connection.objects.get(request=wanted, offerer=dominique)
    assert connection.offer is None and connection.proposed_by == "offerer"
    page = check_page(_as(camille).get(_url("connection_detail", network, connection.pk)))
    assert "I accept to be put in contact" in page
    assert connection.pk and _url("connection_detail", network, connection.pk) in check_page(
        _as(camille).get(_url("connections", network))
    )


def test_facilitator_sets_up_a_collective_exchange(network, facilitator):
    giver = MemberFactory(network=network, display_name="Giver")
    first, second = (MemberFactory(network=network, display_name=n) for n in ("Un", "Deux"))
    helper = _as(facilitator)
    url = _url("manage_exchange_new", network)
    check_page(helper.get(url))
    clash = helper.post(
        url,
        {
            "kind": "collective",
            "title": "Atelier lettre de motivation",
            "givers": [giver.pk],
            "receivers": [giver.pk, first.pk],
        },
    )
    content = check_page(clash)
    assert "Giver: each person takes part once" in content
    assert not Exchange.objects.exists()
    response = helper.post(
        url,
        {
            "kind": "collective",
            "title": "Atelier lettre de motivation",
            "givers": [giver.pk],
            "receivers": [first.pk, second.pk],
        },
    )
    exchange = Exchange.objects.get()
    assert response["Location"] == _url("exchange_detail", network, exchange.pk)
    assert exchange.kind == "collective"
    assert sorted(exchange.participants.values_list("role", flat=True)) == [
        "giver",
        "receiver",
        "receiver",
    ]
    page = check_page(_as(first).get(_url("exchanges", network)))
    assert "Atelier lettre de motivation" in page


# --- Isolation and permissions ----------------------------------------------------------------


@pytest.fixture
def accepted(pair, camille, dominique):
    wanted, offer = pair
    c = connection_services.connection_propose(request=wanted, offer=offer, acting=camille.user)
    c = connection_services.connection_answer(connection=c, accept=True, acting=dominique.user)
    exchange = exchange_services.exchange_from_connection(connection=c, acting=camille.user)
    return c, exchange


def test_non_participants_get_404_and_change_nothing(network, accepted):
    connection, exchange = accepted
    stranger = _as(MemberFactory(network=network))
    for name, pk in (
        ("connection_detail", connection.pk),
        ("exchange_detail", exchange.pk),
        ("exchange_review", exchange.pk),
    ):
        assert stranger.get(_url(name, network, pk)).status_code == 404, name
    for name, pk, data in (
        ("connection_answer", connection.pk, {"answer": "no"}),
        ("connection_cancel", connection.pk, {}),
        ("connection_relayed", connection.pk, {}),
        ("connection_start_exchange", connection.pk, {}),
        ("exchange_agreement", exchange.pk, AGREEMENT),
        ("exchange_confirm", exchange.pk, {}),
        ("exchange_session_add", exchange.pk, {"starts_at": "2025-03-17T10:00"}),
        ("exchange_complete", exchange.pk, {}),
        ("exchange_cancel", exchange.pk, {}),
        ("exchange_review", exchange.pk, {"interest": "x"}),
    ):
        assert stranger.post(_url(name, network, pk), data).status_code == 404, name
    connection.refresh_from_db()
    exchange.refresh_from_db()
    assert connection.status == "accepted" and exchange.status == "draft"
    assert exchange.agreement.content == "" and not exchange.sessions.exists()
    assert "Apprendre le tableur" not in stranger.get(_url("connections", network)).content.decode()


def test_other_networks_ids_are_not_found(network, other_network, accepted, pair):
    connection, exchange = accepted
    wanted, offer = pair
    neighbour_facilitator = FacilitatorFactory(network=other_network)
    there = _as(neighbour_facilitator)
    assert there.get(_url("connection_detail", other_network, connection.pk)).status_code == 404
    assert there.get(_url("exchange_detail", other_network, exchange.pk)).status_code == 404
    assert (
        there.post(
            _url("connection_answer", other_network, connection.pk), {"answer": "no"}
        ).status_code
        == 404
    )
    # Proposing with another network's listings: not found, nothing created.
    response = there.post(
        _url("connection_propose", other_network),
        {
            "request": wanted.pk,
            "offer": offer.pk,
        },
    )
    assert response.status_code == 404
    assert Connection.objects.count() == 1
    # Without a membership, the network's pages send to the join page.
    response = there.get(_url("connection_detail", network, connection.pk))
    assert response.status_code == 302
    assert response["Location"] == _url("join", network)
    # The other network's facilitator area shows nothing of this one.
    for name in ("suggested_connections", "unmet_requests", "manage_reviews", "connections"):
        content = there.get(_url(name, other_network)).content.decode()
        assert "Apprendre le tableur" not in content, name


def test_facilitator_pages_are_for_facilitators(network, member, accepted):
    client = _as(member)
    for name in (
        "suggested_connections",
        "unmet_requests",
        "unmet_requests_csv",
        "manage_reviews",
        "manage_exchange_new",
    ):
        assert client.get(_url(name, network)).status_code == 403, name
    _connection, exchange = accepted
    # A participant cannot write someone else's review, nor confirm for them.
    camille = exchange.participants.get(role="receiver").member
    dominique = exchange.participants.get(role="giver").member
    me = _as(camille)
    exchange_services.agreement_update(exchange=exchange, acting=None, **AGREEMENT)
    response = me.post(_url("exchange_confirm", network, exchange.pk), {"member": dominique.pk})
    assert response.status_code == 302
    assert exchange.participants.get(member=dominique).agreed_at is None
    response = me.get(_url("exchange_review", network, exchange.pk) + f"?member={dominique.pk}")
    assert response.status_code == 302


def test_members_cannot_answer_for_the_other_side(network, pair, camille, dominique):
    wanted, offer = pair
    c = connection_services.connection_propose(request=wanted, offer=offer, acting=camille.user)
    response = _as(camille).post(
        _url("connection_answer", network, c.pk),
        {"answer": "yes", "side": "offerer"},
        follow=True,
    )
    assert response.status_code == 200
    c.refresh_from_db()
    assert c.offerer_answer == "pending" and c.status == "proposed"


# --- Bad input ------------------------------------------------------------------------------


def test_bad_input_gives_messages_not_errors(network, accepted, camille):
    connection, exchange = accepted
    me = _as(camille)
    response = me.post(
        _url("connection_answer", network, connection.pk), {"answer": "maybe"}, follow=True
    )
    assert response.status_code == 200 and "Choose to accept or to decline." in (
        response.content.decode()
    )
    response = me.post(
        _url("exchange_session_add", network, exchange.pk), {"starts_at": "next monday"}
    )
    content = check_page(response)
    assert "Give a date and a time" in content
    response = me.post(_url("exchange_confirm", network, exchange.pk), follow=True)
    assert response.status_code == 200  # nothing written yet: explained, not a 500
    assert "Write at least the content" in response.content.decode()
    response = me.post(_url("exchange_review", network, exchange.pk), {"interest": "x"})
    assert response.status_code == 302  # not done yet
    assert not Review.objects.exists()
    assert me.post(_url("connection_propose", network), {}).status_code == 302
    assert me.post(_url("connection_propose", network), {"offer": "abc"}).status_code == 302
    assert me.post(_url("connection_propose", network), {"offer": 999999}).status_code == 404
    assert me.get(_url("connections", network) + "?status=nope&member=x").status_code == 200
    assert me.get(_url("exchanges", network) + "?status=nope").status_code == 200
    assert me.get(_url("exchange_review", network, exchange.pk) + "?member=abc").status_code == 302
    assert me.get(reverse("rers_core:connections", args=["nowhere"])).status_code == 404


def test_get_is_not_allowed_on_actions(network, accepted, camille):
    connection, exchange = accepted
    me = _as(camille)
    assert me.get(_url("connection_answer", network, connection.pk)).status_code == 405
    assert me.get(_url("exchange_complete", network, exchange.pk)).status_code == 405
    assert me.get(_url("connection_propose", network)).status_code == 405


# --- Unmet requests, lists --------------------------------------------------------------------


def test_unmet_requests_page_and_csv(network, pair, camille, facilitator):
    lonely = ListingFactory(
        member=camille,
        direction="request",
        title="Jouer du violon baroque",
        description="",
    )
    helper = _as(facilitator)
    page = check_page(helper.get(_url("unmet_requests", network)))
    assert lonely.title in page
    assert "Apprendre le tableur Excel" not in page  # an offer answers it
    for order in ("age", "-age", "domain", "title", "nonsense"):
        response = helper.get(_url("unmet_requests", network) + f"?order={order}")
        assert lonely.title in check_page(response)

    response = helper.get(_url("unmet_requests_csv", network))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    # Read in English here: English headers and separators (French: test_portal_usability).
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Number",
        "Reference",
        "Request",
        "Domain",
        "Waiting for (days)",
        "Posted on",
        "Closest offer",
        "Relevance of the closest offer, in percent",
    ]
    [row] = rows[1:]
    assert row[0] == str(lonely.pk) and row[2] == "Jouer du violon baroque"
    assert row[3] == lonely.domain.name and row[4] == "0"
    local = lonely.created_at.astimezone(zoneinfo.ZoneInfo(network.timezone))
    assert row[5] == local.strftime("%m/%d/%Y")
    assert row[6:] == ["", ""]  # no offer comes anywhere near


def test_csv_neutralises_formulas(network, camille, facilitator):
    ListingFactory(member=camille, direction="request", title='=HYPERLINK("x")', description="")
    response = _as(facilitator).get(_url("unmet_requests_csv", network))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][2] == '\'=HYPERLINK("x")'


def test_lists_do_not_grow_queries_with_their_size(network, facilitator):
    def add_connections(count):
        for _ in range(count):
            wanted = ListingFactory(member=MemberFactory(network=network), direction="request")
            offer = ListingFactory(member=MemberFactory(network=network), direction="offer")
            c = connection_services.connection_propose(
                request=wanted, offer=offer, acting=facilitator.user
            )
            for side in ("requester", "offerer"):
                c = connection_services.connection_answer(
                    connection=c, accept=True, side=side, acting=facilitator.user
                )
            exchange_services.exchange_from_connection(connection=c, acting=facilitator.user)

    helper = _as(facilitator)

    def count(name):
        with CaptureQueriesContext(db_connection) as queries:
            assert helper.get(_url(name, network)).status_code == 200
        return len(queries)

    add_connections(2)
    few = {name: count(name) for name in ("connections", "exchanges")}
    add_connections(5)
    assert {name: count(name) for name in ("connections", "exchanges")} == few


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_new_page_is_accessible(network, accepted, camille, facilitator, language):
    connection, exchange = accepted
    for client, names in (
        (
            _as(camille, language),
            [
                ("connections", ()),
                ("exchanges", ()),
                ("connection_detail", (connection.pk,)),
                ("exchange_detail", (exchange.pk,)),
                ("exchange_review", (exchange.pk,)),
                ("listing_detail", (connection.request_id,)),
                ("listing_detail", (connection.offer_id,)),
                ("me", ()),
            ],
        ),
        (
            _as(facilitator, language),
            [
                ("listing_detail", (connection.request_id,)),
                ("manage_member", (camille.pk,)),
                ("connections", ()),
                ("exchanges", ()),
                ("connection_detail", (connection.pk,)),
                ("exchange_detail", (exchange.pk,)),
                ("exchange_review", (exchange.pk,)),
                ("suggested_connections", ()),
                ("unmet_requests", ()),
                ("manage_reviews", ()),
                ("manage_exchange_new", ()),
                ("manage_members", ()),
            ],
        ),
    ):
        for name, args in names:
            response = client.get(_url(name, network, *args))
            check_page(response)
            assert f'lang="{language}"' in response.content.decode()


def test_links_in_emails_open_the_right_pages(
    network, pair, camille, dominique, django_capture_on_commit_callbacks
):
    wanted, offer = pair
    site = "http://localhost:8000"

    def links_to(person):
        found = []
        for message in mail.outbox:
            if person.email in message.to:
                found += [w[len(site) :] for w in message.body.split() if w.startswith(site)]
        return found

    with django_capture_on_commit_callbacks(execute=True):
        _as(camille).post(
            _url("connection_propose", network),
            {
                "request": wanted.pk,
                "offer": offer.pk,
            },
        )
    connection = Connection.objects.get()
    [link] = links_to(dominique)
    assert link == _url("connection_detail", network, connection.pk)
    assert "I accept to be put in contact" in check_page(_as(dominique).get(link))

    with django_capture_on_commit_callbacks(execute=True):
        _as(dominique).post(_url("connection_answer", network, connection.pk), {"answer": "yes"})
    exchange = exchange_services.exchange_from_connection(connection=connection, acting=None)
    exchange_services.agreement_update(exchange=exchange, acting=None, **AGREEMENT)
    for person in (camille, dominique):
        exchange_services.agreement_confirm(exchange=exchange, member=person, acting=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _as(camille).post(_url("exchange_complete", network, exchange.pk))
    [link] = links_to(camille)
    assert link == _url("exchange_review", network, exchange.pk)
    assert "What did it bring you?" in check_page(_as(camille).get(link))


def test_a_message_too_long_comes_back_with_its_words(network, pair, dominique):
    wanted, offer = pair
    twenty_lines = "\r\n".join(["Bonjour, je peux vous aider" + "." * 22] * 20)
    assert len(twenty_lines.replace("\r\n", "\n")) <= 1000 < len(twenty_lines)  # 999 and 1018
    them = _as(dominique)
    them.post(_url("connection_propose", network), {"request": wanted.pk, "message": twenty_lines})
    connection = Connection.objects.get(request=wanted, offerer=dominique)
    assert connection.message == twenty_lines.replace("\r\n", "\n")  # counted as the browser did
    connection.delete()
    too_long = "x" * 1001
    response = them.post(
        _url("connection_propose", network), {"request": wanted.pk, "message": too_long}
    )
    page = check_page(response)
    assert response.status_code == 200 and too_long in page  # the listing's page, words kept
    assert "at most 1000 characters" in page
    assert not Connection.objects.filter(request=wanted, offerer=dominique).exists()


@pytest.mark.parametrize("target", ["connexions", "//evil.example/", "https://evil.example/"])
def test_a_next_address_that_is_no_path_of_the_site_is_ignored(network, member, target):
    listing = ListingFactory(member=member, title="Cuisine")
    response = _as(member).post(_url("listing_pause", network, listing.pk), {"next": target})
    assert response.status_code == 302 and response["Location"].startswith("/")
    listing.refresh_from_db()
    assert listing.status == "paused"


def test_an_impossible_person_id_is_a_form_error(network, facilitator):
    response = _as(facilitator).post(
        _url("manage_exchange_new", network),
        {"kind": "collective", "title": "Atelier", "givers": ["9" * 25], "receivers": []},
    )
    assert response.status_code == 200 and "is not one of the available choices" in check_page(
        response
    )
    assert not Exchange.objects.exists()

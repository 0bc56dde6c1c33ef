"""Neighbouring networks' listings mirrored here: browsing and searching them (portal and
API), their labels, their anonymised pages, suggestions, and every page that must not break
nor count them as ours.

A mirrored listing belongs to our network's rows but has no member; the federation creates
it, these tests create it directly, as the federation would.
"""

from __future__ import annotations

import csv
import io
import itertools
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rers_core.models import Connection, Listing
from rers_core.search import index_listings, matching
from rers_core.selectors.figures import Month, monthly_figures
from rers_core.selectors.suggestions import suggestions_for_request, unmet_requests
from rers_core.testing.factories import CoordinatorFactory, ListingFactory, MemberFactory
from tests.conftest import login
from tests.core.api_support import client_for, net
from tests.core.neighbours_support import pretend_neighbours
from tests.core.page_checks import check_page
from tests.core.test_suggestions import EVAL

_uris = itertools.count(1)

SPREADSHEET_NOTE = "An offer of a neighbouring network"
DETAIL_NOTE = "This listing belongs to a neighbouring network"


def mirrored(network, title, *, direction="offer", origin_name="RERS A", km=12, **fields):
    """A neighbour's listing as the federation mirrors it: no member, no availability."""
    defaults = {
        "kind": Listing.Kind.KNOW_HOW,
        "domain": network.domains.order_by("position").first(),
        "description": "Montré pas à pas, à son rythme.",
        "setting": Listing.Setting.EITHER,
    }
    listing = Listing.objects.create(
        network=network,
        member=None,
        direction=direction,
        title=title,
        origin_uri=f"https://a.example/federation/a/listings/{next(_uris)}",
        origin_name=origin_name,
        origin_distance_km=km,
        **{**defaults, **fields},
    )
    index_listings([listing])
    return listing


@pytest.fixture(autouse=True)
def _neighbours(monkeypatch):
    """Neighbours' listings are here because the network federates with neighbours: the
    filters offer their networks (without any, see test_portal_usability)."""
    pretend_neighbours(monkeypatch)


def _as(member, language="en") -> Client:
    return login(Client(HTTP_ACCEPT_LANGUAGE=language), member)


def _url(name, network, *args):
    return reverse(f"rers_core:{name}", args=[network.slug, *args])


@pytest.fixture
def camille(network):
    return MemberFactory(network=network, display_name="Camille")


@pytest.fixture
def dominique(network):
    return MemberFactory(network=network, display_name="Dominique")


@pytest.fixture
def neighbours(network, dominique):
    """One listing of ours and three of neighbours: near, far, and of unknown distance."""
    return {
        "ours": ListingFactory(member=dominique, title="Réparer un vélo"),
        "near": mirrored(network, "Tricoter une écharpe", km=12),
        "far": mirrored(network, "Jardiner en permaculture", origin_name="RERS B", km=80),
        "unknown": mirrored(network, "Cuisiner les légumes", origin_name="RERS C", km=None),
    }


@pytest.fixture
def spreadsheet(network, camille, dominique):
    """Camille's request, Dominique's offer, and a neighbour's offer that both answer."""
    wanted = ListingFactory(
        member=camille,
        direction="request",
        title="Apprendre le tableur Excel",
        description="Je voudrais faire mon budget avec des formules.",
    )
    offer = ListingFactory(
        member=dominique,
        title="Formules du tableur Excel",
        description="Je montre les formules de base et les tableaux.",
    )
    remote = mirrored(
        network,
        "Le tableur Excel pas à pas",
        description="Les formules et les tableaux du tableur, pour son budget.",
    )
    return wanted, offer, remote


def _titles(content, listings):
    return {name for name, listing in listings.items() if listing.title in content}


# --- Browsing and searching: the portal ------------------------------------------------------


def test_browse_shows_our_listings_unless_neighbours_are_asked_for(network, camille, neighbours):
    browser = _as(camille)
    url = _url("listings", network)

    page = check_page(browser.get(url))
    assert _titles(page, neighbours) == {"ours"}
    page = check_page(browser.get(url, {"scope": "here"}))
    assert _titles(page, neighbours) == {"ours"}

    page = check_page(browser.get(url, {"scope": "neighbours"}))
    assert _titles(page, neighbours) == {"near", "far", "unknown"}
    # Each is labelled with its network and distance, and nobody's name.
    assert "RERS A · 12 km" in page and "RERS B · 80 km" in page
    assert "RERS C" in page and "RERS C ·" not in page
    assert "By " not in page

    page = check_page(browser.get(url, {"scope": "all"}))
    assert _titles(page, neighbours) == {"ours", "near", "far", "unknown"}
    assert "By Dominique" in page


def test_a_radius_keeps_near_neighbours_and_ours(network, camille, neighbours):
    browser, url = _as(camille), _url("listings", network)
    page = check_page(browser.get(url, {"scope": "all", "within_km": 50}))
    # Ours are at 0 km; a neighbour of unknown distance may be further.
    assert _titles(page, neighbours) == {"ours", "near"}
    page = check_page(browser.get(url, {"scope": "neighbours", "within_km": 80}))
    assert _titles(page, neighbours) == {"near", "far"}
    page = check_page(browser.get(url, {"scope": "neighbours", "within_km": 0}))
    assert _titles(page, neighbours) == set()
    page = check_page(browser.get(url, {"within_km": 5}))
    assert _titles(page, neighbours) == {"ours"}


def test_words_find_neighbours_listings_with_the_other_filters(network, camille, neighbours):
    browser, url = _as(camille), _url("listings", network)
    page = check_page(browser.get(url, {"scope": "all", "q": "tricot"}))
    assert _titles(page, neighbours) == {"near"}
    assert "RERS A · 12 km" in page
    page = check_page(browser.get(url, {"q": "tricot"}))
    assert _titles(page, neighbours) == set()
    page = check_page(browser.get(url, {"scope": "all", "direction": "request"}))
    assert _titles(page, neighbours) == set()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"scope": "everywhere"}, "id_scope", "Select a valid choice."),
        ({"within_km": "far"}, "id_within_km", "Enter a whole number."),
        ({"within_km": "-3"}, "id_within_km", "greater than or equal to 0"),
        ({"within_km": "1.5"}, "id_within_km", "Enter a whole number."),
        ({"within_km": "99999999999999999999"}, "id_within_km", "less than or equal to 20100"),
    ],
)
def test_bad_scope_or_radius_is_a_form_error(network, camille, neighbours, params, field, message):
    page = check_page(_as(camille).get(_url("listings", network), {"scope": "all", **params}))
    assert "Please correct the following:" in page
    assert f'href="#{field}"' in page and message in page
    # The rest of the page still works.
    assert "ours" in _titles(page, neighbours)


# --- Browsing and searching: the API ---------------------------------------------------------


def test_api_lists_neighbours_listings_when_asked(network, camille, neighbours):
    client, url = client_for(camille), net(network, "listings/")

    def ids(params=None):
        response = client.get(url, params or {})
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}, response.json()["results"]

    wanted = {name: listing.pk for name, listing in neighbours.items()}
    assert ids()[0] == {wanted["ours"]}
    assert ids({"scope": "here"})[0] == {wanted["ours"]}
    assert ids({"scope": "all"})[0] == set(wanted.values())
    assert ids({"scope": "all", "within_km": 50})[0] == {wanted["ours"], wanted["near"]}
    assert ids({"scope": "neighbours", "within_km": 80})[0] == {wanted["near"], wanted["far"]}
    assert ids({"scope": "neighbours", "q": "tricot"})[0] == {wanted["near"]}

    found, rows = ids({"scope": "all"})
    by_id = {row["id"]: row for row in rows}
    near, ours = by_id[wanted["near"]], by_id[wanted["ours"]]
    assert near["is_mirrored"] is True and near["member"] is None and near["is_mine"] is False
    assert (near["origin_name"], near["origin_distance_km"]) == ("RERS A", 12)
    assert near["availability"] == ""
    assert by_id[wanted["unknown"]]["origin_distance_km"] is None
    assert ours["is_mirrored"] is False and ours["member"]["display_name"] == "Dominique"
    assert (ours["origin_name"], ours["origin_distance_km"]) == ("", None)

    detail = client.get(net(network, f"listings/{wanted['near']}/"))
    assert detail.status_code == 200
    assert detail.json()["member"] is None and detail.json()["origin_name"] == "RERS A"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope": "everywhere"}, "scope"),
        ({"within_km": "far"}, "within_km"),
        ({"within_km": "-1"}, "within_km"),
        ({"within_km": "1.5"}, "within_km"),
        ({"within_km": "1e400"}, "within_km"),
        ({"within_km": "20101"}, "within_km"),
    ],
)
def test_api_bad_scope_or_radius_is_a_400_with_the_field(network, camille, params, field):
    response = client_for(camille).get(net(network, "listings/"), params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == [field]


def test_api_neighbours_listings_cannot_be_changed(network, facilitator, neighbours):
    client, near = client_for(facilitator), neighbours["near"]
    response = client.patch(net(network, f"listings/{near.pk}/"), {"title": "Autre"}, format="json")
    assert response.status_code == 403
    assert "Only RERS A, where this listing was posted, can change it." in response.json()["detail"]
    for action in ("pause", "close"):
        assert client.post(net(network, f"listings/{near.pk}/{action}/")).status_code == 403
    near.refresh_from_db()
    assert (near.title, near.status) == ("Tricoter une écharpe", Listing.Status.OPEN)


# --- A neighbour's listing's page ------------------------------------------------------------


def test_a_neighbours_listing_page_names_its_network_and_no_author(
    network, camille, facilitator, neighbours
):
    near = neighbours["near"]
    for viewer in (camille, facilitator):
        page = check_page(_as(viewer).get(_url("listing_detail", network, near.pk)))
        assert near.title in page and "RERS A · 12 km" in page
        assert DETAIL_NOTE in page
        # Members ask for a neighbour's offer as for ours; the request goes to its network.
        assert "Ask to be put in contact" in page and f'name="offer" value="{near.pk}"' in page
        assert "Your request goes to RERS A, which asks the person who offers it." in page
        assert "You have not chosen to be known by neighbouring networks" in page
        assert _url("consents", network) in page
        for absent in ("Posted by", "I can help", "Manage this listing", "Edit", "Pause"):
            assert absent not in page, absent


def test_a_neighbours_request_page_offers_no_suggestions(network, facilitator):
    remote = mirrored(network, "Apprendre le tableur Excel", direction="request")
    ListingFactory(member=MemberFactory(network=network), title="Formules du tableur Excel")
    page = check_page(_as(facilitator).get(_url("listing_detail", network, remote.pk)))
    assert "Offers that may answer this request" not in page
    assert "Propose this connection" not in page and DETAIL_NOTE in page
    response = client_for(facilitator).get(net(network, f"listings/{remote.pk}/suggestions/"))
    assert response.status_code == 403
    assert "a neighbouring network: suggestions are made there" in response.json()["detail"]


def test_a_neighbours_listing_cannot_be_changed_from_the_portal(network, facilitator, neighbours):
    browser, near = _as(facilitator), neighbours["near"]
    assert browser.get(_url("listing_edit", network, near.pk)).status_code == 403
    assert browser.post(_url("listing_edit", network, near.pk), {"title": "X"}).status_code == 403
    for action in ("listing_pause", "listing_reopen", "listing_close"):
        assert browser.post(_url(action, network, near.pk)).status_code == 403
    near.refresh_from_db()
    assert (near.title, near.status) == ("Tricoter une écharpe", Listing.Status.OPEN)


def test_asking_a_network_that_cannot_be_reached_is_refused_with_a_message(
    network, camille, neighbours
):
    near = neighbours["near"]  # a copy whose network is not (or no longer) a peer
    browser = _as(camille)
    response = browser.post(_url("connection_propose", network), {"offer": near.pk}, follow=True)
    page = check_page(response)
    assert "cannot be reached at the moment: try again later" in page
    assert not Connection.objects.exists()


# --- Suggestions -----------------------------------------------------------------------------


def test_a_members_request_is_suggested_a_neighbours_offer_with_its_label(
    network, camille, spreadsheet
):
    wanted, offer, remote = spreadsheet
    page = check_page(_as(camille).get(_url("listing_detail", network, wanted.pk)))
    panel = page.split("Offers that may answer this request")[1].split("</section>")[0]
    assert offer.title in panel and remote.title in panel
    assert "Dominique" in panel and "RERS A · 12 km" in panel
    assert SPREADSHEET_NOTE in panel
    assert "only if you chose to be known by neighbouring networks" in panel
    # Our offer and the neighbour's are asked for alike; the latter through its network.
    assert panel.count("Ask to be put in contact") == 2
    assert f'name="offer" value="{offer.pk}"' in panel
    assert f'name="offer" value="{remote.pk}"' in panel


def test_facilitators_suggested_connections_show_neighbours_offers(
    network, facilitator, spreadsheet
):
    wanted, offer, remote = spreadsheet
    page = check_page(_as(facilitator).get(_url("suggested_connections", network)))
    assert wanted.title in page and offer.title in page and remote.title in page
    assert "RERS A · 12 km" in page and SPREADSHEET_NOTE in page
    assert page.count("Propose this connection") == 2
    assert f'name="offer" value="{remote.pk}"' in page
    assert "between Camille and a member of RERS A" in page
    # The neighbour's offer is not a request of ours to match.
    assert page.count('class="badge badge--request"') == 1

    rows = client_for(facilitator).get(net(network, "suggested-connections/")).json()["results"]
    assert [row["request"]["id"] for row in rows] == [wanted.pk]
    offers = {s["offer"]["id"]: s["offer"] for s in rows[0]["suggestions"]}
    assert set(offers) == {offer.pk, remote.pk}
    assert offers[remote.pk]["is_mirrored"] and offers[remote.pk]["member"] is None
    assert offers[remote.pk]["origin_distance_km"] == 12


def test_api_suggestions_include_a_neighbours_offer(network, camille, spreadsheet):
    wanted, offer, remote = spreadsheet
    response = client_for(camille).get(net(network, f"listings/{wanted.pk}/suggestions/"))
    assert response.status_code == 200
    rows = {row["offer"]["id"]: row for row in response.json()}
    assert set(rows) == {offer.pk, remote.pk}
    assert rows[remote.pk]["offer"]["origin_name"] == "RERS A"
    assert rows[remote.pk]["offer"]["member"] is None


def test_distance_lowers_a_neighbours_offer_a_little(network, camille):
    wanted = ListingFactory(member=camille, direction="request", title="Apprendre le tricot")
    same = {"title": "Le tricot pour débuter", "description": "Mailles à l'endroit."}
    ours = ListingFactory(member=MemberFactory(network=network), **same)
    near = mirrored(network, km=12, **same)
    far = mirrored(network, km=300, **same)
    unknown = mirrored(network, km=None, **same)
    scores = {s.offer.pk: s.score for s in suggestions_for_request(wanted)}
    assert scores[ours.pk] > scores[near.pk] > scores[far.pk] == scores[unknown.pk]
    # Mild: at 12 km an offer keeps 98.8% of its text and fit score, and 90% at worst.
    assert matching.proximity(0) == 1.0
    assert matching.proximity(12) == pytest.approx(0.988)
    assert matching.proximity(100) == matching.proximity(5000) == pytest.approx(0.9)
    assert matching.proximity(None) == pytest.approx(0.9)


def test_the_quality_bar_holds_when_half_the_offers_are_neighbours(network, camille):
    """The evaluation set of ``test_suggestions``, every other offer mirrored from a
    neighbour between 5 and 150 km away: true answers stay in the top 5."""
    domains = {d.slug: d for d in network.domains.all()}
    offerer = MemberFactory(network=network)
    offers = {}
    for index, item in enumerate(EVAL["offers"]):
        fields = {
            "kind": item["kind"],
            "domain": domains[item["domain"]],
            "description": item["description"],
        }
        if index % 2:
            listing = mirrored(network, item["title"], km=5 + index * 4 % 146, **fields)
        else:
            listing = ListingFactory(member=offerer, title=item["title"], **fields)
        offers[listing.pk] = item["ref"]
    answered = [r for r in EVAL["requests"] if r["answers"]]
    hits = 0
    for item in answered:
        wanted = ListingFactory(
            member=camille,
            direction="request",
            kind=item["kind"],
            domain=domains[item["domain"]],
            title=item["title"],
            description=item["description"],
        )
        found = {offers[s.offer.pk] for s in suggestions_for_request(wanted, limit=5)}
        hits += bool(found & set(item["answers"]))
    assert hits / len(answered) >= 0.95


def test_a_close_neighbour_still_beats_a_poorer_match_of_ours(network, camille):
    wanted = ListingFactory(
        member=camille,
        direction="request",
        title="Apprendre le tableur Excel",
        description="Les formules pour faire mon budget.",
    )
    poorer = ListingFactory(
        member=MemberFactory(network=network),
        title="Le tableur",
        description="Les cases et les colonnes.",
    )
    better = mirrored(network, "Les formules du tableur Excel", km=30)
    found = [s.offer.pk for s in suggestions_for_request(wanted, limit=5)]
    assert found == [better.pk, poorer.pk]


def test_the_suggest_command_names_a_neighbours_offers_network(network, spreadsheet, capsys):
    wanted, offer, remote = spreadsheet
    call_command("suggest", "--network", network.slug)
    rows = {row["offer"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(rows) == {offer.pk, remote.pk}
    assert (rows[remote.pk]["offer_network"], rows[remote.pk]["offer_distance_km"]) == (
        "RERS A",
        12,
    )
    assert "offer_network" not in rows[offer.pk]


# --- Not ours: figures, reports, exports, my listings ----------------------------------------


def test_neighbours_listings_count_nowhere_in_our_figures_or_reports(network, camille, facilitator):
    lonely = ListingFactory(member=camille, direction="request", title="Jouer du violon")
    ListingFactory(member=camille, title="Réparer un vélo")
    mirrored(network, "Piloter un drone", direction="request")
    mirrored(network, "Apprendre le violon")
    mirrored(network, "Faire son pain", description="Levain et farine.")

    figures = monthly_figures(network, Month.of(timezone.now()))
    assert (figures["new_offers"], figures["new_requests"]) == (1, 1)
    assert [u.request.pk for u in unmet_requests(network)] == [lonely.pk]

    staff = _as(facilitator)
    page = check_page(staff.get(_url("unmet_requests", network)))
    # The neighbour's request has its own section (see test_ask_neighbours), apart from ours.
    ours, theirs = page.split("Neighbouring networks’ unmet requests</h2>")
    assert "Jouer du violon" in ours and "Piloter un drone" not in ours
    assert "1 unmet request<" in ours and "Piloter un drone" in theirs
    rows = list(
        csv.reader(
            io.StringIO(staff.get(_url("unmet_requests_csv", network)).content.decode("utf-8-sig"))
        )
    )
    assert [row[2] for row in rows[1:]] == ["Jouer du violon"]
    api = client_for(facilitator).get(net(network, "unmet-requests/")).json()["results"]
    assert [row["request"] for row in api] == [lonely.pk]
    api = client_for(facilitator).get(net(network, "figures/")).json()
    assert api["figures"]["new_offers"] == 1 and api["figures"]["unmet_requests"] == 1


def test_a_request_only_a_neighbour_answers_stays_unmet_here(network, camille, facilitator):
    """The request still shows what the network lacks, whatever a neighbour offers."""
    wanted = ListingFactory(member=camille, direction="request", title="Apprendre le tricot")
    mirrored(network, "Le tricot pour débuter")
    assert [s.offer.title for s in suggestions_for_request(wanted)] == ["Le tricot pour débuter"]
    assert [u.request.pk for u in unmet_requests(network)] == [wanted.pk]


def test_neighbours_listings_are_not_in_my_listings_nor_in_the_admin(
    network, camille, facilitator, neighbours
):
    ListingFactory(member=camille, title="Mon savoir à moi")
    page = check_page(_as(camille).get(_url("my_listings", network)))
    assert "Mon savoir à moi" in page and _titles(page, neighbours) == set()

    admin = _as(facilitator)
    changelist = admin.get("/admin/rers_core/listing/")
    assert changelist.status_code == 200
    content = changelist.content.decode()
    assert "Réparer un vélo" in content and "Tricoter une écharpe" not in content
    near = neighbours["near"]
    assert admin.get(f"/admin/rers_core/listing/{near.pk}/change/").status_code in (302, 404)


def test_the_listings_export_leaves_neighbours_listings_out(network, neighbours, tmp_path):
    out = tmp_path / "listings.csv"
    call_command("export_listings", "--network", network.slug, "--output", str(out))
    titles = [row["title"] for row in csv.DictReader(out.open(encoding="utf-8"))]
    assert titles == ["Réparer un vélo"]


# --- No page breaks with a neighbour's listing present ---------------------------------------


@pytest.fixture
def busy(network, camille, neighbours, spreadsheet):
    """Every kind of listing at once: ours, neighbours' offers, a neighbour's request."""
    remote_request = mirrored(network, "Apprendre le tableur", direction="request")
    return {**neighbours, "remote_request": remote_request, "wanted": spreadsheet[0]}


PORTAL_PAGES = [
    ("camille", "listings", (), {}),
    ("camille", "listings", (), {"scope": "all", "within_km": "30", "q": "tableur"}),
    ("camille", "listing_detail", ("near",), {}),
    ("camille", "listing_detail", ("remote_request",), {}),
    ("camille", "listing_detail", ("wanted",), {}),
    ("camille", "my_listings", (), {}),
    ("camille", "me", (), {}),
    ("coordinator", "listing_detail", ("near",), {}),
    ("coordinator", "listing_detail", ("remote_request",), {}),
    ("coordinator", "listing_detail", ("wanted",), {}),
    ("coordinator", "listings", (), {"scope": "neighbours"}),
    ("coordinator", "manage_members", (), {}),
    ("coordinator", "suggested_connections", (), {}),
    ("coordinator", "unmet_requests", (), {}),
    ("coordinator", "figures", (), {}),
    ("coordinator", "dashboard", (), {}),
]

DOWNLOADS = ["unmet_requests_csv", "figures_csv", "dashboard_csv", "dashboard_xlsx", "export"]


@pytest.mark.parametrize(("who", "name", "args", "params"), PORTAL_PAGES)
def test_no_portal_page_breaks_with_neighbours_listings(
    network, camille, busy, who, name, args, params
):
    person = camille if who == "camille" else CoordinatorFactory(network=network)
    check_page(_as(person).get(_url(name, network, *(busy[a].pk for a in args)), params))


def test_no_download_nor_admin_page_breaks_with_neighbours_listings(network, busy):
    coordinator = CoordinatorFactory(network=network)
    browser = _as(coordinator)
    for name in DOWNLOADS:
        url = reverse("rers_core:export") if name == "export" else _url(name, network)
        assert browser.get(url).status_code == 200, name
    member_page = _url("manage_member", network, busy["wanted"].member_id)
    check_page(browser.get(member_page))
    for url in ("/admin/rers_core/listing/", "/admin/rers_core/listing/?q=tableur"):
        assert browser.get(url).status_code == 200


API_PATHS = [
    "listings/",
    "listings/?scope=all",
    "listings/?scope=neighbours&within_km=20&q=tableur",
    "listings/{near}/",
    "listings/{remote_request}/",
    "listings/{wanted}/suggestions/",
    "suggested-connections/",
    "unmet-requests/",
    "unmet-requests/?format=csv",
    "figures/",
    "connections/",
]


def test_no_api_endpoint_breaks_with_neighbours_listings(network, busy):
    client = client_for(CoordinatorFactory(network=network))
    ids = {name: listing.pk for name, listing in busy.items()}
    for path in API_PATHS:
        response = client.get(net(network, path.format(**ids)))
        assert response.status_code == 200, (path, response.content[:300])
    this_month = timezone.now().strftime("%Y-%m")
    response = client.get(net(network, "figures/series/"), {"from": this_month, "to": this_month})
    assert response.status_code == 200


# --- French ----------------------------------------------------------------------------------


def test_neighbours_listings_in_french(network, camille, spreadsheet):
    wanted, _offer, remote = spreadsheet
    browser = _as(camille, "fr")
    page = check_page(browser.get(_url("listings", network), {"scope": "neighbours"}))
    assert "Réseaux" in page and "Distance (km)" in page
    # French typography: non-breaking spaces before the unit and the colon.
    assert "RERS A · 12\u00a0km" in page and "D’un réseau voisin\u00a0:" in page
    page = check_page(browser.get(_url("listing_detail", network, remote.pk)))
    assert "Cette offre ou demande appartient à un réseau voisin" in page
    page = check_page(browser.get(_url("listing_detail", network, wanted.pk)))
    assert "Une offre d’un réseau voisin" in page
    page = check_page(browser.get(_url("listings", network), {"within_km": "loin"}))
    assert "Saisissez un nombre entier." in page


# --- Queries ---------------------------------------------------------------------------------


def _count(client, url, params) -> int:
    client.get(url, params)  # warm per-process caches (e.g. search synonyms)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params).status_code == 200
    return len(context)


@pytest.mark.parametrize("params", [{"scope": "all"}, {"scope": "neighbours", "within_km": 500}])
def test_listing_lists_query_count_stays_constant_with_neighbours(
    network, camille, neighbours, params, django_assert_max_num_queries
):
    browser, api = _as(camille), client_for(camille)
    portal_url, api_url = _url("listings", network), net(network, "listings/")
    few_portal = _count(browser, portal_url, params)
    few_api = _count(api, api_url, {**params, "page_size": 100})
    for index in range(12):
        mirrored(network, f"Savoir voisin {index}", origin_name=f"RERS {index}", km=index)
    with django_assert_max_num_queries(few_portal):
        page = browser.get(portal_url, params).content.decode()
    assert "RERS 11 · 11 km" in page
    with django_assert_max_num_queries(few_api):
        response = api.get(api_url, {**params, "page_size": 100})
    assert response.json()["count"] >= 14

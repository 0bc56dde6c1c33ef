"""Pages of listings are cached and shared, and left behind as soon as what they show changes
(rers_core/listing_cache.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rers_core import listing_cache
from rers_core.models import Listing
from rers_core.search import rebuild_index
from rers_core.services import listings as listing_services
from rers_core.services.members import member_update_profile, member_withdraw
from rers_core.services.networks import domain_update
from rers_core.testing.factories import CoordinatorFactory, ListingFactory, MemberFactory
from tests.conftest import in_english, login
from tests.core.api_support import client_for, net


@pytest.fixture(autouse=True)
def _cached(cached_listing_pages):
    """Every test here with the cache of pages on (tests/conftest.py)."""


@pytest.fixture
def page(client, network, member):
    """The listings page as ``member`` sees it (its HTML)."""
    login(client, member)
    url = reverse("rers_core:listings", args=[network.slug])

    def get(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return response.content.decode()

    return get


def test_the_page_is_cached_until_a_listing_changes(page, network, member):
    listing = ListingFactory(member=member, title="Tricoter une écharpe")
    assert "Tricoter une écharpe" in page()
    # A change that bypasses save(): the page does not know, it comes from the cache...
    Listing.objects.filter(pk=listing.pk).update(title="Titre changé en douce")
    with CaptureQueriesContext(connection) as cached:
        assert "Tricoter une écharpe" in page()
    assert not any("rers_core_listing" in query["sql"] for query in cached.captured_queries)
    # ... until the writer says so (as QuerySet.update() writers must).
    listing_cache.listings_changed(network.pk)
    assert "Titre changé en douce" in page()


def test_every_change_through_the_services_shows_at_once(page, network, member, facilitator):
    listing = ListingFactory(member=member, title="Tricoter une écharpe")
    assert "Tricoter une écharpe" in page()

    new = listing_services.listing_create(
        member=member,
        acting=member.user,
        direction="request",
        kind="know_how",
        domain=listing.domain,
        title="Réparer un vélo",
    )
    assert "Réparer un vélo" in page()

    listing_services.listing_update(listing=new, acting=member.user, title="Réparer une roue")
    content = page()
    assert "Réparer une roue" in content and "Réparer un vélo" not in content

    listing_services.listing_pause(listing=new, acting=member.user)
    assert "Réparer une roue" not in page()
    listing_services.listing_reopen(listing=new, acting=member.user)
    assert "Réparer une roue" in page()

    member_update_profile(member=member, acting=member.user, display_name="Odile M.")
    assert "Odile M." in page()

    domain_update(domain=listing.domain, acting=_coordinator(network), name="Tricot et couture")
    assert "Tricot et couture" in page()

    author = MemberFactory(network=network)
    ListingFactory(member=author, title="Parler italien")
    assert "Parler italien" in page()
    member_withdraw(member=author, acting=author.user)
    assert "Parler italien" not in page()


def _coordinator(network):
    return CoordinatorFactory(network=network).user


def test_each_address_and_language_has_its_own_page(page, client, network, member):
    ListingFactory(member=member, title="Tricoter une écharpe", direction="offer")
    ListingFactory(member=member, title="Réparer un vélo", direction="request")
    offers = page(direction="offer")
    assert "Tricoter une écharpe" in offers and "Réparer un vélo" not in offers
    requests = page(direction="request")
    assert "Réparer un vélo" in requests and "Tricoter une écharpe" not in requests
    assert 'lang="fr"' in page()
    in_english(client)
    assert 'lang="en"' in page() and "listings</h2>" in page()


def test_the_cached_part_says_nothing_about_the_person(client, network, member):
    """Two members share the cached filters and results; the rest of each page (its CSRF
    tokens, its menu) is their own."""
    other = MemberFactory(network=network)
    ListingFactory(member=member, title="Tricoter une écharpe")
    url = reverse("rers_core:listings", args=[network.slug])
    pages = []
    for person in (member, other):
        login(client, person)
        pages.append(client.get(url).content.decode())
        client.logout()
    shared = [page[page.index('<form method="get"') : page.index("</section>")] for page in pages]
    assert shared[0] == shared[1] and "Tricoter une écharpe" in shared[0]
    assert "csrfmiddlewaretoken" not in shared[0]


def test_a_page_cached_before_the_commit_is_left_behind(
    network, member, django_capture_on_commit_callbacks
):
    """A request reading the new token while the change is not yet committed reads the old
    rows: whatever it caches is left behind when the transaction commits."""
    listing = ListingFactory(member=member, title="Avant")
    parts = ("test", "page")
    assert listing_cache.cached(network.pk, parts, lambda: "Avant") == "Avant"
    # (Tests run in a transaction that never commits: the hooks are run by hand.)
    with django_capture_on_commit_callbacks() as hooks:
        listing.title = "Après"
        listing.save()
        # A concurrent request: it reads the new token but not the uncommitted row.
        listing_cache.cached(network.pk, parts, lambda: "Avant, lu avant le commit")
    assert listing_cache.cached(network.pk, parts, lambda: "Après") == "Avant, lu avant le commit"
    for hook in hooks:
        hook()
    assert listing_cache.cached(network.pk, parts, lambda: "Après") == "Après"


def test_one_transaction_replaces_the_tokens_once_after_it_commits(
    monkeypatch, network, other_network, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as hooks:
        with transaction.atomic():
            for _ in range(5):
                ListingFactory(member=member)
            ListingFactory(member=MemberFactory(network=other_network))
    replaced = []
    monkeypatch.setattr(listing_cache, "_replace", replaced.append)
    for hook in hooks:
        hook()
    assert replaced == [
        {listing_cache._version_key(network.pk), listing_cache._version_key(other_network.pk)}
    ]


def test_synonyms_rebuilt_leave_every_search_behind(page, member):
    ListingFactory(member=member, title="Tricoter une écharpe")
    page(q="tricot")
    with CaptureQueriesContext(connection) as cached:
        page(q="tricot")
    rebuild_index()
    with CaptureQueriesContext(connection) as computed:
        page(q="tricot")
    assert len(computed) > len(cached)


def test_without_the_cache_every_page_is_computed(settings, page, member):
    settings.RERS_CORE = {**settings.RERS_CORE, "LISTINGS_CACHE_SECONDS": 0}
    listing = ListingFactory(member=member, title="Tricoter une écharpe")
    assert "Tricoter une écharpe" in page()
    Listing.objects.filter(pk=listing.pk).update(title="Titre changé en douce")
    assert "Titre changé en douce" in page()


# --- the API --------------------------------------------------------------------------------


def _titles(client, network, **params):
    response = client.get(net(network, "listings/"), params)
    assert response.status_code == 200
    return {item["title"]: item["is_mine"] for item in response.json()["results"]}


def test_members_share_a_cached_page_each_with_their_own_marked(network, member):
    other = MemberFactory(network=network)
    mine = ListingFactory(member=member, title="Le mien")
    ListingFactory(member=other, title="Le sien")
    assert _titles(client_for(member), network) == {"Le mien": True, "Le sien": False}
    # Bypassing save(): the other member's page comes from the cache the first one filled.
    Listing.objects.filter(pk=mine.pk).update(title="Changé en douce")
    assert _titles(client_for(other), network) == {"Le mien": False, "Le sien": True}
    listing_cache.listings_changed(network.pk)
    assert _titles(client_for(other), network) == {"Changé en douce": False, "Le sien": True}


def test_a_members_paused_listing_is_theirs_alone(network, member, facilitator):
    other = MemberFactory(network=network)
    ListingFactory(member=member, title="Ouverte")
    paused = ListingFactory(member=member, title="En pause")
    for person in (member, other, facilitator):
        assert set(_titles(client_for(person), network)) == {"Ouverte", "En pause"}
    listing_services.listing_pause(listing=paused, acting=member.user)
    assert set(_titles(client_for(member), network)) == {"Ouverte", "En pause"}
    assert set(_titles(client_for(other), network)) == {"Ouverte"}
    assert set(_titles(client_for(facilitator), network)) == {"Ouverte", "En pause"}
    assert set(_titles(client_for(facilitator), network, status="open")) == {"Ouverte"}


def test_an_api_change_shows_in_the_next_page(network, member):
    client = client_for(member)
    assert _titles(client, network) == {}
    created = client.post(
        net(network, "listings/"),
        {
            "direction": "offer",
            "kind": "know_how",
            "domain": network.domains.first().slug,
            "title": "Faire son pain",
            "one_to_one": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert _titles(client, network) == {"Faire son pain": True}


@pytest.mark.parametrize(
    ("cache_url", "seconds", "sessions"),
    [
        (None, 0, "db"),
        ("locmemcache://", 0, "db"),
        ("redis://127.0.0.1:6379/1", 300, "cached_db"),
    ],
)
def test_the_site_caches_pages_only_in_a_cache_every_process_shares(
    tmp_path, cache_url, seconds, sessions
):
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "LISTINGS_CACHE_SECONDS")}
    env.update(RERS_DATA_DIR=str(tmp_path), **({"CACHE_URL": cache_url} if cache_url else {}))
    code = (
        "import json; from deployments.site.settings import base; "
        "print(json.dumps([base.RERS_CORE['LISTINGS_CACHE_SECONDS'], "
        "getattr(base, 'SESSION_ENGINE', 'django.contrib.sessions.backends.db')]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == [seconds, f"django.contrib.sessions.backends.{sessions}"]


def test_a_peering_shows_on_the_cached_page_at_once(page, network, member):
    from rers_federation.models import Peer

    ListingFactory(member=member, title="Tricoter une écharpe")
    assert 'name="scope"' not in page()
    with CaptureQueriesContext(connection) as cached:
        page()
    assert not any("rers_federation_peer" in query["sql"] for query in cached.captured_queries)
    peer = Peer.objects.create(
        network=network,
        document_url="https://b.example/federation/b/",
        name="RERS B",
        inbox_url="https://b.example/federation/b/inbox/",
        fingerprint="SHA256:test",
        status=Peer.Status.ACTIVE,
    )
    assert 'name="scope"' in page()
    peer.delete()
    assert 'name="scope"' not in page()

import pytest
from rest_framework.test import APIClient

from rers_core.testing.factories import (
    CoordinatorFactory,
    FacilitatorFactory,
    MemberFactory,
    NetworkFactory,
)


@pytest.fixture
def network(db):
    return NetworkFactory(slug="souday", name="RERS de Souday")


@pytest.fixture
def other_network(db):
    return NetworkFactory(slug="voisin", name="RERS voisin")


@pytest.fixture
def member(network):
    return MemberFactory(network=network)


@pytest.fixture
def facilitator(network):
    return FacilitatorFactory(network=network)


@pytest.fixture
def coordinator(network):
    return CoordinatorFactory(network=network)


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def login(client, member_or_user):
    user = getattr(member_or_user, "user", member_or_user)
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_synonym_cache():
    from rers_core.search.text import forget_synonyms

    forget_synonyms()
    yield
    forget_synonyms()


@pytest.fixture
def cached_listing_pages(settings):
    """Pages of listings cached, as on a site whose CACHE_URL is shared (the test settings
    compute them each time), in a cache emptied before and after the test."""
    from django.core.cache import cache

    settings.RERS_CORE = {**settings.RERS_CORE, "LISTINGS_CACHE_SECONDS": 300}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Services and commands speak the active language; tests read their messages in
    English. Pages and API calls still choose their language per request (French first)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def in_english(client):
    """Make a test client's pages English (the language cookie set by the switcher)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client

"""List endpoints run the same number of queries whatever the number of rows on the page."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rers_core.services.members import consent_grant, consent_revoke
from rers_core.testing.factories import ListingFactory, MemberFactory
from tests.core.api_support import client_for, net


def _queries(client, url, params=None) -> int:
    client.get(url, params or {})  # warm per-process caches (e.g. search synonyms)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, {"page_size": 100, **(params or {})})
    assert response.status_code == 200
    return len(context)


def _listings(network, count):
    for _ in range(count):
        ListingFactory(member=MemberFactory(network=network))


def test_listing_list_as_member(network, member, django_assert_num_queries):
    client = client_for(member)
    url = net(network, "listings/")
    _listings(network, 3)
    few = _queries(client, url)
    _listings(network, 22)
    with django_assert_num_queries(few):
        response = client.get(url, {"page_size": 100})
    assert response.json()["count"] == 25
    assert len(response.json()["results"]) == 25


def test_listing_list_filtered_as_facilitator(network, facilitator, django_assert_num_queries):
    client = client_for(facilitator)
    url = net(network, "listings/")
    params = {"direction": "offer", "q": "montrer", "status": "open"}
    _listings(network, 3)
    few = _queries(client, url, params)
    _listings(network, 22)
    with django_assert_num_queries(few):
        response = client.get(url, {"page_size": 100, **params})
    assert len(response.json()["results"]) == 25


def test_member_list(network, facilitator, django_assert_num_queries):
    client = client_for(facilitator)
    url = net(network, "members/")

    def add(count):
        for _ in range(count):
            m = MemberFactory(network=network)
            consent_grant(member=m, channel="email", audience="network", acting=None)
            consent_grant(member=m, channel="phone", audience="network", acting=None)

    add(3)
    few = _queries(client, url)
    add(22)
    with django_assert_num_queries(few):
        response = client.get(url, {"page_size": 100})
    results = response.json()["results"]
    assert len(results) == 26  # with the facilitator
    assert sum(len(m["active_consents"]) for m in results) == 50


def test_consent_list(network, facilitator, member, django_assert_num_queries):
    client = client_for(facilitator)
    url = net(network, f"members/{member.pk}/consents/")

    def add(count):
        for _ in range(count):
            consent = consent_grant(member=member, channel="email", audience="network", acting=None)
            consent_revoke(consent=consent, acting=None)

    add(3)
    few = _queries(client, url)
    add(22)
    with django_assert_num_queries(few):
        response = client.get(url, {"page_size": 100})
    assert response.json()["count"] == 25
    own = client_for(member)
    own_url = net(network, "me/consents/")
    few = _queries(own, own_url, {"page_size": 3})
    with django_assert_num_queries(few):
        assert len(own.get(own_url, {"page_size": 25}).json()["results"]) == 25


def test_domain_and_network_lists(network, django_assert_num_queries):
    client = client_for()
    few = _queries(client, net(network, "domains/"), {"page_size": 3})
    with django_assert_num_queries(few):
        client.get(net(network, "domains/"), {"page_size": 14})

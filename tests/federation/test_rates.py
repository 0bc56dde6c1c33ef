"""The federation's public endpoints and the inbox are throttled per address and per peer;
over the limit the answer is 429 with Retry-After (senders retry it later) and nothing is
applied."""

import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone

from rers_federation.models import InboxActivity
from tests.federation.test_peering import INBOX, signed_post


@pytest.fixture
def rates(settings):
    cache.clear()

    def apply(**values):
        settings.RERS_FEDERATION = {**settings.RERS_FEDERATION, **values}

    yield apply
    cache.clear()


def stray_accept(network):
    return {
        "id": f"http://testserver/federation/{network.slug}/activities/{uuid.uuid4()}",
        "type": "Accept",
        "actor": f"http://testserver/federation/{network.slug}/",
        "object": "http://testserver/unknown",
        "published": timezone.now().isoformat(),
    }


def test_public_endpoints_per_address(client, network, rates):
    rates(PUBLIC_RATE_PER_ADDRESS="2/minute")
    assert client.get("/.well-known/rers").status_code == 200
    assert client.get("/federation/souday/").status_code == 200
    refused = client.get("/.well-known/rers")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json()["error"] == "too_many_requests"
    # Another address is not held back.
    assert client.get("/.well-known/rers", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_inbox_per_peer(client, network, other_network, active_peer, rates):
    rates(INBOX_RATE_PER_PEER="2/minute")
    statuses = [
        signed_post(client, network, INBOX, stray_accept(network)).status_code for _ in range(3)
    ]
    assert statuses == [202, 202, 429]
    assert InboxActivity.objects.filter(network=other_network, type="Accept").count() == 2


def test_inbox_per_address_before_any_signature_is_checked(client, network, active_peer, rates):
    rates(INBOX_RATE_PER_ADDRESS="1/minute")
    assert signed_post(client, network, INBOX, stray_accept(network)).status_code == 202
    unsigned = client.post("/federation/voisin/inbox/", data=b"{}", content_type="application/json")
    assert unsigned.status_code == 429

"""The coordinators' operations page: keys, the state of each neighbour, and the
deliveries that need attention, with "retry now" for those that failed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rers_core.testing.factories import CoordinatorFactory, FacilitatorFactory, MemberFactory
from rers_federation.models import Delivery, OutboxActivity, Peer
from rers_federation.selectors import retired_keys_in_grace
from rers_federation.services import delivery as outbox
from rers_federation.services import peering
from tests.conftest import in_english, login
from tests.core.page_checks import check_page
from tests.federation.test_peering_pages import fingerprint_of


def url(name, network, *args):
    return reverse(f"rers_federation:{name}", args=[network.slug, *args])


@pytest.fixture
def coordinator_client(client, network):
    return in_english(login(client, CoordinatorFactory(network=network)))


@pytest.fixture
def failed_update(network, active_peer, django_capture_on_commit_callbacks):
    """Our key was replaced; announcing it to the neighbour failed for good, and the
    neighbour looks down."""
    with django_capture_on_commit_callbacks(execute=False):
        peering.network_key_rotate(network=network, acting=None)
    delivery = Delivery.objects.get(peer=active_peer, activity__type="Update")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED,
        attempts=4,
        last_status=503,
        last_error="Gave up after 4 attempts: Service Unavailable",
    )
    Peer.objects.filter(pk=active_peer.pk).update(
        unavailable_since=timezone.now() - timedelta(hours=2),
        consecutive_failures=5,
        last_pull_error="The neighbouring network answered 500.",
    )
    delivery.refresh_from_db()
    return delivery


def record_delivery(peer, n, **fields):
    """A delivery of a made-up activity, in whatever state ``fields`` say."""
    activity = OutboxActivity.objects.create(
        network=peer.network,
        activity_id=f"http://testserver/federation/{peer.network.slug}/activities/{peer.pk}-{n}",
        type="Update",
        payload={},
    )
    return Delivery.objects.create(
        activity=activity, peer=peer, next_attempt_at=timezone.now(), **fields
    )


def test_the_page_shows_keys_peers_and_deliveries(
    coordinator_client, network, other_network, active_peer, failed_update
):
    retrying = record_delivery(
        active_peer, 1, attempts=2, last_error="connection refused", status="pending"
    )
    response = coordinator_client.get(url("operations", network))
    page = check_page(response)

    # Our current key, and the one just replaced, still accepted for the grace period.
    assert fingerprint_of(network) in page
    (retired,) = retired_keys_in_grace(network)
    assert retired.fingerprint in page and retired.fingerprint != fingerprint_of(network)
    assert "Previous key, accepted until" in page
    assert retired.expires_at - timezone.now() > timedelta(days=6)

    # The neighbour: status, their fingerprint, push and pull, the open circuit breaker.
    (peer,) = response.context["peers"]
    assert "RERS voisin" in page and "Active" in page
    assert active_peer.fingerprint == fingerprint_of(other_network)
    assert active_peer.fingerprint in page
    assert "Last successful push" in page and active_peer.last_delivery_at is not None
    assert "Last successful pull" in page and "never" in page
    assert "The neighbouring network answered 500." in page
    assert "Unreachable since" in page
    assert (peer.consecutive_failures, peer.waiting_count, peer.failed_count) == (5, 1, 1)

    # The failed delivery with its answer, reason and retry button; the one being retried.
    assert response.context["failed"] == [failed_update]
    assert "Gave up after 4 attempts: Service Unavailable" in page
    assert "503" in page
    assert url("delivery_retry", network, failed_update.pk) in page
    assert response.context["retried"] == [retrying]
    assert "connection refused" in page and "no answer" in page
    assert "Next attempt" in page


def test_nothing_to_report(coordinator_client, network):
    page = check_page(coordinator_client.get(url("operations", network)))
    assert "No neighbouring network yet." in page
    assert "No failed delivery." in page
    assert "No delivery is waiting for another attempt." in page
    assert "Previous key" not in page


def test_only_the_most_recent_failures_are_listed(coordinator_client, network, active_peer):
    for n in range(52):
        record_delivery(active_peer, n, status="failed", last_error=f"refused {n}")
    response = coordinator_client.get(url("operations", network))
    page = check_page(response)
    assert len(response.context["failed"]) == 50
    assert response.context["failed"][0].last_error == "refused 51"
    assert "The 50 most recent of 52 failed deliveries are listed." in page


def test_retry_now_sends_the_delivery_again(
    coordinator_client, network, active_peer, failed_update, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = coordinator_client.post(
            url("delivery_retry", network, failed_update.pk), follow=True
        )
    assert response.redirect_chain[-1][0] == url("operations", network)
    page = check_page(response)
    assert "The delivery to RERS voisin is being tried again." in page
    # Back to pending, then attempted at once: the neighbour (in-process) took it.
    assert len(callbacks) == 1
    failed_update.refresh_from_db()
    assert failed_update.status == "delivered"
    assert failed_update.attempts == 5
    assert failed_update.last_status == 202
    active_peer.refresh_from_db()
    assert active_peer.unavailable_since is None and active_peer.consecutive_failures == 0
    assert response.context["failed"] == []

    # A second click finds nothing to retry and says so.
    again = coordinator_client.post(url("delivery_retry", network, failed_update.pk), follow=True)
    assert "This delivery is no longer failed: there is nothing to retry." in check_page(again)
    failed_update.refresh_from_db()
    assert (failed_update.status, failed_update.attempts) == ("delivered", 5)


def test_retry_now_waits_for_the_worker(
    coordinator_client, network, failed_update, django_capture_on_commit_callbacks
):
    """Without a worker yet (callbacks not run), the delivery is pending and due now."""
    with django_capture_on_commit_callbacks(execute=False):
        coordinator_client.post(url("delivery_retry", network, failed_update.pk))
    failed_update.refresh_from_db()
    assert failed_update.status == "pending"
    assert failed_update.next_attempt_at <= timezone.now()
    assert outbox.attempt(delivery_id=failed_update.pk) == "delivered"


def test_retry_is_post_only(coordinator_client, network, failed_update):
    response = coordinator_client.get(url("delivery_retry", network, failed_update.pk))
    assert response.status_code == 405
    failed_update.refresh_from_db()
    assert failed_update.status == "failed"


@pytest.mark.parametrize(
    "who", ["facilitator", "member", "visitor", "their_coordinator", "outsider"]
)
def test_only_our_coordinators_reach_the_page(client, network, other_network, failed_update, who):
    person = {
        "facilitator": lambda: FacilitatorFactory(network=network),
        "member": lambda: MemberFactory(network=network),
        "visitor": lambda: MemberFactory(network=network, status="visitor", joined_at=None),
        "their_coordinator": lambda: CoordinatorFactory(network=other_network),
        "outsider": lambda: MemberFactory(network=other_network),
    }[who]()
    login(client, person)
    assert client.get(url("operations", network)).status_code == 403
    assert client.post(url("delivery_retry", network, failed_update.pk)).status_code == 403
    failed_update.refresh_from_db()
    assert failed_update.status == "failed"


def test_anonymous_visitors_are_sent_to_log_in(client, network, failed_update):
    for response in (
        client.get(url("operations", network)),
        client.post(url("delivery_retry", network, failed_update.pk)),
    ):
        assert response.status_code == 302
        assert reverse("rers_core:login") in response["Location"]
    failed_update.refresh_from_db()
    assert failed_update.status == "failed"


def test_another_networks_coordinator_cannot_retry_our_deliveries(
    network, other_network, failed_update
):
    theirs = login(Client(), CoordinatorFactory(network=other_network))
    # Through their own network's address, our delivery is unknown; so is a made-up id.
    response = theirs.post(url("delivery_retry", other_network, failed_update.pk))
    assert response.status_code == 404
    assert theirs.post(url("delivery_retry", other_network, 987654321)).status_code == 404
    # Their page does not list it either.
    their_page = theirs.get(url("operations", other_network))
    assert their_page.context["failed"] == []
    assert url("delivery_retry", network, failed_update.pk) not in their_page.content.decode()
    failed_update.refresh_from_db()
    assert failed_update.status == "failed"


def test_pages_link_to_each_other(coordinator_client, network):
    peers_page = coordinator_client.get(url("peers", network)).content.decode()
    assert url("operations", network) in peers_page
    operations_page = check_page(coordinator_client.get(url("operations", network)))
    assert f'href="{url("peers", network)}"' in operations_page


def test_queries_do_not_grow_with_peers_and_deliveries(
    coordinator_client, network, active_peer, failed_update
):
    record_delivery(active_peer, 1, attempts=1, status="pending")
    coordinator_client.get(url("operations", network))  # sessions and caches warmed up
    with CaptureQueriesContext(connection) as one_peer:
        response = coordinator_client.get(url("operations", network))
    assert len(response.context["peers"]) == 1

    for index in range(4):
        peer = Peer.objects.create(
            network=network,
            document_url=f"https://example.org/federation/n{index}/",
            name=f"Network {index}",
            inbox_url=f"https://example.org/federation/n{index}/inbox/",
            fingerprint="ABCD",
            status="active",
            unavailable_since=timezone.now(),
        )
        for n in range(3):
            record_delivery(peer, n, status="failed", attempts=n, last_status=500)
            record_delivery(peer, n + 10, status="pending", attempts=n + 1)
    with CaptureQueriesContext(connection) as five_peers:
        response = coordinator_client.get(url("operations", network))
    assert len(response.context["peers"]) == 5
    assert len(response.context["failed"]) == 13
    assert len(response.context["retried"]) == 13
    assert len(five_peers) == len(one_peer), [q["sql"] for q in five_peers.captured_queries]


def test_the_page_speaks_french_first(client, network, active_peer, failed_update):
    login(client, CoordinatorFactory(network=network))
    page = check_page(client.get(url("operations", network)))
    assert '<html lang="fr"' in page
    assert "Suivi technique des réseaux voisins" in page
    assert "Dernier envoi réussi" in page
    assert "Injoignable depuis" in page
    assert "Envois en échec" in page
    assert "Réessayer maintenant" in page
    assert "Actif" in page
    with_message = client.post(url("delivery_retry", network, failed_update.pk), follow=True)
    assert "L’envoi à RERS voisin est relancé." in check_page(with_message)

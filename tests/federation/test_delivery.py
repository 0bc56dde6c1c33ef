from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from rers_core.testing.factories import CoordinatorFactory, NetworkFactory
from rers_federation.models import Delivery, OutboxActivity, Peer
from rers_federation.services import delivery as outbox
from rers_federation.tasks import deliver
from rers_federation.transport import Response, TransportError


class ScriptedTransport:
    """Answers from a script: a list of statuses (or "down" for a network error)."""

    script: list = []
    calls: list = []

    def request(self, method, url, *, body=b"", headers):
        ScriptedTransport.calls.append(url)
        answer = ScriptedTransport.script.pop(0) if ScriptedTransport.script else 202
        if answer == "down":
            raise TransportError("connection refused")
        return Response(answer, b"")


@pytest.fixture
def scripted(settings):
    settings.RERS_FEDERATION = {
        **settings.RERS_FEDERATION,
        "TRANSPORT": f"{__name__}.ScriptedTransport",
    }
    ScriptedTransport.script, ScriptedTransport.calls = [], []
    return ScriptedTransport


@pytest.fixture
def peer(active_peer):
    return active_peer


def activity(network, n=1):
    return {
        "id": f"http://testserver/federation/{network.slug}/activities/test-{n}",
        "type": "Accept",
        "actor": f"http://testserver/federation/{network.slug}/",
        "object": "http://testserver/nothing",
    }


def test_handshake_deliveries_are_recorded(peer):
    assert Delivery.objects.filter(status="delivered").count() == 2
    assert peer.last_delivery_at is not None


def test_retry_then_success(network, peer, scripted):
    scripted.script = [503, "down", 202]
    record = outbox.publish(network=network, activity=activity(network))
    (row,) = record.deliveries.all()
    now = timezone.now()
    assert outbox.attempt(delivery_id=row.pk, now=now) == "pending"
    row.refresh_from_db()
    assert row.last_status == 503 and row.next_attempt_at > now
    assert outbox.attempt(delivery_id=row.pk, now=now) is None  # not due yet
    assert outbox.attempt(delivery_id=row.pk, now=row.next_attempt_at) == "pending"
    row.refresh_from_db()
    assert "refused" in row.last_error
    assert outbox.attempt(delivery_id=row.pk, now=row.next_attempt_at) == "delivered"
    assert outbox.attempt(delivery_id=row.pk, now=row.next_attempt_at) is None  # done once


def test_client_errors_fail_for_good_with_the_reason(network, peer, scripted):
    scripted.script = [422]
    record = outbox.publish(network=network, activity=activity(network))
    (row,) = record.deliveries.all()
    assert outbox.attempt(delivery_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.last_status == 422
    scripted.script = [429]
    second = outbox.publish(network=network, activity=activity(network, 2)).deliveries.get()
    assert outbox.attempt(delivery_id=second.pk) == "pending"


def test_retries_last_at_least_a_day_then_give_up(network, peer, scripted):
    scripted.script = ["down"] * 100
    record = outbox.publish(network=network, activity=activity(network))
    row = record.deliveries.get()
    moment, statuses = timezone.now(), []
    for _ in range(200):
        status = outbox.attempt(delivery_id=row.pk, now=moment)
        statuses.append(status)
        row.refresh_from_db()
        if status != "pending":
            break
        moment = row.next_attempt_at
    assert statuses[-1] == "failed", statuses[-5:]
    assert moment - record.created_at >= timedelta(hours=24)
    assert "Gave up" in row.last_error


def test_circuit_breaker_opens_and_only_success_closes(network, peer, scripted):
    scripted.script = ["down"] * 5 + [202]
    rows = [
        outbox.publish(network=network, activity=activity(network, n)).deliveries.get()
        for n in range(6)
    ]
    for row in rows[:5]:
        outbox.attempt(delivery_id=row.pk)
    peer.refresh_from_db()
    assert peer.unavailable_since is not None and peer.consecutive_failures == 5
    retry = Delivery.objects.get(pk=rows[4].pk)
    assert retry.next_attempt_at - timezone.now() >= timedelta(minutes=29)
    assert outbox.attempt(delivery_id=rows[5].pk) == "delivered"
    peer.refresh_from_db()
    assert peer.unavailable_since is None and peer.consecutive_failures == 0


def test_sweep_frees_rows_of_a_dead_worker(network, peer, scripted):
    record = outbox.publish(network=network, activity=activity(network))
    row = record.deliveries.get()
    Delivery.objects.filter(pk=row.pk).update(
        status="sending", sending_since=timezone.now() - timedelta(hours=1)
    )
    assert row.pk in outbox.sweep()
    assert outbox.attempt(delivery_id=row.pk) == "delivered"


def test_without_broker_a_publication_stands_and_the_sweep_sends_it(
    network, peer, scripted, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):  # raised nothing
        record = outbox.publish(network=network, activity=activity(network))
    row = record.deliveries.get()
    assert row.status == "pending"
    # As with a task Redis lost in a restart: the sweep finds the row.
    assert row.pk in outbox.sweep()
    assert outbox.attempt(delivery_id=row.pk) == "delivered"


def test_retry_now(network, peer, scripted):
    scripted.script = [400, 202]
    row = outbox.publish(network=network, activity=activity(network)).deliveries.get()
    outbox.attempt(delivery_id=row.pk)
    coordinator = CoordinatorFactory(network=network)
    outbox.retry_now(delivery=row, acting=coordinator.user)
    assert outbox.attempt(delivery_id=row.pk) == "delivered"


def test_fan_out_writes_one_row_per_active_peer(network, scripted, django_assert_num_queries):
    for n in range(5):
        remote = NetworkFactory(slug=f"voisin-{n}")
        Peer.objects.create(
            network=network,
            document_url=f"http://testserver/federation/{remote.slug}/",
            name=remote.name,
            inbox_url=f"http://testserver/federation/{remote.slug}/inbox/",
            fingerprint="x",
            status="active",
        )
    Peer.objects.create(
        network=network,
        document_url="http://testserver/federation/gone/",
        name="Gone",
        inbox_url="http://testserver/gone/",
        fingerprint="x",
        status="ended",
    )
    record = outbox.publish(network=network, activity=activity(network))
    assert record.deliveries.count() == 5
    assert OutboxActivity.objects.filter(network=network).count() >= 1


def test_queries_per_delivery_do_not_grow(network, peer, scripted, django_assert_max_num_queries):
    rows = [
        outbox.publish(network=network, activity=activity(network, n)).deliveries.get()
        for n in range(3)
    ]
    outbox.attempt(delivery_id=rows[0].pk)
    with django_assert_max_num_queries(20):
        outbox.attempt(delivery_id=rows[1].pk)

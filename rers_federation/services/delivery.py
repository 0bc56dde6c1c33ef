"""The outbox: activities are written with one delivery row per peer in the transaction
that produced them; Celery workers send due rows, Celery beat sweeps what is due, was
left by a worker that died or whose task the broker lost (Redis keeps nothing across a
restart). Deliveries to one peer may arrive out of order."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from rers_core.models import Network
from rers_core.services._common import queue_for_rows
from rers_federation.conf import federation_settings
from rers_federation.keys import current_key, private_key
from rers_federation.models import Delivery, NetworkKey, OutboxActivity, Peer
from rers_federation.signing import sign
from rers_federation.transport import TransportError, describe_answer, transport

RETRYABLE = {408, 429}
# What may still be sent to a peer that is not active (None: everything).
HANDSHAKE: dict[str, set[str] | None] = {
    Peer.Status.ACTIVE: None,
    Peer.Status.REQUESTED: {"Follow"},
    Peer.Status.PENDING: set(),
    Peer.Status.REJECTED: {"Reject"},
    Peer.Status.SUSPENDED: {"Undo"},
    Peer.Status.ENDED: {"Undo"},
}


@transaction.atomic
def publish(
    *,
    network: Network,
    activity: dict[str, Any],
    peers: Iterable[Peer] | None = None,
    key_id: str = "",
    object_uri: str = "",
    recipient: Peer | None = None,
) -> OutboxActivity:
    """Record ``activity`` and a delivery to each of ``peers`` (default: every active
    peer), then wake the workers once the transaction commits. An activity about an
    ``object_uri`` also enters the log peers pull: every peer's, or ``recipient``'s only."""
    record = OutboxActivity.objects.create(
        network=network,
        activity_id=activity["id"],
        type=activity["type"],
        payload=activity,
        key_id=key_id,
        object_uri=object_uri,
        recipient=recipient,
    )
    targets = (
        list(peers)
        if peers is not None
        else list(Peer.objects.filter(network=network, status=Peer.Status.ACTIVE))
    )
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(activity=record, peer=peer, next_attempt_at=now) for peer in targets
    )
    ids = list(Delivery.objects.filter(activity=record).values_list("pk", flat=True))
    transaction.on_commit(lambda: _wake(ids))
    return record


def _wake(delivery_ids: list[int]) -> None:
    from rers_federation.tasks import deliver

    queue_for_rows(deliver, delivery_ids)


def _claim(delivery_id: int, now: datetime) -> Delivery | None:
    """Take one due delivery for this worker; another worker holding it is skipped."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        peer = Peer.objects.get(pk=delivery.peer_id)
        allowed = HANDSHAKE.get(peer.status)
        if allowed is not None and delivery.activity.type not in allowed:
            delivery.transition(Delivery.Status.FAILED)
            delivery.last_error = "The peering is not active."
            delivery.save()
            return None
        delivery.transition(Delivery.Status.SENDING)
        delivery.sending_since = now
        delivery.attempts += 1
        delivery.save()
        return delivery


def attempt(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """Send one due delivery once and record the outcome; returns the new status, or None
    when there was nothing to do (not due, taken by another worker, already done)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    record = delivery.activity
    peer = delivery.peer
    body = json.dumps(record.payload, ensure_ascii=False).encode()
    key = (
        NetworkKey.objects.filter(network_id=record.network_id, key_id=record.key_id).first()
        if record.key_id
        else None
    ) or current_key(record.network)
    headers = sign(
        method="POST",
        url=peer.inbox_url,
        body=body,
        key_id=key.key_id,
        private_key=private_key(key),
    )
    headers["Content-Type"] = "application/activity+json"
    try:
        reply = transport().request("POST", peer.inbox_url, body=body, headers=headers)
        # Coordinators see the status and our own error code, never the answer's body:
        # whatever answered chose it.
        status, error = (
            reply.status,
            "" if reply.status < 400 else describe_answer(reply.status, reply.body),
        )
    except TransportError as exc:
        status, error = None, str(exc)[:500]
    return _record(delivery.pk, status, error, now)


@transaction.atomic
def _record(delivery_id: int, status: int | None, error: str, now: datetime) -> str:
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("activity")
        .get(pk=delivery_id)
    )
    peer = Peer.objects.select_for_update().get(pk=delivery.peer_id)
    delivery.last_status, delivery.last_error, delivery.sending_since = status, error, None
    if status is not None and 200 <= status < 300:
        delivery.transition(Delivery.Status.DELIVERED)
        delivery.delivered_at = now
        peer.consecutive_failures, peer.unavailable_since, peer.last_delivery_at = 0, None, now
    else:
        peer.consecutive_failures += 1
        if (
            peer.consecutive_failures >= federation_settings.BREAKER_FAILURES
            and not peer.unavailable_since
        ):
            peer.unavailable_since = now
        retryable = status is None or status in RETRYABLE or status >= 500
        window = timedelta(hours=federation_settings.RETRY_WINDOW_HOURS)
        if retryable and now < delivery.activity.created_at + window:
            delivery.transition(Delivery.Status.PENDING)
            delivery.next_attempt_at = now + _backoff(delivery.attempts, peer)
        else:
            delivery.transition(Delivery.Status.FAILED)
            if retryable:
                delivery.last_error = f"Gave up after {delivery.attempts} attempts: {error}"[:500]
    delivery.save()
    peer.save(
        update_fields=[
            "consecutive_failures",
            "unavailable_since",
            "last_delivery_at",
            "updated_at",
        ]
    )
    return delivery.status


def _backoff(attempts: int, peer: Peer) -> timedelta:
    """Exponential backoff with full jitter; an unreachable peer is only probed now and then."""
    ceiling = min(
        federation_settings.RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0),
        federation_settings.RETRY_MAX_SECONDS,
    )
    seconds = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not secrecy
    if peer.unavailable_since is not None:
        seconds = max(seconds, federation_settings.PROBE_SECONDS)
    return timedelta(seconds=seconds)


def sweep(*, now: datetime | None = None) -> list[int]:
    """Free deliveries a dead worker left "being sent", and list those due (Celery beat)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=federation_settings.SENDING_TIMEOUT_SECONDS)
    with transaction.atomic():
        for delivery in Delivery.objects.select_for_update(skip_locked=True).filter(
            status=Delivery.Status.SENDING, sending_since__lt=stale
        ):
            delivery.transition(Delivery.Status.PENDING)
            delivery.sending_since = None
            delivery.next_attempt_at = now
            delivery.save()
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:1000]
    )


@transaction.atomic
def retry_now(*, delivery: Delivery, acting) -> Delivery:
    """A coordinator asks for a failed delivery to be tried again now."""
    from rers_core.services._common import require_coordinator

    require_coordinator(acting, delivery.activity.network)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == Delivery.Status.FAILED:
        delivery.transition(Delivery.Status.PENDING)
        delivery.next_attempt_at = timezone.now()
        delivery.save()
        transaction.on_commit(lambda: _wake([delivery.pk]))
    return delivery

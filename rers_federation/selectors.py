"""Read-only queries of the federation app, always scoped to one of our networks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from rers_core.errors import NotFound
from rers_core.models import Network
from rers_federation import keys
from rers_federation.models import Delivery, OutboxActivity, Peer
from rers_federation.signing import fingerprint, public_key_from_text

# Not delivered yet: "being sent" is only a worker's claim on a waiting delivery.
UNDELIVERED = (Delivery.Status.PENDING, Delivery.Status.SENDING)
# A page of the log peers pull holds at most this many activities, and is cut short after
# this many bytes of them (readers refuse larger pages, and answers over their
# MAX_RESPONSE_BYTES, 4 MiB by default).
LOG_PAGE_SIZE = 200
LOG_PAGE_BYTES = 1024 * 1024


def peer_list(network: Network) -> QuerySet[Peer]:
    """Every neighbouring network known to ``network``, whatever its status, by name."""
    return Peer.objects.filter(network=network).order_by("name", "pk")


def has_active_peer(network: Network) -> bool:
    """Whether ``network`` federates with at least one neighbouring network right now (an
    active peering): core asks it through ``network_has_neighbours``."""
    return Peer.objects.filter(network=network, status=Peer.Status.ACTIVE).exists()


def peer_get(network: Network, peer_id: int) -> Peer:
    """One peer of ``network``; another network's peer is as unknown as a missing one."""
    peer = Peer.objects.select_related("network").filter(network=network, pk=peer_id).first()
    if peer is None:
        raise NotFound(_("This neighbouring network is not known here."))
    return peer


def peer_for_address(network: Network, document_url: str) -> Peer | None:
    """The peer of ``network`` whose network document is at ``document_url``, if any."""
    return Peer.objects.filter(network=network, document_url=document_url).first()


# The peers whose keys the inbox and the log trust (for some activities at least).
TRUSTED = (Peer.Status.ACTIVE, Peer.Status.SUSPENDED, Peer.Status.REQUESTED)


def peer_key_ids(network: Network, *, excluding: str) -> set[str]:
    """The key ids of the peers ``network`` trusts (:data:`TRUSTED`), but the one at
    ``excluding``. A request waiting for our answer claims none: its keys are checked
    against these when it is accepted, so that nobody blocks a network by asking first."""
    rows = (
        Peer.objects.filter(network=network, status__in=TRUSTED)
        .exclude(document_url=excluding)
        .values_list("keys", flat=True)
    )
    return {
        key["id"]
        for entries in rows
        if isinstance(entries, list)
        for key in entries
        if isinstance(key, dict) and isinstance(key.get("id"), str)
    }


def peers_to_verify(network: Network) -> list[Peer]:
    """The peers of ``network`` whose signatures the inbox and the log check: active ones,
    suspended ones (to refuse them clearly) and those we asked to peer (for their answer),
    active first so that they win should a key id be listed twice in older rows."""
    order = {status: rank for rank, status in enumerate(TRUSTED)}
    peers = Peer.objects.filter(network=network, status__in=TRUSTED).order_by("pk")
    return sorted(peers, key=lambda peer: order[peer.status])


@dataclass(frozen=True)
class RetiredKey:
    fingerprint: str
    expires_at: datetime


def retired_keys_in_grace(network: Network) -> list[RetiredKey]:
    """Keys ``network`` no longer signs with but peers still accept, newest first."""
    return [
        RetiredKey(
            fingerprint=fingerprint(public_key_from_text(key.public_key)),
            expires_at=expiry,
        )
        for key in keys.valid_keys(network)
        if (expiry := keys.expires_at(key)) is not None
    ]


def peers_with_delivery_counts(network: Network) -> QuerySet[Peer]:
    """The peers of ``network`` (as :func:`peer_list`), each with ``waiting_count``
    (deliveries not sent yet), ``retried_count`` (those waiting after a failed attempt) and
    ``failed_count`` (deliveries given up), counted in the same query."""
    return peer_list(network).annotate(
        waiting_count=Count("deliveries", filter=Q(deliveries__status__in=UNDELIVERED)),
        retried_count=Count(
            "deliveries",
            filter=Q(deliveries__status=Delivery.Status.PENDING, deliveries__attempts__gte=1),
        ),
        failed_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
    )


def _deliveries(network: Network) -> QuerySet[Delivery]:
    # The activity's body can be large and the pages never show it.
    return (
        Delivery.objects.filter(activity__network=network, peer__network=network)
        .select_related("activity", "peer")
        .defer("activity__payload")
    )


def failed_deliveries(network: Network, *, limit: int) -> list[Delivery]:
    """The deliveries of ``network`` given up, the most recently tried first (a failed
    delivery keeps the time of its last planned attempt)."""
    return list(
        _deliveries(network)
        .filter(status=Delivery.Status.FAILED)
        .order_by("-next_attempt_at", "-pk")[:limit]
    )


def retried_deliveries(network: Network, *, limit: int) -> list[Delivery]:
    """The deliveries of ``network`` still waiting after at least one failed attempt, the
    next to be tried first."""
    return list(
        _deliveries(network)
        .filter(status=Delivery.Status.PENDING, attempts__gte=1)
        .order_by("next_attempt_at", "pk")[:limit]
    )


def delivery_get(network: Network, delivery_id: int) -> Delivery:
    """One delivery of ``network``; another network's delivery is as unknown as a missing
    one."""
    delivery = _deliveries(network).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("This delivery is not known here."))
    return delivery


def outbox_log(network: Network, peer: Peer, *, after: int, limit: int) -> list[tuple[int, dict]]:
    """(cursor, activity) of the log entries a peer may pull after ``after``, in order:
    activities about events, registrations and listings, broadcast or addressed to it."""
    return list(
        OutboxActivity.objects.filter(network=network, id__gt=after)
        .exclude(object_uri="")
        .filter(Q(recipient__isnull=True) | Q(recipient=peer))
        .order_by("id")
        .values_list("id", "payload")[:limit]
    )

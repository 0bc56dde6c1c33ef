"""Celery tasks of the federation: thin, idempotent; each calls one service."""

from __future__ import annotations

from celery import shared_task

from rers_core.tasks import RETRY_WHILE_DATABASE_DOWN


@shared_task(acks_late=True, **RETRY_WHILE_DATABASE_DOWN)
def deliver(delivery_id: int) -> str | None:
    """Send one delivery if it is due; running twice is harmless (rows are claimed)."""
    from rers_federation.services.delivery import attempt

    return attempt(delivery_id=delivery_id)


@shared_task(acks_late=True)
def sweep_deliveries() -> int:
    """Celery beat: wake deliveries that are due or were left by a dead worker."""
    from rers_federation.services.delivery import sweep

    due = sweep()
    for delivery_id in due:
        deliver.delay(delivery_id)
    return len(due)


@shared_task(acks_late=True, **RETRY_WHILE_DATABASE_DOWN)
def pull_from(peer_id: int) -> int:
    """Catch up with one peer's log."""
    from rers_federation.services.pull import pull_peer

    return pull_peer(peer_id=peer_id)


@shared_task(acks_late=True)
def pull_from_peers() -> int:
    """Celery beat: catch up with every active peer's log."""
    from rers_federation.services.pull import peers_to_pull

    peers = peers_to_pull()
    for peer_id in peers:
        pull_from.delay(peer_id)
    return len(peers)

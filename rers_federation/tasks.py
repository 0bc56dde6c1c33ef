"""Celery tasks of the federation: thin, each loads rows and calls one function."""

from __future__ import annotations

import json

from celery import shared_task

RETRYABLE = {408, 429}


class DeliveryFailed(Exception):
    """A peer answered with a status worth retrying (408, 429, 5xx)."""


@shared_task(
    acks_late=True,
    autoretry_for=(DeliveryFailed,),
    retry_backoff=60,
    retry_backoff_max=6 * 3600,
    retry_jitter=True,
    # Full jitter halves the waits on average: 20 attempts still span well over a day.
    max_retries=20,
)
def send_activity(peer_id: int, activity: dict, key_id: str = "") -> int:
    """Sign and POST one activity to a peer's inbox (with ``key_id``, a retired key still
    in grace); 4xx other than 408/429 are final."""
    from rers_federation.keys import current_key, private_key
    from rers_federation.models import NetworkKey, Peer
    from rers_federation.signing import sign
    from rers_federation.transport import TransportError, transport

    peer = Peer.objects.select_related("network").filter(pk=peer_id).first()
    if peer is None:
        return 0
    body = json.dumps(activity, ensure_ascii=False).encode()
    key = (
        NetworkKey.objects.filter(network=peer.network, key_id=key_id).first() if key_id else None
    ) or current_key(peer.network)
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
    except TransportError as exc:
        raise DeliveryFailed(str(exc)) from exc
    if reply.status in RETRYABLE or reply.status >= 500:
        raise DeliveryFailed(f"{peer.inbox_url} answered {reply.status}")
    return reply.status

"""Send a peer, again, activities one of this instance's networks already delivered to it,
signed as that network — what a flaky network or a confused sender would do.

    python tests/e2e/replay.py SLUG PEER_DOCUMENT_URL duplicates
        every activity delivered to the peer, newest first, as it was (same ids)
    python tests/e2e/replay.py SLUG PEER_DOCUMENT_URL stale OBJECT_URI
        the activities about one object, oldest first, under new ids: old versions
        arriving after the newest one

Run in the instance's environment (DJANGO_SETTINGS_MODULE, DATABASE_URL, SECRET_KEY, ...).
Prints the peer's answers (HTTP statuses) as a JSON list.
"""

from __future__ import annotations

import json
import sys

import django


def _about(payload: dict) -> str:
    about = payload.get("object")
    return about.get("id", "") if isinstance(about, dict) else str(about or "")


def main(slug: str, peer_document: str, mode: str, object_uri: str = "") -> list[int]:
    django.setup()
    from rers_federation.keys import current_key, private_key
    from rers_federation.models import Delivery, Peer
    from rers_federation.services.peering import activity_id
    from rers_federation.signing import sign
    from rers_federation.transport import transport

    peer = Peer.objects.select_related("network").get(
        network__slug=slug, document_url=peer_document
    )
    delivered = [
        d.activity.payload
        for d in Delivery.objects.filter(peer=peer, status=Delivery.Status.DELIVERED)
        .select_related("activity")
        .order_by("activity_id")
    ]
    if mode == "duplicates":
        activities = list(reversed(delivered))
    elif mode == "stale":
        activities = [
            {**payload, "id": activity_id(peer.network)}
            for payload in delivered
            if _about(payload) == object_uri
        ]
    else:
        raise SystemExit(f"Unknown mode {mode!r}: duplicates or stale.")
    if not activities:
        raise SystemExit("Nothing to send again.")
    key = current_key(peer.network)
    statuses = []
    for activity in activities:
        body = json.dumps(activity, ensure_ascii=False).encode()
        headers = sign(
            method="POST",
            url=peer.inbox_url,
            body=body,
            key_id=key.key_id,
            private_key=private_key(key),
        )
        headers["Content-Type"] = "application/activity+json"
        reply = transport().request("POST", peer.inbox_url, body=body, headers=headers)
        statuses.append(reply.status)
    return statuses


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))

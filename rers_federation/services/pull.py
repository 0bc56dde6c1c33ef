"""Pull repair: Celery beat reads each active peer's log from the last position applied,
so a peer that was down, or a push that was lost, converges without relying on retries.

What is pulled is taken as the inbox takes it: pages of at most LOG_PAGE_SIZE activities
within the transport's size cap, each activity checked as a pushed one would be (size,
shape, the peer's own), and only a short description of a failed answer is kept.
"""

from __future__ import annotations

import json
import re

from django.db import transaction
from django.utils import timezone

from rers_federation.conf import federation_settings
from rers_federation.keys import current_key, private_key
from rers_federation.models import Peer
from rers_federation.selectors import LOG_PAGE_SIZE
from rers_federation.services.inbox import ActivityRefused, malformed, receive
from rers_federation.signing import sign
from rers_federation.transport import TransportError, describe_answer, read_json, transport

MAX_PAGES = 50
# The log's cursors are digits (str.isdigit() would also take "²").
CURSOR = re.compile(r"[0-9]{1,18}")


def _fail(peer: Peer, error: str) -> None:
    Peer.objects.filter(pk=peer.pk).update(last_pull_error=error[:500])


def _fetch(peer: Peer, url: str) -> dict | None:
    key = current_key(peer.network)
    headers = sign(method="GET", url=url, body=b"", key_id=key.key_id, private_key=private_key(key))
    headers["Accept"] = "application/activity+json"
    try:
        reply = transport().request("GET", url, headers=headers)
    except TransportError as exc:
        _fail(peer, f"Unreachable: {exc}")
        return None
    if reply.status != 200:
        _fail(peer, f"Answered {describe_answer(reply.status, reply.body)}.")
        return None
    if len(reply.body) > federation_settings.MAX_RESPONSE_BYTES:
        _fail(peer, "The log page is too large.")
        return None
    try:
        page = read_json(reply.body)
        items, cursor = page["orderedItems"], str(page["cursor"])
    except (ValueError, KeyError, TypeError):
        _fail(peer, "The log page is not readable.")
        return None
    if not isinstance(items, list) or not CURSOR.fullmatch(cursor):
        _fail(peer, "The log page is not readable.")
        return None
    if len(items) > LOG_PAGE_SIZE:
        _fail(peer, f"The log page holds more than {LOG_PAGE_SIZE} activities.")
        return None
    return page


def _acceptable(peer: Peer, activity: object) -> bool:
    """Whether the inbox would take this activity from ``peer``: within its size limit,
    well formed, and the peer's own."""
    if malformed(activity) is not None or activity.get("actor") != peer.document_url:
        return False
    size = len(json.dumps(activity, ensure_ascii=False).encode())
    return size <= federation_settings.MAX_BODY_BYTES


def _apply_page(peer: Peer, items: list) -> tuple[int, str | None]:
    """Apply one page's activities; stops at the first that fails for now."""
    applied = 0
    for activity in items:
        if not _acceptable(peer, activity):
            continue  # the inbox would refuse it for good: never applied
        try:
            applied += receive(network=peer.network, peer=peer, activity=activity)
        except ActivityRefused:
            continue  # refused for good (e.g. a deleted object), as the inbox would
        except Exception as exc:  # noqa: BLE001 - kept for the next pull
            return applied, f"Could not apply {activity.get('id')}: {exc}"
    return applied, None


def pull_peer(*, peer_id: int) -> int:
    """Apply what an active peer logged since our cursor, page by page; returns how many
    activities were new. The cursor moves only past pages fully applied, so an error
    stops there and the next pull starts again from it."""
    peer = Peer.objects.select_related("network").get(pk=peer_id)
    if peer.status != Peer.Status.ACTIVE or not peer.outbox_url:
        return 0
    applied = 0
    for _page in range(MAX_PAGES):
        url = f"{peer.outbox_url}?after={peer.pull_cursor or 0}"
        page = _fetch(peer, url)
        if page is None:
            return applied
        # One transaction per page: far cheaper than one per activity, and the cursor
        # moves with what it covers.
        with transaction.atomic():
            count, error = _apply_page(peer, page["orderedItems"])
            if error is None:
                peer.pull_cursor = page["cursor"]
                Peer.objects.filter(pk=peer.pk).update(
                    pull_cursor=peer.pull_cursor, last_pull_at=timezone.now(), last_pull_error=""
                )
        applied += count
        if error is not None:
            _fail(peer, error)
            return applied
        if not page.get("next"):
            break
    return applied


def peers_to_pull() -> list[int]:
    return list(Peer.objects.filter(status=Peer.Status.ACTIVE).values_list("pk", flat=True))

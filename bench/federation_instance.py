"""What bench/federation.py runs inside one instance's environment (its settings, database,
broker and secret key, hence its network's private key). Prints one JSON object.

    python bench/federation_instance.py publish COUNT INTERVAL LABEL
    python bench/federation_instance.py bare COUNT LABEL
    python bench/federation_instance.py fill-log COUNT LABEL
    python bench/federation_instance.py pull
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _network():
    from rers_core.models import Network

    return Network.objects.get()  # an instance of the harness hosts one network


def publish(count: int, interval: float, label: str) -> dict[str, Any]:
    """Create ``count`` federated events through the service, one transaction each, and
    note when each one committed."""
    from django.db import transaction
    from django.utils import timezone

    from rers_core.models import Member
    from rers_core.services.events import event_create
    from rers_federation.services.calendar import event_uri

    network = _network()
    acting = Member.objects.filter(network=network, role=Member.Role.COORDINATOR).first().user
    starts_at = (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    events, commits = [], []
    start = time.time()
    for number in range(count):
        with transaction.atomic():
            # Registered before the event's own hooks, so it runs first at commit: the
            # time noted is the commit, before the deliveries are queued.
            transaction.on_commit(lambda: commits.append(time.time()))
            event = event_create(
                network=network,
                acting=acting,
                kind="drop_in",
                title=f"{label} {number}",
                description="Permanence d'échanges de savoirs, ouverte aux réseaux voisins.",
                place="Maison des associations",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                visibility="federated",
            )
        events.append(event_uri(event))
        if interval:
            time.sleep(interval)
    return {"start": start, "end": time.time(), "events": dict(zip(events, commits, strict=True))}


def _activities(network, count: int, label: str):
    """``count`` Create activities of new events, each the whole object as a peer gets it
    (copied from the network's latest own event, under a new address)."""
    from django.utils import timezone

    from rers_core.models import Event
    from rers_federation.keys import network_url
    from rers_federation.services.calendar import event_object
    from rers_federation.services.peering import ACTIVITY_CONTEXT, activity_id

    template = event_object(Event.objects.filter(network=network, origin_uri="").latest("id"))
    actor = network_url(network)
    for number in range(count):
        now = timezone.now().isoformat()
        yield {
            "@context": ACTIVITY_CONTEXT,
            "id": activity_id(network),
            "type": "Create",
            "actor": actor,
            "object": {
                **template,
                "id": f"{actor}events/{uuid.uuid4()}",
                "name": f"{label} {number}",
                "updated": now,
            },
            "published": now,
        }


def bare(count: int, label: str) -> dict[str, Any]:
    """The ceiling: sign and POST ``count`` activities to the peer's inbox one after the
    other, with requests as the transport does (a new connection each time)."""
    import requests

    from rers_federation.keys import current_key, private_key
    from rers_federation.models import Peer
    from rers_federation.signing import sign

    network = _network()
    peer = Peer.objects.get(network=network, status=Peer.Status.ACTIVE)
    key = current_key(network)
    signing_key = private_key(key)
    answers: Counter[int] = Counter()
    start = time.time()
    for activity in _activities(network, count, label):
        body = json.dumps(activity, ensure_ascii=False).encode()
        headers = sign(
            method="POST", url=peer.inbox_url, body=body, key_id=key.key_id,
            private_key=signing_key,
        )  # fmt: skip
        headers["Content-Type"] = "application/activity+json"
        reply = requests.post(peer.inbox_url, data=body, headers=headers, timeout=10)
        answers[reply.status_code] += 1
    return {"start": start, "end": time.time(), "answers": dict(answers)}


def fill_log(count: int, label: str) -> dict[str, Any]:
    """Write ``count`` Create activities straight into the log peers pull, with no
    delivery: only a pull can bring them to a peer."""
    from django.db import transaction

    from rers_federation.models import OutboxActivity

    network = _network()
    start = time.time()
    with transaction.atomic():
        OutboxActivity.objects.bulk_create(
            (
                OutboxActivity(
                    network=network,
                    activity_id=activity["id"],
                    type=activity["type"],
                    payload=activity,
                    object_uri=activity["object"]["id"],
                )
                for activity in _activities(network, count, label)
            ),
            batch_size=1000,
        )
    return {"start": start, "end": time.time()}


def pull() -> dict[str, Any]:
    """Pull from the only peer until a pull brings nothing new; each call's count and time,
    and the processor time this process used (the machine may be busy with others)."""
    from rers_federation.models import Peer
    from rers_federation.services.pull import pull_peer

    peer = Peer.objects.get(network=_network(), status=Peer.Status.ACTIVE)
    calls = []
    start, cpu = time.time(), time.process_time()
    while True:
        began = time.perf_counter()
        applied = pull_peer(peer_id=peer.pk)
        calls.append([applied, time.perf_counter() - began])
        if not applied:
            break
    peer.refresh_from_db()
    return {
        "start": start,
        "end": time.time(),
        "cpu": time.process_time() - cpu,
        "calls": calls,
        "error": peer.last_pull_error,
    }


def main() -> None:
    import django

    django.setup()
    action, *args = sys.argv[1:]
    if action == "publish":
        result = publish(int(args[0]), float(args[1]), args[2])
    elif action == "bare":
        result = bare(int(args[0]), args[1])
    elif action == "fill-log":
        result = fill_log(int(args[0]), args[1])
    elif action == "pull":
        result = pull()
    else:
        raise SystemExit(f"Unknown action {action!r}.")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Receiving activities, pushed to the inbox or pulled from a peer's log: each is recorded
once by its id and applied in the same transaction, so a repeat is acknowledged and
ignored, and a failure while applying leaves nothing behind (the sender retries)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from rers_core.models import Network
from rers_federation.addresses import is_under
from rers_federation.documents import DocumentInvalid
from rers_federation.models import InboxActivity, Peer
from rers_federation.services import calendar, catalogue, connections, objects, peering

# Types an active peer may send; the peering handshake is handled before this.
OBJECT_TYPES = {"Create", "Update", "Delete", "Join", "Leave"}
HANDLED_TYPES = {"Follow", "Accept", "Reject", "Undo"} | OBJECT_TYPES


def malformed(activity: Any) -> str | None:
    """Why an activity, pushed or pulled, cannot be taken at all; None when it can. Its id
    must lie under its actor's address: a network names only its own activities, so none
    can take the id of another's and have the real one ignored as a repeat."""
    if not isinstance(activity, dict):
        return "The activity must be a JSON object."
    for field in ("id", "type", "actor"):
        if not isinstance(activity.get(field), str) or not activity[field]:
            return f"The activity lacks “{field}”."
    if not activity["id"].startswith(("https://", "http://")) or len(activity["id"]) > 500:
        return "The activity id must be an address."
    if not is_under(activity["id"], activity["actor"]):
        return "The activity id must lie under its actor's address."
    if activity["type"] not in HANDLED_TYPES:
        return f"Activities of type {activity['type']} are not accepted here."
    return None


class ActivityRefused(Exception):
    """The activity will never be applied: ``status`` is the 4xx to answer."""

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.reason = status, reason


def _apply(network: Network, peer: Peer, activity: dict[str, Any]) -> None:
    kind, obj = activity["type"], activity.get("object")
    object_type = obj.get("type") if isinstance(obj, dict) else None
    if kind == "Follow":
        return  # a peering request: recorded by the inbox before its signature is checked
    if kind in ("Accept", "Reject"):
        peering.receive_answer(peer=peer, activity=activity)
    elif kind == "Undo":
        peering.receive_undo(peer=peer, activity=activity)
    elif kind in ("Create", "Update") and object_type == "Listing":
        catalogue.listing_receive(network=network, peer=peer, obj=obj)
    elif kind in ("Create", "Update") and object_type == "Event":
        calendar.event_receive(network=network, peer=peer, obj=obj)
    elif kind == "Create" and object_type == "Connection":
        connections.connection_create_receive(network=network, peer=peer, obj=obj)
    elif kind == "Update" and object_type == "Connection":
        connections.connection_update_receive(network=network, peer=peer, obj=obj)
    elif kind == "Delete" and connections.is_connection_delete(obj):
        connections.connection_delete_receive(network=network, peer=peer, obj=obj)
    elif kind == "Update" and object_type == "Registration":
        calendar.answer_receive(network=network, peer=peer, obj=obj)
    elif kind == "Update":
        peering.receive_update(peer=peer, activity=activity)
    elif kind == "Delete":
        objects.object_delete(
            network=network, peer=peer, obj=obj, published=activity.get("published")
        )
    elif kind == "Join":
        calendar.join_receive(network=network, peer=peer, obj=obj)
    elif kind == "Leave":
        calendar.leave_receive(network=network, peer=peer, obj=obj)
    else:
        raise objects.ActivityInvalid(f"Activities of type {kind} are not applied here.")


def receive(*, network: Network, peer: Peer, activity: dict[str, Any]) -> bool:
    """Record and apply one activity from ``peer``; False when it was already received
    from that peer. Raises :class:`ActivityRefused` for an activity that can never be
    applied, or that is not ``peer``'s own."""
    problem = malformed(activity)
    if problem is None and activity["actor"] != peer.document_url:
        problem = "The activity's actor is not the sending network."
    if problem:
        raise ActivityRefused(400, "malformed", problem)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    InboxActivity.objects.create(
                        network=network,
                        peer=peer,
                        activity_id=activity["id"],
                        type=activity["type"],
                        payload=activity,
                    )
            except IntegrityError:
                return False
            _apply(network, peer, activity)
    except (objects.ActivityInvalid, DocumentInvalid) as exc:
        raise ActivityRefused(400, "malformed", str(exc)) from exc
    except objects.ObjectGone as exc:
        raise ActivityRefused(410, "gone", str(exc)) from exc
    return True

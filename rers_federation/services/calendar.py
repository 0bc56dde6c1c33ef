"""Shared calendars and cross-network registrations.

Publishing: our events with visibility "federated" go to every active peer as Create and
Update activities carrying the whole event (its rule, exceptions and cancellation); when
one stops being shared, an Update marks it withdrawn (peers drop their copy). A member's
registration for a neighbour's event goes to the organiser as a Join (a Leave when given
up, or when the member leaves their network, whatever became of it); the organiser
answers with an Update of the registration, each time its status changes.

Applying: objects are upserted by address; a version older than the one held is ignored;
a deleted address keeps a tombstone and is never brought back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rers_core.errors import DomainError
from rers_core.models import Event, EventException, Member, Network, Registration
from rers_core.recurrence import normalise_rule
from rers_core.services import events as core_events
from rers_federation import keys
from rers_federation.addresses import is_under
from rers_federation.models import InboxActivity, MirroredObject, OutboxActivity, Peer
from rers_federation.services.objects import (
    ActivityInvalid,
    distance_km,
    drop_copy,
    forget_personal,
    known_to_neighbours,
    last_published,
    local_id,
    new_activity,
    newer_version,
    parse_time,
    publish_about,
    withdrawal,
)

REGISTRATION_STATUSES = {
    Registration.Status.CONFIRMED,
    Registration.Status.WAITLISTED,
    Registration.Status.REFUSED,
    Registration.Status.CANCELLED,
}


# --- addresses ------------------------------------------------------------------------


def event_uri(event: Event) -> str:
    return f"{keys.network_url(event.network)}events/{event.uid}"


def registration_uri(registration: Registration) -> str:
    return f"{keys.network_url(registration.event.network)}registrations/{registration.pk}"


# --- publishing our events ------------------------------------------------------------


def event_object(event: Event) -> dict[str, Any]:
    """The whole event as peers mirror it; ``updated`` orders the versions."""
    return {
        "type": "Event",
        "id": event_uri(event),
        "attributedTo": keys.network_url(event.network),
        "name": event.title,
        "content": event.description,
        "location": event.place,
        "url": event.online_url or None,
        "startTime": event.starts_at.isoformat(),
        "endTime": event.ends_at.isoformat(),
        "rrule": event.rrule,
        "timeZone": event.network.timezone,
        "eventKind": event.kind,
        "capacity": event.capacity,
        "registrationOpen": event.registration_open,
        "cancelled": event.cancelled_at.isoformat() if event.cancelled_at else None,
        "coOrganised": event.co_organised,
        "exceptions": [
            {
                "originalStart": change.original_start.isoformat(),
                "cancelled": change.cancelled,
                "startTime": change.starts_at.isoformat() if change.starts_at else None,
                "endTime": change.ends_at.isoformat() if change.ends_at else None,
                "note": change.note,
            }
            for change in event.exceptions.order_by("original_start")
        ],
        "updated": timezone.now().isoformat(),
    }


def event_publish(event: Event) -> None:
    """Tell the peers about a change to one of our events (called inside its transaction)."""
    if event.is_mirrored:
        return
    # The caller's instance may predate this transaction's other changes: publish the row.
    event = Event.objects.select_related("network").get(pk=event.pk)
    uri = event_uri(event)
    last = last_published(event.network, uri)
    shared = last is not None and not last["object"].get("withdrawn")
    if event.visibility == Event.Visibility.FEDERATED:
        kind = "Create" if last is None else "Update"
        publish_about(event.network, new_activity(event.network, kind, event_object(event)), uri)
    elif shared:
        # Kept to our network from now on: peers drop their copy, but no tombstone, so the
        # event can be shared again later.
        publish_about(
            event.network, new_activity(event.network, "Update", withdrawal("Event", uri)), uri
        )


# --- publishing registrations ---------------------------------------------------------


def _origin_peer(event: Event) -> Peer | None:
    mirror = MirroredObject.objects.filter(event=event).select_related("peer").first()
    return mirror.peer if mirror is not None else None


def registration_publish(registration: Registration) -> None:
    """Send a registration's news to the other side (inside its transaction): our member's
    Join or Leave to the organiser, or our answer to a neighbour's participant."""
    event = registration.event
    if event.is_mirrored and registration.member_id is not None:
        peer = _origin_peer(event)
        if registration.status == Registration.Status.REQUESTED:
            kind = "Join"
        elif (
            registration.status == Registration.Status.CANCELLED
            or registration.member.status == Member.Status.WITHDRAWN
        ):
            # A member who leaves their network is forgotten by the organiser whatever
            # became of the registration (refused, or cancelled by the organiser).
            kind = "Leave"
        else:
            return
        if kind == "Join" and (peer is None or peer.status != Peer.Status.ACTIVE):
            raise DomainError(
                _("%(network)s cannot be reached at the moment: try again later.")
                % {"network": event.origin_name}
            )
        if peer is None:
            return
        # A Leave is logged even while the peering is suspended: the organiser's next pull
        # after resuming frees the seat.
        uri = registration_uri(registration)
        if kind == "Leave" and (last_published(event.network, uri) or {}).get("type") == "Leave":
            return  # already left (a withdrawal after giving the seat up): nothing new
        obj = {
            "type": "Registration",
            "id": uri,
            "event": event.origin_uri,
            "occurrence": registration.occurrence_start.isoformat(),
        }
        if kind == "Join" and known_to_neighbours(registration.member):
            obj["name"] = registration.member.display_name
        if kind == "Leave":
            forget_personal(
                OutboxActivity.objects.filter(network=event.network, object_uri=uri), ("name",)
            )
        publish_about(event.network, new_activity(event.network, kind, obj), uri, peer)
    elif registration.remote_uri:
        peer = Peer.objects.filter(
            network=event.network,
            document_url=registration.remote_network_uri,
            status__in=(Peer.Status.ACTIVE, Peer.Status.SUSPENDED),
        ).first()
        if peer is not None:
            _answer(
                event.network,
                peer,
                registration.remote_uri,
                event_uri(event),
                registration.occurrence_start,
                registration.status,
            )


def _answer(
    network: Network, peer: Peer, uri: str, event: str, occurrence: datetime, status: str
) -> None:
    obj = {
        "type": "Registration",
        "id": uri,
        "event": event,
        "occurrence": occurrence.isoformat(),
        "status": status,
        "updated": timezone.now().isoformat(),
    }
    publish_about(network, new_activity(network, "Update", obj), uri, peer)


def on_event_changed(sender, *, event: Event, **kwargs: Any) -> None:
    event_publish(event)


def on_registration_changed(sender, *, registration: Registration, **kwargs: Any) -> None:
    registration_publish(registration)


# --- applying what peers send ---------------------------------------------------------


def _event_fields(obj: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(obj.get("name"), str) or not obj["name"].strip():
        raise ActivityInvalid("The event has no name.")
    starts_at, ends_at = (
        parse_time(obj.get("startTime"), "startTime"),
        parse_time(obj.get("endTime"), "endTime"),
    )
    if ends_at <= starts_at:
        raise ActivityInvalid("The event ends before it starts.")
    try:
        rrule = normalise_rule(str(obj.get("rrule") or ""))
    except Exception as exc:  # noqa: BLE001 - any unreadable rule is the sender's error
        raise ActivityInvalid("The event's rule is not a valid RFC 5545 rule.") from exc
    capacity = obj.get("capacity")
    kind = obj.get("eventKind")
    return {
        "title": obj["name"].strip()[:160],
        "description": str(obj.get("content") or ""),
        "place": str(obj.get("location") or "")[:300],
        "online_url": str(obj.get("url") or "")[:200],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "rrule": rrule,
        "kind": kind if kind in Event.Kind.values else Event.Kind.OTHER,
        "capacity": capacity if isinstance(capacity, int) and capacity >= 0 else None,
        "registration_open": bool(obj.get("registrationOpen", True)),
        "cancelled_at": parse_time(obj.get("cancelled"), "cancelled", required=False),
        "co_organised": bool(obj.get("coOrganised")),
        "origin_timezone": str(obj.get("timeZone") or "")[:64],
    }


def _exceptions(obj: dict[str, Any]) -> list[EventException]:
    found = obj.get("exceptions") or []
    if not isinstance(found, list):
        raise ActivityInvalid("“exceptions” must be a list.")
    changes = []
    for item in found:
        if not isinstance(item, dict):
            raise ActivityInvalid("Each exception must be an object.")
        changes.append(
            EventException(
                original_start=parse_time(item.get("originalStart"), "originalStart"),
                cancelled=bool(item.get("cancelled")),
                starts_at=parse_time(item.get("startTime"), "startTime", required=False),
                ends_at=parse_time(item.get("endTime"), "endTime", required=False),
                note=str(item.get("note") or "")[:300],
            )
        )
    return changes


@transaction.atomic
def event_receive(*, network: Network, peer: Peer, obj: dict[str, Any]) -> Event | None:
    """Upsert a neighbour's event from a Create or Update; None when ours is as new."""
    uri = obj.get("id")
    if not is_under(uri, peer.document_url):
        raise ActivityInvalid("The event's address is not under the sending network.")
    mirror = newer_version(network, peer, uri, "Event", parse_time(obj.get("updated"), "updated"))
    if mirror is None:
        return None
    if obj.get("withdrawn"):
        drop_copy(mirror)
        mirror.version = parse_time(obj.get("updated"), "updated")
        mirror.save()
        return None
    fields = _event_fields(obj)
    changes = _exceptions(obj)
    event = mirror.event or Event(network=network, origin_uri=uri)
    for name, value in fields.items():
        setattr(event, name, value)
    event.visibility = Event.Visibility.NETWORK
    event.origin_name = peer.name
    event.origin_distance_km = distance_km(network, peer)
    event.save()
    if mirror.event_id is not None:
        EventException.objects.filter(event=event).delete()
    for change in changes:
        change.event = event
    EventException.objects.bulk_create(changes)
    mirror.event, mirror.version = event, parse_time(obj.get("updated"), "updated")
    mirror.save()
    return event


def _registration_fields(obj: Any) -> tuple[str, str, datetime]:
    if not isinstance(obj, dict) or obj.get("type") != "Registration":
        raise ActivityInvalid("The object must be a Registration.")
    uri, event = obj.get("id"), obj.get("event")
    if not isinstance(uri, str) or not isinstance(event, str):
        raise ActivityInvalid("A registration needs “id” and “event”.")
    return uri, event, parse_time(obj.get("occurrence"), "occurrence")


@transaction.atomic
def join_receive(*, network: Network, peer: Peer, obj: Any) -> None:
    """A neighbour's member asks for a seat at one of our sittings: we decide and answer."""
    uri, event_address, occurrence = _registration_fields(obj)
    if not is_under(uri, peer.document_url):
        raise ActivityInvalid("The registration's address is not under the sending network.")
    uid = local_id(network, event_address, "events")
    event = Event.objects.filter(network=network, uid=uid, origin_uri="").first() if uid else None
    if event is None:
        _answer(network, peer, uri, event_address, occurrence, Registration.Status.REFUSED)
        return
    name = obj.get("name")
    core_events.remote_registration_receive(
        event=event,
        original_start=occurrence,
        remote_uri=uri,
        remote_name=name.strip() if isinstance(name, str) else "",
        remote_network_name=peer.name,
        remote_network_uri=peer.document_url,
    )


@transaction.atomic
def leave_receive(*, network: Network, peer: Peer, obj: Any) -> None:
    """A neighbour's member gave their seat up."""
    uri, event_address, _occurrence = _registration_fields(obj)
    uid = local_id(network, event_address, "events")
    event = Event.objects.filter(network=network, uid=uid, origin_uri="").first() if uid else None
    registration = (
        Registration.objects.filter(event=event, remote_uri=uri).first() if event else None
    )
    forget_personal(
        InboxActivity.objects.filter(network=network, peer=peer, payload__object__id=uri), ("name",)
    )
    if registration is None or registration.remote_network_uri != peer.document_url:
        return
    core_events.remote_registration_withdraw(event=event, remote_uri=uri)


@transaction.atomic
def answer_receive(*, network: Network, peer: Peer, obj: Any) -> None:
    """The organiser's answer about one of our members' registrations."""
    uri, event_address, occurrence = _registration_fields(obj)
    status = obj.get("status")
    if status not in REGISTRATION_STATUSES:
        raise ActivityInvalid("Unknown registration status.")
    pk = local_id(network, uri, "registrations")
    registration = (
        Registration.objects.select_related("event")
        .filter(pk=pk, event__network=network, event__origin_uri=event_address)
        .first()
        if pk and pk.isdigit()
        else None
    )
    if registration is None or _origin_peer(registration.event) != peer:
        return
    mirror = newer_version(
        network, peer, uri, "Registration", parse_time(obj.get("updated"), "updated")
    )
    if mirror is None:
        return
    mirror.version = parse_time(obj.get("updated"), "updated")
    mirror.save()
    if registration.occurrence_start != occurrence:  # the organiser moved the sitting
        Registration.objects.filter(pk=registration.pk).update(occurrence_start=occurrence)
    core_events.registration_answer(registration=registration, status=status)

"""What every kind of federated object shares: activities about an object, its versions
and tombstones, the distance to its network, and forgetting a peer's objects."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rers_core.listing_cache import listings_changed
from rers_core.models import ContactConsent, Event, Listing, Member, Network, Registration
from rers_core.search import backend as search_backend
from rers_core.services import events as core_events
from rers_federation import keys
from rers_federation.addresses import is_under
from rers_federation.models import InboxActivity, MirroredObject, OutboxActivity, Peer


class ActivityInvalid(Exception):
    """The activity cannot be applied as sent (400): retrying it would not help."""


class ObjectGone(Exception):
    """The object was deleted: a later Create or Update for it is refused (410)."""


def local_id(network: Network, uri: Any, kind: str) -> str | None:
    prefix = f"{keys.network_url(network)}{kind}/"
    if isinstance(uri, str) and uri.startswith(prefix):
        return uri[len(prefix) :].strip("/") or None
    return None


def new_activity(network: Network, kind: str, obj: dict[str, Any] | str) -> dict[str, Any]:
    from rers_federation.services.peering import ACTIVITY_CONTEXT, activity_id

    return {
        "@context": ACTIVITY_CONTEXT,
        "id": activity_id(network),
        "type": kind,
        "actor": keys.network_url(network),
        "object": obj,
        "published": timezone.now().isoformat(),
    }


def publish_about(
    network: Network, activity: dict[str, Any], object_uri: str, recipient: Peer | None = None
) -> None:
    from rers_federation.services.delivery import publish

    if recipient is None:
        peers = None
    else:  # a suspended peer finds it in our log once the peering resumes
        peers = [recipient] if recipient.status == Peer.Status.ACTIVE else []
    publish(
        network=network,
        activity=activity,
        peers=peers,
        object_uri=object_uri,
        recipient=recipient,
    )


def withdrawal(kind: str, uri: str) -> dict[str, Any]:
    """The object of an Update telling peers to drop their copy, which may come back."""
    return {"type": kind, "id": uri, "withdrawn": True, "updated": timezone.now().isoformat()}


def known_to_neighbours(member: Member) -> bool:
    """Whether ``member`` agreed to be known by neighbouring networks: any contact consent
    for that audience lets their display name (and, for a connection, presentation) go."""
    return ContactConsent.objects.filter(
        member=member, audience=ContactConsent.Audience.FEDERATED, revoked_at__isnull=True
    ).exists()


# The words of a listing or an event (its title and description): its author's, and of no
# use to anyone once the object is deleted.
OBJECT_TEXT = ("name", "content")


def forget_personal(
    activities, keys: tuple[str, ...], *, mark: dict[str, Any] | None = None
) -> None:
    """Erase personal ``keys`` from the stored copies of activities (our log, or what we
    received) once they are no longer needed, for example after a withdrawal. ``mark`` is
    added to each object changed, so that an entry of our log still reads as a valid
    activity to a peer pulling it (a listing without its text, as a withdrawn one)."""
    for record in activities:
        obj = record.payload.get("object")
        if isinstance(obj, dict) and any(key in obj for key in keys):
            without = {key: value for key, value in obj.items() if key not in keys}
            record.payload = {**record.payload, "object": {**without, **(mark or {})}}
            record.save(update_fields=["payload"])


def last_published(network: Network, uri: str) -> dict[str, Any] | None:
    """The last activity we published about ``uri``, if any."""
    return (
        OutboxActivity.objects.filter(network=network, object_uri=uri)
        .order_by("-id")
        .values_list("payload", flat=True)
        .first()
    )


def parse_time(value: Any, field: str, *, required: bool = True) -> datetime | None:
    if value in (None, "") and not required:
        return None
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed, but no such date (month 13, 31 April...)
        parsed = None
    if parsed is None or timezone.is_naive(parsed):
        raise ActivityInvalid(f"“{field}” must be a date and time with its offset.")
    return parsed


def _locked_mirror(network: Network, uri: str) -> MirroredObject | None:
    # Unordered: the model's ordering would join, and so lock, the network's row too,
    # serialising every activity applied for that network.
    return (
        MirroredObject.objects.select_for_update()
        .filter(network=network, uri=uri)
        .order_by()
        .first()
    )


def newer_version(network: Network, peer: Peer, uri: str, kind: str, version: datetime):
    """The mirror record of ``uri`` when ``version`` is newer than what we hold, else None."""
    mirror = _locked_mirror(network, uri)
    if mirror is not None and mirror.peer_id != peer.pk:
        raise ActivityInvalid("This object belongs to another network.")
    if mirror is not None and mirror.deleted_at is not None:
        raise ObjectGone("This object was deleted.")
    if mirror is not None and mirror.version >= version:
        return None
    return mirror or MirroredObject(network=network, peer=peer, uri=uri, type=kind)


def distance_km(network: Network, peer: Peer) -> int | None:
    """Great-circle distance between two networks' coordinates, when both are known."""
    points = (network.latitude, network.longitude, peer.latitude, peer.longitude)
    if any(value is None for value in points):
        return None
    lat1, lon1, lat2, lon2 = (math.radians(float(value)) for value in points)
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return round(2 * 6371 * math.asin(math.sqrt(a)))


def drop_copy(mirror: MirroredObject) -> None:
    """Delete our local copy of a mirrored object (the mirror record stays)."""
    if mirror.event_id is not None:
        Event.objects.filter(pk=mirror.event_id).delete()
    if mirror.listing_id is not None:
        search_backend().remove([mirror.listing_id])
        Listing.objects.filter(pk=mirror.listing_id).delete()
    mirror.event = mirror.listing = None


@transaction.atomic
def object_delete(*, network: Network, peer: Peer, obj: Any, published: Any) -> None:
    """A neighbour deleted an object for good: drop our copy and keep a tombstone."""
    uri = obj.get("id") if isinstance(obj, dict) else obj
    if not is_under(uri, peer.document_url):
        raise ActivityInvalid("The deleted address is not under the sending network.")
    mirror = _locked_mirror(network, uri)
    if mirror is not None and mirror.peer_id != peer.pk:
        raise ActivityInvalid("This object belongs to another network.")
    # What we received about it keeps no words of it either: a listing erased because its
    # author left the network leaves nothing of them here.
    forget_personal(
        InboxActivity.objects.filter(network=network, peer=peer, payload__object__id=uri),
        OBJECT_TEXT,
    )
    if mirror is not None and mirror.deleted_at is not None:
        return
    kind = obj.get("formerType") if isinstance(obj, dict) else None
    mirror = mirror or MirroredObject(network=network, peer=peer, uri=uri, type=kind or "")
    drop_copy(mirror)
    mirror.deleted_at = timezone.now()
    mirror.version = parse_time(published, "published", required=False) or mirror.deleted_at
    mirror.save()


# --- ending a peering -----------------------------------------------------------------


def relabel_copies(peer: Peer) -> None:
    """A peer renamed or moved: our copies of its events and listings say so."""
    label = {"origin_name": peer.name, "origin_distance_km": distance_km(peer.network, peer)}
    Event.objects.filter(mirror__peer=peer).update(**label)
    Listing.objects.filter(mirror__peer=peer).update(**label)
    listings_changed(peer.network_id)  # update() sends no signal to the cache of pages


def peer_forget(peer: Peer) -> None:
    """Remove everything mirrored from a peer whose peering ended: its events (with our
    members' registrations for them) and listings, its participants at our events (their
    seats go to the waiting list), connections with its members (stopped, what they shared
    erased), what we received from it, and our place in its log —
    so that a new peering starts from a clean slate."""
    for mirror in peer.mirrored_objects.exclude(event=None, listing=None):
        drop_copy(mirror)
    remote = Registration.objects.filter(
        event__network=peer.network, remote_network_uri=peer.document_url
    )
    for registration in remote.filter(status__in=Registration.ACTIVE):
        core_events.remote_registration_withdraw(
            event=registration.event, remote_uri=registration.remote_uri
        )
    remote.delete()
    from rers_federation.services.connections import peer_connections_forget

    peer_connections_forget(peer)
    peer.mirrored_objects.all().delete()
    peer.inbox_activities.all().delete()
    Peer.objects.filter(pk=peer.pk).update(pull_cursor="", last_pull_at=None, last_pull_error="")

"""The federated catalogue: open listings whose visibility is "federated" are published to
peers anonymised — title, description, domain, kind, modalities, network and address; never
the member's name, presentation or contact details.

A listing that is edited is sent again whole (Update); one paused or kept to the network
from now on is withdrawn (peers drop their copy, and it may come back); one closed, or
erased by its author's withdrawal, is deleted for good (peers keep a tombstone), and its
text leaves the activities stored on both sides.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from rers_core.models import Domain, Listing, Member, Network
from rers_core.search import index_listings
from rers_federation import keys
from rers_federation.addresses import is_under
from rers_federation.models import OutboxActivity, Peer
from rers_federation.services.objects import (
    OBJECT_TEXT,
    ActivityInvalid,
    distance_km,
    drop_copy,
    forget_personal,
    last_published,
    new_activity,
    newer_version,
    parse_time,
    publish_about,
    withdrawal,
)

MODALITIES = ("one_to_one", "group", "practice_exchange")


def listing_uri(listing: Listing) -> str:
    return f"{keys.network_url(listing.network)}listings/{listing.pk}"


def listing_object(listing: Listing) -> dict[str, Any]:
    """What peers may know of a listing: nothing about the person behind it."""
    return {
        "type": "Listing",
        "id": listing_uri(listing),
        "attributedTo": keys.network_url(listing.network),
        "direction": listing.direction,
        "savoirKind": listing.kind,
        "name": listing.title,
        "content": listing.description,
        "domain": {"slug": listing.domain.slug, "name": listing.domain.name},
        "modalities": [name for name in MODALITIES if getattr(listing, name)],
        "setting": listing.setting,
        "updated": timezone.now().isoformat(),
    }


def _shareable(listing: Listing) -> bool:
    return (
        listing.visibility == Listing.Visibility.FEDERATED
        and listing.status == Listing.Status.OPEN
        and listing.member is not None
        and listing.member.status == Member.Status.MEMBER
        and bool(listing.title)
    )


def listing_publish(listing: Listing) -> None:
    """Tell the peers about a change to one of our listings (inside its transaction)."""
    if listing.is_mirrored:
        return
    listing = Listing.objects.select_related("network", "domain", "member").get(pk=listing.pk)
    uri = listing_uri(listing)
    last = last_published(listing.network, uri)
    gone = last is not None and last["type"] == "Delete"
    shared = last is not None and not gone and not last["object"].get("withdrawn")
    network = listing.network
    if gone:
        return
    if listing.status == Listing.Status.CLOSED or not listing.title:
        if last is not None:
            # Our log keeps the earlier versions, and a peer may pull it from the start:
            # they keep no words of the listing, only that it was withdrawn, so that its
            # text (erased here when its author leaves) is gone everywhere.
            forget_personal(
                OutboxActivity.objects.filter(network=network, object_uri=uri),
                OBJECT_TEXT,
                mark={"withdrawn": True},
            )
            tombstone = {"type": "Tombstone", "formerType": "Listing", "id": uri}
            publish_about(network, new_activity(network, "Delete", tombstone), uri)
    elif _shareable(listing):
        kind = "Create" if last is None else "Update"
        publish_about(network, new_activity(network, kind, listing_object(listing)), uri)
    elif shared:
        publish_about(network, new_activity(network, "Update", withdrawal("Listing", uri)), uri)


def on_listing_changed(sender, *, listing: Listing, **kwargs: Any) -> None:
    listing_publish(listing)


def _domain(network: Network, value: Any) -> Domain:
    """Our domain with the same short name; an unknown one is added, inactive, so that it
    labels neighbours' listings without being offered in our own forms."""
    if not isinstance(value, dict) or not isinstance(value.get("slug"), str):
        raise ActivityInvalid("A listing needs a domain with a short name.")
    slug = value["slug"].strip()[:60]
    found = Domain.objects.filter(network=network, slug=slug).first()
    if found is not None:
        return found
    name = str(value.get("name") or slug).strip()[:120]
    return Domain.objects.create(network=network, slug=slug, name=name, is_active=False)


def _listing_fields(network: Network, obj: dict[str, Any]) -> dict[str, Any]:
    title = obj.get("name")
    if not isinstance(title, str) or not title.strip():
        raise ActivityInvalid("The listing has no title.")
    direction, kind = obj.get("direction"), obj.get("savoirKind")
    if direction not in Listing.Direction.values:
        raise ActivityInvalid("“direction” must be offer or request.")
    modalities = obj.get("modalities")
    if not isinstance(modalities, list) or not set(modalities) & set(MODALITIES):
        raise ActivityInvalid("A listing needs at least one modality.")
    setting = obj.get("setting")
    return {
        "direction": direction,
        "kind": kind if kind in Listing.Kind.values else Listing.Kind.values[0],
        "title": title.strip()[:160],
        "description": str(obj.get("content") or ""),
        "domain": _domain(network, obj.get("domain")),
        **{name: name in modalities for name in MODALITIES},
        "setting": setting if setting in Listing.Setting.values else Listing.Setting.EITHER,
    }


@transaction.atomic
def listing_receive(*, network: Network, peer: Peer, obj: dict[str, Any]) -> Listing | None:
    """Upsert a neighbour's listing from a Create or Update; None when ours is as new, or
    when it was withdrawn."""
    uri = obj.get("id")
    if not is_under(uri, peer.document_url):
        raise ActivityInvalid("The listing's address is not under the sending network.")
    version = parse_time(obj.get("updated"), "updated")
    mirror = newer_version(network, peer, uri, "Listing", version)
    if mirror is None:
        return None
    listing = None
    if obj.get("withdrawn"):
        drop_copy(mirror)
    else:
        fields = _listing_fields(network, obj)
        listing = mirror.listing or Listing(network=network, origin_uri=uri)
        for name, value in fields.items():
            setattr(listing, name, value)
        listing.status = Listing.Status.OPEN
        # Our copy is never passed on to our own peers.
        listing.visibility = Listing.Visibility.NETWORK
        listing.origin_name = peer.name
        listing.origin_distance_km = distance_km(network, peer)
        listing.save()
        index_listings([listing])
        mirror.listing = listing
    mirror.version = version
    mirror.save()
    return listing

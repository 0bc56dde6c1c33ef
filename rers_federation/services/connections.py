"""Connections across networks: a member of one network and the author of a listing of a
neighbouring network are put in contact, each network holding the connection under the
same address.

The network where it is proposed sends a Create; from then on each network sends, as an
Update, the whole of its own side whenever it changes: its person's answer, the status,
the name and presentation when that person agreed to be known by neighbouring networks,
their contact details once both accepted (only the channels they chose for neighbouring
networks), and the exchange's agreement. A person's consents are followed as they change:
what an Update no longer carries (name and presentation, contact details) is erased on
the other side, and from the activities both sides stored. When its person leaves, a
network sends a Delete: the other erases everything it held about them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rers_core.errors import DomainError
from rers_core.models import (
    Connection,
    ContactConsent,
    Exchange,
    ExchangeAgreement,
    Listing,
    Member,
    Network,
)
from rers_core.selectors.connections import contact_card
from rers_core.services import connections as core_connections
from rers_core.services import exchanges as core_exchanges
from rers_federation import keys
from rers_federation.addresses import is_under
from rers_federation.models import InboxActivity, MirroredObject, OutboxActivity, Peer
from rers_federation.services.objects import (
    ActivityInvalid,
    forget_personal,
    known_to_neighbours,
    last_published,
    local_id,
    new_activity,
    newer_version,
    parse_time,
    publish_about,
)

SIDES = ("requester", "offerer")
LISTING_OF = {"requester": "request", "offerer": "offer"}
# What a Connection object may carry about a person; erased from stored copies once gone.
PERSONAL_KEYS = ("person", "contact", "content", "summary", "agreement")
# What a side carries only while its person's consents allow it: each Update says it all
# again (without it: erased), so the stored copies of earlier activities need not keep it.
SHARED_BY_CONSENT = ("person", "contact")


def connection_uri(connection: Connection) -> str:
    return f"{keys.network_url(connection.network)}connections/{connection.pk}"


def _listing_uri(listing: Listing | None) -> str | None:
    if listing is None:
        return None
    if listing.is_mirrored:
        return listing.origin_uri
    return f"{keys.network_url(listing.network)}listings/{listing.pk}"


def _peer(connection: Connection) -> Peer | None:
    if connection.remote_network_uri:
        return Peer.objects.filter(
            network=connection.network, document_url=connection.remote_network_uri
        ).first()
    theirs = getattr(connection, LISTING_OF[connection.remote_side])
    mirror = MirroredObject.objects.filter(listing=theirs).select_related("peer").first()
    return mirror.peer if mirror is not None else None


def _our_side(connection: Connection) -> str:
    return "offerer" if connection.remote_side == "requester" else "requester"


def connection_object(connection: Connection) -> dict[str, Any]:
    """Our side of the connection, as the other network may know it."""
    side = _our_side(connection)
    person = connection.party(side)
    network = connection.network
    ours = getattr(connection, LISTING_OF[side])
    obj: dict[str, Any] = {
        "type": "Connection",
        "id": connection.federation_uri,
        "side": side,
        "offer": _listing_uri(connection.offer),
        "request": _listing_uri(connection.request),
        "answer": getattr(connection, f"{side}_answer"),
        "status": connection.status,
        # Who to turn to over here: the network's facilitators, never a person.
        "facilitators": {"name": network.name, "email": network.contact_email or None},
    }
    if ours is not None and ours.visibility == Listing.Visibility.FEDERATED and ours.title:
        obj["summary"] = ours.title
    if known_to_neighbours(person):
        obj["person"] = {"name": person.display_name, "presentation": person.presentation}
        # The proposal's message, written here; never echo back the one we received.
        if connection.message and local_id(network, connection.federation_uri, "connections"):
            obj["content"] = connection.message
    both_accepted = {connection.requester_answer, connection.offerer_answer} == {
        Connection.Answer.ACCEPTED
    }
    if connection.status in Connection.CONTACT_OPEN and both_accepted:
        card = contact_card(person, ContactConsent.Audience.FEDERATED)
        obj["contact"] = {
            **{key: value for key in ("email", "phone", "link") if (value := getattr(card, key))},
            "throughFacilitator": card.through_facilitator,
        }
    exchange = Exchange.objects.filter(connection=connection).select_related("agreement").first()
    if exchange is not None:
        agreement = exchange.agreement
        obj["agreement"] = {key: getattr(agreement, key) for key in ExchangeAgreement.FIELDS}
        obj["agreementUpdated"] = agreement.updated_at.isoformat()
        obj["agreementConfirmed"] = not exchange.participants.filter(
            agreed_at__isnull=True
        ).exists()
    return obj


def _unchanged(last: dict[str, Any] | None, obj: dict[str, Any]) -> bool:
    if last is None or not isinstance(last.get("object"), dict):
        return False
    return {key: value for key, value in last["object"].items() if key != "updated"} == obj


def connection_publish(connection: Connection) -> None:
    """Tell the other network about a change on our side (inside its transaction); nothing
    when our side says the same as last time, so that two networks never echo each other."""
    connection = Connection.objects.select_related(
        "network", "requester", "offerer", "request", "offer"
    ).get(pk=connection.pk)
    network = connection.network
    peer = _peer(connection)
    if not connection.federation_uri:  # proposed here: give it its shared address
        if peer is None or peer.status != Peer.Status.ACTIVE:
            raise DomainError(
                _("%(network)s cannot be reached at the moment: try again later.")
                % {"network": connection.remote_network_name}
            )
        connection.federation_uri = connection_uri(connection)
        connection.remote_network_uri = peer.document_url
        Connection.objects.filter(pk=connection.pk).update(
            federation_uri=connection.federation_uri, remote_network_uri=peer.document_url
        )
    if peer is None or peer.status not in (Peer.Status.ACTIVE, Peer.Status.SUSPENDED):
        return
    uri = connection.federation_uri
    if MirroredObject.objects.filter(network=network, uri=uri, deleted_at__isnull=False).exists():
        return  # the other side is gone: there is nobody left to tell
    last = last_published(network, uri)
    if last is not None and last["type"] == "Delete":
        return
    person = connection.party(_our_side(connection))
    if person is None or person.status == Member.Status.WITHDRAWN:
        forget_personal(
            OutboxActivity.objects.filter(network=network, object_uri=uri), PERSONAL_KEYS
        )
        tombstone = {"type": "Tombstone", "formerType": "Connection", "id": uri}
        publish_about(network, new_activity(network, "Delete", tombstone), uri, peer)
        return
    obj = connection_object(connection)
    if _unchanged(last, obj):
        return
    # Our log is pulled by the other network, and this Update supersedes the earlier
    # entries: they keep no name or contact details, which a consent withdrawn since may
    # no longer allow.
    if last is not None:
        forget_personal(
            OutboxActivity.objects.filter(network=network, object_uri=uri), SHARED_BY_CONSENT
        )
    obj["updated"] = timezone.now().isoformat()
    kind = "Create" if last is None and local_id(network, uri, "connections") else "Update"
    publish_about(network, new_activity(network, kind, obj), uri, peer)


def on_connection_changed(sender, *, connection: Connection, **kwargs: Any) -> None:
    connection_publish(connection)


# --- applying what the other network sends --------------------------------------------


def _fields(obj: Any) -> tuple[str, str]:
    if not isinstance(obj, dict) or obj.get("type") != "Connection":
        raise ActivityInvalid("The object must be a Connection.")
    uri, side = obj.get("id"), obj.get("side")
    if not isinstance(uri, str) or side not in SIDES:
        raise ActivityInvalid("A connection needs “id” and a “side” (requester or offerer).")
    return uri, side


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _facilitators_email(obj: dict[str, Any]) -> str:
    found = obj.get("facilitators")
    email = _text(found.get("email"), 254) if isinstance(found, dict) else ""
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def _refuse(network: Network, peer: Peer, uri: str, side: str) -> None:
    """The listing asked about is gone or closed here: the connection cannot go on."""
    obj = {
        "type": "Connection",
        "id": uri,
        "side": "offerer" if side == "requester" else "requester",
        "answer": Connection.Answer.PENDING,
        "status": Connection.Status.CANCELLED,
        "updated": timezone.now().isoformat(),
    }
    publish_about(network, new_activity(network, "Update", obj), uri, peer)


@transaction.atomic
def connection_create_receive(*, network: Network, peer: Peer, obj: Any) -> None:
    """A neighbouring network proposes a connection with the author of one of our listings."""
    uri, side = _fields(obj)
    if not is_under(uri, peer.document_url):
        raise ActivityInvalid("The connection's address is not under the sending network.")
    version = parse_time(obj.get("updated"), "updated")
    mirror = newer_version(network, peer, uri, "Connection", version)
    if mirror is None:
        return
    mirror.version = version
    mirror.save()
    ours = "offerer" if side == "requester" else "requester"
    pk = local_id(network, obj.get(LISTING_OF[ours]), "listings")
    # Only what we share with neighbours, and still open: a listing kept to our network,
    # paused or closed is refused exactly as a missing one, so its existence stays ours.
    listing = (
        Listing.objects.select_related("member", "network")
        .filter(
            network=network,
            pk=pk,
            origin_uri="",
            visibility=Listing.Visibility.FEDERATED,
            status=Listing.Status.OPEN,
        )
        .first()
        if pk and pk.isascii() and pk.isdigit()
        else None
    )
    if listing is None:
        _refuse(network, peer, uri, side)
        return
    person = obj.get("person") if isinstance(obj.get("person"), dict) else {}
    try:
        with transaction.atomic():
            core_connections.remote_connection_open(
                listing=listing,
                remote_side=side,
                federation_uri=uri,
                network_name=peer.name,
                network_uri=peer.document_url,
                network_email=_facilitators_email(obj),
                person_name=_text(person.get("name"), 150),
                presentation=_text(person.get("presentation"), 5000),
                listing_title=_text(obj.get("summary"), 160),
                message=_text(obj.get("content"), 5000),
                remote_accepted=obj.get("answer") == Connection.Answer.ACCEPTED,
            )
    except DomainError:
        _refuse(network, peer, uri, side)


def _held(network: Network, peer: Peer, uri: str) -> Connection | None:
    return Connection.objects.filter(
        network=network, federation_uri=uri, remote_network_uri=peer.document_url
    ).first()


@transaction.atomic
def connection_update_receive(*, network: Network, peer: Peer, obj: Any) -> None:
    """The other network's side of a connection we both hold changed."""
    uri, side = _fields(obj)
    connection = _held(network, peer, uri)
    if connection is None or connection.remote_side != side:
        return
    version = parse_time(obj.get("updated"), "updated")
    mirror = newer_version(network, peer, uri, "Connection", version)
    if mirror is None:
        return
    mirror.version = version
    mirror.save()
    person, contact = obj.get("person"), obj.get("contact")
    # Each Update carries the whole side and supersedes the earlier ones: their stored
    # copies keep no name or contact details, which a consent withdrawn since may no longer
    # allow (the connection holds what is current).
    forget_personal(
        InboxActivity.objects.filter(network=network, peer=peer, payload__object__id=uri).exclude(
            payload__object__updated=obj.get("updated")
        ),
        SHARED_BY_CONSENT,
    )
    agreement = obj.get("agreement")
    edited = parse_time(obj.get("agreementUpdated"), "agreementUpdated", required=False)
    core_connections.remote_connection_update(
        connection=connection,
        answer=_text(obj.get("answer"), 10),
        status=_text(obj.get("status"), 10),
        person=person if isinstance(person, dict) else None,
        contact=contact if isinstance(contact, dict) else None,
        network_email=_facilitators_email(obj),
    )
    core_exchanges.remote_exchange_update(
        connection=connection,
        agreement=agreement if isinstance(agreement, dict) else None,
        agreement_updated=edited,
        confirmed=bool(obj.get("agreementConfirmed")),
        done=obj.get("status") in (Connection.Status.DONE, Connection.Status.CLOSED),
    )


def is_connection_delete(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("formerType") == "Connection"


@transaction.atomic
def connection_delete_receive(*, network: Network, peer: Peer, obj: dict[str, Any]) -> None:
    """The other network's person left: erase all we hold about them, for good."""
    uri = obj.get("id")
    if not isinstance(uri, str):
        raise ActivityInvalid("A deleted connection needs its “id”.")
    connection = _held(network, peer, uri)
    if connection is None:
        return
    mirror = (
        MirroredObject.objects.select_for_update()
        .filter(network=network, uri=uri)
        .order_by()
        .first()
    )
    mirror = mirror or MirroredObject(network=network, peer=peer, uri=uri, type="Connection")
    mirror.deleted_at = mirror.version = timezone.now()
    mirror.save()
    forget_personal(
        InboxActivity.objects.filter(network=network, peer=peer, payload__object__id=uri),
        PERSONAL_KEYS,
    )
    core_connections.remote_connection_erase(connection=connection)


def peer_connections_forget(peer: Peer) -> None:
    """Ending a peering: connections with its members stop, and what they shared is erased."""
    for connection in Connection.objects.filter(
        network=peer.network, remote_network_uri=peer.document_url
    ):
        core_connections.remote_connection_erase(connection=connection)

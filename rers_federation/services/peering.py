"""Peering: an allow-list of neighbouring networks, opened by a request that the other
side's coordinator accepts after checking the key fingerprint out of band.

A Follow is signed by a key of the document it carries, which anybody can make up for any
address: it is trusted to open a request only for a network we do not know yet. For a
network we know, the Follow must be signed with a key we already hold for it, so nobody
can take over a peering we asked for, nor swap the keys of a request waiting for our
coordinator; and accepting checks the fingerprint our coordinator compared.
"""

from __future__ import annotations

import uuid
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rers_core.errors import DomainError, ValidationFailed
from rers_core.models import Network
from rers_core.services._common import require_coordinator
from rers_federation import keys
from rers_federation.addresses import AddressRefused, origin
from rers_federation.documents import DocumentInvalid, network_document, verify_document
from rers_federation.models import Peer
from rers_federation.selectors import peer_for_address, peer_key_ids
from rers_federation.services.objects import peer_forget, relabel_copies
from rers_federation.signing import fingerprint, public_key_from_text
from rers_federation.transport import TransportError, read_json, transport

ACTIVITY_CONTEXT = "https://www.w3.org/ns/activitystreams"


class FollowRefused(Exception):
    """A peering request for a network we know, not signed with a key we hold for it."""


def activity_id(network: Network) -> str:
    return f"{keys.network_url(network)}activities/{uuid.uuid4()}"


def document_fingerprint(document: dict[str, Any]) -> str:
    """The fingerprint of the key that signed the document, for people to compare."""
    signer = next(k for k in document["publicKeys"] if k.get("id") == document["proof"]["keyId"])
    return fingerprint(public_key_from_text(signer["publicKey"]))


def fetch_document(url: str) -> dict[str, Any]:
    """Fetch and check a neighbour's network document (outside any inbox request); it must
    be on the site of the address typed."""
    try:
        typed = origin(url)
    except AddressRefused as exc:
        if url.startswith("http://"):
            raise ValidationFailed(
                _("Neighbouring networks are reached over https://: check the address."),
                field="url",
            ) from exc
        raise ValidationFailed(
            _("Enter the address of the neighbouring network."), field="url"
        ) from exc
    try:
        reply = transport().request("GET", url, headers={"Accept": "application/activity+json"})
    except TransportError as exc:
        raise DomainError(_("The neighbouring network could not be reached: %s") % exc) from exc
    if reply.status != 200:
        raise DomainError(_("The neighbouring network answered %d.") % reply.status)
    try:
        document = verify_document(read_json(reply.body))
        if origin(document["id"]) != typed:
            raise DocumentInvalid("The document's id is not on the site it was fetched from.")
    except (ValueError, DocumentInvalid) as exc:
        raise DomainError(_("This address does not give a valid network document.")) from exc
    return document


def usable_keys(entries: Any) -> dict[str, Ed25519PublicKey]:
    """Key id → public key of a peer's (or a document's) key list, expired and unreadable
    keys left out."""
    now = timezone.now().isoformat()
    found: dict[str, Ed25519PublicKey] = {}
    for key in entries if isinstance(entries, list) else []:
        if not isinstance(key, dict) or not isinstance(key.get("id"), str):
            continue
        if key.get("expires") and str(key["expires"]) < now:
            continue
        try:
            found[key["id"]] = public_key_from_text(key.get("publicKey"))
        except (TypeError, ValueError):
            continue
    return found


def _check_keys_unclaimed(network: Network, document: dict[str, Any]) -> None:
    """Refuse a document listing a key id we already hold for another network: a key id
    names one key of one network, and signatures are checked by key id."""
    listed = {k.get("id") for k in document["publicKeys"] if isinstance(k, dict)}
    if listed & peer_key_ids(network, excluding=document["id"]):
        raise DocumentInvalid("A key id of this document belongs to another network known here.")


def follow_signing_keys(
    *, network: Network, document: dict[str, Any]
) -> tuple[Peer | None, dict[str, Ed25519PublicKey]]:
    """The peer we know at the document's address, if any, and the keys a Follow carrying
    ``document`` may be signed with: those we already hold for that network when we know
    it (its own document cannot vouch for new ones), else the document's."""
    if document["id"] == keys.network_url(network):
        raise DocumentInvalid("This is the address of this very network.")
    peer = peer_for_address(network, document["id"])
    if peer is not None:
        return peer, usable_keys(peer.keys)
    _check_keys_unclaimed(network, document)
    return None, usable_keys(document["publicKeys"])


def _fill(peer: Peer, document: dict[str, Any]) -> None:
    """Take the name, addresses and keys of a document we trust to speak for ``peer``."""
    _check_keys_unclaimed(peer.network, document)
    peer.document_url = document["id"]
    peer.name = str(document["name"])[:200]
    peer.city = str(document.get("city") or "")[:120]
    for field in ("latitude", "longitude"):
        value = document.get(field)
        setattr(peer, field, None if value in (None, "") else value)
    peer.inbox_url = document["inbox"]
    peer.outbox_url = document.get("outbox") or ""
    peer.keys = [
        {"id": k.get("id"), "publicKey": k.get("publicKey"), "expires": k.get("expires")}
        for k in document["publicKeys"]
        if isinstance(k, dict)
    ]
    peer.fingerprint = document_fingerprint(document)


def _send(peer: Peer, activity: dict[str, Any], *, key_id: str = "") -> None:
    from rers_federation.services.delivery import publish

    publish(network=peer.network, activity=activity, peers=[peer], key_id=key_id)


@transaction.atomic
def peer_request(*, network: Network, url: str, acting) -> Peer:
    """Ask a neighbouring network to peer: record it as requested and send a signed Follow
    carrying our own signed network document."""
    require_coordinator(acting, network)
    document = fetch_document(url)
    if document["id"] == keys.network_url(network):
        raise ValidationFailed(_("This is the address of this very network."), field="url")
    peer = (
        Peer.objects.select_for_update()
        .filter(network=network, document_url=document["id"])
        .order_by()
        .first()
    )
    if peer is not None and peer.status in (Peer.Status.ACTIVE, Peer.Status.SUSPENDED):
        raise DomainError(_("This network is already a peer."))
    if peer is not None and peer.status == Peer.Status.PENDING:
        raise DomainError(_("They already asked to peer: accept their request instead."))
    peer = peer or Peer(network=network, status=Peer.Status.REQUESTED)
    if peer.pk and peer.status != Peer.Status.REQUESTED:
        peer.transition(Peer.Status.REQUESTED)
    try:
        _fill(peer, document)
    except DocumentInvalid as exc:
        raise DomainError(_("This address does not give a valid network document.")) from exc
    peer.follow_id = activity_id(network)
    peer.save()
    _send(
        peer,
        {
            "@context": ACTIVITY_CONTEXT,
            "id": peer.follow_id,
            "type": "Follow",
            "actor": keys.network_url(network),
            "object": peer.document_url,
            "actorDocument": network_document(network),
        },
    )
    return peer


@transaction.atomic
def receive_follow(
    *, network: Network, document: dict[str, Any], activity: dict[str, Any], key_id: str
) -> Peer:
    """A neighbour asks to peer, in a Follow whose document verified and whose signature
    by ``key_id`` verified with a key of :func:`follow_signing_keys`. A network we know
    must have signed with a key we hold for it (:class:`FollowRefused` otherwise); an
    unknown one becomes a request our coordinator accepts after comparing fingerprints."""
    if document["id"] == keys.network_url(network):
        raise DocumentInvalid("This is the address of this very network.")
    peer = (
        Peer.objects.select_for_update()
        .filter(network=network, document_url=document["id"])
        .order_by()
        .first()
    )
    if peer is not None and key_id not in usable_keys(peer.keys):
        # Checked again here: the row may have appeared since the signature was checked.
        raise FollowRefused("This network is known here: sign with a key it uses with us.")
    if peer is not None and peer.status in (Peer.Status.ACTIVE, Peer.Status.SUSPENDED):
        return peer
    if peer is not None and peer.status == Peer.Status.REQUESTED:
        # Both asked at once: their request, signed with a key of the document we fetched
        # from their site, answers ours.
        _fill(peer, document)
        peer.transition(Peer.Status.ACTIVE)
        peer.save()
        _answer(peer, "Accept", activity["id"])
        return peer
    peer = peer or Peer(network=network, status=Peer.Status.PENDING)
    if peer.pk and peer.status != Peer.Status.PENDING:
        peer.transition(Peer.Status.PENDING)
    _fill(peer, document)
    peer.follow_id = activity["id"]
    peer.save()
    return peer


def _answer(peer: Peer, kind: str, follow_id: str) -> None:
    _send(
        peer,
        {
            "@context": ACTIVITY_CONTEXT,
            "id": activity_id(peer.network),
            "type": kind,
            "actor": keys.network_url(peer.network),
            "object": follow_id,
        },
    )


def _same_fingerprint(shown: str, current: str) -> bool:
    return " ".join(shown.split()).upper() == " ".join(current.split()).upper()


@transaction.atomic
def peer_accept(*, peer: Peer, acting, fingerprint: str) -> Peer:
    """Our coordinator accepts a neighbour's request, having compared ``fingerprint`` (the
    one their page showed) with the neighbour's coordinator: refused if the request's key
    changed since."""
    require_coordinator(acting, peer.network)
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    if peer.status != Peer.Status.PENDING:
        raise DomainError(_("There is no request from this network to answer."))
    if not _same_fingerprint(fingerprint, peer.fingerprint):
        raise DomainError(
            _(
                "The key of this network changed since the page was shown: compare the new "
                "fingerprint with their coordinator before accepting."
            )
        )
    try:
        _check_keys_unclaimed(peer.network, {"id": peer.document_url, "publicKeys": peer.keys})
    except DocumentInvalid as exc:
        raise DomainError(
            _(
                "A key of this network is already used by another neighbouring network: "
                "this request cannot be accepted."
            )
        ) from exc
    peer.transition(Peer.Status.ACTIVE)
    peer.save()
    _answer(peer, "Accept", peer.follow_id)
    return peer


@transaction.atomic
def peer_reject(*, peer: Peer, acting) -> Peer:
    require_coordinator(acting, peer.network)
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    if peer.status != Peer.Status.PENDING:
        raise DomainError(_("There is no request from this network to answer."))
    peer.transition(Peer.Status.REJECTED)
    peer.save()
    _answer(peer, "Reject", peer.follow_id)
    return peer


@transaction.atomic
def receive_answer(*, peer: Peer, activity: dict[str, Any]) -> Peer:
    """Their Accept or Reject of our request; anything about another request is ignored."""
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    if peer.status != Peer.Status.REQUESTED or activity.get("object") != peer.follow_id:
        return peer
    peer.transition(Peer.Status.ACTIVE if activity["type"] == "Accept" else Peer.Status.REJECTED)
    peer.save()
    return peer


@transaction.atomic
def peer_suspend(*, peer: Peer, acting) -> Peer:
    """Pause the peering on our side; nothing is sent or accepted until resumed."""
    require_coordinator(acting, peer.network)
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    peer.transition(Peer.Status.SUSPENDED)
    peer.save()
    return peer


@transaction.atomic
def peer_resume(*, peer: Peer, acting) -> Peer:
    require_coordinator(acting, peer.network)
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    peer.transition(Peer.Status.ACTIVE)
    peer.save()
    return peer


@transaction.atomic
def peer_end(*, peer: Peer, acting) -> Peer:
    """End the peering and tell the neighbour (an Undo of the Follow)."""
    require_coordinator(acting, peer.network)
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    if peer.status == Peer.Status.ENDED:
        return peer
    peer.transition(Peer.Status.ENDED)
    peer.save()
    peer_forget(peer)
    _send(
        peer,
        {
            "@context": ACTIVITY_CONTEXT,
            "id": activity_id(peer.network),
            "type": "Undo",
            "actor": keys.network_url(peer.network),
            "object": {"type": "Follow", "id": peer.follow_id},
        },
    )
    return peer


@transaction.atomic
def receive_undo(*, peer: Peer, activity: dict[str, Any]) -> Peer:
    """The neighbour ended the peering."""
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    if peer.status != Peer.Status.ENDED and peer.can_transition(Peer.Status.ENDED):
        peer.transition(Peer.Status.ENDED)
        peer.save()
        peer_forget(peer)
    return peer


def network_document_publish(network: Network, *, key_id: str = "") -> None:
    """Send our current network document to every active peer, in an Update signed with
    ``key_id`` (default: the current key)."""
    update = {
        "@context": ACTIVITY_CONTEXT,
        "type": "Update",
        "actor": keys.network_url(network),
        "object": network_document(network),
    }
    for peer in Peer.objects.filter(network=network, status=Peer.Status.ACTIVE):
        _send(peer, {**update, "id": activity_id(network)}, key_id=key_id)


def on_network_changed(sender, *, network: Network, **kwargs: Any) -> None:
    network_document_publish(network)


@transaction.atomic
def network_key_rotate(*, network: Network, acting) -> None:
    """Start a new key pair and tell every active peer, in an Update carrying the new
    document and signed with the old key, which they already trust."""
    require_coordinator(acting, network)
    old = keys.current_key(network)
    keys.rotate(network)
    network_document_publish(network, key_id=old.key_id)


@transaction.atomic
def receive_update(*, peer: Peer, activity: dict[str, Any]) -> Peer:
    """A peer's new network document (new keys, new name or place)."""
    document = verify_document(activity.get("object"))
    if document["id"] != peer.document_url:
        raise DocumentInvalid("The document is not the peer's own.")
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    _fill(peer, document)
    peer.save()
    relabel_copies(peer)
    return peer

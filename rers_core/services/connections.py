"""Writes on connections (mises en relation): proposal, each person's consent, relay, expiry."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rers_core import permissions
from rers_core.conf import core_settings
from rers_core.errors import DomainError, NotAllowed, ValidationFailed
from rers_core.models import (
    AuditEntry,
    Connection,
    ContactConsent,
    Exchange,
    Listing,
    Member,
    Notification,
)
from rers_core.services._common import is_instance_admin, require_facilitator
from rers_core.services.audit import audit_record
from rers_core.services.notifications import notify
from rers_core.signals import connection_changed

Side = str  # "requester" or "offerer"
CONTACT_KEYS = ("email", "phone", "link")


def _other(side: Side) -> Side:
    return "offerer" if side == "requester" else "requester"


def _notify_party(kind: str, connection: Connection, side: Side) -> None:
    """Tell our member on ``side``; the neighbouring network tells its own."""
    person = connection.party(side)
    if person is not None and side != connection.remote_side:
        notify(kind, person, connection.pk)


def announce(connection: Connection) -> None:
    """Let the federation tell the other network about a connection across networks."""
    if connection.is_cross_network:
        connection_changed.send(sender=Connection, connection=connection)


def _acting_side(connection: Connection, acting, side: Side | None) -> Side:
    """The side ``acting`` answers for: their own, or the one a facilitator names."""
    own = connection.side_of(permissions.membership(acting, connection.network_id))
    if own is not None and side in (None, own):
        return own
    if side in ("requester", "offerer") and (
        acting is None
        or is_instance_admin(acting)
        or permissions.is_facilitator(acting, connection.network_id)
    ):
        return side
    facilitating = (
        acting is None
        or is_instance_admin(acting)
        or permissions.is_facilitator(acting, connection.network_id)
    )
    if facilitating or side not in (None, "requester", "offerer"):
        raise ValidationFailed(
            _("Say whether you answer for the requester or the offerer."), field="side"
        )
    raise NotAllowed(_("Only the two people concerned, or a facilitator, can answer."))


def _open_listing(listing: Listing | None, direction: str, network_id: int | None) -> None:
    if listing is None:
        return
    if listing.direction != direction:
        field = "request" if direction == Listing.Direction.REQUEST else "offer"
        raise ValidationFailed(
            _("This listing is not an offer.")
            if direction == Listing.Direction.OFFER
            else _("This listing is not a request."),
            field=field,
        )
    if listing.status != Listing.Status.OPEN:
        raise DomainError(_("“%s” is no longer open.") % listing.title)
    if network_id is not None and listing.network_id != network_id:
        raise DomainError(_("Both listings must belong to the same network."))


@transaction.atomic
def connection_propose(
    *,
    acting,
    request: Listing | None = None,
    offer: Listing | None = None,
    requester: Member | None = None,
    offerer: Member | None = None,
    message: str = "",
) -> Connection:
    """Propose putting a requester and an offerer in contact.

    Give a request, an offer, or both; the missing person is the acting member (a member
    answering a request with their own know-how, or asking an offer's author directly).
    The proposer's own agreement is recorded at once, as their informed consent; the
    other person (both, when a facilitator proposes) is asked. A pair already in contact,
    or that one of them declined, is refused.
    """
    if request is None and offer is None:
        raise ValidationFailed(_("Choose a request or an offer."), field="offer")
    network = (request or offer).network
    _open_listing(request, Listing.Direction.REQUEST, network.pk)
    _open_listing(offer, Listing.Direction.OFFER, network.pk)
    remote_side = _remote_side(request, offer)
    acting_member = permissions.membership(acting, network)
    requester = request.member if request is not None else requester or acting_member
    offerer = offer.member if offer is not None else offerer or acting_member
    for side, person in (("requester", requester), ("offerer", offerer)):
        if side == remote_side:
            continue
        if person is None:
            raise ValidationFailed(_("Say who the connection is between."), field="offer")
        if person.network_id != network.pk or person.status != Member.Status.MEMBER:
            raise DomainError(_("Both people must be members of this network."))
    if requester is not None and offerer is not None and requester.pk == offerer.pk:
        raise DomainError(_("A connection needs two different people."))

    if acting_member is not None and acting_member == requester:
        proposer = Connection.Proposer.REQUESTER
    elif acting_member is not None and acting_member == offerer:
        proposer = Connection.Proposer.OFFERER
    else:
        require_facilitator(acting, network)
        proposer = Connection.Proposer.FACILITATOR

    # The same two people about the same listing, whether or not the other side was named.
    earlier = Connection.objects.filter(requester=requester, offerer=offerer)
    if request is not None:
        earlier = earlier.filter(Q(request=request) | Q(request__isnull=True))
    if offer is not None:
        earlier = earlier.filter(Q(offer=offer) | Q(offer__isnull=True))
    if remote_side:  # the person over there is known only by their listing
        earlier = earlier.filter(**{_LISTING_OF[remote_side]: request or offer})
    if earlier.filter(status__in=Connection.ACTIVE).exists():
        raise DomainError(_("These two people are already being put in contact about this."))
    if earlier.filter(status=Connection.Status.DECLINED).exists():
        raise DomainError(_("This connection was declined before; it will not be proposed again."))

    now = timezone.now()
    connection = Connection(
        network=network,
        request=request,
        offer=offer,
        requester=requester,
        offerer=offerer,
        proposed_by=proposer,
        proposed_by_user=acting if acting is not None and acting.is_authenticated else None,
        message=(message or "").strip(),
        expires_at=now + timedelta(days=core_settings.CONNECTION_EXPIRY_DAYS),
    )
    if remote_side:
        theirs = request if remote_side == "requester" else offer
        connection.remote_side = remote_side
        connection.remote_network_name = theirs.origin_name
        connection.remote_listing_title = theirs.title
    if proposer == Connection.Proposer.REQUESTER:
        connection.requester_answer, connection.requester_answered_at = (
            Connection.Answer.ACCEPTED,
            now,
        )
    elif proposer == Connection.Proposer.OFFERER:
        connection.offerer_answer, connection.offerer_answered_at = Connection.Answer.ACCEPTED, now
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError as exc:
        raise DomainError(
            _("These two people are already being put in contact about this.")
        ) from exc
    for side in ("requester", "offerer"):
        if getattr(connection, f"{side}_answer") == Connection.Answer.PENDING:
            _notify_party(Notification.Kind.CONNECTION_PROPOSED, connection, side)
    announce(connection)
    return connection


_LISTING_OF = {"requester": "request", "offerer": "offer"}


def _remote_side(request: Listing | None, offer: Listing | None) -> Side:
    """The side of a neighbouring network's listing, if one is chosen ("" when none)."""
    mirrored = [
        listing for listing in (request, offer) if listing is not None and listing.is_mirrored
    ]
    if len(mirrored) == 2:
        raise DomainError(
            _("Both listings belong to neighbouring networks: one must be of this network.")
        )
    if not mirrored:
        return ""
    return "requester" if mirrored[0] is request else "offerer"


@transaction.atomic
def connection_answer(
    *, connection: Connection, accept: bool, acting, side: Side | None = None
) -> Connection:
    """Record one person's answer: their informed consent to be put in contact, or not.

    A facilitator may record the answer someone gave them in person (``side``). When both
    have accepted, contact opens through the channels each consented to; where one only
    accepts contact through a facilitator, the facilitators are asked to relay.
    """
    connection = (
        Connection.objects.select_for_update(of=("self",))
        .select_related("requester", "offerer", "network")
        .get(pk=connection.pk)
    )
    side = _acting_side(connection, acting, side)
    if side == connection.remote_side:
        raise DomainError(
            _("This person answers through %(network)s, their own network.")
            % {"network": connection.remote_network_name}
        )
    if connection.status != Connection.Status.PROPOSED:
        raise DomainError(_("This connection is no longer waiting for answers."))
    if getattr(connection, f"{side}_answer") != Connection.Answer.PENDING:
        raise DomainError(_("This answer was already given."))
    now = timezone.now()
    answer = Connection.Answer.ACCEPTED if accept else Connection.Answer.DECLINED
    setattr(connection, f"{side}_answer", answer)
    setattr(connection, f"{side}_answered_at", now)
    _settle(connection, _other(side), now)
    connection.save()
    announce(connection)
    audit_record(
        acting=acting,
        action=AuditEntry.Action.ACTED_FOR,
        member=connection.party(side),
        network=connection.network,
        detail="connection_answer",
    )
    return connection


def _settle(connection: Connection, waiting_on: Side, now: datetime) -> None:
    """After an answer: declined, or accepted by both (contact opens), or still waiting on
    ``waiting_on``. The caller holds the row lock and saves."""
    answers = {connection.requester_answer, connection.offerer_answer}
    if Connection.Answer.DECLINED in answers:
        connection.transition(Connection.Status.DECLINED)
        _notify_party(Notification.Kind.CONNECTION_DECLINED, connection, waiting_on)
    elif answers == {Connection.Answer.ACCEPTED}:
        connection.transition(Connection.Status.ACCEPTED)
        _ask_relay_if_needed(connection, now)
        for side in ("requester", "offerer"):
            _notify_party(Notification.Kind.CONNECTION_ACCEPTED, connection, side)


def _ask_relay_if_needed(connection: Connection, now: datetime) -> None:
    if connection.relay_requested_at is None and needs_relay(connection):
        connection.relay_requested_at = now
        for facilitator in _facilitators(connection.network_id):
            notify(Notification.Kind.RELAY_REQUESTED, facilitator, connection.pk)


def direct_channels(member: Member, audience: str = ContactConsent.Audience.NETWORK) -> set[str]:
    """Channels through which ``member`` accepts to be contacted directly by ``audience``."""
    channels = set(
        ContactConsent.objects.filter(
            member=member, audience=audience, revoked_at__isnull=True
        ).values_list("channel", flat=True)
    )
    return channels - {ContactConsent.Channel.VIA_FACILITATOR}


def needs_relay(connection: Connection) -> bool:
    """True when one of the two gave no direct channel: a facilitator passes messages on.

    Across networks, our member's choices for neighbouring networks count, and the other
    network tells whether its member wants a facilitator in between (the facilitators of
    both networks then relay)."""
    if not connection.is_cross_network:
        return any(not direct_channels(p) for p in (connection.requester, connection.offerer))
    ours = connection.party(_other(connection.remote_side))
    return not direct_channels(ours, ContactConsent.Audience.FEDERATED) or bool(
        connection.remote_contact.get("throughFacilitator")
    )


def _facilitators(network_id: int) -> list[Member]:
    return [
        m
        for m in Member.objects.filter(network_id=network_id, status=Member.Status.MEMBER).exclude(
            role=Member.Role.MEMBER
        )
    ]


@transaction.atomic
def connection_mark_relayed(*, connection: Connection, acting) -> Connection:
    """A facilitator records that they passed the two people's messages on."""
    require_facilitator(acting, connection.network)
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    if connection.status not in Connection.CONTACT_OPEN:
        raise DomainError(_("Both people must accept before a facilitator relays."))
    if connection.relayed_at is None:
        connection.relayed_at = timezone.now()
        connection.save(update_fields=["relayed_at", "updated_at"])
    return connection


@transaction.atomic
def connection_cancel(*, connection: Connection, acting) -> Connection:
    """Either person, or a facilitator, stops a connection before its exchange is done."""
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    own = connection.side_of(permissions.membership(acting, connection.network_id))
    if own is None:
        require_facilitator(acting, connection.network)
    if connection.status == Connection.Status.CANCELLED:
        return connection
    stop_connection(connection)
    return connection


def stop_connection(connection: Connection) -> None:
    """Cancel a connection and the exchange started from it (callers hold the row lock)."""
    connection.transition(Connection.Status.CANCELLED)
    connection.save(update_fields=["status", "updated_at"])
    started = Exchange.objects.select_for_update().filter(
        connection=connection, status__in=[Exchange.Status.DRAFT, Exchange.Status.AGREED]
    )
    for exchange in started:
        exchange.transition(Exchange.Status.CANCELLED)
        exchange.save(update_fields=["status"])
    announce(connection)


@transaction.atomic
def connection_expire_due(*, now: datetime | None = None, network_id: int | None = None) -> int:
    """Expire proposals nobody answered in time (Celery beat; running it twice is harmless).

    ``network_id`` keeps it to one network's (the demo data, seeded beside real networks,
    expires one of its own proposals ahead of time).
    """
    now = now or timezone.now()
    due = Connection.objects.select_for_update(skip_locked=True).filter(
        status=Connection.Status.PROPOSED, expires_at__lte=now
    )
    if network_id is not None:
        due = due.filter(network_id=network_id)
    count = 0
    for connection in due:
        connection.transition(Connection.Status.EXPIRED)
        connection.save(update_fields=["status", "updated_at"])
        announce(connection)
        count += 1
    return count


# --- connections across networks: what the other network tells us --------------------


@transaction.atomic
def remote_connection_open(
    *,
    listing: Listing,
    remote_side: Side,
    federation_uri: str,
    network_name: str,
    network_uri: str,
    network_email: str = "",
    person_name: str = "",
    presentation: str = "",
    listing_title: str = "",
    message: str = "",
    remote_accepted: bool = False,
) -> Connection:
    """A neighbouring network asks to put one of its members in contact with the author of
    ``listing``, one of ours. The person over there already accepted when they asked
    themselves (their facilitators may also propose it, and they answer later); our member
    is asked. Receiving the same request twice returns the same connection."""
    existing = Connection.objects.filter(
        network=listing.network, federation_uri=federation_uri
    ).first()
    if existing is not None:
        return existing
    local_side = _other(remote_side)
    direction = Listing.Direction.OFFER if local_side == "offerer" else Listing.Direction.REQUEST
    if listing.is_mirrored or listing.member is None:
        raise DomainError(_("This listing is not one of this network's."))
    _open_listing(listing, direction, listing.network_id)
    if listing.member.status != Member.Status.MEMBER:
        raise DomainError(_("“%s” is no longer open.") % listing.title)
    now = timezone.now()
    connection = Connection(
        network=listing.network,
        proposed_by=remote_side if remote_accepted else Connection.Proposer.FACILITATOR,
        message=message.strip(),
        expires_at=now + timedelta(days=core_settings.CONNECTION_EXPIRY_DAYS),
        federation_uri=federation_uri,
        remote_side=remote_side,
        remote_network_name=network_name,
        remote_network_uri=network_uri,
        remote_network_email=network_email,
        remote_name=person_name,
        remote_presentation=presentation,
        remote_listing_title=listing_title,
    )
    setattr(connection, _LISTING_OF[local_side], listing)
    setattr(connection, local_side, listing.member)
    if remote_accepted:
        setattr(connection, f"{remote_side}_answer", Connection.Answer.ACCEPTED)
        setattr(connection, f"{remote_side}_answered_at", now)
    connection.save()
    _notify_party(Notification.Kind.CONNECTION_PROPOSED, connection, local_side)
    return connection


@transaction.atomic
def remote_connection_update(
    *,
    connection: Connection,
    answer: str = "",
    status: str = "",
    person: dict | None = None,
    contact: dict | None = None,
    network_email: str = "",
) -> Connection:
    """Apply what the other network says of its side: its person's answer, a cancellation
    or expiry, the name and presentation they share, their contact details once both
    accepted, how to reach its facilitators. Each Update carries the whole side, so a
    missing ``person`` or ``contact`` erases what we held (the person withdrew that
    consent). Changes that follow here (both accepted, relay asked) are announced back."""
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    remote, now, changed = connection.remote_side, timezone.now(), False
    if network_email and network_email != connection.remote_network_email:
        connection.remote_network_email, changed = network_email, True
    person = person or {}
    name = str(person.get("name") or "")[:150]
    presentation = str(person.get("presentation") or "")
    if (name, presentation) != (connection.remote_name, connection.remote_presentation):
        connection.remote_name, connection.remote_presentation = name, presentation
        changed = True
    if (
        connection.status == Connection.Status.PROPOSED
        and answer in (Connection.Answer.ACCEPTED, Connection.Answer.DECLINED)
        and getattr(connection, f"{remote}_answer") == Connection.Answer.PENDING
    ):
        setattr(connection, f"{remote}_answer", answer)
        setattr(connection, f"{remote}_answered_at", now)
        _settle(connection, _other(remote), now)
        changed = True
    if contact is None and connection.remote_contact:
        connection.remote_contact, changed = {}, True
    elif contact is not None and connection.status in Connection.CONTACT_OPEN:
        cleaned = {key: str(contact[key])[:300] for key in CONTACT_KEYS if contact.get(key)}
        cleaned["throughFacilitator"] = bool(contact.get("throughFacilitator")) or not any(
            cleaned.get(key) for key in CONTACT_KEYS
        )
        if cleaned != connection.remote_contact:
            connection.remote_contact = cleaned
            _ask_relay_if_needed(connection, now)
            changed = True
    if changed:
        connection.save()
    if status in (Connection.Status.CANCELLED, Connection.Status.EXPIRED) and (
        connection.status != status and connection.can_transition(status)
    ):
        if status == Connection.Status.CANCELLED:
            stop_connection(connection)
        else:
            connection.transition(status)
            connection.save(update_fields=["status", "updated_at"])
        changed = True
    if changed:
        announce(connection)
    return connection


@transaction.atomic
def remote_connection_erase(*, connection: Connection) -> None:
    """The other network's person left it, or the peering ended: stop the connection and
    erase what we hold about that person, including the free text written with them."""
    from rers_core.services.exchanges import erase_exchange_texts

    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    if connection.status in Connection.ACTIVE and connection.can_transition(
        Connection.Status.CANCELLED
    ):
        stop_connection(connection)
    Connection.objects.filter(pk=connection.pk).update(
        message="",
        remote_name="",
        remote_presentation="",
        remote_listing_title="",
        remote_contact={},
        remote_agreed_at=None,
    )
    erase_exchange_texts(Exchange.objects.filter(connection=connection))

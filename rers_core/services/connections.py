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
from rers_core.models import Connection, ContactConsent, Exchange, Listing, Member, Notification
from rers_core.services._common import is_instance_admin, require_facilitator
from rers_core.services.notifications import notify

Side = str  # "requester" or "offerer"


def _party(connection: Connection, side: Side) -> Member:
    return connection.requester if side == "requester" else connection.offerer


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
    if listing.is_mirrored:
        raise DomainError(
            _(
                "“%(title)s” belongs to %(network)s, a neighbouring network: "
                "connections across networks are not open yet."
            )
            % {"title": listing.title, "network": listing.origin_name}
        )
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
    acting_member = permissions.membership(acting, network)
    requester = request.member if request is not None else requester or acting_member
    offerer = offer.member if offer is not None else offerer or acting_member
    if requester is None or offerer is None:
        raise ValidationFailed(_("Say who the connection is between."), field="offer")
    for person in (requester, offerer):
        if person.network_id != network.pk or person.status != Member.Status.MEMBER:
            raise DomainError(_("Both people must be members of this network."))
    if requester.pk == offerer.pk:
        raise DomainError(_("A connection needs two different people."))

    if acting_member is not None and acting_member.pk == requester.pk:
        proposer = Connection.Proposer.REQUESTER
    elif acting_member is not None and acting_member.pk == offerer.pk:
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
            notify(Notification.Kind.CONNECTION_PROPOSED, _party(connection, side), connection.pk)
    return connection


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
        Connection.objects.select_for_update()
        .select_related("requester", "offerer", "network")
        .get(pk=connection.pk)
    )
    side = _acting_side(connection, acting, side)
    if connection.status != Connection.Status.PROPOSED:
        raise DomainError(_("This connection is no longer waiting for answers."))
    if getattr(connection, f"{side}_answer") != Connection.Answer.PENDING:
        raise DomainError(_("This answer was already given."))
    now = timezone.now()
    answer = Connection.Answer.ACCEPTED if accept else Connection.Answer.DECLINED
    setattr(connection, f"{side}_answer", answer)
    setattr(connection, f"{side}_answered_at", now)
    other = "offerer" if side == "requester" else "requester"
    if not accept:
        connection.transition(Connection.Status.DECLINED)
        connection.save()
        notify(Notification.Kind.CONNECTION_DECLINED, _party(connection, other), connection.pk)
        return connection
    if getattr(connection, f"{other}_answer") == Connection.Answer.ACCEPTED:
        connection.transition(Connection.Status.ACCEPTED)
        if needs_relay(connection):
            connection.relay_requested_at = now
            for facilitator in _facilitators(connection.network_id):
                notify(Notification.Kind.RELAY_REQUESTED, facilitator, connection.pk)
        for person in (connection.requester, connection.offerer):
            notify(Notification.Kind.CONNECTION_ACCEPTED, person, connection.pk)
    connection.save()
    return connection


def direct_channels(member: Member, audience: str = ContactConsent.Audience.NETWORK) -> set[str]:
    """Channels through which ``member`` accepts to be contacted directly by ``audience``."""
    channels = set(
        ContactConsent.objects.filter(
            member=member, audience=audience, revoked_at__isnull=True
        ).values_list("channel", flat=True)
    )
    return channels - {ContactConsent.Channel.VIA_FACILITATOR}


def needs_relay(connection: Connection) -> bool:
    """True when one of the two gave no direct channel: a facilitator passes messages on."""
    return any(not direct_channels(p) for p in (connection.requester, connection.offerer))


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


@transaction.atomic
def connection_expire_due(*, now: datetime | None = None) -> int:
    """Expire proposals nobody answered in time (Celery beat; running it twice is harmless)."""
    now = now or timezone.now()
    due = Connection.objects.select_for_update(skip_locked=True).filter(
        status=Connection.Status.PROPOSED, expires_at__lte=now
    )
    count = 0
    for connection in due:
        connection.transition(Connection.Status.EXPIRED)
        connection.save(update_fields=["status", "updated_at"])
        count += 1
    return count

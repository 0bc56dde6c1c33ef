"""Reads on connections and exchanges: lists, contact details by consent, reciprocity."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from rers_core import permissions
from rers_core.errors import NotFound
from rers_core.models import (
    Connection,
    ContactConsent,
    Exchange,
    Listing,
    Member,
    Network,
    Participant,
    Review,
)


def connection_list(network: Network, user) -> QuerySet[Connection]:
    """Facilitators see every connection of their network; members see their own."""
    qs = Connection.objects.filter(network=network).select_related(
        "requester", "offerer", "request", "offer", "network", "exchange"
    )
    if permissions.is_facilitator(user, network):
        return qs
    member = permissions.membership(user, network)
    if member is None:
        return qs.none()
    return qs.filter(Q(requester=member) | Q(offerer=member))


def connection_get(network: Network, user, connection_id: int | str) -> Connection:
    try:
        pk = int(connection_id)
    except (TypeError, ValueError):
        pk = None
    found = connection_list(network, user).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFound(_("There is no such connection in this network."))
    return found


@dataclass(frozen=True)
class ContactCard:
    """How to reach the other person of a connection, as far as they consented."""

    display_name: str
    email: str = ""
    phone: str = ""
    link: str = ""
    through_facilitator: bool = False
    scope: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.email or self.phone or self.link)


def contact_card(member: Member, audience: str = ContactConsent.Audience.NETWORK) -> ContactCard:
    """``member``'s contact details, limited to the channels they consented to for ``audience``.

    With no direct channel, or with "only through a facilitator", the card says so and a
    facilitator relays.
    """
    consents = {
        c.channel: c
        for c in ContactConsent.objects.filter(
            member=member, audience=audience, revoked_at__isnull=True
        )
    }
    email = member.email if ContactConsent.Channel.EMAIL in consents else ""
    phone = member.phone if ContactConsent.Channel.PHONE in consents else ""
    link = member.other_link if ContactConsent.Channel.LINK in consents else ""
    scopes = "; ".join(c.scope for c in consents.values() if c.scope)
    card = ContactCard(member.display_name, email, phone, link, scope=scopes)
    if card.is_empty or ContactConsent.Channel.VIA_FACILITATOR in consents:
        card = ContactCard(
            member.display_name, email, phone, link, through_facilitator=True, scope=scopes
        )
    return card


def contact_for(connection: Connection, user) -> ContactCard | None:
    """What ``user`` may see of the other person: nothing until both accepted.

    Facilitators of the network do not get a card here; they see members' details in the
    member pages of their own network.
    """
    if connection.status not in Connection.CONTACT_OPEN:
        return None
    side = connection.side_of(permissions.membership(user, connection.network_id))
    if side is None:
        return None
    if connection.is_cross_network:
        return remote_contact_card(connection)
    other = connection.offerer if side == "requester" else connection.requester
    if other.status == Member.Status.WITHDRAWN:
        return None
    return contact_card(other)


def remote_contact_card(connection: Connection) -> ContactCard | None:
    """The other network's person, as far as they consented for neighbouring networks;
    None until their network sent it, or once they left."""
    sent = connection.remote_contact
    if not sent:
        return None
    name = (
        connection.offerer_name
        if connection.remote_side == "offerer"
        else (connection.requester_name)
    )
    return ContactCard(
        name,
        email=sent.get("email", ""),
        phone=sent.get("phone", ""),
        link=sent.get("link", ""),
        through_facilitator=bool(sent.get("throughFacilitator")),
    )


def exchange_list(network: Network, user) -> QuerySet[Exchange]:
    qs = Exchange.objects.filter(network=network).prefetch_related("participants__member")
    qs = qs.select_related("agreement", "connection")
    if permissions.is_facilitator(user, network):
        return qs
    member = permissions.membership(user, network)
    if member is None:
        return qs.none()
    return qs.filter(participants__member=member).distinct()


def exchange_get(network: Network, user, exchange_id: int | str) -> Exchange:
    try:
        pk = int(exchange_id)
    except (TypeError, ValueError):
        pk = None
    found = exchange_list(network, user).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFound(_("There is no such exchange in this network."))
    return found


def review_list(network: Network) -> QuerySet[Review]:
    """Reviews of a network's exchanges: for facilitators only (callers check the role)."""
    return (
        Review.objects.filter(exchange__network=network)
        .select_related("exchange", "member")
        .order_by("-submitted_at", "-requested_at", "-id")
    )


@dataclass(frozen=True)
class Reciprocity:
    """Encouragement, never a balance: what a member offered, asked, gave and received."""

    offers: int
    requests: int
    gave: int
    received: int


def reciprocity(member: Member) -> Reciprocity:
    listings = Listing.objects.filter(member=member).aggregate(
        offers=Count("pk", filter=Q(direction=Listing.Direction.OFFER)),
        requests=Count("pk", filter=Q(direction=Listing.Direction.REQUEST)),
    )
    taken = Participant.objects.filter(member=member).exclude(
        exchange__status=Exchange.Status.CANCELLED
    )
    roles = taken.aggregate(
        gave=Count("pk", filter=Q(role=Participant.Role.GIVER)),
        received=Count("pk", filter=Q(role=Participant.Role.RECEIVER)),
    )
    return Reciprocity(listings["offers"], listings["requests"], roles["gave"], roles["received"])

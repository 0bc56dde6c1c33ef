"""Recording a demo network through the services, as its people and facilitators would.

Running it again reuses what exists: the network by its short name, people by email,
listings by external reference; the collective life (events, connections, exchanges,
testimonies) is recorded once, with the network's first events.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from django.db import transaction
from django.utils import timezone

from rers_core import permissions
from rers_core.demo.towns import PASSWORD, Gathering, Group, Link, Person, Town
from rers_core.errors import NotFound
from rers_core.models import Connection, Event, Exchange, Listing, Member, Network
from rers_core.selectors.listings import listing_by_external_ref
from rers_core.selectors.networks import network_get
from rers_core.services import connections as connection_services
from rers_core.services import events as event_services
from rers_core.services import exchanges as exchange_services
from rers_core.services import listings as listing_services
from rers_core.services import members as member_services
from rers_core.services import portal as portal_services
from rers_core.services.networks import network_create_or_update, network_delete


@dataclass(frozen=True)
class Seeded:
    network: Network
    created: bool
    people: int
    new_people: int
    listings: int
    new_listings: int
    deleted: dict[str, int] | None  # what --reset deleted first


def seed_town(town: Town, *, reset: bool = False) -> Seeded:
    """Create or complete the demo network ``town`` in one transaction."""
    with transaction.atomic():
        deleted = _delete(town.slug) if reset else None
        network, created = network_create_or_update(
            slug=town.slug, acting=None, **town.network_fields()
        )
        members, new_people = _people(network, town)
        new_listings = _listings(network, town, members)
        if not network.events.filter(origin_uri="").exists():
            _collective_life(network, town, members)
    return Seeded(
        network, created, len(members), new_people, len(town.listings), new_listings, deleted
    )


def _delete(slug: str) -> dict[str, int] | None:
    try:
        network = network_get(slug)
    except NotFound:
        return None
    return network_delete(network=network, acting=None)


# --- people and listings ------------------------------------------------------------------


def _people(network: Network, town: Town) -> tuple[dict[str, Member], int]:
    members: dict[str, Member] = {}
    new = 0
    for person in town.people:
        email = town.email(person.key)
        if person.visitor:
            member, joined = _visitor(network, person, email)
        else:
            enrolment = member_services.member_enrol(
                network=network,
                email=email,
                role=person.role,
                display_name=person.display_name,
                # Demo accounts get the documented password back on every run.
                password=PASSWORD if person.demo_account else None,
                acting=None,
            )
            member, joined = enrolment.member, enrolment.joined
        if joined:
            new += 1
            member = _profile(member, person)
        members[person.key] = member
    return members, new


def _visitor(network: Network, person: Person, email: str) -> tuple[Member, bool]:
    user = member_services.user_for_email(email)
    existing = permissions.membership(user, network) if user is not None else None
    if existing is not None:
        return existing, False
    member = member_services.member_register(
        network=network, email=email, display_name=person.display_name, acting=None
    )
    return member, True


def _profile(member: Member, person: Person) -> Member:
    member = member_services.member_update_profile(
        member=member,
        presentation=person.presentation,
        phone=person.phone,
        other_link=person.other_link,
        acting=None,
    )
    if person.consents:
        member_services.consent_set(
            member=member, choices=person.consents, scope=person.consent_scope, acting=None
        )
    return member


def _listings(network: Network, town: Town, members: dict[str, Member]) -> int:
    new = 0
    for row in town.listings:
        (ref, owner, direction, kind, domain, title, description, ways, setting,
         availability, visibility, status) = row  # fmt: skip
        if listing_by_external_ref(network, ref) is not None:
            continue
        listing = listing_services.listing_create(
            member=members[owner],
            direction=direction,
            kind=kind,
            domain=domain,
            title=title,
            description=description,
            one_to_one="o" in ways,
            group="g" in ways,
            practice_exchange="p" in ways,
            setting=setting,
            availability=availability,
            visibility=visibility,
            external_ref=ref,
            acting=None,
        )
        if status == Listing.Status.PAUSED:
            listing_services.listing_pause(listing=listing, acting=None)
        elif status == Listing.Status.CLOSED:
            listing_services.listing_close(listing=listing, acting=None)
        new += 1
    return new


# --- collective life ----------------------------------------------------------------------


def _collective_life(network: Network, town: Town, members: dict[str, Member]) -> None:
    facilitator = members["animatrice"]
    tz = zoneinfo.ZoneInfo(network.timezone)
    today = timezone.localdate(timezone=tz)
    for gathering in town.gatherings:
        _gathering(network, gathering, members, facilitator, today, tz)
    # Proposals expire all at once (as the beat task does): expired ones come first, while
    # they are the only ones waiting.
    for link in sorted(town.links, key=lambda link: link.stage != "expired"):
        _link(network, link, members, facilitator, today, tz)
    for group in town.groups:
        _group(network, group, members, facilitator)


def _start(gathering: Gathering, today: date, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    if gathering.months is None:
        day = today - timedelta(days=today.weekday())
    else:
        day = today.replace(day=1) + relativedelta(months=gathering.months)
    day += timedelta(days=gathering.day)
    start_hour, end_hour = gathering.hours
    starts_at = datetime.combine(day, time(start_hour), tzinfo=tz)
    if gathering.rrule:
        # The first sitting is the rule's first occurrence, as a calendar would have it.
        first = rrulestr(gathering.rrule, dtstart=starts_at.replace(tzinfo=None))[0]
        starts_at = first.replace(tzinfo=tz)
    return starts_at, starts_at + timedelta(hours=end_hour - start_hour)


def _gathering(
    network: Network,
    gathering: Gathering,
    members: dict[str, Member],
    facilitator: Member,
    today: date,
    tz: zoneinfo.ZoneInfo,
) -> Event:
    starts_at, ends_at = _start(gathering, today, tz)
    event = event_services.event_create(
        network=network,
        kind=gathering.kind,
        title=gathering.title,
        description=gathering.description,
        place=gathering.place,
        starts_at=starts_at,
        ends_at=ends_at,
        rrule=gathering.rrule,
        capacity=gathering.capacity,
        visibility=gathering.visibility,
        facilitators=[facilitator] if gathering.facilitated else None,
        acting=None,
    )
    for key in gathering.registrants:
        event_services.registration_create(
            event=event, original_start=event.starts_at, member=members[key], acting=None
        )
    if gathering.news is not None:
        title, text = gathering.news
        portal_services.news_publish(
            network=network, title=title, text=text, event=event, acting=None
        )
    for said in gathering.testimonies:
        testimony = event_services.testimony_record(
            network=network,
            author=members[said.author],
            event=event,
            text=said.text,
            publication=said.publication,
            first_name=said.first_name,
            acting=facilitator.user,
        )
        if said.featured:
            event_services.testimony_feature(testimony=testimony, featured=True, acting=None)
    return event


def _link(
    network: Network,
    link: Link,
    members: dict[str, Member],
    facilitator: Member,
    today: date,
    tz: zoneinfo.ZoneInfo,
) -> Connection:
    request = listing_by_external_ref(network, link.request)
    offer = listing_by_external_ref(network, link.offer)
    people = {"requester": request.member, "offerer": offer.member, "facilitator": facilitator}
    connection = connection_services.connection_propose(
        request=request,
        offer=offer,
        acting=people[link.proposer].user,
        message=link.message,
    )
    if link.stage == "proposed":
        return connection
    if link.stage == "expired":
        connection_services.connection_expire_due(now=connection.expires_at, network_id=network.pk)
        return connection
    for side in ("offerer", "requester"):
        if getattr(connection, f"{side}_answer") != Connection.Answer.PENDING:
            continue
        accept = link.stage != "declined"
        connection = connection_services.connection_answer(
            connection=connection, accept=accept, acting=people[side].user
        )
        if not accept:
            return connection
    if link.stage == "cancelled":
        return connection_services.connection_cancel(
            connection=connection, acting=people["requester"].user
        )
    if link.stage == "accepted":
        return connection
    exchange = exchange_services.exchange_from_connection(
        connection=connection, acting=people["requester"].user
    )
    exchange_services.agreement_update(
        exchange=exchange, acting=people["offerer"].user, **link.agreement
    )
    for side in ("offerer", "requester"):
        exchange_services.agreement_confirm(exchange=exchange, acting=people[side].user)
    if link.stage != "agreed":
        _took_place(exchange, facilitator, today, tz, link.reviews, members)
    connection.refresh_from_db()
    return connection


def _took_place(
    exchange: Exchange,
    facilitator: Member,
    today: date,
    tz: zoneinfo.ZoneInfo,
    reviews: dict[str, dict[str, str]],
    members: dict[str, Member],
) -> None:
    """The exchange met last week, is marked done, and the named people give their reviews."""
    last_week = datetime.combine(today - timedelta(days=7), time(14), tzinfo=tz)
    exchange_services.session_add(
        exchange=exchange, starts_at=last_week, acting=facilitator.user, note="Première séance."
    )
    exchange_services.exchange_complete(exchange=exchange, acting=facilitator.user)
    for key, answers in reviews.items():
        exchange_services.review_submit(exchange=exchange, acting=members[key].user, **answers)


def _group(network: Network, group: Group, members: dict[str, Member], facilitator: Member) -> None:
    exchange = exchange_services.exchange_create(
        network=network,
        kind=group.kind,
        title=group.title,
        givers=[members[key] for key in group.givers],
        receivers=[members[key] for key in group.receivers],
        acting=facilitator.user,
    )
    exchange_services.agreement_update(
        exchange=exchange, acting=facilitator.user, **group.agreement
    )
    for key in (*group.givers, *group.receivers):
        exchange_services.agreement_confirm(exchange=exchange, acting=members[key].user)
    tz = zoneinfo.ZoneInfo(network.timezone)
    _took_place(exchange, facilitator, timezone.localdate(timezone=tz), tz, group.reviews, members)

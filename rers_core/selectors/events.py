"""Reads on events: occurrences in a date range, registrations, testimonies, news, resources."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rers_core import permissions
from rers_core.errors import NotFound
from rers_core.models import (
    Event,
    EventException,
    Member,
    Network,
    NewsPost,
    Registration,
    Resource,
    Testimony,
)
from rers_core.recurrence import local_rule


@dataclass(frozen=True)
class Occurrence:
    """One sitting of an event. ``original_start`` identifies it (iCalendar's RECURRENCE-ID)
    even when it was moved."""

    event: Event
    original_start: datetime
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False
    moved: bool = False
    note: str = ""
    confirmed: int = 0
    waitlisted: int = 0

    @property
    def seats_left(self) -> int | None:
        """Free seats; None without a limit, and for a neighbouring network's event, whose
        seats only its organiser counts."""
        if self.event.capacity is None or self.event.is_mirrored:
            return None
        return max(self.event.capacity - self.confirmed, 0)

    @property
    def organiser(self) -> str:
        return organiser_label(self.event)

    @property
    def key(self) -> str:
        """The occurrence in URLs: its planned start in UTC, ``YYYYMMDDTHHMMSSZ``."""
        return occurrence_key(self.original_start)


def occurrence_key(moment: datetime) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


def parse_occurrence_key(key: str) -> datetime:
    """The planned start a key names; keys outside 1970–2100 name nothing."""
    try:
        moment = datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=zoneinfo.ZoneInfo("UTC"))
    except (TypeError, ValueError) as exc:
        raise NotFound(_("There is no such occurrence.")) from exc
    if not 1970 <= moment.year <= 2100:
        raise NotFound(_("There is no such occurrence."))
    return moment


class Organisers(models.TextChoices):
    """Whose events a calendar shows (``from=`` in addresses)."""

    HERE = "here", gettext_lazy("this network")
    NEIGHBOURS = "neighbours", gettext_lazy("neighbouring networks")
    ALL = "all", gettext_lazy("both")


def organised_by(events: QuerySet[Event], organisers: str) -> QuerySet[Event]:
    """Our own events, those mirrored from neighbouring networks, or both."""
    if organisers == Organisers.HERE:
        return events.filter(origin_uri="")
    if organisers == Organisers.NEIGHBOURS:
        return events.exclude(origin_uri="")
    return events


def event_timezone(event: Event) -> str:
    """The wall clock an event repeats on: a neighbour's event follows its organiser's."""
    return event.origin_timezone or event.network.timezone


def _tz(event: Event) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(event_timezone(event))


def organiser_label(event: Event) -> str:
    """Who organises ``event``, as calendars show it: "Organised by RERS voisin (12 km)"."""
    names = {
        "network": event.network.name,
        "organiser": event.origin_name or _("a neighbouring network"),
        "distance": event.origin_distance_km,
    }
    if not event.is_mirrored:
        if event.co_organised:
            return _("Co-organised by %(network)s and the neighbouring networks") % names
        return _("Organised by %(network)s") % names
    if event.origin_distance_km is None:
        if event.co_organised:
            return _("Co-organised by %(organiser)s and %(network)s") % names
        return _("Organised by %(organiser)s") % names
    if event.co_organised:
        return _("Co-organised by %(organiser)s and %(network)s (%(distance)s km)") % names
    return _("Organised by %(organiser)s (%(distance)s km)") % names


def planned_starts(event: Event, start: datetime, end: datetime) -> list[datetime]:
    """Planned starts (aware, UTC) of ``event`` overlapping [start, end), before exceptions.

    The rule runs on the event's wall clock (:func:`event_timezone`), then each start is
    placed in its time zone.
    """
    duration = event.ends_at - event.starts_at
    if not event.rrule:
        return (
            [event.starts_at]
            if event.starts_at < end and event.starts_at + duration > start
            else []
        )
    tz = _tz(event)
    rule = local_rule(event.rrule, event.starts_at, tz.key)
    window_start = (start - duration).astimezone(tz).replace(tzinfo=None) - timedelta(hours=3)
    window_end = end.astimezone(tz).replace(tzinfo=None) + timedelta(hours=3)
    # Stop the rule at the window's end: a rule with no date left would otherwise be
    # searched up to the year 9999.
    if rule._count is None and (rule._until is None or rule._until > window_end):
        rule = rule.replace(until=window_end)
    utc = zoneinfo.ZoneInfo("UTC")
    starts = []
    for local in rule.between(window_start, window_end, inc=True):
        aware = local.replace(tzinfo=tz).astimezone(utc)
        if aware < end and aware + duration > start:
            starts.append(aware)
    return starts


def occurrences(
    events: Iterable[Event], start: datetime, end: datetime, *, with_counts: bool = True
) -> list[Occurrence]:
    """Every occurrence of ``events`` overlapping [start, end), moved and cancelled ones
    included (flagged), sorted by start. Nothing is materialised."""
    events = [e for e in events if e.cancelled_at is None]
    if not events:
        return []
    by_id = {e.pk: e for e in events}
    exceptions: dict[tuple[int, datetime], EventException] = {
        (x.event_id, x.original_start): x for x in EventException.objects.filter(event_id__in=by_id)
    }
    found: dict[tuple[int, datetime], Occurrence] = {}
    for event in events:
        duration = event.ends_at - event.starts_at
        planned_set = set(planned_starts(event, start, end))
        # An occurrence moved into the range from outside it.
        for (event_id, original), change in exceptions.items():
            if event_id == event.pk and change.starts_at and not change.cancelled:
                new_end = change.ends_at or change.starts_at + duration
                if change.starts_at < end and new_end > start:
                    planned_set.add(original)
        for planned in sorted(planned_set):
            change = exceptions.get((event.pk, planned))
            occ_start, occ_end = planned, planned + duration
            if change is not None and not change.cancelled and change.starts_at:
                occ_start, occ_end = change.starts_at, change.ends_at or change.starts_at + duration
            if not (occ_start < end and occ_end > start):
                continue
            found[(event.pk, planned)] = Occurrence(
                event=event,
                original_start=planned,
                starts_at=occ_start,
                ends_at=occ_end,
                cancelled=bool(change and change.cancelled),
                moved=bool(change and not change.cancelled and change.starts_at),
                note=change.note if change else "",
            )
    if with_counts and found:
        found = _with_counts(found)
    return sorted(found.values(), key=lambda o: (o.starts_at, o.event.pk))


def _with_counts(found: dict[tuple[int, datetime], Occurrence]) -> dict:
    rows = (
        Registration.objects.filter(
            event_id__in={k[0] for k in found},
            occurrence_start__in={k[1] for k in found},
            status__in=Registration.ACTIVE,
        )
        .values("event_id", "occurrence_start")
        .annotate(
            confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
            waitlisted=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
        )
    )
    counts = {(r["event_id"], r["occurrence_start"]): r for r in rows}
    result = {}
    for key, occ in found.items():
        row = counts.get(key)
        if row:
            occ = Occurrence(
                **{**occ.__dict__, "confirmed": row["confirmed"], "waitlisted": row["waitlisted"]}
            )
        result[key] = occ
    return result


def occurrence_get(event: Event, original_start: datetime) -> Occurrence:
    """The occurrence of ``event`` planned at ``original_start`` (cancelled ones included)."""
    if not 1970 <= original_start.year <= 2100:
        raise NotFound(_("This event has no occurrence at that time."))
    planned = planned_starts(event, original_start, original_start + timedelta(seconds=1))
    if event.cancelled_at is not None or original_start not in planned:
        raise NotFound(_("This event has no occurrence at that time."))
    duration = event.ends_at - event.starts_at
    change = EventException.objects.filter(event=event, original_start=original_start).first()
    moved = bool(change and not change.cancelled and change.starts_at)
    occurrence = Occurrence(
        event=event,
        original_start=original_start,
        starts_at=change.starts_at if moved else original_start,
        ends_at=(change.ends_at or change.starts_at + duration)
        if moved
        else original_start + duration,
        cancelled=bool(change and change.cancelled),
        moved=moved,
        note=change.note if change else "",
    )
    return _with_counts({(event.pk, original_start): occurrence})[(event.pk, original_start)]


def event_list(network: Network, user) -> QuerySet[Event]:
    """Events of ``network`` visible to ``user``: its members (visitors included) and
    facilitators see them all; anyone else sees none (public events come with the
    network's public calendar)."""
    qs = (
        Event.objects.filter(network=network)
        .select_related("network")
        .prefetch_related("facilitators")
    )
    if permissions.membership(user, network) is None:
        return qs.none()
    return qs


def public_events(network: Network, organisers: str = Organisers.ALL) -> QuerySet[Event]:
    """What the network shows to everyone: its events (titles, times, places), with those
    of neighbouring networks mirrored here unless ``organisers`` says otherwise."""
    events = Event.objects.filter(network=network, cancelled_at__isnull=True).select_related(
        "network"
    )
    return organised_by(events, organisers)


def event_get(network: Network, event_id: int | str, *, user=None, public: bool = False) -> Event:
    try:
        pk = int(event_id)
    except (TypeError, ValueError):
        pk = None
    qs = public_events(network) if public else event_list(network, user)
    event = qs.filter(pk=pk).first() if pk is not None else None
    if event is None:
        raise NotFound(_("There is no such event in this network."))
    return event


def registrations_for(event: Event, original_start: datetime) -> QuerySet[Registration]:
    """Registrations of one occurrence, confirmed first then the waiting list in order."""
    return (
        Registration.objects.filter(event=event, occurrence_start=original_start)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("member")
        .order_by("status", "created_at", "id")
    )


def member_registrations(member: Member, *, upcoming_only: bool = True) -> QuerySet[Registration]:
    """A member's registrations under way, and those a neighbouring network's organiser
    refused, so that the person sees the answer."""
    qs = (
        Registration.objects.filter(
            member=member, status__in=[*Registration.ACTIVE, Registration.Status.REFUSED]
        )
        .select_related("event__network")
        .order_by("occurrence_start")
    )
    if upcoming_only:
        qs = qs.filter(occurrence_start__gte=timezone.now() - timedelta(days=1))
    return qs


def testimonies_public(network: Network) -> QuerySet[Testimony]:
    return (
        Testimony.objects.filter(network=network, featured=True)
        .exclude(publication=Testimony.Publication.PRIVATE)
        .select_related("event")
    )


def testimony_list(network: Network) -> QuerySet[Testimony]:
    """All testimonies of a network, for facilitators (callers check the role)."""
    return Testimony.objects.filter(network=network).select_related("event", "author")


def news_list(network: Network) -> QuerySet[NewsPost]:
    return NewsPost.objects.filter(
        network=network, published_at__lte=timezone.now()
    ).select_related("event")


def resource_list(network: Network, user) -> QuerySet[Resource]:
    qs = Resource.objects.filter(network=network)
    if permissions.membership(user, network) is None:
        qs = qs.filter(audience=Resource.Audience.PUBLIC)
    return qs

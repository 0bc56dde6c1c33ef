"""iCalendar (RFC 5545) feeds: a network's events and a member's registrations.

Repeating events are written once with their RRULE; a cancelled occurrence becomes an
EXDATE and a moved one its own VEVENT with the same UID and a RECURRENCE-ID. Times are
written in the time zone the event repeats in (the network's, or the organiser's for a
neighbouring network's event), with its VTIMEZONE, so calendar applications keep 9:00 at
9:00 across daylight-saving changes. UIDs never change.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, vRecur
from icalendar import Event as VEvent

from rers_core.errors import NotFound
from rers_core.models import Event, EventException, Member, Network, Registration
from rers_core.recurrence import rule_for_feed
from rers_core.selectors.events import (
    Organisers,
    event_timezone,
    member_registrations,
    occurrence_get,
    occurrence_key,
    organiser_label,
    public_events,
)

PRODID = "-//rers//Réseau d'échanges réciproques de savoirs//FR"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _uid_base(event: Event) -> str:
    """Our events keep their own identifier. A neighbour's event gets one derived from its
    address at the organiser, so it stays the same when the copy here is made again; being
    name-based (UUID version 5), it never equals one of ours (random, version 4)."""
    if event.is_mirrored:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, event.origin_uri))
    return str(event.uid)


def _uid(event: Event) -> str:
    return f"{_uid_base(event)}@rers"


def _description(event: Event) -> str:
    # Who organises it, when it is not simply this network.
    if event.is_mirrored or event.co_organised:
        return "\n\n".join(filter(None, [f"{organiser_label(event)}.", event.description]))
    return event.description


def _base(
    event: Event, start: datetime, end: datetime, tz: zoneinfo.ZoneInfo, site_url: str
) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", _uid(event))
    vevent.add("dtstamp", event.updated_at or timezone.now())
    vevent.add("summary", event.title)
    vevent.add("dtstart", start.astimezone(tz))
    vevent.add("dtend", end.astimezone(tz))
    description = _description(event)
    if description:
        vevent.add("description", description)
    location = ", ".join(filter(None, [event.place, event.online_url]))
    if location:
        vevent.add("location", location)
    vevent.add("categories", [event.get_kind_display()])
    if site_url:
        vevent.add("url", f"{site_url}/{event.network.slug}/calendar/events/{event.pk}/")
    return vevent


def _single(event: Event, changes: list[EventException], tz, site_url: str) -> VEvent:
    """A one-off event: a move changes its times, a cancellation its status."""
    change = changes[0] if changes else None
    start, end = event.starts_at, event.ends_at
    if change is not None and not change.cancelled and change.starts_at:
        start = change.starts_at
        end = change.ends_at or change.starts_at + (event.ends_at - event.starts_at)
    vevent = _base(event, start, end, tz, site_url)
    if change is not None and change.cancelled:
        vevent.add("status", "CANCELLED")
    return vevent


def _calendar_name(network: Network, organisers: str) -> str:
    if organisers == Organisers.ALL:
        return _("%(network)s and neighbouring networks") % {"network": network.name}
    if organisers == Organisers.NEIGHBOURS:
        return _("Neighbouring networks of %(network)s") % {"network": network.name}
    return network.name


def network_calendar(
    network: Network, *, site_url: str = "", organisers: str = Organisers.HERE
) -> bytes:
    """The network's events (``organisers``: its own by default, those of neighbouring
    networks mirrored here, or both), repeating ones as rules with their exceptions."""
    cal = _calendar(_calendar_name(network, organisers))
    events = list(public_events(network, organisers))
    changes: dict[int, list[EventException]] = {}
    for change in EventException.objects.filter(event__in=events).order_by("original_start"):
        changes.setdefault(change.event_id, []).append(change)
    for event in events:
        own_changes = changes.get(event.pk, [])
        # Repetitions follow the organiser's wall clock: DTSTART, RRULE and EXDATE too.
        tz = zoneinfo.ZoneInfo(event_timezone(event))
        if not event.rrule:
            cal.add_component(_single(event, own_changes, tz, site_url))
            continue
        master = _base(event, event.starts_at, event.ends_at, tz, site_url)
        rule = rule_for_feed(event.rrule, event.starts_at, tz.key)
        master.add("rrule", vRecur.from_ical(rule))
        cancelled = [c.original_start.astimezone(tz) for c in own_changes if c.cancelled]
        if cancelled:
            master.add("exdate", cancelled)
        cal.add_component(master)
        duration = event.ends_at - event.starts_at
        for change in own_changes:
            if change.cancelled or not change.starts_at:
                continue
            moved = _base(
                event, change.starts_at, change.ends_at or change.starts_at + duration, tz, site_url
            )
            moved.add("recurrence-id", change.original_start.astimezone(tz))
            if change.note:
                moved.add("comment", change.note)
            cal.add_component(moved)
    cal.add_missing_timezones()
    return cal.to_ical()


def member_calendar(member: Member, *, site_url: str = "") -> bytes:
    """The occurrences a member registered for (or waits for), one VEVENT each; one the
    organiser refused is shown cancelled."""
    tz = zoneinfo.ZoneInfo(member.network.timezone)
    cal = _calendar(f"{member.network.name} – {member.display_name}")
    for registration in member_registrations(member, upcoming_only=False):
        event = registration.event
        try:
            occurrence = occurrence_get(event, registration.occurrence_start)
            start, end, cancelled = occurrence.starts_at, occurrence.ends_at, occurrence.cancelled
        except NotFound:  # the event, or this occurrence of it, no longer takes place
            start = registration.occurrence_start
            end, cancelled = start + (event.ends_at - event.starts_at), True
        vevent = _base(event, start, end, tz, site_url)
        vevent.pop("uid")
        vevent.add(
            "uid", f"{_uid_base(event)}-{occurrence_key(registration.occurrence_start)}@rers"
        )
        refused = registration.status == Registration.Status.REFUSED
        vevent.add(
            "status",
            "CANCELLED"
            if cancelled or refused
            else ("CONFIRMED" if registration.status == "confirmed" else "TENTATIVE"),
        )
        cal.add_component(vevent)
    cal.add_missing_timezones()
    return cal.to_ical()

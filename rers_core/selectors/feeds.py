"""iCalendar (RFC 5545) feeds: a network's events and a member's registrations.

Repeating events are written once with their RRULE; a cancelled occurrence becomes an
EXDATE and a moved one its own VEVENT with the same UID and a RECURRENCE-ID. Times are
written in the network's time zone, with its VTIMEZONE, so calendar applications keep
9:00 at 9:00 across daylight-saving changes. UIDs never change.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.utils import timezone
from icalendar import Calendar, vRecur
from icalendar import Event as VEvent

from rers_core.errors import NotFound
from rers_core.models import Event, EventException, Member, Network
from rers_core.recurrence import rule_for_feed
from rers_core.selectors.events import (
    member_registrations,
    occurrence_get,
    occurrence_key,
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


def _uid(event: Event) -> str:
    return f"{event.uid}@rers"


def _base(
    event: Event, start: datetime, end: datetime, tz: zoneinfo.ZoneInfo, site_url: str
) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", _uid(event))
    vevent.add("dtstamp", event.updated_at or timezone.now())
    vevent.add("summary", event.title)
    vevent.add("dtstart", start.astimezone(tz))
    vevent.add("dtend", end.astimezone(tz))
    if event.description:
        vevent.add("description", event.description)
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


def network_calendar(network: Network, *, site_url: str = "") -> bytes:
    """All events of the network, repeating ones as rules with their exceptions."""
    tz = zoneinfo.ZoneInfo(network.timezone)
    cal = _calendar(network.name)
    events = list(public_events(network))
    changes: dict[int, list[EventException]] = {}
    for change in EventException.objects.filter(event__in=events).order_by("original_start"):
        changes.setdefault(change.event_id, []).append(change)
    for event in events:
        own_changes = changes.get(event.pk, [])
        if not event.rrule:
            cal.add_component(_single(event, own_changes, tz, site_url))
            continue
        master = _base(event, event.starts_at, event.ends_at, tz, site_url)
        if event.rrule:
            rule = rule_for_feed(event.rrule, event.starts_at, network.timezone)
            master.add("rrule", vRecur.from_ical(rule))
            cancelled = [
                c.original_start.astimezone(tz) for c in changes.get(event.pk, []) if c.cancelled
            ]
            if cancelled:
                master.add("exdate", cancelled)
        cal.add_component(master)
        duration = event.ends_at - event.starts_at
        for change in changes.get(event.pk, []):
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
    """The occurrences a member registered for (or waits for), one VEVENT each."""
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
        vevent.add("uid", f"{event.uid}-{occurrence_key(registration.occurrence_start)}@rers")
        vevent.add(
            "status",
            "CANCELLED"
            if cancelled
            else ("CONFIRMED" if registration.status == "confirmed" else "TENTATIVE"),
        )
        cal.add_component(vevent)
    cal.add_missing_timezones()
    return cal.to_ical()

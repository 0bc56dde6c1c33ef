"""Reads the portal's calendar and community pages need beyond :mod:`selectors.events`.

Everything here is scoped to one network: an id from another network is "not found".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rers_core.errors import NotFound
from rers_core.models import (
    CalendarToken,
    ContactMessage,
    Event,
    EventException,
    Member,
    Network,
    NewsPost,
    Registration,
    Resource,
    Testimony,
)
from rers_core.selectors.events import (
    Occurrence,
    news_list,
    occurrences,
    public_events,
    resource_list,
)


def _pk(value: int | str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def member_for_calendar_token(token: str) -> Member:
    """The member whose personal feed address carries ``token`` (withdrawn: not found)."""
    token = token or ""
    # Tokens are URL-safe base64; anything else (a NUL byte, say) names nobody.
    if not token or not all(c.isascii() and (c.isalnum() or c in "-_") for c in token):
        raise NotFound(_("This calendar address does not exist (any more)."))
    found = (
        CalendarToken.objects.select_related("member__network")
        .filter(token=token)
        .exclude(member__status=Member.Status.WITHDRAWN)
        .first()
    )
    if found is None:
        raise NotFound(_("This calendar address does not exist (any more)."))
    return found.member


def registration_get(network: Network, registration_id: int | str) -> Registration:
    """One registration for an event of ``network``."""
    pk = _pk(registration_id)
    registration = (
        Registration.objects.select_related("member", "event__network")
        .filter(pk=pk, event__network=network)
        .first()
        if pk is not None
        else None
    )
    if registration is None:
        raise NotFound(_("There is no such registration in this network."))
    return registration


def registrations_with_occurrences(
    registrations: Iterable[Registration],
) -> list[tuple[Registration, Occurrence]]:
    """Each registration with its occurrence as it will take place (moved, cancelled).

    Two queries whatever the number of registrations: the registrations and the changes
    to their occurrences. Seat counts are not filled in.
    """
    regs = list(registrations)
    changes = {
        (c.event_id, c.original_start): c
        for c in EventException.objects.filter(
            event_id__in={r.event_id for r in regs},
            original_start__in={r.occurrence_start for r in regs},
        )
    }
    rows = []
    for reg in regs:
        event = reg.event
        duration = event.ends_at - event.starts_at
        change = changes.get((reg.event_id, reg.occurrence_start))
        moved = bool(change and not change.cancelled and change.starts_at)
        starts_at = change.starts_at if moved else reg.occurrence_start
        ends_at = (
            (change.ends_at or change.starts_at + duration)
            if moved
            else (reg.occurrence_start + duration)
        )
        rows.append(
            (
                reg,
                Occurrence(
                    event=event,
                    original_start=reg.occurrence_start,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    cancelled=event.cancelled_at is not None or bool(change and change.cancelled),
                    moved=moved,
                    note=change.note if change else "",
                ),
            )
        )
    return rows


def upcoming_occurrences(
    network: Network, *, days: int = 30, limit: int = 5, now: datetime | None = None
) -> list[Occurrence]:
    """The network's next occurrences (cancelled ones left out), for its home page."""
    now = now or timezone.now()
    found = occurrences(public_events(network), now, now + timedelta(days=days), with_counts=False)
    return [o for o in found if not o.cancelled][:limit]


def event_choices(network: Network) -> QuerySet[Event]:
    """Events a testimony or a news post may refer to (latest first)."""
    return Event.objects.filter(network=network).order_by("-starts_at", "-id")


def facilitator_choices(network: Network) -> QuerySet[Member]:
    """Facilitators and coordinators of ``network``, who may be in charge of an event."""
    return (
        Member.objects.filter(
            network=network, role__in=[Member.Role.FACILITATOR, Member.Role.COORDINATOR]
        )
        .exclude(status=Member.Status.WITHDRAWN)
        .order_by("display_name", "id")
    )


def member_testimonies(member: Member) -> QuerySet[Testimony]:
    return Testimony.objects.filter(author=member).select_related("event")


def testimony_get(network: Network, testimony_id: int | str) -> Testimony:
    pk = _pk(testimony_id)
    testimony = (
        Testimony.objects.select_related("author", "network").filter(pk=pk, network=network).first()
        if pk is not None
        else None
    )
    if testimony is None:
        raise NotFound(_("There is no such testimony in this network."))
    return testimony


def news_get(network: Network, post_id: int | str, *, include_scheduled: bool = False) -> NewsPost:
    pk = _pk(post_id)
    qs = (
        NewsPost.objects.filter(network=network).select_related("network")
        if include_scheduled
        else news_list(network)
    )
    post = qs.filter(pk=pk).first() if pk is not None else None
    if post is None:
        raise NotFound(_("There is no such news in this network."))
    return post


def news_all(network: Network) -> QuerySet[NewsPost]:
    """Every news post, scheduled ones included, for facilitators."""
    return NewsPost.objects.filter(network=network).select_related("event")


def resource_get(network: Network, user, resource_id: int | str) -> Resource:
    """A resource ``user`` may see (members-only ones are not found for others)."""
    pk = _pk(resource_id)
    resource = resource_list(network, user).filter(pk=pk).first() if pk is not None else None
    if resource is None:
        raise NotFound(_("There is no such resource in this network."))
    return resource


def contact_message_list(network: Network, *, unhandled_only: bool = False) -> QuerySet:
    """Visitors' messages to the network, newest first (callers check the role)."""
    qs = ContactMessage.objects.filter(network=network).select_related("handled_by")
    if unhandled_only:
        qs = qs.filter(handled_at__isnull=True)
    return qs


def contact_message_get(network: Network, message_id: int | str) -> ContactMessage:
    pk = _pk(message_id)
    found = (
        ContactMessage.objects.select_related("network").filter(pk=pk, network=network).first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFound(_("There is no such message in this network."))
    return found


def registrable_members(network: Network, registered: Iterable[int]) -> QuerySet[Member]:
    """Members and visitors a facilitator may register for an occurrence (not yet on it)."""
    return (
        Member.objects.filter(network=network)
        .exclude(status=Member.Status.WITHDRAWN)
        .exclude(pk__in=list(registered))
        .filter(~Q(display_name=""))
        .order_by("display_name", "id")
    )

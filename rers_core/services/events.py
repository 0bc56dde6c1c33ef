"""Writes on events: the calendar, exceptions, registrations and the waiting list, attendance,
reminders, personal feed tokens, and testimonies."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rers_core import permissions
from rers_core.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from rers_core.models import (
    AuditEntry,
    CalendarToken,
    Event,
    EventException,
    Member,
    Network,
    Notification,
    Registration,
    Testimony,
)
from rers_core.recurrence import check_rule_occurs, normalise_rule
from rers_core.selectors.events import occurrence_get
from rers_core.services._common import (
    full_clean,
    is_instance_admin,
    require_can_act_for,
    require_facilitator,
)
from rers_core.services.audit import audit_record
from rers_core.services.notifications import notify
from rers_core.signals import event_changed, registration_changed

EVENT_FIELDS = (
    "kind",
    "title",
    "description",
    "place",
    "online_url",
    "starts_at",
    "ends_at",
    "rrule",
    "capacity",
    "registration_open",
    "visibility",
    "co_organised",
)


def _require_organiser(event: Event) -> None:
    if event.is_mirrored:
        raise NotAllowed(
            _("Only %(network)s, which organises this event, can change it.")
            % {"network": event.origin_name}
        )


def _changed(event: Event) -> None:
    event_changed.send(sender=Event, event=event)


def _registration_changed(registration: Registration) -> None:
    registration_changed.send(sender=Registration, registration=registration)


def _apply(
    event: Event, fields: dict[str, Any], facilitators: Iterable[Member] | None, acting
) -> None:
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown event fields: %s.") % ", ".join(sorted(unknown)))
    if (
        "co_organised" in fields
        and bool(fields["co_organised"]) != event.co_organised
        and not permissions.is_coordinator(acting, event.network)
    ):
        raise NotAllowed(_("Only a coordinator can mark an event as co-organised."))
    for key, value in fields.items():
        setattr(event, key, value.strip() if isinstance(value, str) else value)
    if not event.title:
        raise ValidationFailed(_("Give the event a title."), field="title")
    if event.starts_at is None or event.ends_at is None:
        raise ValidationFailed(_("Give a start and an end."), field="starts_at")
    if timezone.is_naive(event.starts_at) or timezone.is_naive(event.ends_at):
        raise ValidationFailed(_("Times must carry their time zone."), field="starts_at")
    # Occurrences are named by their start to the second in addresses and feeds.
    event.starts_at = event.starts_at.replace(microsecond=0)
    event.ends_at = event.ends_at.replace(microsecond=0)
    if event.ends_at <= event.starts_at:
        raise ValidationFailed(_("The end must come after the start."), field="ends_at")
    if event.ends_at - event.starts_at > timedelta(days=7):
        raise ValidationFailed(_("One sitting cannot last more than a week."), field="ends_at")
    try:
        event.rrule = normalise_rule(event.rrule)
        if event.rrule:
            check_rule_occurs(event.rrule, event.starts_at, event.network.timezone)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="rrule") from exc
    full_clean(event, exclude=["network", "created_by"])


def _set_facilitators(event: Event, facilitators: Iterable[Member] | None) -> None:
    if facilitators is None:
        return
    chosen = list(facilitators)
    for member in chosen:
        if member.network_id != event.network_id or not member.is_facilitator:
            raise ValidationFailed(
                _("Only facilitators of this network can be in charge."), field="facilitators"
            )
    event.facilitators.set(chosen)


@transaction.atomic
def event_create(
    *, network: Network, acting, facilitators: Iterable[Member] | None = None, **fields: Any
) -> Event:
    """Schedule an event (once, or repeating by an RFC 5545 rule) for the network."""
    require_facilitator(acting, network)
    event = Event(network=network, created_by=_user(acting))
    _apply(event, fields, facilitators, acting)
    event.save()
    _set_facilitators(event, facilitators)
    _changed(event)
    return event


@transaction.atomic
def event_update(
    *, event: Event, acting, facilitators: Iterable[Member] | None = None, **fields: Any
) -> Event:
    """Change an event; registrations stay attached to the occurrences they were for."""
    require_facilitator(acting, event.network)
    _require_organiser(event)
    event = Event.objects.select_for_update().select_related("network").get(pk=event.pk)
    before = Event.objects.get(pk=event.pk)
    _apply(event, fields, facilitators, acting)
    event.save()
    _set_facilitators(event, facilitators)
    _follow_reschedule(before, event)
    if event.capacity is None or (before.capacity is not None and event.capacity > before.capacity):
        for original_start in _upcoming_with_waiting_list(event):
            _promote_waiting(event, original_start)
    _changed(event)
    return event


def _follow_reschedule(before: Event, event: Event) -> None:
    """Keep registrations and exceptions on their sittings when the event moves.

    Shifting the first start with the same rule shifts every sitting by as much; any
    upcoming registration whose sitting would no longer exist makes the change refused,
    so that nobody silently loses their seat.
    """
    shift = event.starts_at - before.starts_at
    if shift and event.rrule == before.rrule:
        for registration in Registration.objects.filter(event=event).select_for_update():
            registration.occurrence_start += shift
            registration.save(update_fields=["occurrence_start"])
        for change in EventException.objects.filter(event=event).select_for_update():
            change.original_start += shift
            change.save(update_fields=["original_start"])
    upcoming = Registration.objects.filter(
        event=event, status__in=Registration.ACTIVE, occurrence_start__gte=timezone.now()
    )
    for original_start in set(upcoming.values_list("occurrence_start", flat=True)):
        try:
            occurrence_get(event, original_start)
        except NotFound as exc:
            raise DomainError(
                _(
                    "People are registered for sittings this change would remove: cancel or "
                    "move those sittings one by one instead."
                )
            ) from exc


def _upcoming_with_waiting_list(event: Event) -> list[datetime]:
    return sorted(
        set(
            Registration.objects.filter(
                event=event,
                status=Registration.Status.WAITLISTED,
                occurrence_start__gte=timezone.now() - timedelta(days=1),
            ).values_list("occurrence_start", flat=True)
        )
    )


@transaction.atomic
def event_cancel(*, event: Event, acting) -> Event:
    """Cancel a whole event (every occurrence); cancelling twice is harmless."""
    require_facilitator(acting, event.network)
    _require_organiser(event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.cancelled_at is None:
        event.cancelled_at = timezone.now()
        event.save(update_fields=["cancelled_at", "updated_at"])
        _changed(event)
    return event


@transaction.atomic
def occurrence_cancel(
    *, event: Event, original_start: datetime, acting, note: str = ""
) -> EventException:
    """Cancel one occurrence; the others stay as they are."""
    require_facilitator(acting, event.network)
    _require_organiser(event)
    occurrence_get(event, original_start)
    change, _created = EventException.objects.update_or_create(
        event=event,
        original_start=original_start,
        defaults={
            "cancelled": True,
            "starts_at": None,
            "ends_at": None,
            "note": (note or "").strip(),
        },
    )
    _changed(event)
    return change


@transaction.atomic
def occurrence_move(
    *,
    event: Event,
    original_start: datetime,
    starts_at: datetime,
    ends_at: datetime,
    acting,
    note: str = "",
) -> EventException:
    """Move one occurrence to another time; its registrations follow it."""
    require_facilitator(acting, event.network)
    _require_organiser(event)
    occurrence_get(event, original_start)
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise ValidationFailed(_("The end must come after the start."), field="ends_at")
    change, _created = EventException.objects.update_or_create(
        event=event,
        original_start=original_start,
        defaults={
            "cancelled": False,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "note": (note or "").strip(),
        },
    )
    _changed(event)
    return change


@transaction.atomic
def occurrence_restore(*, event: Event, original_start: datetime, acting) -> None:
    """Undo a cancellation or a move: the occurrence is back as planned."""
    require_facilitator(acting, event.network)
    _require_organiser(event)
    EventException.objects.filter(event=event, original_start=original_start).delete()
    _changed(event)


def _audit(acting, member: Member, service: str) -> None:
    """A facilitator acted for ``member``: they see it in their trail."""
    audit_record(acting=acting, action=AuditEntry.Action.ACTED_FOR, member=member, detail=service)


def _user(acting):
    return acting if acting is not None and acting.is_authenticated else None


def _bookable(event: Event, original_start: datetime) -> None:
    """Refuse a registration for a sitting that cannot take one."""
    occurrence = occurrence_get(event, original_start)
    if event.cancelled_at is not None or occurrence.cancelled:
        raise DomainError(_("This occurrence is cancelled."))
    if occurrence.ends_at <= timezone.now():
        raise DomainError(_("This occurrence is over."))
    if not event.registration_open:
        raise DomainError(_("Registration is closed for this event."))


def _seat_or_waiting_list(event: Event, original_start: datetime) -> str:
    """Counted with the event row locked, so two people never both get the last seat."""
    confirmed = Registration.objects.filter(
        event=event, occurrence_start=original_start, status=Registration.Status.CONFIRMED
    ).count()
    full = event.capacity is not None and confirmed >= event.capacity
    return Registration.Status.WAITLISTED if full else Registration.Status.CONFIRMED


@transaction.atomic
def registration_create(
    *, event: Event, original_start: datetime, member: Member, acting
) -> Registration:
    """Register ``member`` for one occurrence; when it is full they join the waiting list.

    The event row is locked while seats are counted, so two people racing for the last
    seat never both get it. Registering twice returns the existing registration. For an
    event of a neighbouring network the registration waits for the organiser's answer.
    """
    require_can_act_for(acting, member)
    if member.status == Member.Status.WITHDRAWN:
        raise DomainError(_("This person has left the network."))
    event = Event.objects.select_for_update().select_related("network").get(pk=event.pk)
    if member.network_id != event.network_id:
        raise NotAllowed(_("Only people of the organising network can register here."))
    _bookable(event, original_start)
    existing = Registration.objects.filter(
        event=event, occurrence_start=original_start, member=member, status__in=Registration.ACTIVE
    ).first()
    if existing is not None:
        return existing
    registration = Registration(
        event=event,
        occurrence_start=original_start,
        member=member,
        status=(
            Registration.Status.REQUESTED
            if event.is_mirrored
            else _seat_or_waiting_list(event, original_start)
        ),
        registered_by=_user(acting),
    )
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:  # the same person, registered from two tabs at once
        raise DomainError(_("You are already registered.")) from exc
    _registration_changed(registration)
    _audit(acting, member, "registration_create")
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, acting) -> Registration:
    """The registrant (or a facilitator) gives the place up; the first person waiting gets
    it and is told by email. Cancelling twice is harmless."""
    if registration.member_id is None:
        require_facilitator(acting, registration.event.network)
        return _cancel(registration)
    member = registration.member
    require_can_act_for(acting, member)
    before = registration.status
    registration = _cancel(registration)
    if registration.status != before:
        _audit(acting, member, "registration_cancel")
    return registration


def _cancel(registration: Registration) -> Registration:
    Event.objects.select_for_update().get(pk=registration.event_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status in (Registration.Status.CANCELLED, Registration.Status.REFUSED):
        return registration
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    registration.transition(Registration.Status.CANCELLED)
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    _registration_changed(registration)
    if was_confirmed and not registration.event.is_mirrored:
        _promote_waiting(registration.event, registration.occurrence_start)
    return registration


@transaction.atomic
def remote_registration_receive(
    *,
    event: Event,
    original_start: datetime,
    remote_uri: str,
    remote_name: str,
    remote_network_name: str,
    remote_network_uri: str,
) -> Registration:
    """A person of a neighbouring network asks for a seat at one of our sittings; we decide
    (seat, waiting list or refusal), as for our own members. Asking again with the same
    address returns the registration as it stands."""
    event = Event.objects.select_for_update().select_related("network").get(pk=event.pk)
    existing = Registration.objects.filter(event=event, remote_uri=remote_uri).first()
    if existing is not None:
        return existing
    registration = Registration(
        event=event,
        occurrence_start=original_start,
        remote_uri=remote_uri,
        remote_name=remote_name[:150],
        remote_network_name=remote_network_name[:200],
        remote_network_uri=remote_network_uri,
    )
    try:
        if event.is_mirrored or event.visibility != Event.Visibility.FEDERATED:
            raise NotFound(_("This event is not shared with neighbouring networks."))
        _bookable(event, original_start)
        registration.status = _seat_or_waiting_list(event, original_start)
    except (DomainError, NotFound):
        registration.status = Registration.Status.REFUSED
        registration.cancelled_at = timezone.now()
    registration.save()
    _registration_changed(registration)
    return registration


@transaction.atomic
def remote_registration_withdraw(*, event: Event, remote_uri: str) -> Registration | None:
    """The person's own network tells us they gave their seat up (or that they left their
    network): the seat is freed and the name they had let us know is forgotten."""
    registration = Registration.objects.filter(event=event, remote_uri=remote_uri).first()
    if registration is None:
        return None
    registration = _cancel(registration)
    Registration.objects.filter(pk=registration.pk).update(remote_name="")
    return registration


@transaction.atomic
def registration_answer(*, registration: Registration, status: str) -> Registration:
    """The organising network's answer to one of our members' registrations for its event:
    shown in the portal and, the first time, sent to the member by email."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == status or not registration.can_transition(status):
        return registration
    answered_before = registration.status != Registration.Status.REQUESTED
    promoted = registration.status == Registration.Status.WAITLISTED
    registration.transition(status)
    if status == Registration.Status.CANCELLED:
        registration.cancelled_at = timezone.now()
    if promoted and status == Registration.Status.CONFIRMED:
        registration.promoted_at = timezone.now()
        notify(Notification.Kind.REGISTRATION_PROMOTED, registration.member, registration.pk)
    elif not answered_before:
        notify(Notification.Kind.REGISTRATION_ANSWERED, registration.member, registration.pk)
    registration.save(update_fields=["status", "cancelled_at", "promoted_at"])
    return registration


def _promote_waiting(event: Event, original_start: datetime) -> list[Registration]:
    """Move people off the waiting list, in order, while seats are free — only for a
    sitting that still takes place."""
    event = Event.objects.select_related("network").get(pk=event.pk)
    if event.cancelled_at is not None:
        return []
    try:
        occurrence = occurrence_get(event, original_start)
    except NotFound:
        return []
    if occurrence.cancelled or occurrence.ends_at <= timezone.now():
        return []
    confirmed = Registration.objects.filter(
        event=event, occurrence_start=original_start, status=Registration.Status.CONFIRMED
    ).count()
    free = None if event.capacity is None else event.capacity - confirmed
    waiting = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("member")
        .filter(event=event, occurrence_start=original_start, status=Registration.Status.WAITLISTED)
        .order_by("created_at", "id")
    )
    promoted = []
    for registration in waiting if free is None else waiting[: max(free, 0)]:
        registration.transition(Registration.Status.CONFIRMED)
        registration.promoted_at = timezone.now()
        registration.save(update_fields=["status", "promoted_at"])
        if registration.member_id is not None:
            notify(Notification.Kind.REGISTRATION_PROMOTED, registration.member, registration.pk)
        _registration_changed(registration)
        promoted.append(registration)
    return promoted


@transaction.atomic
def attendance_record(*, registration: Registration, attended: bool, acting) -> Registration:
    """A facilitator notes whether a registered person came."""
    require_facilitator(acting, registration.event.network)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Registration.Status.CONFIRMED:
        raise DomainError(_("Only registered people (not waiting) can be marked present."))
    registration.attended = attended
    registration.save(update_fields=["attended"])
    return registration


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Schedule tomorrow's reminders (Celery beat). A reminder is a unique notification, so
    running this twice, or in two workers at once, sends each reminder once only."""
    now = now or timezone.now()
    low, high = now + timedelta(hours=12), now + timedelta(hours=36)
    waiting = Registration.objects.filter(
        status=Registration.Status.CONFIRMED,
        member__isnull=False,
        reminded_at__isnull=True,
        event__cancelled_at__isnull=True,
    )
    # Occurrences planned tomorrow, and those moved to tomorrow from another day.
    moved_here = Q()
    for event_id, original in EventException.objects.filter(
        cancelled=False, starts_at__gt=low, starts_at__lte=high
    ).values_list("event_id", "original_start"):
        moved_here |= Q(event_id=event_id, occurrence_start=original)
    planned_here = Q(occurrence_start__gt=low, occurrence_start__lte=high)
    due = waiting.filter(planned_here | moved_here).select_related("member", "event__network")
    count = 0
    for registration in due:
        with transaction.atomic():
            try:
                occurrence = occurrence_get(registration.event, registration.occurrence_start)
            except NotFound:  # the sitting no longer exists: nothing to remind
                continue
            if occurrence.cancelled or not low < occurrence.starts_at <= high:
                continue
            notify(Notification.Kind.EVENT_REMINDER, registration.member, registration.pk)
            Registration.objects.filter(pk=registration.pk).update(reminded_at=now)
            count += 1
    return count


@transaction.atomic
def calendar_token_regenerate(*, member: Member, acting) -> CalendarToken:
    """Give the member a new secret feed address; the old one stops working."""
    require_can_act_for(acting, member)
    token, created = CalendarToken.objects.get_or_create(member=member)
    if not created:
        token.token = secrets.token_urlsafe()
        token.save(update_fields=["token", "created_at"])
    _audit(acting, member, "calendar_token_regenerate")
    return token


def calendar_token_for(member: Member) -> CalendarToken:
    """The member's feed token, created on first use."""
    token, _created = CalendarToken.objects.get_or_create(member=member)
    return token


@transaction.atomic
def testimony_record(
    *,
    network: Network,
    author: Member,
    text: str,
    acting,
    event: Event | None = None,
    publication: str = Testimony.Publication.PRIVATE,
    first_name: str = "",
) -> Testimony:
    """Record a testimony (verbatim) in its author's words, with their publication choice."""
    if author.network_id != network.pk:
        raise ValidationFailed(_("The author must belong to this network."), field="author")
    own = author.user_id is not None and acting is not None and author.user_id == acting.pk
    if not own:
        require_facilitator(acting, network)
    if event is not None and event.network_id != network.pk:
        raise ValidationFailed(_("This event belongs to another network."), field="event")
    testimony = Testimony(
        network=network,
        author=author,
        event=event,
        text=(text or "").strip(),
        recorded_by=_user(acting),
    )
    if not testimony.text:
        raise ValidationFailed(_("Write the testimony."), field="text")
    _set_publication(testimony, publication, first_name)
    testimony.save()
    _audit(acting, author, "testimony_record")
    return testimony


def _set_publication(testimony: Testimony, publication: str, first_name: str) -> None:
    if publication not in Testimony.Publication.values:
        raise ValidationFailed(_("Unknown publication choice."), field="publication")
    first_name = (first_name or "").strip()
    if publication == Testimony.Publication.FIRST_NAME and not first_name:
        raise ValidationFailed(_("Give the first name to show."), field="first_name")
    testimony.publication = publication
    testimony.first_name = first_name if publication == Testimony.Publication.FIRST_NAME else ""
    full_clean(testimony, exclude=["network", "author", "event", "recorded_by"])


@transaction.atomic
def testimony_set_publication(
    *, testimony: Testimony, publication: str, acting, first_name: str = ""
) -> Testimony:
    """The author changes their publication consent at any time (or a facilitator records it)."""
    author = testimony.author
    require_can_act_for(acting, author)
    testimony = Testimony.objects.select_for_update().get(pk=testimony.pk)
    _set_publication(testimony, publication, first_name)
    testimony.save(update_fields=["publication", "first_name"])
    _audit(acting, author, "testimony_set_publication")
    return testimony


@transaction.atomic
def testimony_feature(*, testimony: Testimony, featured: bool, acting) -> Testimony:
    """Facilitators curate the public page; only consented testimonies can be shown."""
    if acting is not None and not (
        is_instance_admin(acting) or permissions.is_facilitator(acting, testimony.network_id)
    ):
        raise NotAllowed(_("Only a facilitator of this network can do this."))
    testimony = Testimony.objects.select_for_update().get(pk=testimony.pk)
    if featured and testimony.publication == Testimony.Publication.PRIVATE:
        raise DomainError(_("Its author has not agreed to publish this testimony."))
    testimony.featured = featured
    testimony.save(update_fields=["featured"])
    return testimony

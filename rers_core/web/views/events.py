"""The network's calendar: month, week and list views, events and their occurrences,
registrations with the waiting list, attendance, and the iCalendar feeds.

Anyone sees the network's events (titles, times, places); its members and visitors also
see the seats left and register; facilitators schedule events, change one occurrence,
register people on their behalf and note who came. Times are shown and typed on the
network's wall clock.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rers_core import permissions
from rers_core.errors import DomainError, NotFound
from rers_core.models import Event, Network, Registration
from rers_core.selectors.calendar_pages import (
    facilitator_choices,
    member_for_calendar_token,
    registrable_members,
    registration_get,
    registrations_with_occurrences,
)
from rers_core.selectors.events import (
    Occurrence,
    Organisers,
    event_get,
    event_timezone,
    member_registrations,
    occurrence_get,
    occurrence_key,
    occurrences,
    organiser_label,
    parse_occurrence_key,
    public_events,
    registrations_for,
)
from rers_core.selectors.feeds import member_calendar, network_calendar
from rers_core.selectors.figures import Month
from rers_core.selectors.networks import network_has_neighbours
from rers_core.services.events import (
    attendance_record,
    calendar_token_for,
    calendar_token_regenerate,
    event_cancel,
    event_create,
    event_update,
    occurrence_cancel,
    occurrence_move,
    occurrence_restore,
    registration_cancel,
    registration_create,
)
from rers_core.web.forms import (
    AttendanceForm,
    EventForm,
    OccurrenceCancelForm,
    OccurrenceMoveForm,
    RegisterSomeoneForm,
    repeat_choice,
)
from rers_core.web.views._common import (
    get_network,
    portal_view,
    render_confirmation,
    render_page,
    require_facilitator,
    resolve_subject,
    safe_next,
)
from rers_core.web.views.connections import own_membership

LIST_DAYS = 60
UPCOMING_DAYS = 400
UPCOMING_COUNT = 10
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


class OccurrenceKeyConverter:
    """An occurrence in URLs: its planned start in UTC, ``YYYYMMDDTHHMMSSZ``."""

    regex = r"[0-9]{8}T[0-9]{6}Z"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# --- Helpers ---------------------------------------------------------------------------------


def _tz(network: Network) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(network.timezone)


def _today(network: Network) -> date:
    return timezone.now().astimezone(_tz(network)).date()


def _midnight(day: date, network: Network) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_tz(network))


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def occurrence_url(network: Network, occurrence: Occurrence) -> str:
    return reverse(
        "rers_core:occurrence_detail", args=[network.slug, occurrence.event.pk, occurrence.key]
    )


@dataclass
class Day:
    """One day of a calendar view, with the occurrences starting that day."""

    day: date
    occurrences: list[Occurrence] = field(default_factory=list)
    in_month: bool = True
    is_today: bool = False


def _by_day(found: list[Occurrence], network: Network) -> dict[date, list[Occurrence]]:
    tz = _tz(network)
    days: dict[date, list[Occurrence]] = {}
    for occurrence in found:
        days.setdefault(occurrence.starts_at.astimezone(tz).date(), []).append(occurrence)
    return days


def _plausible(day: date) -> bool:
    """Dates typed in the address bar stay within what the calendar can show."""
    return 2000 <= day.year <= 2200


def _organisers(request: HttpRequest, default: str) -> str:
    """Whose events a calendar shows, from ``?from=``; anything unknown is the default."""
    chosen = request.GET.get("from", default)
    return chosen if chosen in Organisers.values else default


def _query(organisers: str, **params: str) -> str:
    """A calendar page's query string, keeping the choice of organisers (unless it is the
    default, so that plain addresses stay plain)."""
    if organisers != Organisers.ALL:
        params["from"] = organisers
    return f"?{urlencode(params)}" if params else ""


def _month_context(request: HttpRequest, network: Network, today: date, organisers: str) -> dict:
    try:
        month = Month.parse(request.GET.get("month", ""))
    except ValueError:
        month = Month.of(today)
    first = date(month.year, month.month, 1)
    following = month.next()
    last = date(following.year, following.month, 1) - timedelta(days=1)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=7 - last.weekday())
    found = _by_day(
        occurrences(
            public_events(network, organisers),
            _midnight(grid_start, network),
            _midnight(grid_end, network),
        ),
        network,
    )
    days = [grid_start + timedelta(days=n) for n in range((grid_end - grid_start).days)]
    weeks = [
        [
            Day(day, found.get(day, []), in_month=day.month == month.month, is_today=day == today)
            for day in days[i : i + 7]
        ]
        for i in range(0, len(days), 7)
    ]
    return {
        "month_start": first,
        "weeks": weeks,
        "previous_query": _query(organisers, month=str(month.previous())),
        "next_query": _query(organisers, month=str(following)),
        "period": {"month": str(month)},
        "has_events": bool(found),
    }


def _week_context(request: HttpRequest, network: Network, today: date, organisers: str) -> dict:
    try:
        chosen = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        chosen = today
    if not _plausible(chosen):
        chosen = today
    monday = chosen - timedelta(days=chosen.weekday())
    found = _by_day(
        occurrences(
            public_events(network, organisers),
            _midnight(monday, network),
            _midnight(monday + timedelta(days=7), network),
        ),
        network,
    )
    days = [monday + timedelta(days=n) for n in range(7)]
    return {
        "week_start": monday,
        "week_end": days[-1],
        "days": [Day(day, found.get(day, []), is_today=day == today) for day in days],
        "previous_query": _query(
            organisers, view="week", week=(monday - timedelta(days=7)).isoformat()
        ),
        "next_query": _query(
            organisers, view="week", week=(monday + timedelta(days=7)).isoformat()
        ),
        "period": {"view": "week", "week": monday.isoformat()},
        "has_events": bool(found),
    }


def _list_context(network: Network, today: date, organisers: str) -> dict:
    end = today + timedelta(days=LIST_DAYS)
    found = _by_day(
        occurrences(
            public_events(network, organisers),
            max(timezone.now(), _midnight(today, network)),
            _midnight(end, network),
        ),
        network,
    )
    return {
        "days": [Day(day, found[day], is_today=day == today) for day in sorted(found)],
        "list_end": end - timedelta(days=1),
        "period": {"view": "list"},
        "has_events": bool(found),
    }


# --- Calendar pages --------------------------------------------------------------------------


@portal_view
def calendar_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The network's calendar by month (a grid), by week, or as a list of the next days;
    with the events of the neighbouring networks mirrored here, or not (``?from=``)."""
    network = get_network(slug)
    view = request.GET.get("view", "month")
    if view not in ("month", "week", "list"):
        view = "month"
    organisers = _organisers(request, Organisers.ALL)
    today = _today(network)
    if view == "month":
        context = _month_context(request, network, today, organisers)
    elif view == "week":
        context = _week_context(request, network, today, organisers)
    else:
        context = _list_context(network, today, organisers)
    period = context.pop("period")
    view_queries = {
        "month": _query(organisers),
        "week": _query(organisers, view="week"),
        "list": _query(organisers, view="list"),
    }
    return render_page(
        request,
        f"rers_core/calendar/{view}.html",
        {
            **context,
            "view": view,
            "view_queries": view_queries,
            "today_query": view_queries[view],
            "organiser_choices": [
                {"label": label, "query": _query(value, **period), "current": value == organisers}
                for value, label in Organisers.choices
            ],
            "today": today,
            "list_days": LIST_DAYS,
            "show_seats": permissions.membership(request.user, network) is not None,
        },
        network=network,
    )


def _event(request: HttpRequest, network: Network, event_id: int) -> Event:
    """Facilitators also reach cancelled events; anyone else sees the public calendar."""
    if permissions.is_facilitator(request.user, network):
        return event_get(network, event_id, user=request.user)
    return event_get(network, event_id, public=True)


def repetition_text(event: Event) -> str:
    """How an event repeats, in plain words ("every week, on Monday")."""
    if not event.rrule:
        return ""
    first = event.starts_at.astimezone(zoneinfo.ZoneInfo(event_timezone(event))).date()
    choice, rule = repeat_choice(event.rrule, first)
    weekday = date_format(first, "l")
    texts = {
        "weekly": _("Every week, on %(weekday)s"),
        "fortnightly": _("Every two weeks, on %(weekday)s"),
        "monthly_weekday": _("The first %(weekday)s of every month"),
        "monthly": _("Every month, on day %(day)s"),
        "six_monthly": _("Every six months, on day %(day)s"),
    }
    if choice in texts:
        return texts[choice] % {"weekday": weekday, "day": first.day}
    return _("By the rule %(rule)s") % {"rule": rule}


@portal_view
def event_detail(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    network = get_network(slug)
    event = _event(request, network, event_id)
    upcoming: list[Occurrence] = []
    if event.cancelled_at is None:
        if event.rrule:
            now = timezone.now()
            upcoming = occurrences([event], now, now + timedelta(days=UPCOMING_DAYS))
            upcoming = upcoming[:UPCOMING_COUNT]
        else:
            upcoming = occurrences([event], event.starts_at, event.ends_at)
    viewer = permissions.membership(request.user, network)
    return render_page(
        request,
        "rers_core/calendar/event_detail.html",
        {
            "event": event,
            "organiser": organiser_label(event),
            "upcoming": upcoming,
            "show_seats": viewer is not None,
            # Only the organiser changes a neighbouring network's event.
            "can_change": viewer is not None and viewer.is_facilitator and not event.is_mirrored,
            # Names are for the network's members, not for the public.
            "facilitators": (
                list(event.facilitators.all())
                if permissions.can_browse(request.user, network)
                else []
            ),
            "repetition": repetition_text(event),
        },
        network=network,
    )


def _occurrence(
    request: HttpRequest, slug: str, event_id: int, key: str
) -> tuple[Network, Event, Occurrence]:
    network = get_network(slug)
    event = _event(request, network, event_id)
    return network, event, occurrence_get(event, parse_occurrence_key(key))


def _render_occurrence(
    request: HttpRequest,
    network: Network,
    event: Event,
    occurrence: Occurrence,
    *,
    move_form: OccurrenceMoveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = permissions.membership(request.user, network)
    is_facilitator = viewer is not None and viewer.is_facilitator
    registrations = list(registrations_for(event, occurrence.original_start))
    waiting = [r for r in registrations if r.status == Registration.Status.WAITLISTED]
    own = [r for r in registrations if viewer is not None and r.member_id == viewer.pk]
    # A registration under way, else an organiser's refusal, so that the person sees it.
    mine = next((r for r in own if r.status in Registration.ACTIVE), own[0] if own else None)
    is_over = occurrence.ends_at <= timezone.now()
    can_register = not occurrence.cancelled and not is_over and event.registration_open
    context = {
        "event": event,
        "occurrence": occurrence,
        "is_over": is_over,
        "can_register": can_register,
        "mine": mine,
        "my_waiting_position": waiting.index(mine) + 1 if mine in waiting else None,
        "show_seats": viewer is not None,
        "is_facilitator": is_facilitator,
        # Only the organiser changes a neighbouring network's event.
        "can_change": is_facilitator and not event.is_mirrored,
        "next": request.get_full_path(),
    }
    if is_facilitator:
        local = occurrence.starts_at.astimezone(_tz(network))
        context.update(
            {
                "registrations": registrations,
                "confirmed": [
                    r for r in registrations if r.status == Registration.Status.CONFIRMED
                ],
                "waiting": waiting,
                "requested": [
                    r for r in registrations if r.status == Registration.Status.REQUESTED
                ],
                "register_form": RegisterSomeoneForm(
                    members=registrable_members(network, [r.member_id for r in registrations])
                ),
                "move_form": move_form
                or OccurrenceMoveForm(
                    time_zone=network.timezone,
                    prefix="move",
                    initial={
                        "date": local.date(),
                        "start_time": local.time().replace(second=0),
                        "end_time": occurrence.ends_at.astimezone(_tz(network))
                        .time()
                        .replace(second=0),
                    },
                ),
                "attendance_choices": AttendanceForm.base_fields["attended"].choices,
            }
        )
    return render_page(
        request,
        "rers_core/calendar/occurrence_detail.html",
        context,
        network=network,
        status=status,
    )


@portal_view
def occurrence_detail(request: HttpRequest, slug: str, event_id: int, key: str) -> HttpResponse:
    """One sitting: when and where, seats, and registering for it."""
    network, event, occurrence = _occurrence(request, slug, event_id, key)
    return _render_occurrence(request, network, event, occurrence)


@login_required
@require_POST
@portal_view
def occurrence_register(request: HttpRequest, slug: str, event_id: int, key: str) -> HttpResponse:
    """Register myself, or (facilitators) someone of the network, for one occurrence."""
    network, event, occurrence = _occurrence(request, slug, event_id, key)
    viewer = own_membership(request, network)
    target = viewer
    if "member" in request.POST:
        require_facilitator(request, network)
        registrations = registrations_for(event, occurrence.original_start)
        form = RegisterSomeoneForm(
            request.POST,
            members=registrable_members(network, [r.member_id for r in registrations]),
        )
        if not form.is_valid():
            # Back to the date's own address, whose form offers the same people: those not
            # on this date yet.
            messages.error(request, _("Choose the person to register."))
            return redirect(occurrence_url(network, occurrence))
        target = form.cleaned_data["member"]
    try:
        registration = registration_create(
            event=event,
            original_start=occurrence.original_start,
            member=target,
            acting=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        waiting = registration.status == Registration.Status.WAITLISTED
        if registration.status == Registration.Status.REQUESTED:
            text = (
                _("The registration of %(name)s is sent to %(organiser)s, which organises it.")
                if target.pk != viewer.pk
                else _(
                    "Your registration is sent to %(organiser)s, which organises this event. "
                    "We tell you by email when they answer."
                )
            )
            messages.info(
                request, text % {"name": target.display_name, "organiser": event.origin_name}
            )
        elif target.pk != viewer.pk:
            text = (
                _("%(name)s is on the waiting list.") if waiting else _("%(name)s is registered.")
            )
            messages.success(request, text % {"name": target.display_name})
        elif waiting:
            messages.info(
                request,
                _(
                    "It is full: you are on the waiting list. If a seat becomes free, you get it "
                    "and we tell you by email."
                ),
            )
        else:
            messages.success(request, _("You are registered. See you there!"))
    return redirect(occurrence_url(network, occurrence))


def _own_registration(
    request: HttpRequest, slug: str, registration_id: int
) -> tuple[Network, Registration]:
    """A registration of this network the request user may change (else not found)."""
    network = get_network(slug)
    registration = registration_get(network, registration_id)
    if not permissions.can_act_for_registration(request.user, registration):
        raise NotFound(_("There is no such registration in this network."))
    return network, registration


@login_required
@require_POST
@portal_view
def registration_cancel_view(request: HttpRequest, slug: str, registration_id: int) -> HttpResponse:
    """Give the seat up; the first person waiting gets it and is told by email."""
    network, registration = _own_registration(request, slug, registration_id)
    try:
        registration_cancel(registration=registration, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if registration.member_id is not None and registration.member.user_id == request.user.pk:
            messages.success(request, _("Your registration is cancelled. Thank you for saying so."))
        else:
            messages.success(
                request,
                _("The registration of %(name)s is cancelled.")
                % {"name": registration.participant_name},
            )
    default = reverse(
        "rers_core:occurrence_detail",
        args=[network.slug, registration.event_id, occurrence_key(registration.occurrence_start)],
    )
    return redirect(safe_next(request, default))


@login_required
@require_POST
@portal_view
def registration_attendance(request: HttpRequest, slug: str, registration_id: int) -> HttpResponse:
    """A facilitator notes whether a registered person came."""
    network = get_network(slug)
    require_facilitator(request, network)
    registration = registration_get(network, registration_id)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            attendance_record(registration=registration, attended=form.value, acting=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Attendance of %(name)s noted.") % {"name": registration.participant_name},
            )
    else:
        messages.error(request, _("Choose present or absent."))
    return redirect(
        reverse(
            "rers_core:occurrence_detail",
            args=[
                network.slug,
                registration.event_id,
                occurrence_key(registration.occurrence_start),
            ],
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def occurrence_cancel_view(
    request: HttpRequest, slug: str, event_id: int, key: str
) -> HttpResponse:
    """Cancel this occurrence only; registered people see it in their calendar. The page
    asks first, with the reason to show (GET); its button cancels (POST)."""
    network, event, occurrence = _occurrence(request, slug, event_id, key)
    require_facilitator(request, network)
    if event.is_mirrored:
        return _theirs_to_change(request, network, event)
    if occurrence.cancelled:
        messages.info(request, _("This date is cancelled."))
        return redirect(occurrence_url(network, occurrence))
    form = OccurrenceCancelForm(request.POST or None, prefix="cancel")
    if request.method == "POST" and form.is_valid():
        try:
            occurrence_cancel(
                event=event,
                original_start=occurrence.original_start,
                acting=request.user,
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("This date is cancelled; the others stay as they are."))
        return redirect(occurrence_url(network, occurrence))
    when = date_format(occurrence.starts_at.astimezone(_tz(network)), "l j F Y, H:i")
    return render_confirmation(
        request,
        network=network,
        question=_("Cancel the date of %(date)s?") % {"date": when},
        consequences=[
            _("“%(title)s” will not take place that day; the other dates stay as they are.")
            % {"title": event.title},
            _(
                "Registered people see it cancelled in their calendar. If it takes place "
                "after all, “Back as planned” on the date's page restores it."
            ),
        ],
        confirm_label=_("Yes, cancel this date"),
        back_url=occurrence_url(network, occurrence),
        form=form,
    )


@login_required
@require_POST
@portal_view
def occurrence_move_view(request: HttpRequest, slug: str, event_id: int, key: str) -> HttpResponse:
    """Move this occurrence to another day or time; its registrations follow it."""
    network, event, occurrence = _occurrence(request, slug, event_id, key)
    require_facilitator(request, network)
    form = OccurrenceMoveForm(request.POST, prefix="move", time_zone=network.timezone)
    if form.is_valid():
        try:
            occurrence_move(
                event=event,
                original_start=occurrence.original_start,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                acting=request.user,
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("This date is moved; its registrations follow it."))
            return redirect(occurrence_url(network, occurrence))
    return _render_occurrence(request, network, event, occurrence, move_form=form)


@login_required
@require_POST
@portal_view
def occurrence_restore_view(
    request: HttpRequest, slug: str, event_id: int, key: str
) -> HttpResponse:
    """Undo a cancellation or a move: the occurrence is back as planned."""
    network, event, occurrence = _occurrence(request, slug, event_id, key)
    require_facilitator(request, network)
    try:
        occurrence_restore(
            event=event, original_start=occurrence.original_start, acting=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("This date is back as planned."))
    return redirect(occurrence_url(network, occurrence))


# --- Scheduling events (facilitators) --------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def event_new(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    require_facilitator(request, network)
    form = EventForm(
        request.POST or None,
        network=network,
        facilitators=facilitator_choices(network),
        can_co_organise=permissions.is_coordinator(request.user, network),
        neighbours=network_has_neighbours(network),
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = event_create(network=network, acting=request.user, **form.service_fields())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The event is in the calendar."))
            return redirect("rers_core:event_detail", slug=network.slug, event_id=event.pk)
    return render_page(
        request,
        "rers_core/calendar/event_form.html",
        {
            "form": form,
            "event": None,
        },
        network=network,
    )


def _theirs_to_change(request: HttpRequest, network: Network, event: Event) -> HttpResponse:
    """Back to a neighbouring network's event, which only its organiser changes."""
    messages.error(
        request,
        _("Only %(network)s, which organises this event, can change it.")
        % {"network": event.origin_name},
    )
    return redirect("rers_core:event_detail", slug=network.slug, event_id=event.pk)


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def event_edit(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    network = get_network(slug)
    require_facilitator(request, network)
    event = event_get(network, event_id, user=request.user)
    if event.is_mirrored:
        return _theirs_to_change(request, network, event)
    if event.cancelled_at is not None:
        messages.error(request, _("This event is cancelled; schedule a new one instead."))
        return redirect("rers_core:event_detail", slug=network.slug, event_id=event.pk)
    form = EventForm(
        request.POST or None,
        network=network,
        facilitators=facilitator_choices(network),
        can_co_organise=permissions.is_coordinator(request.user, network),
        neighbours=network_has_neighbours(network),
        initial=EventForm.initial_from(event),
    )
    if request.method == "POST" and form.is_valid():
        try:
            event_update(event=event, acting=request.user, **form.service_fields())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The event is saved."))
            return redirect("rers_core:event_detail", slug=network.slug, event_id=event.pk)
    return render_page(
        request,
        "rers_core/calendar/event_form.html",
        {
            "form": form,
            "event": event,
        },
        network=network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def event_cancel_view(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    """Cancel every occurrence of an event, which cannot be taken back: the page asks
    first (GET), its button cancels (POST)."""
    network = get_network(slug)
    require_facilitator(request, network)
    event = event_get(network, event_id, user=request.user)
    if request.method == "GET":
        if event.is_mirrored:
            return _theirs_to_change(request, network, event)
        if event.cancelled_at is not None:
            messages.info(request, _("This event is cancelled, with all its dates."))
            return redirect("rers_core:event_detail", slug=network.slug, event_id=event.pk)
        return render_confirmation(
            request,
            network=network,
            question=_("Cancel “%(title)s”, with all its dates?") % {"title": event.title},
            consequences=[
                _("It cannot be taken back: to hold it again, a new event will have to be made."),
                _("Registered people see it cancelled in their calendar."),
            ],
            confirm_label=_("Yes, cancel the whole event"),
            back_url=reverse("rers_core:event_detail", args=[network.slug, event.pk]),
        )
    try:
        event_cancel(event=event, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The event is cancelled, with all its dates."))
    return redirect("rers_core:event_detail", slug=network.slug, event_id=event.pk)


# --- My registrations and the feeds ----------------------------------------------------------


@login_required
@portal_view
def my_registrations(request: HttpRequest, slug: str) -> HttpResponse:
    """What I registered for, and my personal calendar address."""
    subject = resolve_subject(request, slug, None)
    member = subject.member
    token = calendar_token_for(member)
    return render_page(
        request,
        "rers_core/calendar/my_registrations.html",
        {
            "subject": subject,
            "rows": registrations_with_occurrences(member_registrations(member)),
            "feed_url": request.build_absolute_uri(
                reverse("rers_core:member_feed", args=[subject.network.slug, token.token])
            ),
            "network_feed_url": request.build_absolute_uri(
                reverse("rers_core:network_feed", args=[subject.network.slug])
            ),
            "next": request.get_full_path(),
        },
        network=subject.network,
    )


@login_required
@require_POST
@portal_view
def calendar_token_regenerate_view(request: HttpRequest, slug: str) -> HttpResponse:
    subject = resolve_subject(request, slug, None)
    calendar_token_regenerate(member=subject.member, acting=request.user)
    messages.success(
        request,
        _(
            "Your calendar has a new address. The old one no longer works: update it in your "
            "calendar application."
        ),
    )
    return redirect("rers_core:my_registrations", slug=subject.network.slug)


def _ics(body: bytes, filename: str, *, private: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    if private:
        # A personal address: no shared cache may keep a copy.
        response["Cache-Control"] = "private, no-store"
    return response


@portal_view
def member_feed(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """A member's registrations as iCalendar, at a secret address (no login: calendar
    applications subscribe to it)."""
    network = get_network(slug)
    member = member_for_calendar_token(token)
    if member.network_id != network.pk:
        raise NotFound(_("This calendar address does not exist (any more)."))
    return _ics(
        member_calendar(member, site_url=_site_url(request)),
        f"{network.slug}-my-registrations.ics",
        private=True,
    )


@portal_view
def network_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """The network's public calendar as iCalendar: its own events, or with ``?from=all``
    those of the neighbouring networks too (``?from=neighbours``: theirs only)."""
    network = get_network(slug)
    organisers = _organisers(request, Organisers.HERE)
    filename = network.slug if organisers == Organisers.HERE else f"{network.slug}-{organisers}"
    return _ics(
        network_calendar(network, site_url=_site_url(request), organisers=organisers),
        f"{filename}.ics",
        private=False,
    )

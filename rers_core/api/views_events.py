"""API v1 views for the network's collective life: events, occurrences, registrations,
testimonies, news and monthly figures.

Same shape as :mod:`rers_core.api.views`: resolve the network, check permissions,
validate the input with a serializer, call one service (writes) or selector (reads),
render. The calendar (events, occurrences), published testimonies and news are public;
seat counts and the names of the facilitators in charge are for people of the network.
Objects of another network, or not visible to the reader, answer 404; the services check
every rule again when they write.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.mixins import ListModelMixin
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from rers_core import permissions
from rers_core.api import serializers_events as se
from rers_core.api.permissions import IsCoordinator, IsFacilitator, IsParticipant
from rers_core.api.views import PUBLIC, READ_ERRORS, WRITE_ERRORS, NetworkView, OwnMemberMixin
from rers_core.api.views import errors as error_responses
from rers_core.errors import NotFound, ValidationFailed
from rers_core.models import Event, Member, NewsPost, Registration, Testimony
from rers_core.selectors.events import (
    event_get,
    event_list,
    member_registrations,
    news_list,
    occurrence_get,
    occurrences,
    organised_by,
    parse_occurrence_key,
    public_events,
    registrations_for,
    testimonies_public,
    testimony_list,
)
from rers_core.selectors.figures import Month, figures_series, monthly_figures
from rers_core.selectors.members import member_get, member_list
from rers_core.services import events as event_services
from rers_core.services import portal as portal_services

ACTION_ERRORS = (400, 403, 404, 413)


# --- bases ---------------------------------------------------------------------------


class PublicReadMixin:
    """Anyone may read; writes need ``write_permission`` (facilitators by default)."""

    write_permission: type[BasePermission] = IsFacilitator

    def get_permissions(self) -> list[BasePermission]:
        if self.request is not None and self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return [self.write_permission()]


class EventsView(NetworkView):
    """Lookups shared by the views below; each raises NotFound (404) outside the network."""

    def validated_query(self, serializer_class: type[BaseSerializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def joined(self) -> bool:
        return permissions.membership(self.request.user, self.network) is not None

    def own_member(self) -> Member | None:
        return permissions.membership(self.request.user, self.network)

    def visible_events(self) -> QuerySet[Event]:
        # People of the network see every event, cancelled ones too; others the public
        # calendar.
        if self.joined():
            return event_list(self.network, self.request.user)
        return public_events(self.network)

    def get_event(self) -> Event:
        return event_get(
            self.network, self.kwargs["event_id"], user=self.request.user, public=not self.joined()
        )

    def occurrence_start(self) -> datetime:
        """The occurrence named by ``key`` in the address: malformed keys are bad input."""
        try:
            start = parse_occurrence_key(self.kwargs["key"])
        except NotFound as exc:
            raise ValidationFailed(
                _("An occurrence key is its planned start in UTC, as YYYYMMDDTHHMMSSZ."),
                field="key",
            ) from exc
        first, last = se.YEARS
        if not first <= start.year <= last:
            raise ValidationFailed(
                _("Give a date between the years %(first)d and %(last)d.")
                % {"first": first, "last": last},
                field="key",
            )
        return start

    def member_input(self, field: str, member_id: int) -> Member:
        try:
            return member_get(self.network, member_id)
        except NotFound as exc:
            raise ValidationFailed(exc.message, field=field) from exc

    def event_input(self, field: str, event_id: int | None) -> Event | None:
        if event_id is None:
            return None
        try:
            return event_get(self.network, event_id, user=self.request.user)
        except NotFound as exc:
            raise ValidationFailed(exc.message, field=field) from exc

    def context(self) -> dict[str, Any]:
        return self.get_serializer_context()


# --- events --------------------------------------------------------------------------


class EventRenderMixin:
    def render_event(self, event: Event, code: int = status.HTTP_200_OK) -> Response:
        # Read again through the selector: facilitators prefetched, as in the list.
        event = event_get(self.network, event.pk, user=self.request.user)
        return self.render(se.EventSerializer, event, code)

    def validated_event(self, *, event: Event | None = None) -> dict[str, Any]:
        serializer = se.EventWriteSerializer(
            data=self.request.data,
            partial=event is not None,
            context={**self.get_serializer_context(), "network": self.network, "event": event},
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "facilitators" in data:
            data["facilitators"] = self.members_input("facilitators", data["facilitators"])
        return data

    def members_input(self, field: str, ids: list[int]) -> list[Member]:
        found = {m.pk: m for m in member_list(self.network).filter(pk__in=set(ids))}
        missing = [str(pk) for pk in dict.fromkeys(ids) if pk not in found]
        if missing:
            raise ValidationFailed(
                _("There is no such member in this network: %(ids)s.")
                % {"ids": ", ".join(missing)},
                field=field,
            )
        return [found[pk] for pk in dict.fromkeys(ids)]


_EVENTS_DESCRIPTION = gettext_lazy(
    "The network's calendar is public. People who joined the network also see cancelled "
    "events; the facilitators in charge are named to members only. `starts_at` and "
    "`ends_at` are the first sitting; `occurrences/` gives every sitting in a range. "
    "Events of neighbouring networks mirrored here have `is_mirrored` true, their "
    "organiser in `origin_name`, and change only at their organiser."
)


@extend_schema(tags=["events"])
class EventListView(EventRenderMixin, PublicReadMixin, ListModelMixin, EventsView):
    serializer_class = se.EventSerializer

    def get_queryset(self) -> QuerySet[Event]:
        if self.is_schema():
            return Event.objects.none()
        params = self.validated_query(se.OrganisersQuerySerializer)
        return organised_by(self.visible_events(), params["from"])

    @extend_schema(
        summary=gettext_lazy("Events of the network (public)"),
        description=_EVENTS_DESCRIPTION,
        auth=PUBLIC,
        parameters=[se.OrganisersQuerySerializer],
        responses={200: se.EventSerializer, **error_responses(400, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(
        summary=gettext_lazy("Schedule an event, once or repeating (facilitators)"),
        description=gettext_lazy(
            "Times in ISO 8601 with their offset. A repeating event follows `rrule` on the "
            "network's wall clock: a drop-in at 9:00 stays at 9:00 across daylight-saving "
            "changes."
        ),
        request=se.EventWriteSerializer,
        responses={201: se.EventSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.validated_event()
        event = event_services.event_create(network=self.network, acting=request.user, **data)
        return self.render_event(event, status.HTTP_201_CREATED)


@extend_schema(tags=["events"])
class EventDetailView(EventRenderMixin, PublicReadMixin, EventsView):
    @extend_schema(
        summary=gettext_lazy("An event (public)"),
        description=_EVENTS_DESCRIPTION,
        auth=PUBLIC,
        responses={200: se.EventSerializer, **error_responses(404)},
    )
    def get(self, request: Request, slug: str, event_id: int) -> Response:
        return self.render(se.EventSerializer, self.get_event())

    @extend_schema(
        summary=gettext_lazy("Change an event (facilitators)"),
        description=gettext_lazy(
            "Registrations stay attached to the occurrences they were for. Give "
            "`facilitators` to replace the people in charge."
        ),
        request=se.EventWriteSerializer,
        responses={200: se.EventSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def patch(self, request: Request, slug: str, event_id: int) -> Response:
        event = self.get_event()
        fields = self.validated_event(event=event)
        event = event_services.event_update(event=event, acting=request.user, **fields)
        return self.render_event(event)


@extend_schema(tags=["events"])
class EventCancelView(EventRenderMixin, EventsView):
    permission_classes = [IsFacilitator]

    @extend_schema(
        summary=gettext_lazy("Cancel a whole event, every occurrence (facilitators)"),
        description=gettext_lazy("Cancelling twice is harmless."),
        request=None,
        responses={200: se.EventSerializer, **error_responses(*READ_ERRORS)},
    )
    def post(self, request: Request, slug: str, event_id: int) -> Response:
        event = event_services.event_cancel(event=self.get_event(), acting=request.user)
        return self.render_event(event)


# --- occurrences ---------------------------------------------------------------------


@extend_schema(tags=["events"])
class OccurrenceListView(EventsView):
    permission_classes = [AllowAny]
    pagination_class = None

    @extend_schema(
        summary=gettext_lazy("Every sitting of the network's events in a range (public)"),
        description=gettext_lazy(
            "Sittings overlapping [start, end), at most 366 days, sorted by start; "
            "cancelled and moved ones are flagged. A moved sitting keeps its `key`. Seat "
            "counts are given to people who joined the network. `from` chooses this "
            "network's events, the neighbouring networks' ones mirrored here, or both "
            "(default)."
        ),
        auth=PUBLIC,
        parameters=[se.OccurrenceQuerySerializer],
        responses={200: se.OccurrenceSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        params = self.validated_query(se.OccurrenceQuerySerializer)
        events = organised_by(self.visible_events(), params["from"])
        if "event" in params:
            events = events.filter(pk=params["event"])
        found = occurrences(events, params["start"], params["end"])
        return Response(se.OccurrenceSerializer(found, many=True, context=self.context()).data)


@extend_schema(tags=["events"])
class OccurrenceDetailView(EventsView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary=gettext_lazy("One sitting of an event (public)"),
        auth=PUBLIC,
        responses={200: se.OccurrenceSerializer, **error_responses(400, 404)},
    )
    def get(self, request: Request, slug: str, event_id: int, key: str) -> Response:
        occurrence = occurrence_get(self.get_event(), self.occurrence_start())
        return self.render(se.OccurrenceSerializer, occurrence)


class OccurrenceActionView(EventsView):
    permission_classes = [IsFacilitator]

    def render_occurrence(self, event: Event, start: datetime) -> Response:
        return self.render(se.OccurrenceSerializer, occurrence_get(event, start))


def _occurrence_action(summary: Any, *, description: Any = None, request: Any = None) -> Any:
    return extend_schema(
        tags=["events"],
        summary=summary,
        description=description,
        request=request,
        responses={200: se.OccurrenceSerializer, **error_responses(*ACTION_ERRORS)},
    )


class OccurrenceCancelView(OccurrenceActionView):
    @_occurrence_action(
        gettext_lazy("Cancel one sitting, the others unchanged (facilitators)"),
        description=gettext_lazy("Registrations stay; restoring the sitting brings it back."),
        request=se.OccurrenceCancelSerializer,
    )
    def post(self, request: Request, slug: str, event_id: int, key: str) -> Response:
        event, start = self.get_event(), self.occurrence_start()
        data = self.validated(se.OccurrenceCancelSerializer)
        event_services.occurrence_cancel(
            event=event, original_start=start, acting=request.user, **data
        )
        return self.render_occurrence(event, start)


class OccurrenceMoveView(OccurrenceActionView):
    @_occurrence_action(
        gettext_lazy("Move one sitting to another time (facilitators)"),
        description=gettext_lazy("Its registrations follow it; its `key` does not change."),
        request=se.OccurrenceMoveSerializer,
    )
    def post(self, request: Request, slug: str, event_id: int, key: str) -> Response:
        event, start = self.get_event(), self.occurrence_start()
        data = self.validated(se.OccurrenceMoveSerializer)
        event_services.occurrence_move(
            event=event, original_start=start, acting=request.user, **data
        )
        return self.render_occurrence(event, start)


class OccurrenceRestoreView(OccurrenceActionView):
    @_occurrence_action(
        gettext_lazy("Undo a cancellation or a move: the sitting is back as planned (facilitators)")
    )
    def post(self, request: Request, slug: str, event_id: int, key: str) -> Response:
        event, start = self.get_event(), self.occurrence_start()
        occurrence_get(event, start)  # 404 for a time the event never had
        event_services.occurrence_restore(event=event, original_start=start, acting=request.user)
        return self.render_occurrence(event, start)


# --- registrations -------------------------------------------------------------------


def _registration_in(network: Any, registration_id: int) -> Registration | None:
    # A lookup by id scoped to the network (no selector offers it yet).
    return (
        Registration.objects.select_related("member", "event__network")
        .filter(event__network=network, pk=registration_id)
        .first()
    )


@extend_schema(tags=["registrations"])
class RegistrationListView(ListModelMixin, EventsView):
    """Facilitators see everyone registered for a sitting; others their own registration."""

    permission_classes = [IsParticipant]
    serializer_class = se.RegistrationSerializer

    def get_queryset(self) -> QuerySet[Registration]:
        if self.is_schema():
            return Registration.objects.none()
        event, start = self.get_event(), self.occurrence_start()
        if event.cancelled_at is None:
            # 404 for a time the event never had; a cancelled event keeps its list.
            occurrence_get(event, start)
        registrations = registrations_for(event, start)
        if permissions.is_facilitator(self.request.user, self.network):
            return registrations
        return registrations.filter(member=self.own_member())

    @extend_schema(
        summary=gettext_lazy("Registrations for one sitting"),
        description=gettext_lazy(
            "Facilitators see everyone, confirmed first then the waiting list in order; "
            "others see their own registration only."
        ),
        # 400: a malformed occurrence key.
        responses={200: se.RegistrationSerializer, **error_responses(400, *READ_ERRORS)},
    )
    def get(self, request: Request, slug: str, event_id: int, key: str) -> Response:
        return self.list(request)

    @extend_schema(
        summary=gettext_lazy("Register for one sitting"),
        description=gettext_lazy(
            "When the sitting is full you are put on the waiting list (`status`) and told by "
            "email when a seat frees up. Registering twice returns the same registration. "
            "Facilitators may register a member or a visitor of the network (`member`). For "
            "a neighbouring network's event the registration is `requested` until its "
            "organiser answers (`confirmed`, `waitlisted` or `refused`)."
        ),
        request=se.RegistrationCreateSerializer,
        responses={201: se.RegistrationSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str, event_id: int, key: str) -> Response:
        event, start = self.get_event(), self.occurrence_start()
        data = self.validated(se.RegistrationCreateSerializer)
        member = (
            self.own_member()
            if "member" not in data
            else self.member_input("member", data["member"])
        )
        registration = event_services.registration_create(
            event=event, original_start=start, member=member, acting=request.user
        )
        return self.render(se.RegistrationSerializer, registration, status.HTTP_201_CREATED)


class RegistrationObjectView(EventsView):
    permission_classes = [IsParticipant]

    def get_registration(self) -> Registration:
        registration = _registration_in(self.network, self.kwargs["registration_id"])
        # Someone else's registration is not visible to members: 404, as if absent.
        if registration is None or not permissions.can_act_for_registration(
            self.request.user, registration
        ):
            raise NotFound(_("There is no such registration in this network."))
        return registration


@extend_schema(tags=["registrations"])
class RegistrationCancelView(RegistrationObjectView):
    @extend_schema(
        summary=gettext_lazy("Give your place up (or a facilitator for someone)"),
        description=gettext_lazy(
            "The first person waiting gets the seat and is told by email. Cancelling twice "
            "is harmless."
        ),
        request=None,
        responses={200: se.RegistrationSerializer, **error_responses(*READ_ERRORS)},
    )
    def post(self, request: Request, slug: str, registration_id: int) -> Response:
        registration = event_services.registration_cancel(
            registration=self.get_registration(), acting=request.user
        )
        return self.render(se.RegistrationSerializer, registration)


@extend_schema(tags=["registrations"])
class RegistrationAttendanceView(RegistrationObjectView):
    permission_classes = [IsFacilitator]

    @extend_schema(
        summary=gettext_lazy("Note whether a registered person came (facilitators)"),
        description=gettext_lazy("Only confirmed registrations, not the waiting list."),
        request=se.AttendanceSerializer,
        responses={200: se.RegistrationSerializer, **error_responses(*ACTION_ERRORS)},
    )
    def post(self, request: Request, slug: str, registration_id: int) -> Response:
        registration = self.get_registration()
        data = self.validated(se.AttendanceSerializer)
        registration = event_services.attendance_record(
            registration=registration, attended=data["attended"], acting=request.user
        )
        return self.render(se.RegistrationSerializer, registration)


@extend_schema(tags=["me"])
class OwnRegistrationListView(OwnMemberMixin, ListModelMixin, EventsView):
    serializer_class = se.OwnRegistrationSerializer

    def get_queryset(self) -> QuerySet[Registration]:
        if self.is_schema():
            return Registration.objects.none()
        return member_registrations(self.get_member())

    @extend_schema(
        summary=gettext_lazy("Your registrations for sittings to come"),
        description=gettext_lazy(
            "Confirmed and waiting, soonest first. `original_start` is the planned start: "
            "the sitting's own address gives its time if it was moved."
        ),
        responses={200: se.OwnRegistrationSerializer, **error_responses(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)


# --- testimonies ---------------------------------------------------------------------


@extend_schema(tags=["testimonies"])
class TestimonyListView(PublicReadMixin, EventsView):
    write_permission = IsParticipant

    @extend_schema(
        summary=gettext_lazy("Testimonies shown on the public page (facilitators: all)"),
        description=gettext_lazy(
            "Only testimonies whose author agreed to publish them and that facilitators "
            "chose to show, signed with a first name or anonymous. Facilitators get every "
            "testimony with `?all=true`, each in full as `Testimony` (the fields below and "
            "more)."
        ),
        auth=PUBLIC,
        parameters=[se.TestimonyQuerySerializer],
        # A full Testimony has every field of a public one: one item schema fits both.
        responses={
            200: se.PublicTestimonySerializer(many=True),
            **error_responses(400, *READ_ERRORS),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        params = self.validated_query(se.TestimonyQuerySerializer)
        serializer_class: type[BaseSerializer] = se.PublicTestimonySerializer
        testimonies: QuerySet[Testimony] = testimonies_public(self.network)
        if params["all"]:
            if not permissions.is_facilitator(request.user, self.network):
                # As a permission class would: anonymous callers are told to sign in.
                self.permission_denied(
                    request, message=IsFacilitator.message, code=IsFacilitator.code
                )
            serializer_class, testimonies = se.TestimonySerializer, testimony_list(self.network)
        page = self.paginate_queryset(testimonies)
        return self.get_paginated_response(
            serializer_class(page, many=True, context=self.context()).data
        )

    @extend_schema(
        summary=gettext_lazy("Record a testimony"),
        description=gettext_lazy(
            "Your own words, or (facilitators) a member's words collected with them "
            "(`author`). It stays private unless its author agreed to publish it."
        ),
        request=se.TestimonyCreateSerializer,
        responses={201: se.TestimonySerializer, **error_responses(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.validated(se.TestimonyCreateSerializer)
        author = (
            self.member_input("author", data.pop("author"))
            if "author" in data
            else self.own_member()
        )
        testimony = event_services.testimony_record(
            network=self.network,
            author=author,
            acting=request.user,
            event=self.event_input("event", data.pop("event", None)),
            **data,
        )
        return self.render(se.TestimonySerializer, testimony, status.HTTP_201_CREATED)


class TestimonyObjectView(EventsView):
    permission_classes = [IsParticipant]

    def get_testimony(self) -> Testimony:
        testimony = testimony_list(self.network).filter(pk=self.kwargs["testimony_id"]).first()
        # Only its author and the facilitators see an unpublished testimony.
        if testimony is None or not permissions.can_act_for(self.request.user, testimony.author):
            raise NotFound(_("There is no such testimony in this network."))
        return testimony


@extend_schema(tags=["testimonies"])
class TestimonyPublicationView(TestimonyObjectView):
    @extend_schema(
        summary=gettext_lazy(
            "Change the consent to publish a testimony (its author, or a facilitator recording it)"
        ),
        description=gettext_lazy(
            "private, anonymous, or first_name with the first name to show. Making it "
            "private again removes it from the public page at once."
        ),
        request=se.PublicationSerializer,
        responses={200: se.TestimonySerializer, **error_responses(*ACTION_ERRORS)},
    )
    def post(self, request: Request, slug: str, testimony_id: int) -> Response:
        testimony = self.get_testimony()
        data = self.validated(se.PublicationSerializer)
        testimony = event_services.testimony_set_publication(
            testimony=testimony, acting=request.user, **data
        )
        return self.render(se.TestimonySerializer, testimony)


@extend_schema(tags=["testimonies"])
class TestimonyFeatureView(TestimonyObjectView):
    permission_classes = [IsFacilitator]

    @extend_schema(
        summary=gettext_lazy("Show a testimony on the public page, or stop (facilitators)"),
        description=gettext_lazy("Only testimonies whose author agreed to publish them."),
        request=se.FeatureSerializer,
        responses={200: se.TestimonySerializer, **error_responses(*ACTION_ERRORS)},
    )
    def post(self, request: Request, slug: str, testimony_id: int) -> Response:
        testimony = self.get_testimony()
        data = self.validated(se.FeatureSerializer)
        testimony = event_services.testimony_feature(
            testimony=testimony, featured=data["featured"], acting=request.user
        )
        return self.render(se.TestimonySerializer, testimony)


# --- news ----------------------------------------------------------------------------


@extend_schema(tags=["news"])
class NewsListView(PublicReadMixin, ListModelMixin, EventsView):
    serializer_class = se.NewsSerializer

    def get_queryset(self) -> QuerySet[NewsPost]:
        if self.is_schema():
            return NewsPost.objects.none()
        return news_list(self.network)

    @extend_schema(
        summary=gettext_lazy("News of the network (public)"),
        description=gettext_lazy("Newest first; scheduled posts appear at their time."),
        auth=PUBLIC,
        responses={200: se.NewsSerializer, **error_responses(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(
        summary=gettext_lazy("Publish a news post (facilitators)"),
        request=se.NewsCreateSerializer,
        responses={201: se.NewsSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.validated(se.NewsCreateSerializer)
        post = portal_services.news_publish(
            network=self.network,
            acting=request.user,
            event=self.event_input("event", data.pop("event", None)),
            **data,
        )
        return self.render(se.NewsSerializer, post, status.HTTP_201_CREATED)


@extend_schema(tags=["news"])
class NewsDetailView(PublicReadMixin, EventsView):
    def get_post(self) -> NewsPost:
        if permissions.is_facilitator(self.request.user, self.network):
            # Facilitators also reach posts scheduled for later (no selector offers it yet).
            posts = NewsPost.objects.select_related("network", "event").filter(network=self.network)
        else:
            posts = news_list(self.network)
        post = posts.filter(pk=self.kwargs["news_id"]).first()
        if post is None:
            raise NotFound(_("There is no such news post in this network."))
        return post

    @extend_schema(
        summary=gettext_lazy("A news post (public)"),
        auth=PUBLIC,
        responses={200: se.NewsSerializer, **error_responses(404)},
    )
    def get(self, request: Request, slug: str, news_id: int) -> Response:
        return self.render(se.NewsSerializer, self.get_post())

    @extend_schema(
        summary=gettext_lazy("Edit a news post (facilitators)"),
        request=se.NewsUpdateSerializer,
        responses={200: se.NewsSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def patch(self, request: Request, slug: str, news_id: int) -> Response:
        post = self.get_post()
        fields = self.validated(se.NewsUpdateSerializer, partial=True)
        post = portal_services.news_update(post=post, acting=request.user, **fields)
        return self.render(se.NewsSerializer, post)

    @extend_schema(
        summary=gettext_lazy("Delete a news post (facilitators)"),
        responses={204: None, **error_responses(*READ_ERRORS)},
    )
    def delete(self, request: Request, slug: str, news_id: int) -> Response:
        portal_services.news_delete(post=self.get_post(), acting=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- figures -------------------------------------------------------------------------


@extend_schema(tags=["figures"])
class FiguresView(EventsView):
    permission_classes = [IsFacilitator]

    @extend_schema(
        summary=gettext_lazy("The network's figures for one month (facilitators)"),
        description=gettext_lazy(
            "Counted in the network's time zone. `unmet_requests` counts the requests "
            "posted by the end of the month that are still open and answered by no offer "
            "today."
        ),
        parameters=[se.FiguresQuerySerializer],
        responses={200: se.FiguresSerializer, **error_responses(400, *READ_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        params = self.validated_query(se.FiguresQuerySerializer)
        month = params.get("month") or Month.of(
            timezone.now().astimezone(zoneinfo.ZoneInfo(self.network.timezone))
        )
        figures = monthly_figures(self.network, month)
        return self.render(se.FiguresSerializer, {"month": month, "figures": figures})


@extend_schema(tags=["figures"])
class FiguresSeriesView(EventsView):
    permission_classes = [IsCoordinator]
    pagination_class = None

    @extend_schema(
        summary=gettext_lazy("The network's figures month by month (coordinators)"),
        description=gettext_lazy(
            "From `from` to `to` included, at most 36 months, oldest first; for quality reporting."
        ),
        parameters=[se.FiguresSeriesQuerySerializer],
        responses={200: se.FiguresSerializer(many=True), **error_responses(400, *READ_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        params = self.validated_query(se.FiguresSeriesQuerySerializer)
        series = figures_series(self.network, params["from"], params["to"])
        rows = [{"month": month, "figures": figures} for month, figures in series]
        return Response(se.FiguresSerializer(rows, many=True, context=self.context()).data)

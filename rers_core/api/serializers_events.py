"""Serializers of API v1 for the network's collective life: events and their occurrences,
registrations, testimonies, news and monthly figures.

As in :mod:`rers_core.api.serializers`: input serializers check shapes and sizes (the rules
are the services'), output serializers never carry contact details. Times go in and out
as ISO 8601 with their offset; a time without one is refused rather than guessed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rers_core import permissions
from rers_core.api.serializers import (
    LONG_TEXT,
    MAX_ID,
    MemberRefSerializer,
    TranslatedModelSerializer,
)
from rers_core.models import Event, NewsPost, Registration, Testimony
from rers_core.recurrence import normalise_rule
from rers_core.selectors.events import Occurrence, Organisers, occurrence_key
from rers_core.selectors.figures import FIGURES, Month

# Outside these years a date is a typing error; extreme years would also overflow when
# moved to another time zone.
YEARS = (1970, 2100)
# ``occurrences/``: one calendar page at most (a year, leap day included).
MAX_RANGE = timedelta(days=366)
# ``figures/series/``: three years of monthly figures at most.
MAX_SERIES_MONTHS = 36
# People in charge of one event.
MAX_FACILITATORS = 20
NEWS_TEXT = 20000


# --- times ---------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 date and time **with** its offset (``+01:00`` or ``Z``); years 1970–2100."""

    default_error_messages = {
        "naive": _(
            "Give the time with its offset, e.g. 2026-03-02T09:00:00+01:00 or 2026-03-02T08:00:00Z."
        ),
        "plus": _(
            "In an address, write the + of the offset as %2B (or give the time in "
            "UTC, ending with Z)."
        ),
        "year": _("Give a date between the years {first} and {last}."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            _("ISO 8601 date and time with its offset, e.g. 2026-03-02T09:00:00+01:00."),
        )
        super().__init__(**kwargs)

    @staticmethod
    def _parse(value: str) -> datetime | None:
        try:
            return parse_datetime(value)
        except ValueError:  # well formed but impossible, e.g. 30 February
            return None

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            text = value.strip()
            parsed = self._parse(text)
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
            # A "+01:00" offset in a query string arrives as " 01:00".
            if parsed is None and " " in text and self._parse(text.replace(" ", "+")):
                self.fail("plus")
        elif isinstance(value, datetime) and timezone.is_naive(value):
            self.fail("naive")
        result = super().to_internal_value(value)
        first, last = YEARS
        if not first <= result.year <= last:
            self.fail("year", first=first, last=last)
        return result


# --- repetition rules ----------------------------------------------------------------


class RepetitionRuleField(serializers.CharField):
    """An RFC 5545 RRULE as :mod:`rers_core.recurrence` accepts it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault(
            "help_text",
            _(
                "An RFC 5545 rule without the RRULE: prefix, e.g. FREQ=WEEKLY;BYDAY=MO; empty "
                "for a single event. Parts: FREQ (DAILY, WEEKLY, MONTHLY or YEARLY), INTERVAL "
                "(1 to 100), COUNT or UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, WKST."
            ),
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        try:
            return normalise_rule(super().to_internal_value(data))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


# --- references ----------------------------------------------------------------------


class EventRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "title"]
        read_only_fields = fields


def _ids(help_text: Any, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=MAX_FACILITATORS,
        help_text=help_text,
        **kwargs,
    )


# --- events --------------------------------------------------------------------------


class EventSerializer(TranslatedModelSerializer):
    """An event as the network shows it; ``starts_at``/``ends_at`` are its first sitting.

    An event organised by a neighbouring network is mirrored here (``is_mirrored``): only its
    organiser changes it, and its seats are counted there."""

    facilitators = serializers.SerializerMethodField(
        help_text=_(
            "Facilitators in charge, for people who may browse the network; empty for others."
        )
    )
    is_mirrored = serializers.BooleanField(
        read_only=True, help_text=_("Organised by a neighbouring network, mirrored here.")
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "uid",
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
            "is_mirrored",
            "origin_uri",
            "origin_name",
            "origin_distance_km",
            "facilitators",
            "cancelled_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "origin_uri": {"help_text": _("Its address at the organising network; empty here.")},
            "origin_name": {"help_text": _("The organising network's name; empty here.")},
            "origin_distance_km": {
                "help_text": _("How far the organising network is, in km; null if unknown.")
            },
        }

    @extend_schema_field(MemberRefSerializer(many=True))
    def get_facilitators(self, event: Event) -> list[dict[str, Any]]:
        # Display names are for the network's members, not for the public calendar.
        if not permissions.can_browse(self.context["request"].user, event.network_id):
            return []
        # Prefetched by ``event_list``: no query per row.
        people = sorted(event.facilitators.all(), key=lambda m: (m.display_name, m.pk))
        return MemberRefSerializer(people, many=True).data


class EventWriteSerializer(serializers.Serializer):
    """Fields of ``event_create``/``event_update``; the view sends the context's network
    (and, when editing, the event) so that a repetition rule is checked against the start."""

    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    title = serializers.CharField(max_length=160)
    description = serializers.CharField(max_length=LONG_TEXT, allow_blank=True, required=False)
    place = serializers.CharField(max_length=300, allow_blank=True, required=False)
    online_url = serializers.URLField(max_length=200, allow_blank=True, required=False)
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    rrule = RepetitionRuleField(required=False)
    capacity = serializers.IntegerField(
        min_value=1,
        max_value=100_000,
        allow_null=True,
        required=False,
        help_text=_("Seats per sitting; null: no limit."),
    )
    registration_open = serializers.BooleanField(required=False)
    visibility = serializers.ChoiceField(choices=Event.Visibility.choices, required=False)
    co_organised = serializers.BooleanField(
        required=False,
        help_text=_(
            "Co-organised with the neighbouring networks (coordinators only; for an event "
            "visible to them)."
        ),
    )
    facilitators = _ids(_("Ids of the facilitators of the network in charge."), required=False)


# --- whose events --------------------------------------------------------------------


class OrganisersQuerySerializer(serializers.Serializer):
    """``from`` (a Python keyword, hence ``get_fields``): whose events to list."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            **super().get_fields(),
            "from": serializers.ChoiceField(
                choices=Organisers.choices,
                required=False,
                default=Organisers.ALL,
                help_text=_(
                    "here: this network's own events; neighbours: those of the neighbouring "
                    "networks mirrored here; all (default): both."
                ),
            ),
        }


# --- occurrences ---------------------------------------------------------------------


class OccurrenceQuerySerializer(OrganisersQuerySerializer):
    start = AwareDateTimeField(
        help_text=_("Beginning of the range (ISO 8601 with offset; in an address, + is %2B).")
    )
    end = AwareDateTimeField(help_text=_("End of the range, at most 366 days after its start."))
    event = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("Only this event's occurrences."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end must come after the start.")]})
        if attrs["end"] - attrs["start"] > MAX_RANGE:
            raise serializers.ValidationError({"end": [_("Ask for at most 366 days at a time.")]})
        return attrs


class OccurrenceSerializer(serializers.Serializer):
    """One sitting of an event. ``key`` (its planned start in UTC) names it in addresses,
    even when it was moved. Seat counts are for people who joined the network."""

    event = serializers.IntegerField(source="event.pk", read_only=True)
    title = serializers.CharField(source="event.title", read_only=True)
    origin_name = serializers.CharField(
        source="event.origin_name",
        read_only=True,
        help_text=_("The organising network, for a neighbouring network's event; else empty."),
    )
    key = serializers.CharField(
        read_only=True, help_text=_("The planned start in UTC, YYYYMMDDTHHMMSSZ.")
    )
    original_start = serializers.DateTimeField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    cancelled = serializers.BooleanField(read_only=True)
    moved = serializers.BooleanField(read_only=True)
    note = serializers.CharField(read_only=True)
    seats_left = serializers.SerializerMethodField(
        help_text=_(
            "Seats still free; null when there is no limit, for the public, and for a "
            "neighbouring network's event (its organiser counts them)."
        )
    )
    confirmed = serializers.SerializerMethodField(
        help_text=_("People registered; null for the public.")
    )
    waitlisted = serializers.SerializerMethodField(
        help_text=_("People on the waiting list; null for the public.")
    )

    def _joined(self, occurrence: Occurrence) -> bool:
        # Cached per request by ``permissions.membership``.
        user = self.context["request"].user
        return permissions.membership(user, occurrence.event.network_id) is not None

    def get_seats_left(self, occurrence: Occurrence) -> int | None:
        return occurrence.seats_left if self._joined(occurrence) else None

    def get_confirmed(self, occurrence: Occurrence) -> int | None:
        return occurrence.confirmed if self._joined(occurrence) else None

    def get_waitlisted(self, occurrence: Occurrence) -> int | None:
        return occurrence.waitlisted if self._joined(occurrence) else None


class OccurrenceCancelSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=300,
        allow_blank=True,
        required=False,
        help_text=_("Why, for the people who planned to come (e.g. a public holiday)."),
    )


class OccurrenceMoveSerializer(OccurrenceCancelSerializer):
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()


# --- registrations -------------------------------------------------------------------


class RegistrationSerializer(serializers.ModelSerializer):
    """A person's place at one occurrence (``key``: the occurrence's planned start).

    A participant from a neighbouring network has no ``member`` here: ``participant_name``
    and ``remote_network_name`` say who they are. A registration to a neighbouring
    network's event is ``requested`` until its organiser answers."""

    event = serializers.IntegerField(source="event_id", read_only=True)
    key = serializers.SerializerMethodField(help_text=_("The occurrence, as in its address."))
    original_start = serializers.DateTimeField(source="occurrence_start", read_only=True)
    member = MemberRefSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("The member; null for a participant from a neighbouring network."),
    )
    participant_name = serializers.CharField(
        read_only=True, help_text=_("The name shown for the person, whichever network.")
    )

    class Meta:
        model = Registration
        fields = [
            "id",
            "event",
            "key",
            "original_start",
            "member",
            "participant_name",
            "remote_network_name",
            "status",
            "created_at",
            "promoted_at",
            "cancelled_at",
            "attended",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "remote_network_name": {
                "help_text": _("A participant from a neighbouring network: their network.")
            },
        }

    def get_key(self, registration: Registration) -> str:
        return occurrence_key(registration.occurrence_start)


class OwnRegistrationSerializer(RegistrationSerializer):
    """One of your registrations, with its event."""

    event = EventRefSerializer(read_only=True)

    class Meta(RegistrationSerializer.Meta):
        # Always one of yours: no one else's name or network to tell.
        fields = [
            f
            for f in RegistrationSerializer.Meta.fields
            if f not in ("member", "participant_name", "remote_network_name")
        ]
        read_only_fields = fields


class RegistrationCreateSerializer(serializers.Serializer):
    member = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("Facilitators: id of the member (or visitor) to register. Default: yourself."),
    )


class AttendanceSerializer(serializers.Serializer):
    attended = serializers.BooleanField(help_text=_("Whether the person came."))


# --- testimonies ---------------------------------------------------------------------


class TestimonyQuerySerializer(serializers.Serializer):
    all = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Facilitators: every testimony, published or not."),
    )


class PublicTestimonySerializer(serializers.ModelSerializer):
    """A testimony its author agreed to publish and facilitators chose to show."""

    event = EventRefSerializer(read_only=True, allow_null=True)
    signature = serializers.CharField(
        read_only=True, help_text=_("The first name shown; empty when anonymous.")
    )

    class Meta:
        model = Testimony
        fields = ["id", "text", "signature", "event", "created_at"]
        read_only_fields = fields


class TestimonySerializer(PublicTestimonySerializer):
    """A testimony in full, for its author and the network's facilitators."""

    author = MemberRefSerializer(read_only=True)
    is_public = serializers.BooleanField(read_only=True)

    class Meta(PublicTestimonySerializer.Meta):
        fields = [
            "id",
            "text",
            "publication",
            "first_name",
            "signature",
            "featured",
            "is_public",
            "event",
            "author",
            "created_at",
        ]
        read_only_fields = fields


class PublicationSerializer(serializers.Serializer):
    publication = serializers.ChoiceField(
        choices=Testimony.Publication.choices,
        help_text=_("The author's consent: private, anonymous, or with their first name."),
    )
    first_name = serializers.CharField(
        max_length=60,
        allow_blank=True,
        required=False,
        help_text=_("Required with first_name publication."),
    )


class TestimonyCreateSerializer(PublicationSerializer):
    text = serializers.CharField(max_length=LONG_TEXT, help_text=_("In the author's words."))
    author = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("Facilitators: id of the member whose words these are. Default: yourself."),
    )
    event = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text=_("The event where it was collected, if any."),
    )
    publication = serializers.ChoiceField(
        choices=Testimony.Publication.choices,
        required=False,
        default=Testimony.Publication.PRIVATE,
        help_text=_("The author's consent; private unless they agreed."),
    )


class FeatureSerializer(serializers.Serializer):
    featured = serializers.BooleanField(
        help_text=_("Show it on the public page (only testimonies whose author consented).")
    )


# --- news ----------------------------------------------------------------------------


class NewsSerializer(serializers.ModelSerializer):
    event = EventRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = NewsPost
        fields = ["id", "title", "text", "published_at", "event"]
        read_only_fields = fields


class NewsUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=160)
    text = serializers.CharField(max_length=NEWS_TEXT)
    published_at = AwareDateTimeField(help_text=_("When it appears; a future time schedules it."))


class NewsCreateSerializer(NewsUpdateSerializer):
    published_at = AwareDateTimeField(
        required=False, help_text=_("When it appears; default now, a future time schedules it.")
    )
    event = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text=_("Id of a related event of the network."),
    )


# --- figures -------------------------------------------------------------------------


class MonthField(serializers.CharField):
    """``YYYY-MM`` in, :class:`Month` out."""

    default_error_messages = {"month": _("Give a month as YYYY-MM, e.g. 2026-03.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 7)
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Month:
        # The text is checked first (length included), then read as a month.
        text = super().run_validation(data)
        if not re.fullmatch(r"\d{4}-\d{2}", text):
            self.fail("month")
        try:
            return Month.parse(text)
        except ValueError:
            self.fail("month")

    def to_representation(self, value: Month) -> str:
        return str(value)


class FiguresQuerySerializer(serializers.Serializer):
    month = MonthField(required=False, help_text=_("YYYY-MM; default: this month."))


class FiguresSeriesQuerySerializer(serializers.Serializer):
    """``from`` and ``to`` (``from`` is a Python keyword, hence ``get_fields``)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": MonthField(help_text=_("First month, YYYY-MM.")),
            "to": MonthField(help_text=_("Last month, YYYY-MM; at most 36 months in all.")),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first, last = attrs["from"], attrs["to"]
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        if months < 1:
            raise serializers.ValidationError({"to": [_("The last month comes before the first.")]})
        if months > MAX_SERIES_MONTHS:
            raise serializers.ValidationError(
                {
                    "to": [
                        _("Ask for at most %(max)d months at a time.") % {"max": MAX_SERIES_MONTHS}
                    ]
                }
            )
        return attrs


# One integer per figure, named and ordered as in ``selectors.figures.FIGURES``.
FigureValuesSerializer = type(
    "FigureValuesSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "The network's figures for one month (network time zone).",
        **{
            key: serializers.IntegerField(read_only=True, help_text=_(label))
            for key, label in FIGURES
        },
    },
)


class FiguresSerializer(serializers.Serializer):
    month = MonthField(read_only=True, help_text=_("YYYY-MM."))
    figures = FigureValuesSerializer(read_only=True)

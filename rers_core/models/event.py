from __future__ import annotations

import secrets
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rers_core.models.lifecycle import Stateful
from rers_core.models.member import Member
from rers_core.models.network import Network
from rers_core.recurrence import normalise_rule


def validate_rrule(value: str) -> None:
    """An RFC 5545 RRULE (without the ``RRULE:`` prefix), e.g. ``FREQ=WEEKLY;BYDAY=MO``."""
    normalise_rule(value)


class Event(models.Model):
    """A gathering of a network: once, or repeating by an RFC 5545 rule.

    Times are stored in UTC; repetitions are computed on the network's wall clock, so a
    drop-in session stays at 9:00 across daylight-saving changes. Occurrences are
    computed for the range asked, never stored; exceptions (a cancelled or moved
    occurrence) are rows of :class:`EventException`.
    """

    class Kind(models.TextChoices):
        DROP_IN = "drop_in", _("drop-in session")
        MONTHLY_MEETING = "monthly_meeting", _("monthly meeting")
        RETROSPECTIVE = "retrospective", _("retrospective")
        COLLECTIVE_EXCHANGE = "collective_exchange", _("collective exchange")
        INFORMATION = "information", _("information session")
        OTHER = "other", _("other")

    class Visibility(models.TextChoices):
        NETWORK = "network", _("my network")
        FEDERATED = "federated", _("my network and neighbouring networks")

    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("organising network"),
    )
    uid = models.UUIDField(
        _("calendar identifier"), default=uuid.uuid4, unique=True, editable=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("address"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    rrule = models.CharField(
        _("repeats"),
        max_length=300,
        blank=True,
        validators=[validate_rrule],
        help_text=_("An RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=MO; empty for a single event."),
    )
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    registration_open = models.BooleanField(_("registration open"), default=True)
    visibility = models.CharField(
        _("visible to"), max_length=10, choices=Visibility.choices, default=Visibility.NETWORK
    )
    facilitators = models.ManyToManyField(
        Member,
        blank=True,
        related_name="events_in_charge",
        verbose_name=_("facilitators in charge"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The whole series was cancelled (single occurrences: EventException).
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Marked by a coordinator as organised together with the neighbouring networks.
    co_organised = models.BooleanField(_("co-organised with neighbouring networks"), default=False)
    # An event organised by a neighbouring network, mirrored here: its address there, who
    # organises it, how far away, and the time zone its repetitions follow. Only the
    # organiser changes it; empty for our own events.
    origin_uri = models.URLField(_("address at the organising network"), max_length=500, blank=True)
    origin_name = models.CharField(_("organising network"), max_length=200, blank=True)
    origin_distance_km = models.PositiveIntegerField(_("distance (km)"), null=True, blank=True)
    origin_timezone = models.CharField(_("organiser's time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["network", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["network", "origin_uri"],
                condition=~Q(origin_uri=""),
                name="event_mirrored_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_mirrored(self) -> bool:
        return bool(self.origin_uri)


class EventException(models.Model):
    """One occurrence of a repeating event cancelled or moved, the others untouched."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("event")
    )
    original_start = models.DateTimeField(_("planned start"))
    cancelled = models.BooleanField(pgettext_lazy("event date", "cancelled"), default=False)
    starts_at = models.DateTimeField(_("new start"), null=True, blank=True)
    ends_at = models.DateTimeField(_("new end"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("occurrence change")
        verbose_name_plural = _("occurrence changes")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "original_start"], name="event_exception_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} @ {self.original_start:%Y-%m-%d %H:%M}"


class Registration(Stateful, models.Model):
    """A person's place at one occurrence of an event (keyed by its planned start)."""

    class Status(models.TextChoices):
        # Sent to a neighbouring network's event, waiting for the organiser's answer.
        REQUESTED = "requested", _("waiting for the organiser's answer")
        CONFIRMED = "confirmed", _("registered")
        WAITLISTED = "waitlisted", _("on the waiting list")
        REFUSED = "refused", _("refused by the organiser")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "cancelled")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.REQUESTED: frozenset(
            {Status.CONFIRMED, Status.WAITLISTED, Status.REFUSED, Status.CANCELLED}
        ),
        Status.WAITLISTED: frozenset({Status.CONFIRMED, Status.CANCELLED}),
        Status.CONFIRMED: frozenset({Status.CANCELLED}),
        Status.REFUSED: frozenset(),
        Status.CANCELLED: frozenset(),
    }
    ACTIVE = (Status.REQUESTED, Status.CONFIRMED, Status.WAITLISTED)

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event")
    )
    occurrence_start = models.DateTimeField(_("occurrence"))
    # Empty for a person of a neighbouring network, known here only by the remote fields.
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("member"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # A participant from a neighbouring network: the registration's address there, the
    # name they agreed to show (may be empty) and their network.
    remote_uri = models.URLField(_("address at their network"), max_length=500, blank=True)
    remote_name = models.CharField(_("name shown"), max_length=150, blank=True)
    remote_network_name = models.CharField(_("their network"), max_length=200, blank=True)
    remote_network_uri = models.URLField(_("their network's address"), max_length=500, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    promoted_at = models.DateTimeField(_("moved off the waiting list at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "occurrence_start", "member"],
                condition=Q(status__in=["requested", "confirmed", "waitlisted"]),
                name="registration_once_per_occurrence",
            ),
            models.UniqueConstraint(
                fields=["event", "remote_uri"],
                condition=~Q(remote_uri=""),
                name="remote_registration_once",
            ),
        ]
        indexes = [models.Index(fields=["event", "occurrence_start", "status"])]

    def __str__(self) -> str:
        return f"{self.participant_name} – {self.event} ({self.occurrence_start:%Y-%m-%d})"

    @property
    def participant_name(self) -> str:
        if self.member_id is not None:
            return self.member.display_name
        if self.remote_name:
            return f"{self.remote_name} ({self.remote_network_name})"
        return _("A member of %(network)s") % {"network": self.remote_network_name}


class CalendarToken(models.Model):
    """The secret in a member's personal calendar feed address; regenerating it revokes
    the old address."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="calendar_token", verbose_name=_("member")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return str(self.member)


class Testimony(models.Model):
    """A member's own words about the network (verbatim), published only with consent."""

    class Publication(models.TextChoices):
        PRIVATE = "private", _("not published")
        ANONYMOUS = "anonymous", _("published anonymously")
        FIRST_NAME = "first_name", _("published with my first name")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="testimonies", verbose_name=_("network")
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="testimonies",
        verbose_name=_("event"),
    )
    author = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="testimonies", verbose_name=_("author")
    )
    text = models.TextField(_("testimony"))
    publication = models.CharField(
        _("publication"), max_length=12, choices=Publication.choices, default=Publication.PRIVATE
    )
    first_name = models.CharField(_("first name shown"), max_length=60, blank=True)
    # Curated by facilitators: consent allows publication, the page shows a selection.
    featured = models.BooleanField(_("shown on the public page"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("collected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("testimony")
        verbose_name_plural = _("testimonies")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_public(self) -> bool:
        return self.featured and self.publication != self.Publication.PRIVATE

    @property
    def signature(self) -> str:
        return self.first_name if self.publication == self.Publication.FIRST_NAME else ""

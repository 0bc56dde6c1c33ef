from __future__ import annotations

import secrets
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["network", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EventException(models.Model):
    """One occurrence of a repeating event cancelled or moved, the others untouched."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("event")
    )
    original_start = models.DateTimeField(_("planned start"))
    cancelled = models.BooleanField(_("cancelled"), default=False)
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
        CONFIRMED = "confirmed", _("registered")
        WAITLISTED = "waitlisted", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.WAITLISTED: frozenset({Status.CONFIRMED, Status.CANCELLED}),
        Status.CONFIRMED: frozenset({Status.CANCELLED}),
        Status.CANCELLED: frozenset(),
    }
    ACTIVE = (Status.CONFIRMED, Status.WAITLISTED)

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event")
    )
    occurrence_start = models.DateTimeField(_("occurrence"))
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("member")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
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
                condition=Q(status__in=["confirmed", "waitlisted"]),
                name="registration_once_per_occurrence",
            ),
        ]
        indexes = [models.Index(fields=["event", "occurrence_start", "status"])]

    def __str__(self) -> str:
        return f"{self.member} – {self.event} ({self.occurrence_start:%Y-%m-%d})"


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

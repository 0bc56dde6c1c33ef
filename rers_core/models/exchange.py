from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rers_core.models.connection import Connection
from rers_core.models.lifecycle import Stateful
from rers_core.models.member import Member
from rers_core.models.network import Network


class Exchange(Stateful, models.Model):
    """An exchange of savoirs: one-to-one, collective, practice exchange or talk group."""

    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("one-to-one")
        COLLECTIVE = "collective", _("collective exchange")
        PRACTICE = "practice", _("practice exchange")
        TALK_GROUP = "talk_group", _("talk group")

    class Status(models.TextChoices):
        DRAFT = "draft", _("agreement being written")
        AGREED = "agreed", _("agreed")
        DONE = "done", _("done")
        CANCELLED = "cancelled", pgettext_lazy("exchange status", "cancelled")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.DRAFT: frozenset({Status.AGREED, Status.CANCELLED}),
        Status.AGREED: frozenset({Status.DRAFT, Status.DONE, Status.CANCELLED}),
        Status.DONE: frozenset(),
        Status.CANCELLED: frozenset(),
    }

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="exchanges", verbose_name=_("network")
    )
    connection = models.OneToOneField(
        Connection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchange",
        verbose_name=_("connection"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=160)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
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
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["network", "status"])]

    def __str__(self) -> str:
        return self.title


class ExchangeAgreement(models.Model):
    """The terms of an exchange (contrat d'échange), co-written by its participants."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "frequency",
        "place",
        "schedule",
        "content",
        "methods",
        "evaluation",
    )

    exchange = models.OneToOneField(
        Exchange, on_delete=models.CASCADE, related_name="agreement", verbose_name=_("exchange")
    )
    frequency = models.CharField(_("frequency"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    schedule = models.CharField(_("days and hours"), max_length=200, blank=True)
    content = models.TextField(_("content"), blank=True)
    methods = models.TextField(_("methods"), blank=True)
    evaluation = models.TextField(_("how we will evaluate"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last edited by"),
    )

    class Meta:
        verbose_name = _("exchange agreement")
        verbose_name_plural = _("exchange agreements")

    def __str__(self) -> str:
        return str(self.exchange)


class Participant(models.Model):
    class Role(models.TextChoices):
        GIVER = "giver", _("gives")
        RECEIVER = "receiver", _("receives")

    exchange = models.ForeignKey(
        Exchange, on_delete=models.CASCADE, related_name="participants", verbose_name=_("exchange")
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="participations", verbose_name=_("member")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    # Each participant confirms the agreement; editing it asks everyone again.
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["exchange", "member"], name="participant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.get_role_display()})"


class ExchangeSession(models.Model):
    exchange = models.ForeignKey(
        Exchange, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("exchange")
    )
    starts_at = models.DateTimeField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.exchange} – {self.starts_at:%Y-%m-%d}"


class Review(models.Model):
    """A participant's short evaluation (bilan) after an exchange; facilitators read it,
    other members do not."""

    exchange = models.ForeignKey(
        Exchange, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("exchange")
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("member")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    interest = models.TextField(_("what it brought you"), blank=True)
    obstacles = models.TextField(_("what got in the way"), blank=True)
    helpers = models.TextField(_("what helped"), blank=True)
    next_steps = models.TextField(_("what next"), blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["exchange", "member"], name="review_once_per_participant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exchange} – {self.member}"

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rers_core.models.lifecycle import Stateful
from rers_core.models.member import Member
from rers_core.models.network import Domain, Network


class Listing(Stateful, models.Model):
    """An offer or a request of a savoir (knowledge, know-how or lived experience)."""

    class Direction(models.TextChoices):
        OFFER = "offer", _("offer")
        REQUEST = "request", _("request")

    class Kind(models.TextChoices):
        KNOWLEDGE = "knowledge", _("knowledge")
        KNOW_HOW = "know_how", _("know-how")
        EXPERIENCE = "experience", _("lived experience")

    class Setting(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        REMOTE = "remote", _("remote")
        EITHER = "either", _("in person or remote")

    class Visibility(models.TextChoices):
        NETWORK = "network", _("my network")
        FEDERATED = "federated", _("my network and neighbouring networks")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        PAUSED = "paused", _("paused")
        CLOSED = "closed", _("closed")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.OPEN: frozenset({Status.PAUSED, Status.CLOSED}),
        Status.PAUSED: frozenset({Status.OPEN, Status.CLOSED}),
        Status.CLOSED: frozenset(),
    }

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="listings", verbose_name=_("network")
    )
    # Empty for a neighbouring network's listing, mirrored here without its author.
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="listings",
        verbose_name=_("member"),
    )
    direction = models.CharField(_("offer or request"), max_length=8, choices=Direction.choices)
    kind = models.CharField(_("kind of savoir"), max_length=12, choices=Kind.choices)
    domain = models.ForeignKey(
        Domain, on_delete=models.PROTECT, related_name="listings", verbose_name=_("domain")
    )
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    one_to_one = models.BooleanField(_("one-to-one"), default=True)
    group = models.BooleanField(_("in a group"), default=False)
    practice_exchange = models.BooleanField(_("practice exchange"), default=False)
    setting = models.CharField(
        _("in person or remote"), max_length=10, choices=Setting.choices, default=Setting.IN_PERSON
    )
    availability = models.CharField(_("availability"), max_length=300, blank=True)
    visibility = models.CharField(
        _("visible to"), max_length=10, choices=Visibility.choices, default=Visibility.NETWORK
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    # Identifier in an agency's former spreadsheet or tool, for idempotent imports.
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # A neighbouring network's listing, mirrored here anonymised: its address there, the
    # network offering or requesting it, and how far away. Only that network changes it.
    origin_uri = models.URLField(_("address at its network"), max_length=500, blank=True)
    origin_name = models.CharField(_("network"), max_length=200, blank=True)
    origin_distance_km = models.PositiveIntegerField(_("distance (km)"), null=True, blank=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "external_ref"],
                condition=~Q(external_ref=""),
                name="listing_unique_external_ref_per_network",
            ),
            models.UniqueConstraint(
                fields=["network", "origin_uri"],
                condition=~Q(origin_uri=""),
                name="listing_mirrored_once",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "status", "direction"]),
            models.Index(fields=["member", "status"]),
            # Lists in their order, newest first (listing_list): a page reads its rows from
            # the index instead of sorting every listing of the network, neighbours' included.
            models.Index(fields=["network", "-created_at", "-id"], name="listing_network_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_mirrored(self) -> bool:
        return bool(self.origin_uri)

    @property
    def modalities(self) -> list[str]:
        names = {
            "one_to_one": self.one_to_one,
            "group": self.group,
            "practice_exchange": self.practice_exchange,
        }
        return [name for name, on in names.items() if on]

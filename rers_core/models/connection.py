from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rers_core.models.lifecycle import Stateful
from rers_core.models.listing import Listing
from rers_core.models.member import Member
from rers_core.models.network import Network


class Connection(Stateful, models.Model):
    """Putting a requester and an offerer in contact (mise en relation).

    Nobody's contact details move until both have accepted; each answer is an informed
    consent stamped with its time.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        ACCEPTED = "accepted", _("accepted by both")
        AGREED = "agreed", _("exchange agreed")
        DONE = "done", _("exchange done")
        CLOSED = "closed", _("closed")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        CANCELLED = "cancelled", pgettext_lazy("connection status", "cancelled")

    class Answer(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    SIDES = (("requester", _("the requester")), ("offerer", _("the offerer")))

    class Proposer(models.TextChoices):
        REQUESTER = "requester", _("the requester")
        OFFERER = "offerer", _("the offerer")
        FACILITATOR = "facilitator", _("a facilitator")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.PROPOSED: frozenset(
            {Status.ACCEPTED, Status.DECLINED, Status.EXPIRED, Status.CANCELLED}
        ),
        Status.ACCEPTED: frozenset({Status.AGREED, Status.CANCELLED}),
        # Back to "accepted" when the participants reopen their agreement.
        Status.AGREED: frozenset({Status.ACCEPTED, Status.DONE, Status.CANCELLED}),
        Status.DONE: frozenset({Status.CLOSED}),
        Status.CLOSED: frozenset(),
        Status.DECLINED: frozenset(),
        Status.EXPIRED: frozenset(),
        Status.CANCELLED: frozenset(),
    }
    ACTIVE = (Status.PROPOSED, Status.ACCEPTED, Status.AGREED, Status.DONE)
    # States in which both people consented and may see each other's allowed channels.
    CONTACT_OPEN = (Status.ACCEPTED, Status.AGREED, Status.DONE, Status.CLOSED)

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="connections", verbose_name=_("network")
    )
    request = models.ForeignKey(
        Listing,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="connections_as_request",
        verbose_name=_("request"),
    )
    offer = models.ForeignKey(
        Listing,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="connections_as_offer",
        verbose_name=_("offer"),
    )
    # Empty on the side of a person of a neighbouring network, known by the remote fields.
    requester = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="connections_as_requester",
        verbose_name=_("requester"),
    )
    # Empty on the side of a person of a neighbouring network, known by the remote fields.
    offerer = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="connections_as_offerer",
        verbose_name=_("offerer"),
    )
    proposed_by = models.CharField(_("proposed by"), max_length=12, choices=Proposer.choices)
    proposed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by (account)"),
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    requester_answer = models.CharField(
        _("requester's answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING
    )
    requester_answered_at = models.DateTimeField(_("requester answered at"), null=True, blank=True)
    offerer_answer = models.CharField(
        _("offerer's answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING
    )
    offerer_answered_at = models.DateTimeField(_("offerer answered at"), null=True, blank=True)
    # Set when a party accepts contact only through a facilitator.
    relay_requested_at = models.DateTimeField(_("relay requested at"), null=True, blank=True)
    relayed_at = models.DateTimeField(_("relayed at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # A connection across networks: both instances hold it under the same address, each
    # with its own member on one side and the other network's person on ``remote_side``.
    federation_uri = models.URLField(_("shared address"), max_length=500, blank=True)
    remote_side = models.CharField(
        _("side of the neighbouring network"), max_length=10, choices=SIDES, blank=True
    )
    remote_network_name = models.CharField(_("their network"), max_length=200, blank=True)
    remote_network_uri = models.URLField(_("their network's address"), max_length=500, blank=True)
    remote_network_email = models.EmailField(_("their facilitators' email"), blank=True)
    # Only what the person consented to share with neighbouring networks.
    remote_name = models.CharField(_("name shown"), max_length=150, blank=True)
    remote_presentation = models.TextField(_("their presentation"), blank=True)
    remote_listing_title = models.CharField(_("their listing"), max_length=160, blank=True)
    remote_contact = models.JSONField(_("their contact details"), default=dict, blank=True)
    remote_agreed_at = models.DateTimeField(
        _("they confirmed the agreement at"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "offer"],
                condition=Q(status__in=["proposed", "accepted", "agreed", "done"]),
                name="connection_one_active_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(requester=models.F("offerer")), name="connection_two_different_people"
            ),
            models.UniqueConstraint(
                fields=["network", "federation_uri"],
                condition=~Q(federation_uri=""),
                name="connection_one_per_shared_address",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "status"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.requester_name} ↔ {self.offerer_name}"

    @property
    def is_cross_network(self) -> bool:
        return bool(self.remote_side)

    def party(self, side: str) -> Member | None:
        """Our member on ``side``; None on the neighbouring network's side."""
        return self.requester if side == "requester" else self.offerer

    def _name(self, side: str) -> str:
        if side == self.remote_side:
            return self.remote_name or (
                _("a member of %(network)s") % {"network": self.remote_network_name}
            )
        return self.party(side).display_name

    @property
    def requester_name(self) -> str:
        return self._name("requester")

    @property
    def offerer_name(self) -> str:
        return self._name("offerer")

    def side_of(self, member: Member | None) -> str | None:
        if member is None:
            return None
        if member.pk == self.requester_id:
            return "requester"
        if member.pk == self.offerer_id:
            return "offerer"
        return None

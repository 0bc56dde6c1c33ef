from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rers_core.models.lifecycle import Stateful
from rers_core.models.network import Network


class Member(Stateful, models.Model):
    """A person's membership of one network.

    People describe themselves in their own words (``presentation``): the software never
    asks for category data (age, status, origin). Contact details live here and are
    never shown to other members; consent-gated contact comes with connections.
    """

    class Status(models.TextChoices):
        VISITOR = "visitor", _("visitor")
        MEMBER = "member", _("member")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        FACILITATOR = "facilitator", _("facilitator")
        COORDINATOR = "coordinator", _("coordinator")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.VISITOR: frozenset({Status.MEMBER, Status.WITHDRAWN}),
        Status.MEMBER: frozenset({Status.WITHDRAWN}),
        Status.WITHDRAWN: frozenset(),
    }
    # A coordinator does everything a facilitator does; a facilitator is also a member.
    ROLE_RANK: ClassVar[dict[str, int]] = {Role.MEMBER: 0, Role.FACILITATOR: 1, Role.COORDINATOR: 2}

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="members", verbose_name=_("network")
    )
    # Emptied on withdrawal: the remaining row only counts, it points to nobody.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("user account"),
    )
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    presentation = models.TextField(_("presentation in your own words"), blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    other_link = models.CharField(
        _("other contact link"),
        max_length=300,
        blank=True,
        help_text=_("For example a professional network profile."),
    )
    # Identifier in an agency's former spreadsheet or tool, for idempotent imports.
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    notify_by_email = models.BooleanField(
        _("email me about my connections and exchanges"), default=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.VISITOR
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("first visit"), auto_now_add=True)
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["display_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "external_ref"],
                condition=~Q(external_ref=""),
                name="member_unique_external_ref_per_network",
            ),
            models.UniqueConstraint(
                fields=["network", "user"],
                condition=Q(user__isnull=False),
                name="member_one_membership_per_user_and_network",
            ),
        ]
        indexes = [models.Index(fields=["network", "status"])]

    def __str__(self) -> str:
        return self.display_name or f"#{self.pk}"

    def has_role(self, role: str) -> bool:
        """True when this membership is active and at least ``role``."""
        return self.status != self.Status.WITHDRAWN and (
            self.ROLE_RANK[self.role] >= self.ROLE_RANK[role]
        )

    @property
    def is_facilitator(self) -> bool:
        return self.has_role(self.Role.FACILITATOR)

    @property
    def is_coordinator(self) -> bool:
        return self.has_role(self.Role.COORDINATOR)


class WithdrawalRecord(models.Model):
    """That a withdrawal happened, when and by whom; nothing about the person who left."""

    class Actor(models.TextChoices):
        SELF = "self", _("the member")
        FACILITATOR = "facilitator", _("a facilitator")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="withdrawals")
    withdrawn_at = models.DateTimeField(_("withdrawn at"), auto_now_add=True)
    performed_by = models.CharField(_("performed by"), max_length=12, choices=Actor.choices)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("facilitator"),
    )

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        ordering = ["-withdrawn_at"]

    def __str__(self) -> str:
        return f"{self.network} – {self.withdrawn_at:%Y-%m-%d}"

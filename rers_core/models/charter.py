from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rers_core.models.member import Member
from rers_core.models.network import Network


class Charter(models.Model):
    """One version of the principles a member freely accepts when joining."""

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="charters", verbose_name=_("network")
    )
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("charter")
        verbose_name_plural = _("charters")
        ordering = ["network", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(fields=["network", "version"], name="charter_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.network} v{self.version}"


class CharterAcceptance(models.Model):
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="charter_acceptances",
        verbose_name=_("member"),
    )
    charter = models.ForeignKey(
        Charter, on_delete=models.PROTECT, related_name="acceptances", verbose_name=_("charter")
    )
    accepted_at = models.DateTimeField(_("accepted at"), auto_now_add=True)
    # Set when a facilitator recorded the acceptance at a drop-in session.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("charter acceptance")
        verbose_name_plural = _("charter acceptances")
        constraints = [
            models.UniqueConstraint(fields=["member", "charter"], name="charter_accepted_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} – v{self.charter.version}"

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rers_core.models.member import Member


class ContactConsent(models.Model):
    """How a member agrees to be contacted: one channel, for one audience.

    Rows are never edited away: revoking stamps ``revoked_at``; granting again adds a row,
    so the history of each person's informed consent stays readable.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        PHONE = "phone", _("phone")
        LINK = "link", _("other link")
        VIA_FACILITATOR = "via_facilitator", _("only through a facilitator")

    class Audience(models.TextChoices):
        NETWORK = "network", _("members of my network")
        FEDERATED = "federated", _("members of neighbouring networks")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="consents", verbose_name=_("member")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices)
    scope = models.CharField(
        _("limited to"),
        max_length=300,
        blank=True,
        help_text=_("Optional, in your words: for example “anyone asking about hospital jobs”."),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("contact consent")
        verbose_name_plural = _("contact consents")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "channel", "audience"],
                condition=Q(revoked_at__isnull=True),
                name="consent_one_active_per_channel_and_audience",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} / {self.get_audience_display()}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

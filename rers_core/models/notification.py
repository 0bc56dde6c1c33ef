from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rers_core.models.member import Member


class Notification(models.Model):
    """One email about one event to one member; the row makes sending it twice impossible."""

    class Kind(models.TextChoices):
        CONNECTION_PROPOSED = "connection_proposed", _("connection proposed")
        CONNECTION_ACCEPTED = "connection_accepted", _("connection accepted")
        CONNECTION_DECLINED = "connection_declined", _("connection declined")
        RELAY_REQUESTED = "relay_requested", _("relay requested")
        REVIEW_REQUESTED = "review_requested", _("review requested")
        REGISTRATION_PROMOTED = "registration_promoted", _("seat freed for you")
        EVENT_REMINDER = "event_reminder", _("event reminder")
        REGISTRATION_ANSWERED = "registration_answered", _("answer from the organising network")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("member")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("about"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "object_id"], name="notification_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.member}"

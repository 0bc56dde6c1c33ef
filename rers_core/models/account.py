from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountSession(models.Model):
    """That an account is logged in through a session: which one, since when. Lets a person
    end their other sessions ("log out everywhere") without scanning every session of the
    site. Holds nothing about the device or the address."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("account"),
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    started_at = models.DateTimeField(_("logged in at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account session")
        verbose_name_plural = _("account sessions")
        indexes = [models.Index(fields=["user", "started_at"], name="rers_accountsession_user")]

    def __str__(self) -> str:
        return f"{self.user_id} since {self.started_at:%Y-%m-%d %H:%M}"

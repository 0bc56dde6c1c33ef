from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rers_core.models.event import Event
from rers_core.models.network import Network


class NewsPost(models.Model):
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="news", verbose_name=_("network")
    )
    title = models.CharField(_("title"), max_length=160)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"))
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="news",
        verbose_name=_("related event"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )

    class Meta:
        verbose_name = _("news post")
        verbose_name_plural = _("news")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Resource(models.Model):
    """A document or link for members (guides, forms, retrospective supports)."""

    class Audience(models.TextChoices):
        MEMBERS = "members", _("members")
        PUBLIC = "public", _("everyone")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="resources", verbose_name=_("network")
    )
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("link"), blank=True)
    document = models.FileField(_("document"), upload_to="resources/%Y/", blank=True)
    audience = models.CharField(
        _("visible to"), max_length=8, choices=Audience.choices, default=Audience.MEMBERS
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class ContactMessage(models.Model):
    """A visitor's message, stored first so nothing is lost if email fails."""

    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        related_name="contact_messages",
        verbose_name=_("network"),
    )
    name = models.CharField(_("your name"), max_length=120)
    email = models.EmailField(_("your email"))
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("forwarded by email at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )

    class Meta:
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rers_core.models.member import Member
from rers_core.models.network import Network


class AuditEntry(models.Model):
    """That someone with a role looked at, exported or acted on a member's data: who, what, when.

    The trail never holds what it protects: no contact value, no name of the person
    concerned, no free text. ``detail`` is a short code (the new role, the service that
    acted, where the details were seen). Rows are written once and never edited; when the
    person concerned withdraws, their rows are unlinked (``member`` emptied) and stay in
    the network's trail, so that what was done with their data stays accountable.
    """

    class Action(models.TextChoices):
        CONTACT_VIEWED = "contact_viewed", _("viewed the contact details")
        CONTACTS_LISTED = "contacts_listed", _("saw the contact details in the list of members")
        CONTACTS_EXPORTED = "contacts_exported", _("downloaded the data, contact details included")
        ROLE_CHANGED = "role_changed", _("changed the role")
        ACTED_FOR = "acted_for", _("acted on the member's behalf")

    # Where contact details were seen (``detail`` of the viewing actions).
    PORTAL = "portal"
    API = "api"
    ADMIN = "admin"

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="+", verbose_name=_("network")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    # Frozen when recorded, so the trail still says who once the account is gone: the
    # display name of a facilitator or coordinator in this network (empty for an
    # administrator of the instance who is not a member of it).
    actor_label = models.CharField(_("done by (name)"), max_length=80, blank=True)
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("member concerned"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    detail = models.CharField(_("detail"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="audit_member_recent"),
            models.Index(fields=["network", "-created_at"], name="audit_network_recent"),
            models.Index(
                fields=["network", "action", "-created_at"], name="audit_network_action_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def detail_display(self) -> str:
        """``detail`` in words, for the pages (codes unknown to this version stay codes)."""
        if self.action == self.Action.ROLE_CHANGED and self.detail in Member.Role.values:
            return str(Member.Role(self.detail).label)
        return str(DETAIL_LABELS.get(self.detail, self.detail))


DETAIL_LABELS = {
    AuditEntry.PORTAL: _("in the portal"),
    AuditEntry.API: _("through the API"),
    AuditEntry.ADMIN: _("in the administration"),
    "member_join": _("registered them in the network"),
    "member_accept_charter": _("recorded their acceptance of the charter"),
    "member_update_profile": _("changed their profile or contact details"),
    "consent_grant": _("recorded a contact choice"),
    "consent_revoke": _("withdrew a contact choice"),
    "member_withdraw": _("withdrew them from the network"),
    "listing_create": _("posted an offer or a request"),
    "listing_update": _("edited an offer or a request"),
    "listing_pause": _("paused an offer or a request"),
    "listing_reopen": _("reopened an offer or a request"),
    "listing_close": _("closed an offer or a request"),
    "request_ask_neighbours": _("shared a request with the neighbouring networks"),
    "connection_answer": _("gave their answer to a proposed connection"),
    "agreement_confirm": _("confirmed an exchange agreement"),
    "review_submit": _("wrote down their review of an exchange"),
    "registration_create": _("registered them for an event"),
    "registration_cancel": _("cancelled their registration for an event"),
    "calendar_token_regenerate": _("renewed their calendar address"),
    "testimony_record": _("recorded a testimony"),
    "testimony_set_publication": _("changed whether a testimony is published"),
}

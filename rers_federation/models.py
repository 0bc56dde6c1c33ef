from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rers_core.models import Network
from rers_core.models.lifecycle import Stateful


class NetworkKey(models.Model):
    """One Ed25519 key pair of a local network. The private key is stored encrypted; a
    retired key stays valid for peers during the grace period."""

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="federation_keys", verbose_name=_("network")
    )
    key_id = models.CharField(_("key identifier"), max_length=300, unique=True)
    public_key = models.CharField(_("public key"), max_length=100)
    private_key_encrypted = models.TextField(_("private key (encrypted)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("network key")
        verbose_name_plural = _("network keys")
        ordering = ["network", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["network"],
                condition=Q(retired_at__isnull=True),
                name="one_current_key_per_network",
            ),
        ]

    def __str__(self) -> str:
        return self.key_id


class Peer(Stateful, models.Model):
    """A neighbouring network one of ours federates with (an allow-list, never open)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("request sent, waiting for their answer")
        PENDING = "pending", _("request received, waiting for our answer")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        REJECTED = "rejected", _("rejected")
        ENDED = "ended", _("ended")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.REQUESTED: frozenset({Status.ACTIVE, Status.REJECTED, Status.ENDED}),
        Status.PENDING: frozenset({Status.ACTIVE, Status.REJECTED, Status.ENDED}),
        Status.ACTIVE: frozenset({Status.SUSPENDED, Status.ENDED}),
        Status.SUSPENDED: frozenset({Status.ACTIVE, Status.ENDED}),
        # A refused or ended peering can be asked again, from scratch.
        Status.REJECTED: frozenset({Status.REQUESTED, Status.PENDING}),
        Status.ENDED: frozenset({Status.REQUESTED, Status.PENDING}),
    }

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="peers", verbose_name=_("our network")
    )
    document_url = models.URLField(_("their network document"), max_length=500)
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=120, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    inbox_url = models.URLField(_("their inbox"), max_length=500)
    outbox_url = models.URLField(_("their outbox"), max_length=500, blank=True)
    # [{"id": key id, "publicKey": base64url, "expires": ISO time or null}, ...]
    keys = models.JSONField(_("their public keys"), default=list)
    fingerprint = models.CharField(_("key fingerprint"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # The id of the Follow activity that opened the current request, answered by Accept/Reject.
    follow_id = models.URLField(_("peering request id"), max_length=500, blank=True)
    # Circuit breaker: set after repeated failures, cleared only by a successful delivery.
    unavailable_since = models.DateTimeField(_("unreachable since"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_delivery_at = models.DateTimeField(_("last successful push"), null=True, blank=True)
    # Pull repair: the last position of their log we applied, and how the last pull went.
    pull_cursor = models.CharField(_("position in their log"), max_length=100, blank=True)
    last_pull_at = models.DateTimeField(_("last successful pull"), null=True, blank=True)
    last_pull_error = models.CharField(_("last pull error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("peer")
        verbose_name_plural = _("peers")
        ordering = ["network", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "document_url"], name="one_peer_per_remote_network"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InboxActivity(models.Model):
    """An activity received from a peer; the id, unique per peer, makes a repeat harmless
    (and an id is under its sender's address, so no peer can spend another's)."""

    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        related_name="inbox_activities",
        verbose_name=_("network"),
    )
    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, related_name="inbox_activities", verbose_name=_("peer")
    )
    activity_id = models.URLField(_("activity id"), max_length=500)
    type = models.CharField(_("type"), max_length=30)
    payload = models.JSONField(_("activity"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("received activity")
        verbose_name_plural = _("received activities")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "peer", "activity_id"], name="activity_received_once_per_peer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.activity_id}"


class OutboxActivity(models.Model):
    """An activity one of our networks published; the ordered log peers can also pull."""

    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        related_name="outbox_activities",
        verbose_name=_("network"),
    )
    activity_id = models.URLField(_("activity id"), max_length=500, unique=True)
    type = models.CharField(_("type"), max_length=30)
    payload = models.JSONField(_("activity"))
    # Sign with this key rather than the current one (a key rotation's announcement).
    key_id = models.CharField(_("signing key"), max_length=300, blank=True)
    # The event or registration it is about; only such activities are in the pull log
    # (peering handshakes and key announcements are pushed only).
    object_uri = models.URLField(_("about"), max_length=500, blank=True, db_index=True)
    # Addressed to one peer only (an answer, a registration); empty: to every active peer.
    recipient = models.ForeignKey(
        Peer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="addressed_activities",
        verbose_name=_("addressed to"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("published activity")
        verbose_name_plural = _("published activities")
        ordering = ["id"]
        indexes = [models.Index(fields=["network", "recipient", "id"])]

    def __str__(self) -> str:
        return f"{self.type} {self.activity_id}"


class Delivery(Stateful, models.Model):
    """One activity to one peer, retried until delivered or given up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.PENDING: frozenset({Status.SENDING, Status.FAILED}),
        # Back to pending: a retry, or a worker that died while sending.
        Status.SENDING: frozenset({Status.DELIVERED, Status.PENDING, Status.FAILED}),
        Status.DELIVERED: frozenset(),
        # "Retry now" from the operations page.
        Status.FAILED: frozenset({Status.PENDING}),
    }

    activity = models.ForeignKey(
        OutboxActivity,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("activity"),
    )
    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("peer")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    last_status = models.PositiveIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "peer"], name="one_delivery_per_peer"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.activity} → {self.peer}"


class MirroredObject(models.Model):
    """An object a peer published (an event, a registration's answer), by its address.

    ``version`` is the peer's own timestamp: an older version never overwrites a newer
    one. A deleted object stays as a tombstone, so a late Create or Update is refused.
    """

    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        related_name="mirrored_objects",
        verbose_name=_("network"),
    )
    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, related_name="mirrored_objects", verbose_name=_("peer")
    )
    uri = models.URLField(_("address"), max_length=500)
    type = models.CharField(_("type"), max_length=30)
    version = models.DateTimeField(_("version"))
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    # The local copy, for events.
    event = models.OneToOneField(
        "rers_core.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mirror",
        verbose_name=_("local copy"),
    )
    # The local copy, for listings.
    listing = models.OneToOneField(
        "rers_core.Listing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mirror",
        verbose_name=_("local copy of the listing"),
    )

    class Meta:
        verbose_name = _("mirrored object")
        verbose_name_plural = _("mirrored objects")
        ordering = ["network", "uri"]
        constraints = [
            models.UniqueConstraint(fields=["network", "uri"], name="object_mirrored_once"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.uri}"

"""Reads of the audit trail: a member's own entries, and a network's for its coordinators."""

from __future__ import annotations

from django.db.models import QuerySet

from rers_core.models import AuditEntry, Member, Network


def audit_for_member(member: Member) -> QuerySet[AuditEntry]:
    """Who looked at ``member``'s contact details or acted for them, newest first.

    For the member themself; the actor is shown by the name frozen in the entry.
    """
    return AuditEntry.objects.filter(member=member).order_by("-created_at", "-id")


def audit_for_network(network: Network, *, action: str | None = None) -> QuerySet[AuditEntry]:
    """The network's whole trail, newest first, for its coordinators (callers check the role).

    The member concerned is joined for their current display name, which the trail does
    not store; entries of people who left point to nobody.
    """
    qs = AuditEntry.objects.filter(network=network).select_related("member")
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-created_at", "-id")

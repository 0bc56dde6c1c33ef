from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from rers_core import permissions
from rers_core.errors import NotFound
from rers_core.models import (
    AccountSession,
    CharterAcceptance,
    ContactConsent,
    Listing,
    Member,
    Network,
)


def member_list(network: Network, *, include_withdrawn: bool = False) -> QuerySet[Member]:
    """Members of one network, for facilitators (callers check the role)."""
    qs = Member.objects.filter(network=network).select_related("network", "user")
    if not include_withdrawn:
        qs = qs.exclude(status=Member.Status.WITHDRAWN)
    return qs.prefetch_related(
        Prefetch(
            "consents",
            queryset=ContactConsent.objects.filter(revoked_at__isnull=True),
            to_attr="active_consents",
        )
    )


def member_get(network: Network, member_id: int | str) -> Member:
    """One active member of ``network``; members of other networks are not found."""
    try:
        pk = int(member_id)
    except (TypeError, ValueError):
        pk = None
    member = member_list(network).filter(pk=pk).first() if pk is not None else None
    if member is None:
        raise NotFound(_("There is no such member in this network."))
    return member


def consent_history(member: Member) -> QuerySet[ContactConsent]:
    return ContactConsent.objects.filter(member=member).order_by("-granted_at", "-id")


def consents_active(member: Member) -> QuerySet[ContactConsent]:
    return consent_history(member).filter(revoked_at__isnull=True)


def has_accepted_current_charter(member: Member) -> bool:
    current = member.network.charters.order_by("-version").values_list("pk", flat=True).first()
    return current is not None and member.charter_acceptances.filter(charter_id=current).exists()


def user_memberships(user) -> QuerySet[Member]:
    if user is None or not user.is_authenticated:
        return Member.objects.none()
    return (
        Member.objects.filter(user=user)
        .exclude(status=Member.Status.WITHDRAWN)
        .select_related("network")
    )


def account_sessions_other(user, current_session_key: str | None) -> list[AccountSession]:
    """The account's other sessions that still exist (a session ended by expiry, by its
    cookie's deletion or from the other side is left out), oldest first."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    rows = (
        AccountSession.objects.filter(user=user)
        .exclude(session_key=current_session_key or "")
        .order_by("started_at")
    )
    return [row for row in rows if store.exists(row.session_key)]


def api_token_exists(user) -> bool:
    return Token.objects.filter(user=user).exists()


def user_data_export(user) -> dict[str, Any]:
    """Everything this instance holds about ``user``, as JSON-ready data."""
    memberships = _with_export_data(Member.objects.filter(user=user)).order_by("id")
    return {
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "memberships": [_membership_export(m) for m in memberships],
    }


def _with_export_data(qs: QuerySet[Member]) -> QuerySet[Member]:
    return qs.select_related("network").prefetch_related(
        Prefetch("consents", queryset=ContactConsent.objects.order_by("granted_at", "id")),
        Prefetch(
            "charter_acceptances",
            queryset=CharterAcceptance.objects.select_related("charter").order_by("id"),
        ),
        Prefetch("listings", queryset=Listing.objects.select_related("domain").order_by("id")),
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _membership_export(member: Member) -> dict[str, Any]:
    return {
        "network": {"slug": member.network.slug, "name": member.network.name},
        "display_name": member.display_name,
        "presentation": member.presentation,
        "contact": {"email": member.email, "phone": member.phone, "other_link": member.other_link},
        "status": member.status,
        "role": member.role,
        "first_visit": _iso(member.created_at),
        "joined_at": _iso(member.joined_at),
        "left_at": _iso(member.left_at),
        "charter_acceptances": [
            {
                "version": a.charter.version,
                "accepted_at": _iso(a.accepted_at),
                "recorded_by_facilitator": a.recorded_by_id is not None,
            }
            for a in member.charter_acceptances.all()
        ],
        "contact_consents": [
            {
                "channel": c.channel,
                "audience": c.audience,
                "scope": c.scope,
                "granted_at": _iso(c.granted_at),
                "revoked_at": _iso(c.revoked_at),
            }
            for c in member.consents.all()
        ],
        "listings": [
            {
                "id": li.pk,
                "direction": li.direction,
                "kind": li.kind,
                "domain": li.domain.name,
                "title": li.title,
                "description": li.description,
                "modalities": li.modalities,
                "setting": li.setting,
                "availability": li.availability,
                "visibility": li.visibility,
                "status": li.status,
                "created_at": _iso(li.created_at),
                "updated_at": _iso(li.updated_at),
            }
            for li in member.listings.all()
        ],
    }


def can_view_contact_details(user, member: Member) -> bool:
    """Contact details are for the person themself and their network's facilitators."""
    return permissions.can_act_for(user, member)


def member_text_filter(qs: QuerySet[Member], text: str) -> QuerySet[Member]:
    """Case-insensitive "contains" over display name and contact email, each word (facilitators)."""
    for word in (text or "").split():
        qs = qs.filter(Q(display_name__icontains=word) | Q(email__icontains=word))
    return qs


def member_data_export(member: Member) -> dict[str, Any]:
    """Everything this instance holds about one membership, as JSON-ready data.

    For a facilitator handing a member their data; same shape as one item of
    ``user_data_export(user)["memberships"]``.
    """
    return _membership_export(_with_export_data(Member.objects.filter(pk=member.pk)).get())


def account_exists(user_id: int | None) -> bool:
    """Whether a user account still exists (withdrawal deletes accounts left without network)."""
    return user_id is not None and get_user_model().objects.filter(pk=user_id).exists()

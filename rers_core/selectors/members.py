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
    AuditEntry,
    CharterAcceptance,
    Connection,
    ContactConsent,
    Event,
    ExchangeSession,
    Listing,
    Member,
    Network,
    Notification,
    Participant,
    Registration,
    Review,
    Testimony,
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
            # That they exist, never the secrets themselves: a downloaded file travels.
            "api_token": api_token_exists(user),
            "sessions_started_at": [
                _iso(started)
                for started in AccountSession.objects.filter(user=user)
                .order_by("started_at")
                .values_list("started_at", flat=True)
            ],
        },
        "memberships": [_membership_export(m, audit_trail=True) for m in memberships],
    }


def _with_export_data(qs: QuerySet[Member]) -> QuerySet[Member]:
    """Every related row the export reads, in one query per kind of row whatever the
    number of memberships and rows."""
    connections = Connection.objects.select_related(
        "request", "offer", "requester", "offerer"
    ).order_by("created_at", "id")
    return qs.select_related("network", "calendar_token").prefetch_related(
        Prefetch("consents", queryset=ContactConsent.objects.order_by("granted_at", "id")),
        Prefetch(
            "charter_acceptances",
            queryset=CharterAcceptance.objects.select_related("charter").order_by("id"),
        ),
        Prefetch("listings", queryset=Listing.objects.select_related("domain").order_by("id")),
        Prefetch("connections_as_requester", queryset=connections),
        Prefetch("connections_as_offerer", queryset=connections),
        Prefetch(
            "participations",
            queryset=Participant.objects.select_related("exchange__agreement")
            .prefetch_related(
                Prefetch(
                    "exchange__sessions",
                    queryset=ExchangeSession.objects.order_by("starts_at", "id"),
                )
            )
            .order_by("exchange__created_at", "exchange_id"),
        ),
        Prefetch(
            "reviews", queryset=Review.objects.select_related("exchange").order_by("requested_at")
        ),
        Prefetch("testimonies", queryset=Testimony.objects.select_related("event").order_by("id")),
        Prefetch(
            "registrations",
            queryset=Registration.objects.select_related("event").order_by("created_at", "id"),
        ),
        Prefetch("events_in_charge", queryset=Event.objects.order_by("starts_at", "id")),
        Prefetch("notifications", queryset=Notification.objects.order_by("created_at", "id")),
        Prefetch("audit_entries", queryset=AuditEntry.objects.order_by("created_at", "id")),
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _membership_export(member: Member, *, audit_trail: bool) -> dict[str, Any]:
    token = getattr(member, "calendar_token", None)
    data = {
        "network": {"slug": member.network.slug, "name": member.network.name},
        "display_name": member.display_name,
        "presentation": member.presentation,
        "contact": {"email": member.email, "phone": member.phone, "other_link": member.other_link},
        "notify_by_email": member.notify_by_email,
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
        "connections": _connections_export(member),
        "exchanges": [_exchange_export(p) for p in member.participations.all()],
        "reviews": [
            {
                "exchange": {"id": r.exchange_id, "title": r.exchange.title},
                "requested_at": _iso(r.requested_at),
                "submitted_at": _iso(r.submitted_at),
                "interest": r.interest,
                "obstacles": r.obstacles,
                "helpers": r.helpers,
                "next_steps": r.next_steps,
            }
            for r in member.reviews.all()
        ],
        "testimonies": [
            {
                "text": t.text,
                "publication": t.publication,
                "first_name": t.first_name,
                "featured": t.featured,
                "event": t.event.title if t.event is not None else None,
                "collected_at": _iso(t.created_at),
                "recorded_by_facilitator": t.recorded_by_id not in (None, member.user_id),
            }
            for t in member.testimonies.all()
        ],
        "event_registrations": [
            {
                "event": r.event.title,
                "organising_network": r.event.origin_name or member.network.name,
                "occurrence": _iso(r.occurrence_start),
                "status": r.status,
                "registered_at": _iso(r.created_at),
                "registered_by_facilitator": r.registered_by_id not in (None, member.user_id),
                "moved_off_waiting_list_at": _iso(r.promoted_at),
                "cancelled_at": _iso(r.cancelled_at),
                "attended": r.attended,
                "reminded_at": _iso(r.reminded_at),
            }
            for r in member.registrations.all()
        ],
        "events_in_charge": [
            {"event": e.title, "starts_at": _iso(e.starts_at)}
            for e in member.events_in_charge.all()
        ],
        "notifications": [
            {
                "kind": n.kind,
                "about": n.object_id,
                "created_at": _iso(n.created_at),
                "sent_at": _iso(n.sent_at),
            }
            for n in member.notifications.all()
        ],
        # That a personal calendar address exists and since when; not its secret, which
        # would let whoever reads the file follow the member's registrations.
        "calendar_feed": {"created_at": _iso(token.created_at)} if token is not None else None,
    }
    if audit_trail:
        data["audit_trail"] = [
            {
                "when": _iso(entry.created_at),
                "actor": entry.actor_label,
                "action": entry.action,
                "detail": entry.detail,
            }
            for entry in member.audit_entries.all()
        ]
    return data


def _connections_export(member: Member) -> list[dict[str, Any]]:
    """The member's connections as they see them: the other person by the name shown to
    them (never their contact details), and only the message the member wrote."""
    found = [*member.connections_as_requester.all(), *member.connections_as_offerer.all()]
    found.sort(key=lambda c: (c.created_at, c.pk))
    rows = []
    for c in found:
        side = c.side_of(member)
        other = "offerer" if side == "requester" else "requester"
        titles = {
            key: listing.title if listing is not None else None
            for key, listing in (("request", c.request), ("offer", c.offer))
        }
        if c.remote_side:
            titles[_LISTING_OF[c.remote_side]] = (
                titles[_LISTING_OF[c.remote_side]] or c.remote_listing_title or None
            )
        rows.append(
            {
                "id": c.pk,
                "status": c.status,
                "my_side": side,
                "other_person": getattr(c, f"{other}_name"),
                "other_network": c.remote_network_name or None,
                "request": titles["request"],
                "offer": titles["offer"],
                "proposed_by": c.proposed_by,
                "my_message": c.message if c.proposed_by == side else "",
                "my_answer": getattr(c, f"{side}_answer"),
                "my_answered_at": _iso(getattr(c, f"{side}_answered_at")),
                "created_at": _iso(c.created_at),
                "updated_at": _iso(c.updated_at),
            }
        )
    return rows


_LISTING_OF = {"requester": "request", "offerer": "offer"}


def _exchange_export(participation: Participant) -> dict[str, Any]:
    exchange = participation.exchange
    agreement = getattr(exchange, "agreement", None)
    return {
        "id": exchange.pk,
        "kind": exchange.kind,
        "title": exchange.title,
        "status": exchange.status,
        "connection": exchange.connection_id,
        "my_role": participation.role,
        "agreement_confirmed_at": _iso(participation.agreed_at),
        "created_at": _iso(exchange.created_at),
        "done_at": _iso(exchange.done_at),
        "agreement": (
            {
                **{key: getattr(agreement, key) for key in agreement.FIELDS},
                "updated_at": _iso(agreement.updated_at),
            }
            if agreement is not None
            else None
        ),
        "sessions": [
            {"date": _iso(session.starts_at), "note": session.note}
            for session in exchange.sessions.all()
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
    ``user_data_export(user)["memberships"]``, without the audit trail: it holds
    facilitators to account and is not theirs to read (the member reads it in their own
    space and finds it in their own download).
    """
    member = _with_export_data(Member.objects.filter(pk=member.pk)).get()
    return _membership_export(member, audit_trail=False)


def account_exists(user_id: int | None) -> bool:
    """Whether a user account still exists (withdrawal deletes accounts left without network)."""
    return user_id is not None and get_user_model().objects.filter(pk=user_id).exists()

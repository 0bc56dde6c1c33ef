"""Writes on memberships: joining, the charter, profiles, roles, consents, withdrawal."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rers_core import permissions, search
from rers_core.errors import DomainError, ValidationFailed
from rers_core.models import (
    AuditEntry,
    CalendarToken,
    Charter,
    CharterAcceptance,
    Connection,
    ContactConsent,
    Exchange,
    Listing,
    Member,
    Network,
    Registration,
    Review,
    WithdrawalRecord,
)
from rers_core.selectors.networks import charter_current
from rers_core.services._common import (
    full_clean,
    require_can_act_for,
    require_coordinator,
    require_facilitator,
)
from rers_core.services.audit import audit_record, audit_unlink_member
from rers_core.services.connections import announce
from rers_core.signals import listing_changed, registration_changed

User = get_user_model()

PROFILE_FIELDS = ("display_name", "presentation", "email", "phone", "other_link")


def _actor(acting):
    return acting if acting is not None and acting.is_authenticated else None


def _require_active(member: Member) -> None:
    if member.status == Member.Status.WITHDRAWN:
        raise DomainError(_("This person has left the network."))


@transaction.atomic
def member_join(
    *,
    network: Network,
    user,
    display_name: str,
    presentation: str = "",
    email: str = "",
    acting=None,
) -> Member:
    """Record ``user`` as a visitor of ``network``: they are discovering it.

    The contact email defaults to the account's email. Joining twice is refused with a
    message; becoming a member is :func:`member_accept_charter`.
    """
    if acting is not None and acting.pk != user.pk:
        require_facilitator(acting, network)
    if permissions.membership(user, network) is not None:
        raise DomainError(_("You are already in this network."))
    member = Member(
        network=network,
        user=user,
        display_name=(display_name or "").strip(),
        presentation=(presentation or "").strip(),
        email=email or user.email or "",
        status=Member.Status.VISITOR,
    )
    if not member.display_name:
        raise ValidationFailed(_("Choose the name other members will see."), field="display_name")
    full_clean(member, exclude=["user", "network"])
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise DomainError(_("You are already in this network.")) from exc
    permissions.forget_memberships(user)
    audit_record(
        acting=acting, action=AuditEntry.Action.ACTED_FOR, member=member, detail="member_join"
    )
    return member


@transaction.atomic
def member_register(
    *, network: Network, email: str, display_name: str, presentation: str = "", acting
) -> Member:
    """A facilitator records a visitor met at a drop-in session, with a new account.

    The account has no password: the person sets one through "forgotten password",
    or keeps being helped by facilitators.
    """
    require_facilitator(acting, network)
    email = (email or "").strip().lower()
    if email and user_for_email(email) is not None:
        # Joining stays the person's own act: nobody is enrolled into a network from
        # an account they already hold elsewhere.
        raise ValidationFailed(
            _("Someone already has an account with this email: they can join from it themselves."),
            field="email",
        )
    user = User.objects.create_user(username=email or _unique_username(), email=email)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return member_join(
        network=network,
        user=user,
        display_name=display_name,
        presentation=presentation,
        email=email,
        acting=acting,
    )


def user_for_email(email: str):
    return (
        User.objects.filter(email__iexact=email).order_by("pk").first()
        or User.objects.filter(username__iexact=email).first()
    )


def _unique_username() -> str:
    return f"member-{secrets.token_hex(6)}"


@transaction.atomic
def member_accept_charter(
    *, member: Member, acting, charter: Charter | None = None
) -> CharterAcceptance:
    """Record the member's free acceptance of the current charter; a visitor becomes a member.

    Accepting a version already accepted returns the existing acceptance.
    """
    require_can_act_for(acting, member)
    member = Member.objects.select_for_update().get(pk=member.pk)
    _require_active(member)
    current = charter_current(member.network)
    if current is None:
        raise DomainError(_("This network has no charter yet."))
    if charter is not None and charter.pk != current.pk:
        raise DomainError(_("This charter version is no longer the current one; read the new one."))
    acceptance, created = CharterAcceptance.objects.get_or_create(
        member=member,
        charter=current,
        defaults={
            "recorded_by": _actor(acting) if acting and acting.pk != member.user_id else None
        },
    )
    if created:
        audit_record(
            acting=acting,
            action=AuditEntry.Action.ACTED_FOR,
            member=member,
            detail="member_accept_charter",
        )
    if member.status == Member.Status.VISITOR:
        member.transition(Member.Status.MEMBER)
        member.joined_at = timezone.now()
        member.save(update_fields=["status", "joined_at"])
    permissions.forget_memberships(member.user)
    return acceptance


@transaction.atomic
def member_update_profile(*, member: Member, acting, **fields: str) -> Member:
    """Change a member's name, presentation or contact details."""
    require_can_act_for(acting, member)
    _require_active(member)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown profile fields: %s.") % ", ".join(sorted(unknown)))
    changed = False
    for key, value in fields.items():
        value = (value or "").strip()
        changed = changed or getattr(member, key) != value
        setattr(member, key, value)
    if not member.display_name:
        raise ValidationFailed(_("Choose the name other members will see."), field="display_name")
    full_clean(member, exclude=["user", "network"])
    member.save()
    if changed:
        audit_record(
            acting=acting,
            action=AuditEntry.Action.ACTED_FOR,
            member=member,
            detail="member_update_profile",
        )
        # The other network of a connection holds the name, presentation and contact
        # details as they were: it hears the new ones (as far as the consents allow).
        _announce_connections_across_networks(member)
    return member


@transaction.atomic
def member_assign_role(*, member: Member, role: str, acting) -> Member:
    """Give a member the role member, facilitator or coordinator (coordinators decide).

    A network always keeps at least one coordinator.
    """
    require_coordinator(acting, member.network)
    if role not in Member.Role.values:
        raise ValidationFailed(_("Unknown role “%s”.") % role, field="role")
    member = Member.objects.select_for_update().get(pk=member.pk)
    _require_active(member)
    if role != Member.Role.MEMBER and member.status != Member.Status.MEMBER:
        raise DomainError(_("Only a member who accepted the charter can facilitate."))
    if member.role == Member.Role.COORDINATOR and role != Member.Role.COORDINATOR:
        _require_another_coordinator(member)
    previous, member.role = member.role, role
    member.save(update_fields=["role"])
    permissions.forget_memberships(member.user)
    if previous != role:
        audit_record(
            acting=acting, action=AuditEntry.Action.ROLE_CHANGED, member=member, detail=role
        )
    return member


def _require_another_coordinator(member: Member) -> None:
    others = (
        Member.objects.select_for_update()
        .filter(network=member.network_id, role=Member.Role.COORDINATOR)
        .exclude(status=Member.Status.WITHDRAWN)
        .exclude(pk=member.pk)
    )
    if not others.exists():
        raise DomainError(_("The network needs at least one other coordinator first."))


@transaction.atomic
def consent_grant(
    *, member: Member, channel: str, audience: str, scope: str = "", acting
) -> ContactConsent:
    """Record the member's consent to be contacted through ``channel`` by ``audience``.

    Granting an identical active consent again changes nothing; a different scope
    revokes the old consent and records the new one, keeping the history. A consent for
    neighbouring networks changes what they may know of the member: the other network of
    each of their connections across networks is told.
    """
    consent, changed = _grant(
        member=member, channel=channel, audience=audience, scope=scope, acting=acting
    )
    if changed:
        _consents_changed(member, {audience})
    return consent


def _grant(
    *, member: Member, channel: str, audience: str, scope: str, acting
) -> tuple[ContactConsent, bool]:
    """:func:`consent_grant` without telling other networks; True when something changed."""
    require_can_act_for(acting, member)
    _require_active(member)
    if channel not in ContactConsent.Channel.values:
        raise ValidationFailed(_("Unknown contact channel “%s”.") % channel, field="channel")
    if audience not in ContactConsent.Audience.values:
        raise ValidationFailed(_("Unknown audience “%s”.") % audience, field="audience")
    scope = (scope or "").strip()
    active = (
        ContactConsent.objects.select_for_update()
        .filter(member=member, channel=channel, audience=audience, revoked_at__isnull=True)
        .first()
    )
    if active is not None:
        if active.scope == scope:
            return active, False
        _revoke(active, acting)
    consent = ContactConsent(
        member=member, channel=channel, audience=audience, scope=scope, granted_by=_actor(acting)
    )
    full_clean(consent, exclude=["member", "granted_by", "revoked_by"])
    consent.save()
    audit_record(
        acting=acting, action=AuditEntry.Action.ACTED_FOR, member=member, detail="consent_grant"
    )
    return consent, True


@transaction.atomic
def consent_revoke(*, consent: ContactConsent, acting) -> ContactConsent:
    """Withdraw one consent; revoking an already revoked consent changes nothing.

    Revoking a consent for neighbouring networks is honoured there too: the other network
    of each of the member's connections across networks is told what it may still know
    (and erases the rest)."""
    member = consent.member
    consent, changed = _withdraw(consent=consent, acting=acting)
    if changed:
        _consents_changed(member, {consent.audience})
    return consent


def _withdraw(*, consent: ContactConsent, acting) -> tuple[ContactConsent, bool]:
    """:func:`consent_revoke` without telling other networks; True when it was active."""
    member = consent.member
    require_can_act_for(acting, member)
    consent = ContactConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        return consent, False
    _revoke(consent, acting)
    audit_record(
        acting=acting,
        action=AuditEntry.Action.ACTED_FOR,
        member=member,
        detail="consent_revoke",
    )
    return consent, True


def _revoke(consent: ContactConsent, acting) -> None:
    consent.revoked_at = timezone.now()
    consent.revoked_by = _actor(acting)
    consent.save(update_fields=["revoked_at", "revoked_by"])


@transaction.atomic
def consent_set(
    *, member: Member, choices: Iterable[tuple[str, str]], acting, scope: str = ""
) -> list[ContactConsent]:
    """Make the member's active consents exactly ``choices`` (pairs of channel, audience).

    Used by forms that show every channel and audience as a checkbox. Other networks are
    told once, of the final choices (never of a half-made change, which could erase the
    member's name there, or ask facilitators to relay, for nothing).
    """
    wanted = set(choices)
    changed: set[str] = set()
    active = ContactConsent.objects.filter(member=member, revoked_at__isnull=True)
    for consent in active:
        if (consent.channel, consent.audience) not in wanted:
            if _withdraw(consent=consent, acting=acting)[1]:
                changed.add(consent.audience)
    granted = []
    for channel, audience in sorted(wanted):
        consent, new = _grant(
            member=member, channel=channel, audience=audience, scope=scope, acting=acting
        )
        granted.append(consent)
        if new:
            changed.add(audience)
    _consents_changed(member, changed)
    return granted


def _consents_changed(member: Member, audiences: set[str]) -> None:
    """Only consents for neighbouring networks change what those networks are told."""
    if ContactConsent.Audience.FEDERATED in audiences:
        _announce_connections_across_networks(member)


def _announce_connections_across_networks(member: Member) -> None:
    """Tell the other network of each of the member's connections across networks about
    our side as it now stands: each Update carries only what the member's consents allow,
    and the other network erases what it no longer carries (nothing goes when nothing
    changed)."""
    for connection in (
        Connection.objects.filter(Q(requester=member) | Q(offerer=member))
        .exclude(remote_side="")
        .exclude(federation_uri="")
    ):
        announce(connection)


@transaction.atomic
def member_withdraw(*, member: Member, acting) -> Member:
    """The member leaves the network; their personal data is erased.

    Erases name, presentation, contact details and consent notes; closes their listings
    and erases the listings' free text; revokes every consent; unlinks and, when it
    belongs to no other network, deletes the user account. What remains are anonymous
    rows that keep the counts right, a record of who performed the withdrawal (the member
    or a facilitator) and when, and the audit trail of what facilitators did with their
    data, no longer linked to them. Withdrawing twice is harmless.
    """
    member = Member.objects.select_for_update().select_related("network").get(pk=member.pk)
    if member.status == Member.Status.WITHDRAWN:
        return member
    require_can_act_for(acting, member)
    user = member.user
    by_self = acting is None or (user is not None and acting.pk == user.pk)
    if not by_self and member.role == Member.Role.COORDINATOR:
        # Withdrawing a coordinator for them is for another coordinator, and a network
        # keeps a coordinator unless that person leaves of their own accord.
        require_coordinator(acting, member.network)
        _require_another_coordinator(member)
    now = timezone.now()

    ContactConsent.objects.filter(member=member, revoked_at__isnull=True).update(revoked_at=now)
    ContactConsent.objects.filter(member=member).update(scope="", granted_by=None, revoked_by=None)
    member.listings.exclude(status=Listing.Status.CLOSED).update(status=Listing.Status.CLOSED)
    member.listings.update(title="", description="", availability="", external_ref="")
    search.backend().remove(member.listings.values_list("pk", flat=True))
    for listing in member.listings.all():
        listing_changed.send(sender=Listing, listing=listing)
    _erase_connections_and_reviews(member)

    member.transition(Member.Status.WITHDRAWN)
    for field in PROFILE_FIELDS:
        setattr(member, field, "")
    member.external_ref = ""
    member.role = Member.Role.MEMBER
    member.left_at = now
    member.user = None
    member.save()
    # The other network of each connection across networks erases what it holds of them
    # (their side now says they left).
    _announce_connections_across_networks(member)
    # So does the organising network of each neighbour's event they registered for, whatever
    # became of the registration: a refused one, or one the organiser cancelled, still
    # holds their name there.
    theirs = Registration.objects.filter(member=member).exclude(event__origin_uri="")
    for registration in theirs.select_related("event", "member"):
        registration_changed.send(sender=Registration, registration=registration)
    WithdrawalRecord.objects.create(
        network=member.network,
        performed_by=WithdrawalRecord.Actor.SELF if by_self else WithdrawalRecord.Actor.FACILITATOR,
        facilitator=None if by_self else acting,
    )
    # Who looked at or acted on their data stays accountable, but points to nobody now.
    audit_unlink_member(member=member)
    if not by_self:
        audit_record(
            acting=acting,
            action=AuditEntry.Action.ACTED_FOR,
            network=member.network,
            detail="member_withdraw",
        )
    if user is not None:
        permissions.forget_memberships(user)
        if not user.memberships.exists() and not user.is_staff:
            user.delete()
    return member


@transaction.atomic
def member_onboard(
    *,
    network: Network,
    user,
    display_name: str,
    presentation: str = "",
    accept_charter: bool,
    charter: Charter | None = None,
    consents: Iterable[tuple[str, str]] = (),
    consent_scope: str = "",
    acting,
) -> Member:
    """Join ``network`` in one step, as the portal's join form does.

    The person becomes a visitor (:func:`member_join`), a member when they freely accept
    the charter they read (:func:`member_accept_charter`; ``charter`` is the version shown
    to them), and their contact choices are recorded (:func:`consent_set`). All or nothing.
    """
    member = member_join(
        network=network,
        user=user,
        display_name=display_name,
        presentation=presentation,
        acting=acting,
    )
    if accept_charter:
        member_accept_charter(member=member, charter=charter, acting=acting)
    consent_set(member=member, choices=consents, scope=consent_scope, acting=acting)
    member.refresh_from_db()
    return member


@dataclass(frozen=True)
class Enrolment:
    """What :func:`member_enrol` did, so that a command can report it."""

    member: Member
    account_created: bool
    joined: bool
    charter_accepted: bool
    role_changed: bool
    profile_changed: bool
    password_set: bool

    @property
    def changed(self) -> bool:
        return any(
            (
                self.account_created,
                self.joined,
                self.charter_accepted,
                self.role_changed,
                self.profile_changed,
                self.password_set,
            )
        )


def _default_display_name(email: str) -> str:
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in re.split(r"[._+-]+", local) if part) or local


@transaction.atomic
def member_enrol(
    *,
    network: Network,
    email: str,
    role: str,
    display_name: str = "",
    password: str | None = None,
    acting=None,
) -> Enrolment:
    """Make the person with ``email`` a member of ``network`` holding ``role``, in one step.

    For administrators (the ``rers add-member`` command, ``acting=None``) and coordinators.
    Creates the account when no account uses this email (with an unusable password unless
    ``password`` is given, checked by Django's password validators), joins the network,
    records the acceptance of the current charter as attested by whoever enrols, then
    assigns the role. Idempotent: enrolling the same person again changes nothing, except
    the display name, role or password given. A network keeps at least one coordinator.
    """
    if role not in Member.Role.values:
        raise ValidationFailed(
            _("Unknown role “%(role)s”: choose one of %(choices)s.")
            % {"role": role, "choices": ", ".join(Member.Role.values)},
            field="role",
        )
    if role == Member.Role.MEMBER:
        require_facilitator(acting, network)
    else:
        require_coordinator(acting, network)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(_("Enter a valid email address."), field="email") from exc
    display_name = (display_name or "").strip()

    user = user_for_email(email)
    account_created = user is None
    if account_created:
        user = User(username=email, email=email)
        user.set_unusable_password()
    if password is not None:
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    if account_created or password is not None:
        user.save()

    member = permissions.membership(user, network)
    joined = member is None
    profile_changed = False
    if member is None:
        member = member_join(
            network=network,
            user=user,
            display_name=display_name or _default_display_name(email),
            email=email,
            acting=acting,
        )
    elif display_name and display_name != member.display_name:
        member = member_update_profile(member=member, display_name=display_name, acting=acting)
        profile_changed = True

    charter_accepted = member.status == Member.Status.VISITOR
    if charter_accepted:
        member_accept_charter(member=member, acting=acting)
        member.refresh_from_db()

    role_changed = member.role != role
    if role_changed:
        member = member_assign_role(member=member, role=role, acting=acting)
    permissions.forget_memberships(user)
    return Enrolment(
        member=member,
        account_created=account_created,
        joined=joined,
        charter_accepted=charter_accepted,
        role_changed=role_changed,
        profile_changed=profile_changed,
        password_set=password is not None,
    )


def _erase_connections_and_reviews(member: Member) -> None:
    """Stop what the person was part of and erase the free text they wrote or received."""
    mine = Connection.objects.filter(Q(requester=member) | Q(offerer=member))
    from rers_core.services.connections import stop_connection
    from rers_core.services.exchanges import erase_exchange_texts

    for connection in mine.filter(status__in=Connection.ACTIVE).select_for_update():
        if connection.can_transition(Connection.Status.CANCELLED):
            stop_connection(connection)
    # What the other person of a connection across networks shared is no longer needed.
    mine.update(
        message="",
        remote_name="",
        remote_presentation="",
        remote_listing_title="",
        remote_contact={},
    )
    erase_exchange_texts(Exchange.objects.filter(participants__member=member))
    Review.objects.filter(member=member).update(
        interest="", obstacles="", helpers="", next_steps=""
    )
    _leave_events(member)


def _leave_events(member: Member) -> None:
    """Free the person's seats (the waiting list moves up), and delete their testimonies
    and personal calendar address."""
    from rers_core.services.events import registration_cancel

    for registration in member.registrations.filter(status__in=Registration.ACTIVE):
        registration_cancel(registration=registration, acting=None)
    member.testimonies.all().delete()
    CalendarToken.objects.filter(member=member).delete()


@transaction.atomic
def member_import(
    *, network: Network, external_ref: str, display_name: str, email: str = ""
) -> tuple[Member, bool]:
    """A member recorded in an agency's former spreadsheet (system import, no ``acting``).

    Found by email when they already have an account here; otherwise created as a
    member (the agency attests they joined) with no contact consent at all.
    Returns ``(member, created)``.
    """
    user = user_for_email(email) if email else None
    if user is not None:
        existing = Member.objects.filter(network=network, user=user).first()
        if existing is not None and existing.status != Member.Status.WITHDRAWN:
            return existing, False
    elif email:
        user = User.objects.create_user(username=email.lower(), email=email.lower())
        user.set_unusable_password()
        user.save(update_fields=["password"])
    member = Member(
        network=network,
        user=user,
        external_ref=external_ref,
        display_name=display_name.strip(),
        email=email.lower(),
        status=Member.Status.MEMBER,
        joined_at=timezone.now(),
    )
    full_clean(member, exclude=["user", "network"])
    member.save()
    return member, True

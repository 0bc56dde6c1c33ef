"""Writes on the audit trail: who with a role looked at, exported or acted on a member's data.

Each call is one INSERT, atomic by itself, and no ``@transaction.atomic`` of its own (a
savepoint would cost two more queries on every page that records): inside a service it
shares the service's transaction, so an action that is refused leaves no trace.
"""

from __future__ import annotations

from collections.abc import Iterable

from rers_core import permissions
from rers_core.models import AuditEntry, Member, Network

ACTED_FOR = AuditEntry.Action.ACTED_FOR


def _person(acting) -> bool:
    return acting is not None and acting.is_authenticated


def _own(acting, member: Member | None) -> bool:
    return member is not None and member.user_id is not None and member.user_id == acting.pk


def _actor_label(acting, network_id: int) -> str:
    """The actor's display name in the network, as others there know them.

    The membership is usually cached already (the permission check looked it up). An
    administrator of the instance who is not a member is labelled by their account's
    full name, never by its username: usernames here are email addresses.
    """
    membership = permissions.membership(acting, network_id)
    if membership is not None:
        return membership.display_name
    return (acting.get_full_name() or "")[:80]


def _entry(acting, network_id: int, label: str, member, action: str, detail: str) -> AuditEntry:
    return AuditEntry(
        network_id=network_id,
        actor=acting,
        actor_label=label,
        member=member,
        action=action,
        detail=detail[:40],
    )


def audit_record(
    *,
    acting,
    action: str,
    member: Member | None = None,
    network: Network | None = None,
    detail: str = "",
) -> AuditEntry | None:
    """Record that ``acting`` did ``action`` about ``member`` (or, without one, in ``network``).

    ``detail`` is a short code, never personal data: the new role, the service that acted
    (``"listing_create"``), where contact details were seen (``AuditEntry.PORTAL``...).

    Nothing is recorded for the system (``acting=None``: commands, tasks, the federation),
    whose operators can read the database anyway, nor when a person sees or changes their
    own data; a change of role is recorded even then, as it is about powers over others.
    Returns the entry, or None when nothing was recorded.
    """
    if not _person(acting):
        return None
    if action != AuditEntry.Action.ROLE_CHANGED and _own(acting, member):
        return None
    if member is not None:
        network_id = member.network_id
        if member.status == Member.Status.WITHDRAWN:
            # Their entries were unlinked when they left; a new one must not point to them.
            member = None
    elif network is not None:
        network_id = network.pk
    else:
        raise ValueError("An audit entry is about a member or, failing that, a network.")
    entry = _entry(acting, network_id, _actor_label(acting, network_id), member, action, detail)
    entry.save(force_insert=True)
    return entry


def audit_contacts_listed(*, acting, members: Iterable[Member], detail: str) -> int:
    """Record that ``acting`` saw the contact details of ``members`` in a list (one page).

    One row per person shown, so that each can see it in their own trail, written in one
    INSERT whatever the page size (the list may span the networks ``acting`` facilitates).
    The actor's own row, and people who left (nothing of them is shown), are left out.
    Returns the count.
    """
    if not _person(acting):
        return 0
    labels: dict[int, str] = {}
    entries = []
    for m in members:
        if _own(acting, m) or m.status == Member.Status.WITHDRAWN:
            continue
        if m.network_id not in labels:
            labels[m.network_id] = _actor_label(acting, m.network_id)
        entries.append(
            _entry(
                acting,
                m.network_id,
                labels[m.network_id],
                m,
                AuditEntry.Action.CONTACTS_LISTED,
                detail,
            )
        )
    if entries:
        AuditEntry.objects.bulk_create(entries)
    return len(entries)


def audit_unlink_member(*, member: Member) -> int:
    """On withdrawal: the member's entries stay in the network's trail, pointing to nobody.

    Called by :func:`rers_core.services.members.member_withdraw`, inside its transaction.
    """
    return AuditEntry.objects.filter(member=member).update(member=None)

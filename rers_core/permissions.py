"""Who may do what, in one place: services enforce it, views and the API ask it.

Every rule is scoped to one network: a role in network A grants nothing in network B.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from rers_core.models import Listing, Member, Network, Registration

User = AbstractBaseUser | AnonymousUser


def membership(user: User | None, network: Network | int) -> Member | None:
    """The user's active (not withdrawn) membership of ``network``, or None."""
    if user is None or not user.is_authenticated:
        return None
    network_id = network if isinstance(network, int) else network.pk
    cache = user.__dict__.setdefault("_rers_memberships", {})
    if network_id not in cache:
        cache[network_id] = (
            Member.objects.select_related("network")
            .filter(user=user, network_id=network_id)
            .exclude(status=Member.Status.WITHDRAWN)
            .first()
        )
    return cache[network_id]


def forget_memberships(user: User | None) -> None:
    """Drop the per-request membership cache after a membership changed."""
    if user is not None:
        user.__dict__.pop("_rers_memberships", None)
        user.__dict__.pop("_rers_role_networks", None)


def has_role(user: User | None, network: Network | int, role: str) -> bool:
    m = membership(user, network)
    return m is not None and m.has_role(role)


def is_facilitator(user: User | None, network: Network | int) -> bool:
    return has_role(user, network, Member.Role.FACILITATOR)


def is_coordinator(user: User | None, network: Network | int) -> bool:
    return has_role(user, network, Member.Role.COORDINATOR)


def can_browse(user: User | None, network: Network | int) -> bool:
    """Members (not visitors) and facilitators see the network's members' names and listings."""
    m = membership(user, network)
    return m is not None and (m.status == Member.Status.MEMBER or m.is_facilitator)


def can_act_for(user: User | None, member: Member) -> bool:
    """The member themself, or a facilitator of the member's network."""
    if user is None or not user.is_authenticated:
        return False
    if member.user_id is not None and member.user_id == user.pk:
        return True
    return is_facilitator(user, member.network_id)


def can_change_listing(user: User | None, listing: Listing) -> bool:
    """Whoever may act for the listing's author; nobody here for a neighbouring network's
    listing mirrored here (it has no author here, and only its network changes it)."""
    return not listing.is_mirrored and can_act_for(user, listing.member)


def can_act_for_registration(user: User | None, registration: Registration) -> bool:
    """Whoever may act for the registered member; for a participant from a neighbouring
    network (no member here), the facilitators of the organising network."""
    if registration.member_id is None:
        return is_facilitator(user, registration.event.network_id)
    return can_act_for(user, registration.member)


def network_ids_with_role(user: User | None, role: str) -> frozenset[int]:
    """Ids of the networks where ``user`` holds at least ``role`` (active memberships only).

    Used to scope whole querysets (the admin) in one query instead of one per network.
    """
    if user is None or not user.is_authenticated:
        return frozenset()
    cache = user.__dict__.setdefault("_rers_role_networks", {})
    if role not in cache:
        memberships = Member.objects.filter(user=user).exclude(status=Member.Status.WITHDRAWN)
        cache[role] = frozenset(m.network_id for m in memberships if m.has_role(role))
    return cache[role]

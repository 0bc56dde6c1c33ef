"""Writes on offers and requests."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rers_core.errors import DomainError, NotAllowed, ValidationFailed
from rers_core.models import AuditEntry, Domain, Listing, Member
from rers_core.search import index_listings
from rers_core.selectors.networks import domain_for, network_has_neighbours
from rers_core.services._common import full_clean, require_can_act_for, require_facilitator
from rers_core.services.audit import audit_record
from rers_core.signals import listing_changed

LISTING_EDITABLE_FIELDS = (
    "direction",
    "kind",
    "domain",
    "title",
    "description",
    "one_to_one",
    "group",
    "practice_exchange",
    "setting",
    "availability",
    "visibility",
    "external_ref",
)


def _apply(listing: Listing, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(LISTING_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown listing fields: %s.") % ", ".join(sorted(unknown)))
    for key, value in fields.items():
        if key == "domain":
            value = domain_for(listing.network, value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(listing, key, value)
    if not listing.title:
        raise ValidationFailed(_("Give a short title."), field="title")
    if not (listing.one_to_one or listing.group or listing.practice_exchange):
        raise ValidationFailed(
            _("Choose at least one way to exchange: one-to-one, in a group or practice exchange."),
            field="one_to_one",
        )
    full_clean(listing, exclude=["network", "member", "domain", "created_by"])


def _save(listing: Listing) -> None:
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError as exc:
        raise ValidationFailed(
            _("Another listing of this network already has this external reference."),
            field="external_ref",
        ) from exc
    index_listings([listing])
    listing_changed.send(sender=Listing, listing=listing)


def _audit(acting, author: Member, service: str) -> None:
    """A facilitator changed someone's listing: the author sees it in their trail."""
    audit_record(acting=acting, action=AuditEntry.Action.ACTED_FOR, member=author, detail=service)


def _locked(listing: Listing) -> Listing:
    return Listing.objects.select_for_update().select_related("network").get(pk=listing.pk)


def _require_ours(listing: Listing) -> None:
    if listing.is_mirrored:
        raise NotAllowed(
            _("Only %(network)s, where this listing was posted, can change it.")
            % {"network": listing.origin_name}
        )


@transaction.atomic
def listing_create(
    *,
    member: Member,
    direction: str,
    kind: str,
    domain: Domain | int | str,
    title: str,
    acting,
    **fields: Any,
) -> Listing:
    """Record an offer or a request of ``member``, by themself or by a facilitator."""
    require_can_act_for(acting, member)
    if member.status != Member.Status.MEMBER:
        raise DomainError(_("Only members who accepted the charter can offer or request a savoir."))
    listing = Listing(
        network=member.network,
        member=member,
        created_by=acting if acting is not None and acting.is_authenticated else None,
    )
    _apply(
        listing, {"direction": direction, "kind": kind, "domain": domain, "title": title, **fields}
    )
    _save(listing)
    _audit(acting, member, "listing_create")
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, acting, **fields: Any) -> Listing:
    """Edit an open or paused listing; a closed listing stays as it was."""
    _require_ours(listing)
    author = listing.member
    require_can_act_for(acting, author)
    listing = _locked(listing)
    if listing.status == Listing.Status.CLOSED:
        raise DomainError(_("A closed listing cannot be edited; post a new one instead."))
    _apply(listing, fields)
    _save(listing)
    _audit(acting, author, "listing_update")
    return listing


@transaction.atomic
def request_ask_neighbours(*, listing: Listing, acting) -> Listing:
    """Share an open request of the network with the neighbouring networks it federates
    with, at a facilitator's initiative (typically one no offer here answers).

    It is the edit its author could make (visible to "my network and neighbouring
    networks"), so the federation publishes it anonymised as for any such listing, and the
    author keeps control: editing it back to "my network" withdraws it from the neighbours,
    closing it deletes it there. Asking again changes nothing.
    """
    require_facilitator(acting, listing.network)
    _require_ours(listing)
    listing = _locked(listing)
    if listing.direction != Listing.Direction.REQUEST:
        raise DomainError(
            _("Only a request can be shared this way; an offer's author chooses who sees it.")
        )
    if listing.status != Listing.Status.OPEN:
        raise DomainError(_("Only an open request can be shared with the neighbouring networks."))
    if not network_has_neighbours(listing.network):
        # Saying "shared" would be untrue: there is nobody to share it with.
        raise DomainError(_("This network has no neighbouring network yet: nothing was shared."))
    if listing.visibility != Listing.Visibility.FEDERATED:
        _apply(listing, {"visibility": Listing.Visibility.FEDERATED})
        _save(listing)
        _audit(acting, listing.member, "request_ask_neighbours")
    return listing


def _move(listing: Listing, to: str, acting, service: str) -> Listing:
    _require_ours(listing)
    author = listing.member
    require_can_act_for(acting, author)
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status != to:
        listing.transition(to)
        listing.save(update_fields=["status", "updated_at"])
        listing_changed.send(sender=Listing, listing=listing)
        _audit(acting, author, service)
    return listing


@transaction.atomic
def listing_pause(*, listing: Listing, acting) -> Listing:
    """Hide a listing for a while; pausing a paused listing changes nothing."""
    return _move(listing, Listing.Status.PAUSED, acting, "listing_pause")


@transaction.atomic
def listing_reopen(*, listing: Listing, acting) -> Listing:
    """Show a paused listing again."""
    return _move(listing, Listing.Status.OPEN, acting, "listing_reopen")


@transaction.atomic
def listing_close(*, listing: Listing, acting) -> Listing:
    """Close a listing for good (answered, or no longer wanted)."""
    return _move(listing, Listing.Status.CLOSED, acting, "listing_close")

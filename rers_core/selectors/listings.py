from __future__ import annotations

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rers_core import permissions
from rers_core.errors import NotFound
from rers_core.models import Listing, Member, Network
from rers_core.search import search_listings


def listing_list(network: Network, user) -> QuerySet[Listing]:
    """Listings of ``network`` that ``user`` may see.

    Members see the open listings of their network and all of their own; facilitators see
    every listing of the network; anyone else sees nothing. Withdrawn members' listings
    are never shown. Neighbouring networks' listings mirrored here (no member) are among
    the network's: narrow with :func:`listings_from`.
    """
    base = Listing.objects.filter(network=network).select_related("member", "domain", "network")
    base = base.exclude(member__status=Member.Status.WITHDRAWN)
    if permissions.is_facilitator(user, network):
        return base
    if not permissions.can_browse(user, network):
        own = permissions.membership(user, network)
        return base.filter(member=own) if own is not None else base.none()
    own = permissions.membership(user, network)
    return base.filter(Q(status=Listing.Status.OPEN) | Q(member=own))


def listing_list_audience(network: Network, user) -> str | None:
    """Who else gets exactly what :func:`listing_list` gives ``user`` (keep the two in
    step): ``"facilitators"`` (every listing of the network), ``"members"`` (its open
    listings: a member whose own listings are all open sees nothing more), or None when it
    is the user's own view (a visitor's own listings, a member's paused or closed ones
    among the open listings). A page an audience shares can be cached once for all of it
    (:mod:`rers_core.listing_cache`), with each person's own listings marked afterwards."""
    if permissions.is_facilitator(user, network):
        return "facilitators"
    if not permissions.can_browse(user, network):
        return None
    own = permissions.membership(user, network)
    if Listing.objects.filter(member=own).exclude(status=Listing.Status.OPEN).exists():
        return None
    return "members"


class Scope(models.TextChoices):
    """Whose listings a search covers (``scope=`` in addresses)."""

    HERE = "here", gettext_lazy("my network")
    NEIGHBOURS = "neighbours", gettext_lazy("neighbouring networks")
    ALL = "all", gettext_lazy("my network and neighbouring networks")


# No two places on Earth are further apart (half its circumference, rounded up): a larger
# radius is a typing error.
MAX_RADIUS_KM = 20100


def listings_from(qs: QuerySet[Listing], scope: str) -> QuerySet[Listing]:
    """Our own listings, those of neighbouring networks mirrored here, or both."""
    if scope == Scope.HERE:
        return qs.filter(origin_uri="")
    if scope == Scope.NEIGHBOURS:
        return qs.exclude(origin_uri="")
    return qs


def listings_within(qs: QuerySet[Listing], km: int) -> QuerySet[Listing]:
    """Listings at most ``km`` away: ours (distance 0) and neighbours' that close; a
    neighbour's listing whose distance is unknown may be further, so it is left out."""
    return qs.filter(Q(origin_uri="") | Q(origin_distance_km__lte=km))


def listing_get(network: Network, user, listing_id: int | str) -> Listing:
    try:
        pk = int(listing_id)
    except (TypeError, ValueError):
        pk = None
    listing = listing_list(network, user).filter(pk=pk).first() if pk is not None else None
    if listing is None:
        raise NotFound(_("There is no such listing in this network."))
    return listing


_MIRRORED_IN_SCOPE = {Scope.HERE: False, Scope.NEIGHBOURS: True, Scope.ALL: None}


def listing_text_filter(
    qs: QuerySet[Listing], text: str, scope: str = Scope.ALL
) -> QuerySet[Listing]:
    """French full-text search over title, description and domain, best match first;
    an empty text leaves ``qs`` as it is. ``scope``, as given to :func:`listings_from`,
    lets the search index read only the listings of that origin."""
    if not (text or "").strip():
        return qs
    return search_listings(qs, text, mirrored=_MIRRORED_IN_SCOPE[scope])


def member_listings(member: Member) -> QuerySet[Listing]:
    return member.listings.select_related("domain").order_by("status", "-created_at")


def listing_by_external_ref(network: Network, external_ref: str) -> Listing | None:
    """The listing of ``network`` imported under ``external_ref``, if any (idempotent imports)."""
    if not external_ref:
        return None
    return Listing.objects.filter(network=network, external_ref=external_ref).first()

"""Suggestions (offers that may answer a request) and the unmet-requests report."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from rers_core.conf import core_settings
from rers_core.models import Listing, Member, Network
from rers_core.search import matching, text
from rers_core.selectors.listings import Scope, listings_from


@dataclass(frozen=True)
class Suggestion:
    request: Listing
    offer: Listing
    score: float


def listing_document(listing: Listing, table: text.SynonymTable | None = None) -> matching.Document:
    return matching.document(
        key=listing.pk,
        # A neighbour's listing has no author here: its address stands for one, so that it
        # is never taken for the requester's own.
        owner=listing.origin_uri if listing.is_mirrored else listing.member_id,
        title=listing.title,
        description=listing.description,
        domain=listing.domain.slug,
        kind=listing.kind,
        modalities=listing.modalities,
        setting=listing.setting,
        created_at=listing.created_at,
        distance_km=listing.origin_distance_km if listing.is_mirrored else 0,
        table=table,
    )


def _open(network: Network, direction: str, scope: str = Scope.HERE):
    """Open listings of the network, of neighbouring networks mirrored here, or both."""
    listings = (
        Listing.objects.filter(network=network, direction=direction, status=Listing.Status.OPEN)
        .exclude(member__status=Member.Status.WITHDRAWN)
        .select_related("domain", "member")
    )
    return listings_from(listings, scope)


class NetworkMatcher:
    """The open offers of one network, indexed once, asked for many requests.

    With ``neighbours`` (the default), the offers of neighbouring networks mirrored here are
    ranked with ours, a little lower the further away they are (see ``search.matching``).
    """

    def __init__(self, network: Network, *, neighbours: bool = True) -> None:
        self.table = text.synonym_table()
        scope = Scope.ALL if neighbours else Scope.HERE
        self.offers = {o.pk: o for o in _open(network, Listing.Direction.OFFER, scope)}
        self.index = matching.OfferIndex(
            listing_document(o, self.table) for o in self.offers.values()
        )

    def suggest(
        self,
        request: Listing,
        *,
        limit: int | None = None,
        min_score: float | None = None,
        exclude: Iterable[Hashable] = (),
    ) -> list[Suggestion]:
        matches = self.index.rank(
            listing_document(request, self.table),
            limit=core_settings.SUGGESTION_LIMIT if limit is None else limit,
            min_score=core_settings.SUGGESTION_MIN_SCORE if min_score is None else min_score,
            exclude=exclude,
        )
        return [Suggestion(request, self.offers[m.offer.key], m.score) for m in matches]


def excluded_offers(request: Listing) -> set[int]:
    """Offers already put in contact with this request (whatever the outcome, declined
    included): suggesting them again would ask the same people twice."""
    from rers_core.models import Connection

    return set(
        Connection.objects.filter(request=request, offer__isnull=False).values_list(
            "offer_id", flat=True
        )
    )


def suggestions_for_request(request: Listing, *, limit: int | None = None) -> list[Suggestion]:
    """Open offers of the request's network and of its neighbours that may answer one of
    its own open requests, best first."""
    if (
        request.direction != Listing.Direction.REQUEST
        or request.status != Listing.Status.OPEN
        or request.is_mirrored
    ):
        return []
    return NetworkMatcher(request.network).suggest(
        request, limit=limit, exclude=excluded_offers(request)
    )


def _excluded_by_request(network: Network) -> dict[int, set[int]]:
    from rers_core.models import Connection

    pairs: dict[int, set[int]] = {}
    rows = Connection.objects.filter(
        network=network, request__isnull=False, offer__isnull=False
    ).values_list("request_id", "offer_id")
    for request_id, offer_id in rows:
        pairs.setdefault(request_id, set()).add(offer_id)
    return pairs


def suggested_connections(
    network: Network, *, limit: int | None = None
) -> list[tuple[Listing, list[Suggestion]]]:
    """For facilitators: each open request of the network with its best offers, its
    neighbours' included; then each open request neighbouring networks shared with it
    (mirrored here) with the network's own offers that may answer it."""
    requests = _open(network, Listing.Direction.REQUEST, Scope.ALL).order_by("created_at", "id")
    ours = [r for r in requests if not r.is_mirrored]
    theirs = [r for r in requests if r.is_mirrored]
    matcher = NetworkMatcher(network)
    excluded = _excluded_by_request(network)
    result = []
    for request in ours:
        found = matcher.suggest(request, limit=limit, exclude=excluded.get(request.pk, ()))
        if found:
            result.append((request, found))
    if theirs:
        # Our offers only: whether a third network answers a neighbour's request is for
        # those two networks to find out. The same index as the unmet report's, so that a
        # neighbour's request is either suggested here or reported unmet, never both.
        local = NetworkMatcher(network, neighbours=False)
        for request in theirs:
            found = local.suggest(request, limit=limit, exclude=excluded.get(request.pk, ()))
            if found:
                result.append((request, found))
    return result


@dataclass(frozen=True)
class UnmetRequest:
    request: Listing
    age_days: int
    best_score: float
    # The network's offer that comes closest, below the threshold (None: none at all).
    best_offer: Listing | None = None

    @property
    def domain(self) -> str:
        return self.request.domain.name

    @property
    def created_at(self) -> datetime:
        return self.request.created_at


UNMET_ORDERINGS = {
    "age": lambda u: (-u.age_days, u.request.pk),
    "-age": lambda u: (u.age_days, u.request.pk),
    "domain": lambda u: (u.domain.casefold(), -u.age_days),
    "title": lambda u: (u.request.title.casefold(), u.request.pk),
}


def _unmet(network: Network, scope: str, order: str) -> list[UnmetRequest]:
    if order not in UNMET_ORDERINGS:
        order = "age"
    requests = list(_open(network, Listing.Direction.REQUEST, scope))
    if not requests:
        return []
    matcher = NetworkMatcher(network, neighbours=False)
    now = timezone.now()
    unmet = []
    for request in requests:
        best = matcher.suggest(request, limit=1, min_score=0.0)
        best_score = best[0].score if best else 0.0
        if best_score < core_settings.SUGGESTION_MIN_SCORE:
            unmet.append(
                UnmetRequest(
                    request,
                    (now - request.created_at).days,
                    best_score,
                    best[0].offer if best and best_score > 0 else None,
                )
            )
    return sorted(unmet, key=UNMET_ORDERINGS[order])


def unmet_requests(network: Network, *, order: str = "age") -> list[UnmetRequest]:
    """Open requests of the network that none of its own offers answers above the
    suggestion threshold: a neighbour's offer may be suggested, but the request still
    shows what the network lacks. Neighbours' requests are never among them (see
    :func:`neighbours_unmet_requests`)."""
    return _unmet(network, Scope.HERE, order)


def neighbours_unmet_requests(network: Network, *, order: str = "age") -> list[UnmetRequest]:
    """Open requests neighbouring networks shared with this one (mirrored here) that none
    of its own offers answers above the suggestion threshold either: a member here may
    still know how to help. Those its offers answer are in :func:`suggested_connections`.
    ``age_days`` counts from the day the request reached this network."""
    return _unmet(network, Scope.NEIGHBOURS, order)

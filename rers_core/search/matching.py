"""The suggestion engine: which open offers may answer a request, best first.

Pure Python over small documents, so local listings and offers mirrored from neighbouring
networks are ranked by the same rules on every database. Text relevance dominates (shared
stems and synonym tokens, weighted by rarity); the same domain, the same kind of savoir,
compatible modalities, distance and recency adjust it:

    score = text × fit × proximity + RECENCY_WEIGHT × recency

``fit`` is at most 1 (see ``OfferIndex._fit``); ``proximity`` is 1 between two listings
of the network and ``1 − MAX_DISTANCE_PENALTY × min(km / DISTANCE_SCALE_KM, 1)`` when one of
them is a neighbour's listing ``km`` away (an unknown distance counts as far): a neighbour's
offer for our request, or one of our offers for a neighbour's request.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from rers_core.search import text

TITLE_WEIGHT = 1.0
BODY_WEIGHT = 0.5
# How much of the text score an offer keeps when a term is only in its description.
OFFER_BODY_FACTOR = 0.7
RECENCY_DAYS = 180.0
UNKNOWN_TERM_FACTOR = 0.5
CANDIDATE_CAP = 2000
RECENCY_WEIGHT = 0.02
# A neighbour's offer loses a little with distance, linearly up to DISTANCE_SCALE_KM and
# no more beyond: 12 km costs 1.2% of the score, 100 km or more 10%. Mild on purpose: a
# close match across the county still beats a poor one next door, and a fair match far
# away stays above the suggestion threshold more often than not.
MAX_DISTANCE_PENALTY = 0.10
DISTANCE_SCALE_KM = 100.0


@dataclass(frozen=True)
class Document:
    """What the engine knows of one listing (local or remote)."""

    key: Hashable
    owner: Hashable
    title_terms: frozenset[str]
    body_terms: frozenset[str]
    domain: str = ""
    kind: str = ""
    modalities: frozenset[str] = field(default_factory=frozenset)
    setting: str = "either"
    created_at: datetime | None = None
    # 0 for a listing of the network; None when a neighbour's distance is unknown.
    distance_km: float | None = 0.0

    @property
    def terms(self) -> frozenset[str]:
        return self.title_terms | self.body_terms


def document(
    *,
    key: Hashable,
    owner: Hashable,
    title: str,
    description: str = "",
    domain: str = "",
    kind: str = "",
    modalities: Iterable[str] = (),
    setting: str = "either",
    created_at: datetime | None = None,
    distance_km: float | None = 0.0,
    table: text.SynonymTable | None = None,
) -> Document:
    table = text.synonym_table() if table is None else table
    title_terms = frozenset(table.concepts(text.words(title)))
    body_terms = frozenset(table.concepts(text.words(description))) - title_terms
    return Document(
        key=key,
        owner=owner,
        title_terms=title_terms,
        body_terms=body_terms,
        domain=domain,
        kind=kind,
        modalities=frozenset(modalities),
        setting=setting,
        created_at=created_at,
        distance_km=distance_km,
    )


def proximity(distance_km: float | None) -> float:
    """What an offer keeps of its score for its distance (see the module's formula)."""
    far = 1.0 if distance_km is None else min(max(distance_km, 0.0) / DISTANCE_SCALE_KM, 1.0)
    return 1.0 - MAX_DISTANCE_PENALTY * far


@dataclass(frozen=True)
class Match:
    offer: Document
    score: float
    text_score: float


class OfferIndex:
    """An inverted index of offers, built once and asked for many requests."""

    def __init__(self, offers: Iterable[Document]) -> None:
        self.offers = list(offers)
        self._postings: dict[str, list[int]] = defaultdict(list)
        for position, offer in enumerate(self.offers):
            for term in offer.terms:
                self._postings[term].append(position)
        self._now = timezone.now()
        self._recency = [self._recency_of(offer) for offer in self.offers]
        self._proximity = [proximity(offer.distance_km) for offer in self.offers]

    def idf(self, term: str) -> float:
        df = len(self._postings.get(term, ()))
        value = math.log(1.0 + len(self.offers) / (1.0 + df))
        # A word no offer contains still says the request wants something else, but
        # it must not drown a rare word that does match.
        return value * UNKNOWN_TERM_FACTOR if df == 0 else value

    def rank(
        self,
        request: Document,
        *,
        limit: int = 5,
        min_score: float = 0.0,
        exclude: Iterable[Hashable] = (),
    ) -> list[Match]:
        """The best offers for ``request``, never the requester's own nor an excluded key."""
        weights = {t: TITLE_WEIGHT * self.idf(t) for t in request.title_terms}
        for term in request.body_terms:
            weights.setdefault(term, BODY_WEIGHT * self.idf(term))
        total = sum(weights.values())
        if not total:
            return []
        excluded = set(exclude)
        # A neighbour's request weighs our offers by its distance, as our requests do theirs.
        nearness = proximity(request.distance_km)
        overlap: dict[int, float] = {}
        for position in self._candidates(weights):
            offer = self.offers[position]
            overlap[position] = sum(
                weight * (1.0 if term in offer.title_terms else OFFER_BODY_FACTOR)
                for term, weight in weights.items()
                if term in offer.title_terms or term in offer.body_terms
            )
        matches = []
        for position, value in overlap.items():
            offer = self.offers[position]
            text_score = value / total
            # The best fit and proximity are 1.0: skip offers that cannot reach the threshold.
            if text_score + RECENCY_WEIGHT < min_score:
                continue
            if offer.owner == request.owner or offer.key in excluded:
                continue
            score = (
                text_score * self._fit(request, offer) * self._proximity[position] * nearness
                + RECENCY_WEIGHT * self._recency[position]
            )
            if score >= min_score:
                matches.append(Match(offer, round(score, 4), round(text_score, 4)))
        matches = heapq.nsmallest(limit, matches, key=lambda m: (-m.score, str(m.offer.key)))
        return matches

    def _candidates(self, weights: dict[str, float]) -> set[int]:
        """Offers sharing the request's rarest terms, up to ``CANDIDATE_CAP``: an offer
        sharing only common words would score too low to be proposed anyway."""
        candidates: set[int] = set()
        for term in sorted(weights, key=lambda t: len(self._postings.get(t, ()))):
            postings = self._postings.get(term, ())
            if candidates and len(candidates) + len(postings) > CANDIDATE_CAP:
                break
            candidates.update(postings)
        return candidates

    @staticmethod
    def _fit(request: Document, offer: Document) -> float:
        fit = 0.75
        if request.domain and request.domain == offer.domain:
            fit += 0.15
        if request.kind and request.kind == offer.kind:
            fit += 0.04
        if not request.modalities or request.modalities & offer.modalities:
            fit += 0.03
        if "either" in (request.setting, offer.setting) or request.setting == offer.setting:
            fit += 0.03
        return fit

    def _recency_of(self, offer: Document) -> float:
        if offer.created_at is None:
            return 0.0
        age_days = max((self._now - offer.created_at).total_seconds(), 0.0) / 86400.0
        return math.exp(-age_days / RECENCY_DAYS)

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rers_core.errors import DomainError
from rers_core.models import Listing
from rers_core.selectors.networks import network_get
from rers_core.selectors.suggestions import Suggestion, suggested_connections


def _ref(listing: Listing) -> str | int:
    return listing.external_ref or listing.pk


def _origin(side: str, listing: Listing) -> dict[str, Any]:
    """Whose a neighbouring network's listing is (it cannot be in a connection yet)."""
    if not listing.is_mirrored:
        return {}
    return {
        f"{side}_network": listing.origin_name,
        f"{side}_distance_km": listing.origin_distance_km,
    }


def _row(network: str, request: Listing, suggestion: Suggestion) -> dict[str, Any]:
    offer = suggestion.offer
    return {
        "request": _ref(request),
        "offer": _ref(offer),
        "score": suggestion.score,
        "network": network,
        **_origin("request", request),
        **_origin("offer", offer),
    }


class Command(BaseCommand):
    help = (
        "Print suggested offers for every open request of a network, best first, then our "
        "offers for the requests neighbouring networks shared with it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="Slug of the network.")
        parser.add_argument("--limit", type=int, default=5, help="Offers per request (default 5).")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args, network: str, limit: int, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        try:
            target = network_get(network)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        rows = [
            _row(target.slug, request, suggestion)
            for request, found in suggested_connections(target, limit=limit)
            for suggestion in found
        ]
        self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))

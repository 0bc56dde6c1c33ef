from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from rers_core.errors import DomainError
from rers_core.models import Listing
from rers_core.selectors.networks import network_get
from rers_core.selectors.suggestions import suggested_connections


def _ref(listing: Listing) -> str | int:
    return listing.external_ref or listing.pk


class Command(BaseCommand):
    help = "Print suggested offers for every open request of a network, best first."

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
            {
                "request": _ref(request),
                "offer": _ref(suggestion.offer),
                "score": suggestion.score,
                "network": target.slug,
            }
            for request, found in suggested_connections(target, limit=limit)
            for suggestion in found
        ]
        self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))

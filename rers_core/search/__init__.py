"""French text search over listings, behind one interface for PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from rers_core.listing_cache import search_changed
from rers_core.models import Listing
from rers_core.search.backends import backend


def search_listings(
    qs: QuerySet[Listing], query: str, *, mirrored: bool | None = None
) -> QuerySet[Listing]:
    """Listings of ``qs`` matching ``query``, best first, annotated with ``search_rank``.

    ``mirrored=False`` keeps the network's own listings only, ``True`` neighbours' listings
    mirrored here only; saying so, rather than filtering ``qs`` alone, lets the index skip
    the others."""
    return backend().search(qs, query, mirrored)


def index_listings(listings: Iterable[Listing]) -> None:
    """(Re)index listings after a change; erased (withdrawn) listings leave the index."""
    listings = list(listings)
    gone = [li.pk for li in listings if not li.title]
    backend().remove(gone)
    backend().index(li for li in listings if li.title)


def rebuild_index(batch_size: int = 1000) -> int:
    """Reindex every listing (after editing synonyms, or on a restored database)."""
    engine = backend()
    engine.clear()
    count = 0
    # One transaction per batch: SQLite otherwise syncs the disk after every row.
    qs = Listing.objects.exclude(title="").select_related("domain").order_by("pk")
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last)[:batch_size])
        if not batch:
            search_changed()  # searches may find other listings (after editing synonyms)
            return count
        with transaction.atomic():
            engine.index(batch, replace=False)
        count += len(batch)
        last = batch[-1].pk

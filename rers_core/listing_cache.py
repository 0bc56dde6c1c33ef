"""A shared cache of what the listings' pages show the same to everyone who may see them.

The portal's list of offers and requests (its filters and results) and the API's pages of
listings cost a query, a count and the rendering of every row; most requests ask for the
same few pages. :func:`cached` keeps such a value in Django's cache under a key made of
the network's *listings version*, what the value depends on (the page's address, whose
view it is) and the language; nothing that depends on the person asking (their name, a
CSRF token, their own listings marked) may go in a cached value.

The listings version is a random token in the cache, replaced whenever something these
pages show may have changed in the network: a listing saved or deleted (ours, or a
neighbour's mirrored here, whichever code path wrote it: the receivers below listen to the
models), a member (their name, their withdrawal), a domain, the network itself, a peering
(whether the filters offer neighbours' listings: rers_federation.apps); for every
network at once, the search's synonyms (rebuilding the search index). A new token leaves
every older entry behind, unreachable; they expire after ``LISTINGS_CACHE_SECONDS``
(``RERS_CORE``). A writer that changes these rows without ``save()`` or ``delete()``
(``QuerySet.update()``, raw SQL) must call :func:`listings_changed` itself.

The token is replaced at the change and again once its transaction has committed: a
request that read the token in between read the old rows, and its entry is left behind.
Entries are made for signed-in members only, about 12 kB for a portal page and 30 kB for an
API page; see docs/deployment.md for Redis's memory limit.

Every process that changes listings (web workers, Celery workers applying neighbours'
activities) must share the cache: with a per-process cache (Django's default, locmem), one
process would keep serving what another changed. The site's settings turn the cache of
pages on only when ``CACHE_URL`` names a shared cache.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from rers_core.conf import core_settings
from rers_core.signals import listing_changed

T = TypeVar("T")

_PREFIX = "rers:listings"
_SEARCH = f"{_PREFIX}:search"  # the synonyms of every network's searches
_MISSING = object()


def _version_key(network_id: int) -> str:
    return f"{_PREFIX}:version:{network_id}"


def enabled() -> bool:
    return core_settings.LISTINGS_CACHE_SECONDS > 0


def _versions(keys: list[str]) -> list[str]:
    """The current tokens, made (and kept until replaced) where there is none yet."""
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            token = secrets.token_hex(8)
            # Another request may have made it meanwhile: theirs wins.
            found[key] = token if cache.add(key, token, None) else cache.get(key, token)
    return [found[key] for key in keys]


def cached(network_id: int, parts: Iterable[Any], compute: Callable[[], T]) -> T:
    """``compute()``, shared through Django's cache by the requests for the same ``parts``
    (what the value depends on besides the network's listings: the page's address, whose
    view it is) in the same language, until the network's listings change.

    ``compute()`` must return a value that is the same for everyone ``parts`` describes,
    never None, and that pickles. Without the cache (``LISTINGS_CACHE_SECONDS`` 0),
    it is simply called.
    """
    if not enabled():
        return compute()
    versions = _versions([_version_key(network_id), _SEARCH])
    digest = hashlib.sha256(repr((tuple(parts), get_language())).encode()).hexdigest()
    key = f"{_PREFIX}:{network_id}:{':'.join(versions)}:{digest}"
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, core_settings.LISTINGS_CACHE_SECONDS)
    return value


# --- invalidation --------------------------------------------------------------------------


def _replace(keys: set[str]) -> None:
    cache.set_many({key: secrets.token_hex(8) for key in keys}, None)


def _flush(batch: dict[str, Any]) -> None:
    if not batch["done"]:
        batch["done"] = True
        _replace(batch["keys"])


def _changed(key: str) -> None:
    """Replace ``key``'s token now, and again once the current transaction commits.

    Now, so that the transaction making the change reads it (and a test, whose transaction
    never commits); after the commit, because a request that read the new token before
    then still read the old rows, and may have cached them under it. The keys changed in
    one transaction are replaced after it once: every change adds its key to the
    connection's open batch and registers the batch's flush, which does its work the first
    time it runs. A flush rolled back with its transaction leaves the batch open: the next
    transaction's flush replaces those keys too, which costs a miss at most.
    """
    if not enabled():
        return
    _replace({key})
    connection = transaction.get_connection()
    batch = connection.__dict__.get("_rers_listing_cache_batch")
    if batch is None or batch["done"]:
        batch = {"keys": set(), "done": False}
        connection.__dict__["_rers_listing_cache_batch"] = batch
    batch["keys"].add(key)
    # Robust: the change is committed whatever the cache says; a replacement that fails
    # (logged by Django) leaves the old pages until they expire.
    transaction.on_commit(partial(_flush, batch), robust=True)


def listings_changed(network_id: int) -> None:
    """What the listings' pages of the network show may have changed: every page cached
    for it is left behind, now and once the current transaction commits."""
    _changed(_version_key(network_id))


def search_changed() -> None:
    """The search's synonyms changed: every network's cached pages are left behind."""
    _changed(_SEARCH)


def _on_network_row(sender: type, instance: Any, **kwargs: Any) -> None:
    listings_changed(instance.network_id)


def _on_network(sender: type, instance: Any, **kwargs: Any) -> None:
    listings_changed(instance.pk)


def _on_listing_changed(sender: type, *, listing: Any, **kwargs: Any) -> None:
    listings_changed(listing.network_id)


def _on_synonyms(sender: type, **kwargs: Any) -> None:
    search_changed()


def connect() -> None:
    """Listen to every change the listings' pages show (called by the app's ``ready()``)."""
    from rers_core.models import Domain, Listing, Member, Network, SynonymGroup

    receivers = [(model, _on_network_row) for model in (Listing, Member, Domain)]
    receivers += [(Network, _on_network), (SynonymGroup, _on_synonyms)]
    for model, receiver in receivers:
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(
                receiver,
                sender=model,
                dispatch_uid=f"rers_core.listing_cache.{model.__name__}.{name}",
            )
    # Sent after QuerySet.update() of listings too (a member's withdrawal erases them).
    listing_changed.connect(_on_listing_changed, dispatch_uid="rers_core.listing_cache")

"""The ``RERS_CORE`` settings dict, read with documented defaults (like DRF's api_settings).

Example in a site's settings::

    RERS_CORE = {"DEFAULT_TIMEZONE": "Europe/Paris"}
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.core.signals import setting_changed

DEFAULTS: dict[str, Any] = {
    # Time zone given to a network created without one.
    "DEFAULT_TIMEZONE": "Europe/Paris",
    # Domains (knowledge areas) every new network starts with: (slug, French name).
    # Coordinators edit them afterwards; the names are data, not interface strings.
    "DEFAULT_DOMAINS": [
        ("metiers", "Métiers et secteurs professionnels"),
        ("recherche-emploi", "Recherche d'emploi, CV et entretiens"),
        ("numerique", "Numérique et bureautique"),
        ("langues", "Langues"),
        ("demarches", "Démarches administratives"),
        ("creation-activite", "Création d'activité"),
        ("formation", "Formation et orientation"),
        ("sante-bien-etre", "Santé et bien-être"),
        ("vie-quotidienne", "Vie quotidienne, budget et logement"),
        ("cuisine", "Cuisine"),
        ("bricolage-jardinage", "Bricolage et jardinage"),
        ("arts-culture", "Arts, culture et loisirs"),
        ("mobilite", "Mobilité et transports"),
        ("vecu", "Expériences de vie"),
    ],
    # Charter text every new network starts with (version 1); coordinators publish new versions.
    "DEFAULT_CHARTER": (
        "Chacun sait plus qu'il ne le croit.\n"
        "Chacun ignore quelque chose.\n"
        "Chacun peut apprendre et aider les autres à apprendre.\n"
        "Aucun savoir ne vaut plus qu'un autre, et les savoirs n'ont pas de prix : "
        "on échange sans argent ni contrepartie, dans une réciprocité ouverte.\n"
        "Chacun adhère librement et peut se retirer à tout moment."
    ),
    # Suggestions: how many offers to propose per request, and the lowest score (0 to 1)
    # worth proposing; a request with nothing above it counts as unmet.
    "SUGGESTION_LIMIT": 5,
    "SUGGESTION_MIN_SCORE": 0.3,
    # Public address of the portal, used in emails (no trailing slash).
    "SITE_URL": "http://localhost:8000",
    # A proposed connection nobody answered expires after this many days.
    "CONNECTION_EXPIRY_DAYS": 21,
    # Request rates ("N/second|minute|hour|day"; None: no limit), counted in Django's cache:
    # anonymous API requests per address, signed-in ones per account, login attempts (portal
    # and API token) per address and per account name. Off by default in the library; the
    # site's settings turn them on.
    "THROTTLE_RATES": {
        "api_anonymous": None,
        "api_member": None,
        "login_address": None,
        "login_username": None,
    },
    # Page size of API list endpoints.
    "PAGE_SIZE": 50,
    "MAX_PAGE_SIZE": 200,
    # Seconds the pages of listings (the portal's list and searches, the API's pages) are
    # kept in Django's cache; 0: not cached. A change to a listing, member or domain of the
    # network, or to the synonyms, leaves them behind at once (rers_core/listing_cache.py):
    # the time only bounds what the cache holds. Every process that changes listings (web
    # and Celery workers) must share the cache (Redis, Memcached): with a per-process cache
    # (locmem), one process would keep serving what another changed. Off in the library;
    # the site's settings turn it on when CACHE_URL names a shared cache.
    "LISTINGS_CACHE_SECONDS": 0,
}


class CoreSettings:
    """Attribute access to ``settings.RERS_CORE`` merged over :data:`DEFAULTS`."""

    def __init__(self, setting_name: str, defaults: dict[str, Any]) -> None:
        self._setting_name = setting_name
        self._defaults = defaults
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._defaults:
            raise AttributeError(f"Unknown {self._setting_name} setting: {name!r}")
        if name not in self._cache:
            user = getattr(django_settings, self._setting_name, {}) or {}
            self._cache[name] = user.get(name, self._defaults[name])
        return self._cache[name]

    def reload(self) -> None:
        self._cache.clear()


core_settings = CoreSettings("RERS_CORE", DEFAULTS)


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "RERS_CORE":
        core_settings.reload()


setting_changed.connect(_reload)

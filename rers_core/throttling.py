"""Request rates, counted in Django's cache with DRF's throttles (a shared cache such as
Redis makes the counts hold across processes; the per-process default still slows a single
worker down).

A rate is "N/second", "N/minute", "N/hour" or "N/day"; None switches a limit off. The API,
the portal's login and the federation's public endpoints use the classes below; rates come
from each app's settings dict.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle


class ConfiguredRate(SimpleRateThrottle):
    """A throttle whose rate is read from a settings dict when it is used, and whose
    identity (the address, a user, a peer...) the caller names."""

    def __init__(self, scope: str, rate: Callable[[], str | None], ident: str | None = None):
        self.scope = scope
        self._rate = rate
        self._ident = ident
        super().__init__()

    def get_rate(self) -> str | None:
        return self._rate()

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {
            "scope": self.scope,
            "ident": self._ident or self.get_ident(request),
        }


def wait_seconds(request: HttpRequest, scope: str, rate: str | None, ident: str | None = None):
    """Count this request; None when it is allowed, else the seconds to wait."""
    throttle = ConfiguredRate(scope, lambda: rate, ident)
    if throttle.allow_request(request, None):
        return None
    return max(1, round(throttle.wait() or 1))


def login_wait(request: HttpRequest, username: str):
    """Count a login attempt, per address and per account name: None when allowed, else
    the seconds to wait. Slows password guessing without locking anybody out for long."""
    from rers_core.conf import core_settings

    rates = core_settings.THROTTLE_RATES
    by_address = wait_seconds(request, "login_address", rates.get("login_address"))
    by_name = wait_seconds(
        request, "login_username", rates.get("login_username"), (username or "").strip().lower()
    )
    waits = [wait for wait in (by_address, by_name) if wait]
    return max(waits) if waits else None


def login_refused_form(form_class, request: HttpRequest, wait: int):
    """A login form (portal or administration) that says to wait ``wait`` seconds. Left
    unvalidated: validating the posted form would try the password anyway."""
    form = form_class(request, initial={"username": request.POST.get("username")})
    form.cleaned_data = {}  # what add_error expects of a form it did not validate
    form.add_error(
        None,
        _("Too many attempts to log in: please wait %(minutes)d minute(s) and try again.")
        % {"minutes": max(1, round(wait / 60))},
    )
    return form


class ApiAnonymousRate(SimpleRateThrottle):
    """Anonymous API requests, per address."""

    scope = "api_anonymous"

    def get_rate(self) -> str | None:
        from rers_core.conf import core_settings

        return core_settings.THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApiMemberRate(ApiAnonymousRate):
    """Signed-in API requests, per account."""

    scope = "api_member"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}

"""The ``RERS_FEDERATION`` settings dict, read with documented defaults."""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed

from rers_core.conf import CoreSettings

DEFAULTS: dict[str, Any] = {
    # Public address of this instance as peers reach it (scheme, host, port; no trailing
    # slash). Empty: RERS_CORE["SITE_URL"].
    "BASE_URL": "",
    # Secret protecting the networks' private keys at rest (Fernet key, url-safe base64 of
    # 32 bytes). Empty: derived from SECRET_KEY, so keep SECRET_KEY out of backups.
    "KEY_ENCRYPTION_KEY": "",
    # A rotated key is still accepted this many days.
    "KEY_GRACE_DAYS": 7,
    # Allowed clock difference for signed requests, in seconds.
    "CLOCK_SKEW_SECONDS": 300,
    # Largest request body the inbox reads, and largest activity a pulled log page may hold.
    "MAX_BODY_BYTES": 256 * 1024,
    # Largest answer read from a peer (network document, log page, inbox reply): a longer
    # one is abandoned as an error, so a peer cannot fill our workers' memory.
    "MAX_RESPONSE_BYTES": 4 * 1024 * 1024,
    # Seconds before an outgoing request gives up: connecting, and reading the whole answer.
    "HTTP_TIMEOUT_SECONDS": 10,
    # Development and tests only: peers' addresses may be plain http://, and outgoing
    # requests may go to loopback, private, link-local or reserved addresses. Otherwise
    # (False) peers must be on https:// at public addresses, so that no peer can make our
    # workers send requests into our own network. None (the default): allowed only with
    # the in-process test transport (rers_federation.testing), which never leaves the process.
    "ALLOW_LOCAL_PEERS": None,
    # Deliveries: first retry after RETRY_BASE_SECONDS, doubling up to RETRY_MAX_SECONDS
    # (with jitter); given up RETRY_WINDOW_HOURS after the activity was published.
    "RETRY_BASE_SECONDS": 60,
    "RETRY_MAX_SECONDS": 6 * 3600,
    "RETRY_WINDOW_HOURS": 48,
    # After this many failures in a row a peer is marked unreachable and only probed every
    # PROBE_SECONDS until a delivery succeeds.
    "BREAKER_FAILURES": 5,
    "PROBE_SECONDS": 1800,
    # A delivery "being sent" for longer than this belonged to a worker that died.
    "SENDING_TIMEOUT_SECONDS": 300,
    # Request rates ("N/minute"...; None: no limit), counted in Django's cache: activities
    # each peer may push to the inbox, requests to the inbox per address (before any
    # signature is checked), and to the other public endpoints (discovery, documents, the
    # log) per address. Over the limit: 429 with Retry-After, which senders retry later.
    "INBOX_RATE_PER_PEER": None,
    "INBOX_RATE_PER_ADDRESS": None,
    "PUBLIC_RATE_PER_ADDRESS": None,
    # Dotted path of the transport class (swap for an in-process one in tests).
    "TRANSPORT": "rers_federation.transport.HttpTransport",
}

federation_settings = CoreSettings("RERS_FEDERATION", DEFAULTS)


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "RERS_FEDERATION":
        federation_settings.reload()


setting_changed.connect(_reload)


def base_url() -> str:
    from rers_core.conf import core_settings

    return (federation_settings.BASE_URL or core_settings.SITE_URL).rstrip("/")

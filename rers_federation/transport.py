"""Outgoing HTTP, behind one small interface so tests can swap in an in-process transport."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import requests
from django.utils.module_loading import import_string

from rers_federation.conf import federation_settings


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class TransportError(Exception):
    """The peer could not be reached (network error, timeout)."""


class HttpTransport:
    """Real HTTP with requests: short timeouts, no redirects (a peer's addresses are exact)."""

    def request(
        self, method: str, url: str, *, body: bytes = b"", headers: dict[str, str]
    ) -> Response:
        try:
            reply = requests.request(
                method,
                url,
                data=body or None,
                headers=headers,
                timeout=federation_settings.HTTP_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise TransportError(str(exc)) from exc
        return Response(reply.status_code, reply.content, dict(reply.headers))


def transport():
    return import_string(federation_settings.TRANSPORT)()


def _not_json(constant: str) -> None:
    # Python reads NaN and Infinity, which are not JSON and which no database stores.
    raise ValueError(f"{constant} is not JSON.")


def _refuse_nul(value) -> None:
    # PostgreSQL stores no NUL character in text or JSON: refuse it here, as bad input,
    # rather than fail while storing the activity.
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Strings may not contain the NUL character.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)


def read_json(body: bytes | str):
    """Strict JSON from a peer: ValueError for anything else, non-finite numbers and NUL
    characters included."""
    value = json.loads(body, parse_constant=_not_json)
    _refuse_nul(value)
    return value

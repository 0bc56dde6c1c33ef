"""Outgoing HTTP, behind one small interface so tests can swap in an in-process transport.

Every answer is read with a size cap and an overall deadline, and requests go to public
``https://`` addresses only (rers_federation.addresses), checked again on the socket
actually connected to, since a host name may resolve elsewhere a moment later.
"""

from __future__ import annotations

import http
import json
import re
import time
from dataclasses import dataclass, field

import requests
import urllib3
from django.utils.module_loading import import_string
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from rers_federation.addresses import (
    AddressRefused,
    check_reachable,
    is_public_ip,
    local_peers_allowed,
)
from rers_federation.conf import federation_settings

CHUNK_BYTES = 64 * 1024


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class TransportError(Exception):
    """The peer could not be reached (network error, timeout)."""


class _PublicOnly:
    """Connections that refuse to talk to a non-public address once connected, whatever
    the host name resolved to when it was checked."""

    def _new_conn(self):
        sock = super()._new_conn()
        address = sock.getpeername()[0]
        if not is_public_ip(address):
            sock.close()
            raise NewConnectionError(self, f"{address} is not a public address.")
        return sock


class _PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(requests.adapters.HTTPAdapter):
    # Direct connections only: through a proxy the site chose, the socket is the proxy's
    # and the host name was checked before sending.
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicHTTPPool,
            "https": _PublicHTTPSPool,
        }


def _read_capped(reply: requests.Response, limit: int, deadline: float) -> bytes:
    declared = reply.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise TransportError(f"The answer is larger than {limit} bytes.")
    chunks, size = [], 0
    # read1 returns what has arrived (iter_content would wait for whole chunks), so that a
    # peer sending a byte now and then is stopped at the deadline.
    while chunk := reply.raw.read1(CHUNK_BYTES, decode_content=True):
        size += len(chunk)
        if size > limit:
            raise TransportError(f"The answer is larger than {limit} bytes.")
        if time.monotonic() > deadline:
            raise TransportError("The answer took too long to arrive.")
        chunks.append(chunk)
    return b"".join(chunks)


class HttpTransport:
    """Real HTTP with requests: short timeouts, no redirects (a peer's addresses are exact),
    answers of at most MAX_RESPONSE_BYTES read within HTTP_TIMEOUT_SECONDS, and public
    https:// addresses only unless ALLOW_LOCAL_PEERS."""

    def request(
        self, method: str, url: str, *, body: bytes = b"", headers: dict[str, str]
    ) -> Response:
        try:
            check_reachable(url)
        except AddressRefused as exc:
            raise TransportError(str(exc)) from exc
        timeout = federation_settings.HTTP_TIMEOUT_SECONDS
        deadline = time.monotonic() + timeout
        with requests.Session() as session:
            if not local_peers_allowed():
                session.mount("https://", _PublicOnlyAdapter())
                session.mount("http://", _PublicOnlyAdapter())
            try:
                with session.request(
                    method,
                    url,
                    data=body or None,
                    headers=headers,
                    timeout=timeout,
                    allow_redirects=False,
                    stream=True,
                ) as reply:
                    content = _read_capped(reply, federation_settings.MAX_RESPONSE_BYTES, deadline)
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                raise TransportError(str(exc)) from exc
        return Response(reply.status_code, content, dict(reply.headers))


def describe_answer(status: int, body: bytes) -> str:
    """What coordinators are shown of a peer's failed answer: the status, its standard
    reason and, from our own software's JSON errors, the short error code. The body
    itself is never kept: a peer (or whatever answered in its place) chose it."""
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    text = f"{status} {reason}".strip()
    try:
        code = read_json(body[:4096]).get("error") if body else None
    except (ValueError, UnicodeDecodeError, AttributeError):
        code = None
    if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,40}", code):
        text += f" ({code})"
    return text


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
    characters included, and nesting too deep for Python's parser."""
    try:
        value = json.loads(body, parse_constant=_not_json)
        _refuse_nul(value)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    return value

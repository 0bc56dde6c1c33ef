"""Addresses of peers: what a network document may name, and where our workers may send
requests.

A peer is known by the address of its network document. Its inbox and outbox share that
address's origin, and its key ids and activity ids lie under it, so a network can only
speak for addresses it serves. Outgoing requests go to ``https://`` addresses that resolve
to public IP addresses only: a peer cannot make our workers send signed requests into
our own network (SSRF). ``RERS_FEDERATION["ALLOW_LOCAL_PEERS"]`` lifts both rules for
development and tests, where every instance runs on one machine.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from django.utils.module_loading import import_string

from rers_federation.conf import federation_settings

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_LENGTH = 500


class AddressRefused(ValueError):
    """An address a peer may not use, or that our workers may not send requests to."""


def local_peers_allowed() -> bool:
    """Whether peers may be on plain http:// and on loopback or private addresses."""
    allowed = federation_settings.ALLOW_LOCAL_PEERS
    if allowed is None:
        # The in-process test transport never opens a socket: nothing to protect.
        transport_class = import_string(federation_settings.TRANSPORT)
        return bool(getattr(transport_class, "stays_in_process", False))
    return bool(allowed)


def origin(url: Any) -> tuple[str, str, int]:
    """(scheme, host, port) of a peer's address; :class:`AddressRefused` for an address
    that is not ``https://`` (or ``http://`` where local peers are allowed), names no host
    or carries a user name or password."""
    if not isinstance(url, str) or not url or len(url) > MAX_LENGTH:
        raise AddressRefused("Not an address.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"{url!r} is not an address.") from exc
    allowed = ("https", "http") if local_peers_allowed() else ("https",)
    if parts.scheme not in allowed:
        raise AddressRefused(f"{url!r} is not an https:// address.")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise AddressRefused(f"{url!r} names no host, or carries credentials.")
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def is_under(address: Any, base: Any) -> bool:
    """Whether ``address`` is ``base`` or lies beneath it at a path-segment boundary:
    ``…/voisin/`` covers ``…/voisin/activities/1`` and ``…/voisin/#key-1``, while
    ``…/voisin`` does not cover ``…/voisinage/``, and no address climbs out with ``..``."""
    if not isinstance(address, str) or not isinstance(base, str) or not base:
        return False
    if not address.startswith(base):
        return False
    rest = address[len(base) :]
    if rest and not base.endswith(("/", "#")) and rest[0] not in "/#?":
        return False
    return not any(segment in (".", "..") for segment in urlsplit(rest).path.split("/"))


def is_public_ip(text: str) -> bool:
    """Whether an IP address is one the public internet routes (not loopback, private,
    link-local, shared, reserved, multicast or unspecified)."""
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The IP addresses ``host`` resolves to (OSError when it does not)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def check_reachable(url: str) -> None:
    """Refuse (:class:`AddressRefused`) to send a request to ``url`` unless it is an
    ``https://`` address whose host resolves to public IP addresses only. The transport
    checks the address it actually connects to as well (the name may resolve differently
    a moment later)."""
    _scheme, host, port = origin(url)
    if local_peers_allowed():
        return
    try:
        found = resolve(host, port)
    except OSError as exc:
        raise AddressRefused(f"The host {host} could not be resolved.") from exc
    if not found or not all(is_public_ip(address) for address in found):
        raise AddressRefused(f"The host {host} is not at a public address.")

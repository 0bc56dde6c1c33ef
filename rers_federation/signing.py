"""HTTP Message Signatures (RFC 9421) with Ed25519 over @method, @target-uri,
content-digest (RFC 9530, which we compute and verify ourselves) and the created time.

Every federation request, GET included, carries a ``Content-Digest`` of its body (an empty
body has a digest too) and a signature labelled ``rers`` covering
``("@method" "@target-uri" "content-digest")`` with the parameters ``created``, ``keyid`` and
``alg="ed25519"``.

The ``@target-uri`` is the full URL (scheme, host, port, path, query) exactly as the sender
used it. A receiving view must rebuild it with ``request.build_absolute_uri()``; deployments
behind a reverse proxy must set ``SECURE_PROXY_SSL_HEADER`` and ``USE_X_FORWARDED_HOST``
(or equivalent) so that Django sees the public scheme and host, otherwise every signature
fails as ``bad_signature``. Senders should use canonical URLs (no default port, no fragment).

Replay protection is not done here: a replayed request verifies. The inbox deduplicates on the
activity id, and ``created`` bounds how old a replay can be.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import http_sf
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)

__all__ = [
    "LABEL",
    "REQUIRED_COMPONENTS",
    "BadDigest",
    "BadSignature",
    "MissingSignature",
    "SignatureRejected",
    "StaleSignature",
    "UnknownKey",
    "VerifiedRequest",
    "content_digest",
    "fingerprint",
    "public_key_from_text",
    "public_key_to_text",
    "sign",
    "verify",
    "verify_content_digest",
]

LABEL = "rers"
REQUIRED_COMPONENTS = ("@method", "@target-uri", "content-digest")

_SIGNATURE_FIELDS = frozenset({"signature", "signature-input"})
_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


# --- Exceptions ---------------------------------------------------------------------------


class SignatureRejected(Exception):
    """A request that must be refused before doing anything else.

    ``status`` is the HTTP status to answer with, ``reason`` a short machine code, and
    ``str(exc)`` a human-readable message (for logs, not necessarily for the peer).
    """

    status: int = 401
    reason: str = "rejected"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.reason)
        self.message = message or self.reason


class MissingSignature(SignatureRejected):
    """No ``rers`` signature in the request."""

    status = 401
    reason = "missing_signature"


class UnknownKey(SignatureRejected):
    """The key id is not one we know (we never fetch keys while verifying)."""

    status = 401
    reason = "unknown_key"


class BadDigest(SignatureRejected):
    """Content-Digest missing, unparseable or not matching the body."""

    status = 400
    reason = "bad_digest"


class StaleSignature(SignatureRejected):
    """``created`` missing, too old or too far in the future."""

    status = 401
    reason = "stale_signature"


class BadSignature(SignatureRejected):
    """Malformed signature, insufficient coverage or failed cryptographic check."""

    status = 401
    reason = "bad_signature"


# --- Content-Digest (RFC 9530) ------------------------------------------------------------


def content_digest(body: bytes) -> str:
    """Return the ``Content-Digest`` field value for ``body``: ``sha-256=:<base64>:``."""
    return http_sf.ser({"sha-256": (hashlib.sha256(body).digest(), {})})


def verify_content_digest(header: str | None, body: bytes) -> None:
    """Check a ``Content-Digest`` field value against ``body``.

    Accepts ``sha-256`` and ``sha-512`` members (every known member present must match);
    unknown algorithms are ignored but at least one known member is required.
    Raises :class:`BadDigest` if the header is missing, unparseable or does not match.
    """
    if not header:
        raise BadDigest("Content-Digest header is missing.")
    try:
        members = http_sf.parse(header.encode("ascii"), tltype="dictionary")
    except (ValueError, TypeError, UnicodeError) as exc:
        raise BadDigest("Content-Digest header is not a valid structured field.") from exc
    checked = 0
    for algorithm, (value, _params) in members.items():
        hasher = _DIGESTS.get(algorithm)
        if hasher is None:
            continue
        if not isinstance(value, bytes):
            raise BadDigest(f"Content-Digest member {algorithm} is not a byte sequence.")
        if not hmac.compare_digest(value, hasher(body).digest()):
            raise BadDigest("Content-Digest does not match the body.")
        checked += 1
    if not checked:
        raise BadDigest("Content-Digest has no sha-256 or sha-512 member.")


# --- Signing and verifying ----------------------------------------------------------------


class _SingleKeyResolver(HTTPSignatureKeyResolver):
    """Adapter so the library sees exactly one key, already chosen by the caller."""

    def __init__(self, *, private_key=None, public_key=None) -> None:
        self._private_key = private_key
        self._public_key = public_key

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        return self._private_key

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        return self._public_key


class _Verifier(HTTPMessageVerifier):
    # The library checks `created`/`expires` against the real wall clock with a 5 s skew;
    # verify() does the freshness check itself against an injectable clock and skew.
    def validate_created_and_expires(self, sig_input, max_age=None) -> None:
        return None


def _aware(now: datetime | None) -> datetime:
    # Naive datetimes are taken as UTC (the library would read them as local time).
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _prepare(method: str, url: str, headers: Mapping[str, str], body: bytes):
    return requests.Request(method.upper(), url, headers=dict(headers), data=body).prepare()


def sign(
    *,
    method: str,
    url: str,
    body: bytes,
    key_id: str,
    private_key: Ed25519PrivateKey,
    now: datetime | None = None,
) -> dict[str, str]:
    """Sign a request and return the headers to add to it.

    Returns ``Content-Digest``, ``Signature-Input`` and ``Signature`` (label ``rers``)
    covering ``@method``, ``@target-uri`` and ``content-digest`` with ``created``,
    ``keyid`` and ``alg="ed25519"``. Pass ``body=b""`` for GET requests: the empty body is
    digested and signed too. ``url`` must be the exact absolute URL the request is sent to.
    """
    now = _aware(now)
    digest = content_digest(body)
    prepared = _prepare(method, url, {"Content-Digest": digest}, body)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=_SingleKeyResolver(private_key=private_key),
    )
    signer.sign(
        prepared,
        key_id=key_id,
        created=now,
        label=LABEL,
        covered_component_ids=REQUIRED_COMPONENTS,
        # The digest header is ours (computed just above); let the library sign it as is.
        use_existing_digest=True,
    )
    return {
        "Content-Digest": digest,
        "Signature-Input": prepared.headers["Signature-Input"],
        "Signature": prepared.headers["Signature"],
    }


@dataclass(frozen=True)
class VerifiedRequest:
    """Outcome of a successful :func:`verify`: who signed, and when."""

    key_id: str
    created: datetime


def _rers_member(value: str, field: str):
    """Return the ``rers`` member of a Signature/Signature-Input dictionary field."""
    try:
        members = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (ValueError, TypeError, UnicodeError) as exc:
        raise BadSignature(f"{field} header is not a valid structured field.") from exc
    if LABEL not in members:
        raise MissingSignature(f"{field} header has no '{LABEL}' signature.")
    return members[LABEL]


def verify(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    resolve_key: Callable[[str], Ed25519PublicKey | None],
    skew_seconds: int = 300,
    now: datetime | None = None,
) -> VerifiedRequest:
    """Verify a signed request, or raise a :class:`SignatureRejected` subclass.

    ``url`` must be the absolute URL as received (``request.build_absolute_uri()``),
    ``headers`` may be Django's ``request.headers`` or any mapping (looked up
    case-insensitively), ``body`` the raw body bytes. ``resolve_key`` maps a key id to a
    known public key or ``None``; it must only look in local tables, never fetch.

    Checks, in order: signature headers present, key known, Content-Digest matches the
    body, ``created`` within ``skew_seconds`` of ``now``, coverage includes ``@method``,
    ``@target-uri`` and ``content-digest``, and finally the Ed25519 signature itself.
    A replayed request verifies: replay protection is the inbox's activity-id dedup.
    """
    now = _aware(now)
    lowered = {name.lower(): value for name, value in headers.items()}

    # 1. Signature present.
    sig_input_header = lowered.get("signature-input")
    signature_header = lowered.get("signature")
    if not sig_input_header or not signature_header:
        raise MissingSignature("Signature and Signature-Input headers are required.")
    sig_input = _rers_member(sig_input_header, "Signature-Input")
    signature = _rers_member(signature_header, "Signature")
    components, params = sig_input
    if not isinstance(components, list) or not isinstance(signature[0], bytes):
        raise BadSignature("Malformed 'rers' signature.")

    # 2. Known key.
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise BadSignature("Signature-Input has no keyid.")
    try:
        public_key = resolve_key(key_id)
    except ValueError as exc:  # e.g. a stored key text that no longer parses
        raise UnknownKey(f"Unusable key for key id {key_id!r}.") from exc
    if public_key is None:
        raise UnknownKey(f"Unknown key id {key_id!r}.")

    # 3. Body digest.
    verify_content_digest(lowered.get("content-digest"), body)

    # 4. Freshness.
    created_ts = params.get("created")
    if type(created_ts) is not int:
        raise StaleSignature("Signature has no created time.")
    try:
        created = datetime.fromtimestamp(created_ts, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise StaleSignature("Signature created time is out of range.") from exc
    skew = timedelta(seconds=skew_seconds)
    if abs(now - created) > skew:
        raise StaleSignature("Signature created time is outside the allowed window.")
    expires_ts = params.get("expires")
    if type(expires_ts) is int and expires_ts < (now - skew).timestamp():
        raise StaleSignature("Signature has expired.")

    # 5. Coverage: bare component names, parameters (e.g. ;sf, ;key=) don't count.
    covered = {name for name, item_params in components if not item_params}
    missing = [name for name in REQUIRED_COMPONENTS if name not in covered]
    if missing:
        raise BadSignature(f"Signature does not cover {', '.join(missing)}.")

    # 6. Cryptographic check. The library only gets the covered fields and the `rers`
    # member, so unrelated headers or signatures added by a proxy cannot get in the way.
    lib_headers = {
        name: lowered[name]
        for name, _item_params in components
        if isinstance(name, str) and name in lowered and name not in _SIGNATURE_FIELDS
    }
    try:
        lib_headers["Signature-Input"] = http_sf.ser({LABEL: sig_input})
        lib_headers["Signature"] = http_sf.ser({LABEL: signature})
        prepared = _prepare(method, url, lib_headers, body)
        _Verifier(
            signature_algorithm=algorithms.ED25519,
            key_resolver=_SingleKeyResolver(public_key=public_key),
        ).verify(prepared, max_age=None, require_components=REQUIRED_COMPONENTS)
    except Exception as exc:  # any library or URL error means "not a valid signature"
        raise BadSignature("Signature verification failed.") from exc
    return VerifiedRequest(key_id=key_id, created=created)


# --- Key text forms -----------------------------------------------------------------------

_KEY_TEXT = re.compile(r"[A-Za-z0-9_-]{43}")


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_to_text(key: Ed25519PublicKey) -> str:
    """Return the raw 32-byte public key as base64url without padding (43 characters)."""
    return base64.urlsafe_b64encode(_raw(key)).rstrip(b"=").decode("ascii")


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """Parse :func:`public_key_to_text` output; raise ``ValueError`` on anything else."""
    if not isinstance(text, str) or not _KEY_TEXT.fullmatch(text.strip()):
        raise ValueError("Not an Ed25519 public key (expected 43 base64url characters).")
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=")
    except (binascii.Error, ValueError) as exc:
        raise ValueError("Not an Ed25519 public key (invalid base64url).") from exc
    # Reject non-canonical encodings so one key has exactly one text form.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != text:
        raise ValueError("Not an Ed25519 public key (non-canonical encoding).")
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, upper-case hex in 16 space-separated groups of 4."""
    digest = hashlib.sha256(_raw(key)).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))

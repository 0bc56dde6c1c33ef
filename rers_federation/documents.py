"""The network document: who a network is, where its inbox is, and its public keys,
signed with its own key so a copy passed around can be trusted as long as the key is."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from django.utils import timezone

from rers_core.models import Network
from rers_federation import keys
from rers_federation.addresses import AddressRefused, is_under, origin
from rers_federation.signing import public_key_from_text

CONTEXT = "https://www.w3.org/ns/activitystreams"


class DocumentInvalid(ValueError):
    """A network document that is malformed or whose proof does not verify."""


def canonical(data: dict[str, Any]) -> bytes:
    """The exact bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def network_document(network: Network) -> dict[str, Any]:
    url = keys.network_url(network)
    document = {
        "@context": CONTEXT,
        "type": "Organization",
        "id": url,
        "name": network.name,
        "city": network.city,
        "postcode": network.postcode,
        "latitude": None if network.latitude is None else str(network.latitude),
        "longitude": None if network.longitude is None else str(network.longitude),
        "timezone": network.timezone,
        "inbox": f"{url}inbox/",
        "outbox": f"{url}outbox/",
        "publicKeys": keys.published_keys(network),
        "published": timezone.now().isoformat(),
    }
    key = keys.current_key(network)
    signature = keys.private_key(key).sign(canonical(document))
    return {**document, "proof": {"keyId": key.key_id, "signature": _b64(signature)}}


REQUIRED = ("id", "type", "name", "inbox", "publicKeys", "proof")


def verify_document(document: Any) -> dict[str, Any]:
    """Check a received network document's shape and proof; return it unchanged."""
    if not isinstance(document, dict) or any(k not in document for k in REQUIRED):
        raise DocumentInvalid("The network document lacks required fields.")
    proof = document["proof"]
    if not isinstance(proof, dict) or not isinstance(document["publicKeys"], list):
        raise DocumentInvalid("The network document's proof or keys are malformed.")
    by_id = {k.get("id"): k for k in document["publicKeys"] if isinstance(k, dict)}
    signer = by_id.get(proof.get("keyId"))
    if signer is None:
        raise DocumentInvalid("The document is signed by a key it does not list.")
    try:
        public = public_key_from_text(str(signer.get("publicKey", "")))
        unsigned = {k: v for k, v in document.items() if k != "proof"}
        public.verify(_unb64(str(proof.get("signature", ""))), canonical(unsigned))
    except (ValueError, InvalidSignature) as exc:
        raise DocumentInvalid("The network document's signature does not verify.") from exc
    _check_addresses(document)
    return document


def _check_addresses(document: dict[str, Any]) -> None:
    """A network speaks only for addresses it serves: its inbox and outbox share the origin
    of its id (so no document sends our workers elsewhere) and its key ids lie under it
    (so no document claims another network's key id)."""
    try:
        home = origin(document["id"])
        for field in ("inbox", "outbox"):
            if (field == "inbox" or document.get(field)) and origin(document[field]) != home:
                raise DocumentInvalid(f"The document's {field} is not on the site of its id.")
    except AddressRefused as exc:
        raise DocumentInvalid(f"The document's addresses are refused: {exc}") from exc
    for key in document["publicKeys"]:
        if not isinstance(key, dict) or not is_under(key.get("id"), document["id"]):
            raise DocumentInvalid("The document lists a key whose id is not under its own id.")

"""Helpers for the security tests: network documents and requests made up by a stranger,
who holds a key pair of their own but none of ours or our peers'."""

import base64
import json
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from rers_federation import keys
from rers_federation.documents import canonical
from rers_federation.signing import public_key_to_text, sign

SOUDAY = "http://testserver/federation/souday/"
VOISIN = "http://testserver/federation/voisin/"
SOUDAY_INBOX = f"{SOUDAY}inbox/"
VOISIN_INBOX = f"{VOISIN}inbox/"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_document(document: dict, private_key, key_id: str) -> dict:
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    proof = {"keyId": key_id, "signature": b64(private_key.sign(canonical(unsigned)))}
    return {**unsigned, "proof": proof}


def forged_document(doc_id, *, inbox=None, outbox="", extra_keys=(), name="Stranger"):
    """A document for ``doc_id`` signed with a fresh key listed under it: (document,
    private key, key id)."""
    private = Ed25519PrivateKey.generate()
    key_id = f"{doc_id}#key-{uuid.uuid4().hex[:8]}"
    document = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Organization",
        "id": doc_id,
        "name": name,
        "inbox": inbox or f"{doc_id}inbox/",
        "outbox": outbox,
        "publicKeys": [
            {"id": key_id, "publicKey": public_key_to_text(private.public_key()), "expires": None},
            *extra_keys,
        ],
        "published": timezone.now().isoformat(),
    }
    return signed_document(document, private, key_id), private, key_id


def follow(document, *, activity_id=None):
    return {
        "id": activity_id or f"{document['id']}activities/{uuid.uuid4()}",
        "type": "Follow",
        "actor": document["id"],
        "object": SOUDAY,
        "actorDocument": document,
    }


def post_signed(client, url, activity, private_key, key_id):
    body = json.dumps(activity).encode()
    headers = sign(method="POST", url=url, body=body, key_id=key_id, private_key=private_key)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.generic(
        "POST",
        url.replace("http://testserver", ""),
        data=body,
        content_type="application/activity+json",
        **extra,
    )


def post_as(client, network, url, activity):
    """An activity signed with ``network``'s own current key."""
    key = keys.current_key(network)
    return post_signed(client, url, activity, keys.private_key(key), key.key_id)


def listing_create(actor, n, activity_id=None):
    return {
        "id": activity_id or f"{actor}activities/{uuid.uuid4()}",
        "type": "Create",
        "actor": actor,
        "object": {
            "type": "Listing",
            "id": f"{actor}listings/{n}",
            "name": f"Annonce {n}",
            "direction": "offer",
            "modalities": ["one_to_one"],
            "domain": {"slug": "x"},
            "updated": timezone.now().isoformat(),
        },
    }

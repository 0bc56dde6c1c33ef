"""Each network's Ed25519 key pair: created on first use, private half encrypted at rest,
rotated with a grace period during which peers still accept the old key."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from rers_core.models import Network
from rers_federation.conf import base_url, federation_settings
from rers_federation.models import NetworkKey
from rers_federation.signing import public_key_to_text


def _fernet() -> Fernet:
    secret = federation_settings.KEY_ENCRYPTION_KEY
    if not secret:
        digest = hashlib.sha256(f"rers-federation-keys:{settings.SECRET_KEY}".encode()).digest()
        secret = base64.urlsafe_b64encode(digest)
    return Fernet(secret)


def network_url(network: Network) -> str:
    """The network's identity: the address of its network document."""
    return f"{base_url()}/federation/{network.slug}/"


@transaction.atomic
def _create(network: Network) -> NetworkKey:
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public_text = public_key_to_text(private.public_key())
    return NetworkKey.objects.create(
        network=network,
        key_id=f"{network_url(network)}#key-{public_text[:12]}",
        public_key=public_text,
        private_key_encrypted=_fernet().encrypt(raw).decode(),
    )


def current_key(network: Network) -> NetworkKey:
    """The network's signing key, created the first time it is needed."""
    key = NetworkKey.objects.filter(network=network, retired_at__isnull=True).first()
    return key or _create(network)


def private_key(key: NetworkKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(
        _fernet().decrypt(key.private_key_encrypted.encode())
    )


@transaction.atomic
def rotate(network: Network) -> NetworkKey:
    """Retire the current key (still valid for the grace period) and start a new one."""
    NetworkKey.objects.select_for_update().filter(network=network, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    return _create(network)


def expires_at(key: NetworkKey) -> datetime | None:
    """When peers stop accepting a retired key (None: the current key does not expire)."""
    if key.retired_at is None:
        return None
    return key.retired_at + timedelta(days=federation_settings.KEY_GRACE_DAYS)


def valid_keys(network: Network) -> QuerySet[NetworkKey]:
    """The current key and the retired ones still in their grace period, newest first."""
    grace = timezone.now() - timedelta(days=federation_settings.KEY_GRACE_DAYS)
    return (
        NetworkKey.objects.filter(network=network)
        .exclude(retired_at__lt=grace)
        .order_by("-created_at")
    )


def published_keys(network: Network) -> list[dict]:
    """The keys peers may verify with: the current one and those still in grace."""
    current_key(network)
    return [
        {
            "id": k.key_id,
            "publicKey": k.public_key,
            "expires": expiry.isoformat() if (expiry := expires_at(k)) else None,
        }
        for k in valid_keys(network)
    ]

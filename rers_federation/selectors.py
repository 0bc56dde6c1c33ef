"""Read-only queries of the federation app, always scoped to one of our networks."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rers_core.errors import NotFound
from rers_core.models import Network
from rers_federation.models import Peer


def peer_list(network: Network) -> QuerySet[Peer]:
    """Every neighbouring network known to ``network``, whatever its status, by name."""
    return Peer.objects.filter(network=network).order_by("name", "pk")


def peer_get(network: Network, peer_id: int) -> Peer:
    """One peer of ``network``; another network's peer is as unknown as a missing one."""
    peer = Peer.objects.select_related("network").filter(network=network, pk=peer_id).first()
    if peer is None:
        raise NotFound(_("This neighbouring network is not known here."))
    return peer


def peer_for_address(network: Network, document_url: str) -> Peer | None:
    """The peer of ``network`` whose network document is at ``document_url``, if any."""
    return Peer.objects.filter(network=network, document_url=document_url).first()

"""The coordinators' peering pages: our key's fingerprint, the neighbouring networks by
status, asking a neighbour to peer (preview, then send), answering, suspending, ending;
and the operations page: how exchanges with each neighbour go, and retrying what failed.

Peering rests on people: each coordinator reads their network's key fingerprint to the
other over the phone, and a request is accepted only when the fingerprints match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from rers_core import permissions
from rers_core.errors import DomainError, ValidationFailed
from rers_core.models import Network
from rers_core.web.views._common import get_network, portal_view, render_page
from rers_federation import keys
from rers_federation.conf import federation_settings
from rers_federation.forms import PeerAddressForm, end_form, rotate_form
from rers_federation.models import Delivery, Peer
from rers_federation.selectors import (
    delivery_get,
    failed_deliveries,
    peer_for_address,
    peer_get,
    peer_list,
    peers_with_delivery_counts,
    retired_keys_in_grace,
    retried_deliveries,
)
from rers_federation.services import delivery as outbox
from rers_federation.services import peering
from rers_federation.signing import fingerprint, public_key_from_text

# Deliveries listed on the operations page: enough to see a pattern; the counts per peer
# give the whole picture.
DELIVERIES_LISTED = 50


def require_coordinator(request: HttpRequest, network: Network) -> None:
    if not permissions.is_coordinator(request.user, network):
        raise PermissionDenied(_("Only the coordinators of this network can see this page."))


def own_fingerprint(network: Network) -> str:
    """The fingerprint of the key our network signs with (created on first use)."""
    return fingerprint(public_key_from_text(keys.current_key(network).public_key))


@login_required
@portal_view
def peers(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    require_coordinator(request, network)
    groups: dict[str, list[Peer]] = {status: [] for status in Peer.Status.values}
    for peer in peer_list(network):
        if peer.status in (Peer.Status.ACTIVE, Peer.Status.SUSPENDED):
            # Each End button carries its own confirmation box (distinct ids on one page).
            peer.end_form = end_form(peer_id=peer.pk)
        groups[peer.status].append(peer)
    history = sorted(
        groups[Peer.Status.REJECTED] + groups[Peer.Status.ENDED],
        key=lambda p: p.updated_at,
        reverse=True,
    )
    return render_page(
        request,
        "rers_federation/peers.html",
        {
            "own_fingerprint": own_fingerprint(network),
            "own_address": keys.network_url(network),
            "pending": groups[Peer.Status.PENDING],
            "active": groups[Peer.Status.ACTIVE],
            "suspended": groups[Peer.Status.SUSPENDED],
            "requested": groups[Peer.Status.REQUESTED],
            "history": history,
            "rotate_form": rotate_form(),
            "grace_days": federation_settings.KEY_GRACE_DAYS,
        },
        network=network,
    )


def _refuse_known(network: Network, document: dict[str, Any]) -> Peer | None:
    """Say at the preview what sending the request would refuse (same rules and words as
    :func:`peering.peer_request`, which checks again when the request is sent)."""
    if document["id"] == keys.network_url(network):
        raise ValidationFailed(_("This is the address of this very network."), field="url")
    existing = peer_for_address(network, document["id"])
    if existing is not None and existing.status in (Peer.Status.ACTIVE, Peer.Status.SUSPENDED):
        raise DomainError(_("This network is already a peer."))
    if existing is not None and existing.status == Peer.Status.PENDING:
        raise DomainError(_("They already asked to peer: accept their request instead."))
    return existing


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def peer_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1: the neighbour's address → a preview of their network and fingerprint.
    Step 2: the same address with ``confirm`` → the signed peering request is sent."""
    network = get_network(slug)
    require_coordinator(request, network)
    form = PeerAddressForm(request.POST or None)
    preview: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        url = form.cleaned_data["url"]
        try:
            document = peering.fetch_document(url)
            existing = _refuse_known(network, document)
            seen = peering.document_fingerprint(document)
            if form.cleaned_data["confirm"]:
                if form.cleaned_data["fingerprint"] != seen:
                    raise DomainError(
                        _(
                            "The key of this network changed since the preview: check the new "
                            "fingerprint before sending the request."
                        )
                    )
                peer = peering.peer_request(network=network, url=url, acting=request.user)
        except DomainError as exc:
            # Every refusal is about the address typed: show it there.
            form.add_error("url", exc.message)
        else:
            if form.cleaned_data["confirm"]:
                messages.success(
                    request,
                    _(
                        "The peering request is sent to %(name)s. Their coordinator accepts it "
                        "after comparing this network's fingerprint with the one you read them."
                    )
                    % {"name": peer.name},
                )
                return redirect("rers_federation:peers", slug=network.slug)
            preview = {
                "url": document["id"],
                "name": document["name"],
                "city": document.get("city") or "",
                "fingerprint": seen,
                "asked_before": existing is not None and existing.status == Peer.Status.REQUESTED,
            }
    return render_page(
        request,
        "rers_federation/peer_new.html",
        {"form": form, "preview": preview, "own_fingerprint": own_fingerprint(network)},
        network=network,
    )


def _peer(request: HttpRequest, slug: str, peer_id: int) -> Peer:
    """A peer of this network, for one of its coordinators (else 403/404)."""
    network = get_network(slug)
    require_coordinator(request, network)
    return peer_get(network, peer_id)


def _act(request: HttpRequest, peer: Peer, service: Callable[..., Peer], done: str) -> HttpResponse:
    """Run one peering service on the peer, say how it went, and go back to the list."""
    try:
        service(peer=peer, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"name": peer.name})
    return redirect("rers_federation:peers", slug=peer.network.slug)


@login_required
@require_POST
@portal_view
def peer_accept(request: HttpRequest, slug: str, peer_id: int) -> HttpResponse:
    """Accept a request, once the fingerprints read over the phone match. The form carries
    the fingerprint the page showed: a request whose key changed since is not accepted."""
    peer = _peer(request, slug, peer_id)
    shown = request.POST.get("fingerprint", "")
    return _act(
        request,
        peer,
        lambda **kwargs: peering.peer_accept(**kwargs, fingerprint=shown),
        _("%(name)s is now a neighbouring network."),
    )


@login_required
@require_POST
@portal_view
def peer_reject(request: HttpRequest, slug: str, peer_id: int) -> HttpResponse:
    peer = _peer(request, slug, peer_id)
    return _act(request, peer, peering.peer_reject, _("The request of %(name)s is rejected."))


@login_required
@require_POST
@portal_view
def peer_suspend(request: HttpRequest, slug: str, peer_id: int) -> HttpResponse:
    peer = _peer(request, slug, peer_id)
    return _act(
        request,
        peer,
        peering.peer_suspend,
        _("The peering with %(name)s is suspended: nothing is exchanged until you resume it."),
    )


@login_required
@require_POST
@portal_view
def peer_resume(request: HttpRequest, slug: str, peer_id: int) -> HttpResponse:
    peer = _peer(request, slug, peer_id)
    return _act(request, peer, peering.peer_resume, _("The peering with %(name)s is active again."))


@login_required
@require_POST
@portal_view
def peer_end(request: HttpRequest, slug: str, peer_id: int) -> HttpResponse:
    """End the peering, once the coordinator ticked that it removes what was shared."""
    peer = _peer(request, slug, peer_id)
    if not end_form(request.POST).is_valid():
        messages.error(request, _("Tick the box to confirm that you want to end the peering."))
        return redirect("rers_federation:peers", slug=peer.network.slug)
    return _act(request, peer, peering.peer_end, _("The peering with %(name)s has ended."))


@login_required
@require_POST
@portal_view
def key_rotate(request: HttpRequest, slug: str) -> HttpResponse:
    """Start a new key; the old one stays valid for the grace period."""
    network = get_network(slug)
    require_coordinator(request, network)
    if not rotate_form(request.POST).is_valid():
        messages.error(request, _("Tick the box to confirm that you want a new key."))
        return redirect("rers_federation:peers", slug=network.slug)
    peering.network_key_rotate(network=network, acting=request.user)
    days = federation_settings.KEY_GRACE_DAYS
    messages.success(
        request,
        ngettext(
            "This network has a new key: read its new fingerprint to the neighbours' "
            "coordinators. The old key stays valid for %(days)d more day.",
            "This network has a new key: read its new fingerprint to the neighbours' "
            "coordinators. The old key stays valid for %(days)d more days.",
            days,
        )
        % {"days": days},
    )
    return redirect("rers_federation:peers", slug=network.slug)


@login_required
@portal_view
def operations(request: HttpRequest, slug: str) -> HttpResponse:
    """Keys, the state of each neighbour (push, pull, circuit breaker) and the deliveries
    that need attention."""
    network = get_network(slug)
    require_coordinator(request, network)
    peers = list(peers_with_delivery_counts(network))
    return render_page(
        request,
        "rers_federation/operations.html",
        {
            "own_fingerprint": own_fingerprint(network),
            "retired_keys": retired_keys_in_grace(network),
            "peers": peers,
            "failed": failed_deliveries(network, limit=DELIVERIES_LISTED),
            "failed_total": sum(peer.failed_count for peer in peers),
            "retried": retried_deliveries(network, limit=DELIVERIES_LISTED),
            "retried_total": sum(peer.retried_count for peer in peers),
            "listed": DELIVERIES_LISTED,
        },
        network=network,
    )


@login_required
@require_POST
@portal_view
def delivery_retry(request: HttpRequest, slug: str, delivery_id: int) -> HttpResponse:
    """Try a failed delivery again now: the workers never retry one given up on their own."""
    network = get_network(slug)
    require_coordinator(request, network)
    delivery = delivery_get(network, delivery_id)
    if delivery.status != Delivery.Status.FAILED:
        # A second click, or another coordinator was quicker.
        messages.info(request, _("This delivery is no longer failed: there is nothing to retry."))
    else:
        try:
            outbox.retry_now(delivery=delivery, acting=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The delivery to %(name)s is being tried again.") % {"name": delivery.peer.name},
            )
    return redirect("rers_federation:operations", slug=network.slug)

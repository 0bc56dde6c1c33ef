"""Public federation endpoints: discovery, network documents and the inbox.

The inbox refuses, before doing anything else, oversized bodies, malformed activities,
unknown keys, bad digests, stale or future signatures, bad signatures and peers that are
not active — each with a precise 4xx — and never fetches a key while serving a request.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from rers_core.models import Network
from rers_core.throttling import wait_seconds
from rers_federation import keys
from rers_federation.conf import federation_settings
from rers_federation.documents import DocumentInvalid, network_document, verify_document
from rers_federation.models import Peer
from rers_federation.selectors import outbox_log
from rers_federation.services import inbox as inbox_service
from rers_federation.services import peering
from rers_federation.signing import SignatureRejected, public_key_from_text, verify
from rers_federation.transport import read_json

ACTIVITY_JSON = "application/activity+json"
LOG_PAGE_SIZE = 200
logger = logging.getLogger(__name__)
HANDLED_TYPES = {"Follow", "Accept", "Reject", "Undo"} | inbox_service.OBJECT_TYPES


def _error(status: int, reason: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": reason, "detail": detail}, status=status)


def _too_many(
    request: HttpRequest, scope: str, rate: str | None, ident: str | None = None
) -> JsonResponse | None:
    """The 429 to answer when this request goes over ``rate``; senders retry later."""
    wait = wait_seconds(request, f"federation_{scope}", rate, ident)
    if wait is None:
        return None
    response = _error(429, "too_many_requests", f"Too many requests: retry in {wait} s.")
    response["Retry-After"] = str(wait)
    return response


def _public_limit(request: HttpRequest) -> JsonResponse | None:
    return _too_many(request, "public", federation_settings.PUBLIC_RATE_PER_ADDRESS)


@require_GET
def well_known(request: HttpRequest) -> JsonResponse:
    """``/.well-known/rers``: the networks this instance hosts."""
    if refused := _public_limit(request):
        return refused
    return JsonResponse(
        {
            "software": "rers",
            "networks": [
                {"name": n.name, "city": n.city, "document": keys.network_url(n)}
                for n in Network.objects.order_by("name")
            ],
        }
    )


def _network(slug: str) -> Network | None:
    return Network.objects.filter(slug=slug).first()


@require_GET
def document(request: HttpRequest, slug: str) -> HttpResponse:
    if refused := _public_limit(request):
        return refused
    network = _network(slug)
    if network is None:
        return _error(404, "not_found", "No such network here.")
    return JsonResponse(network_document(network), content_type=ACTIVITY_JSON)


def _peer_keys(network: Network) -> dict[str, tuple[Peer, Any]]:
    """Key id → (peer, public key) for every peer we know keys of, expired keys excluded."""
    now = timezone.now().isoformat()
    found = {}
    for peer in Peer.objects.filter(network=network).exclude(status=Peer.Status.ENDED):
        for key in peer.keys:
            if key.get("expires") and key["expires"] < now:
                continue
            try:
                found[key["id"]] = (peer, public_key_from_text(key["publicKey"]))
            except (KeyError, TypeError, ValueError):
                continue
    return found


def _malformed(activity: Any) -> str | None:
    if not isinstance(activity, dict):
        return "The activity must be a JSON object."
    for field in ("id", "type", "actor"):
        if not isinstance(activity.get(field), str) or not activity[field]:
            return f"The activity lacks “{field}”."
    if not activity["id"].startswith(("https://", "http://")) or len(activity["id"]) > 500:
        return "The activity id must be an address."
    if activity["type"] not in HANDLED_TYPES:
        return f"Activities of type {activity['type']} are not accepted here."
    return None


@csrf_exempt
@require_POST
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    if refused := _too_many(request, "inbox", federation_settings.INBOX_RATE_PER_ADDRESS):
        return refused
    network = _network(slug)
    if network is None:
        return _error(404, "not_found", "No such network here.")
    limit = federation_settings.MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _error(413, "too_large", f"Bodies are limited to {limit} bytes.")
    body = request.body
    if len(body) > limit:
        return _error(413, "too_large", f"Bodies are limited to {limit} bytes.")
    try:
        activity = read_json(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "malformed", "The body is not JSON.")
    problem = _malformed(activity)
    if problem:
        return _error(400, "malformed", problem)

    known = _peer_keys(network)
    follower_document = None
    if activity["type"] == "Follow":
        try:
            follower_document = verify_document(activity.get("actorDocument"))
        except DocumentInvalid as exc:
            return _error(400, "malformed", str(exc))
        if follower_document["id"] != activity["actor"]:
            return _error(400, "malformed", "The actor is not the document's network.")

    def resolve(key_id: str):
        if key_id in known:
            return known[key_id][1]
        if follower_document is not None:
            for key in follower_document["publicKeys"]:
                if isinstance(key, dict) and key.get("id") == key_id:
                    return public_key_from_text(str(key.get("publicKey", "")))
        return None

    try:
        verified = verify(
            method="POST",
            url=request.build_absolute_uri(),
            headers=request.headers,
            body=body,
            resolve_key=resolve,
            skew_seconds=federation_settings.CLOCK_SKEW_SECONDS,
        )
    except SignatureRejected as exc:
        return _error(exc.status, exc.reason, str(exc))

    if activity["type"] == "Follow":
        peer = peering.receive_follow(
            network=network, document=follower_document, activity=activity
        )
    else:
        peer = known[verified.key_id][0] if verified.key_id in known else None
        if peer is None or peer.document_url != activity["actor"]:
            return _error(403, "not_a_peer", "This key does not belong to the activity's actor.")
        answering = (
            activity["type"] in ("Accept", "Reject") and peer.status == Peer.Status.REQUESTED
        )
        if peer.status != Peer.Status.ACTIVE and not answering:
            return _error(403, "not_a_peer", "This network is not an active peer.")
        refused = _too_many(
            request, "peer", federation_settings.INBOX_RATE_PER_PEER, f"{network.pk}-{peer.pk}"
        )
        if refused:
            return refused
    try:
        applied = inbox_service.receive(network=network, peer=peer, activity=activity)
    except inbox_service.ActivityRefused as exc:
        return _error(exc.status, exc.reason, str(exc))
    except Exception:  # noqa: BLE001 - nothing was kept: the sender retries later
        logger.exception("Applying activity %s from %s failed", activity["id"], peer)
        return _error(503, "apply_failed", "The activity could not be applied; retry later.")
    if not applied:
        return JsonResponse({"status": "duplicate"}, status=200)
    return JsonResponse({"status": "accepted"}, status=202)


def _signed_peer(request: HttpRequest, network: Network) -> Peer | JsonResponse:
    """The active peer that signed this GET, or the refusal to send."""
    known = _peer_keys(network)
    try:
        verified = verify(
            method="GET",
            url=request.build_absolute_uri(),
            headers=request.headers,
            body=b"",
            resolve_key=lambda key_id: known[key_id][1] if key_id in known else None,
            skew_seconds=federation_settings.CLOCK_SKEW_SECONDS,
        )
    except SignatureRejected as exc:
        return _error(exc.status, exc.reason, str(exc))
    peer = known[verified.key_id][0]
    if peer.status != Peer.Status.ACTIVE:
        return _error(403, "not_a_peer", "This network is not an active peer.")
    return peer


@require_GET
def outbox(request: HttpRequest, slug: str) -> HttpResponse:
    """The ordered log of our activities about events and registrations, for one active
    peer (signed GET): what every peer gets, and what was addressed to it. ``after`` is
    the cursor of the last activity the peer applied."""
    if refused := _public_limit(request):
        return refused
    network = _network(slug)
    if network is None:
        return _error(404, "not_found", "No such network here.")
    peer = _signed_peer(request, network)
    if isinstance(peer, JsonResponse):
        return peer
    after = request.GET.get("after") or "0"
    if not after.isdigit():
        return _error(400, "malformed", "“after” must be a cursor from this log.")
    page = outbox_log(network, peer, after=int(after), limit=LOG_PAGE_SIZE)
    url = f"{keys.network_url(network)}outbox/"
    last = page[-1][0] if page else int(after)
    return JsonResponse(
        {
            "@context": peering.ACTIVITY_CONTEXT,
            "type": "OrderedCollectionPage",
            "id": f"{url}?after={after}",
            "partOf": url,
            "orderedItems": [payload for _cursor, payload in page],
            "cursor": str(last),
            "next": f"{url}?after={last}" if len(page) == LOG_PAGE_SIZE else None,
        },
        content_type=ACTIVITY_JSON,
    )

"""Public federation endpoints: discovery, network documents and the inbox.

The inbox refuses, before doing anything else, oversized bodies, malformed activities,
unknown keys, bad digests, stale or future signatures, bad signatures and peers that are
not active — each with a precise 4xx — and never fetches a key while serving a request.
Only the keys of peers we trust are looked up; a Follow is checked with the keys we hold
for its network when we know it, else with those of the document it carries.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from rers_core.models import Network
from rers_core.throttling import wait_seconds
from rers_federation import keys
from rers_federation.conf import federation_settings
from rers_federation.documents import DocumentInvalid, network_document, verify_document
from rers_federation.models import Peer
from rers_federation.selectors import LOG_PAGE_BYTES, LOG_PAGE_SIZE, outbox_log, peers_to_verify
from rers_federation.services import inbox as inbox_service
from rers_federation.services import peering
from rers_federation.signing import SignatureRejected, UnknownKey, verify
from rers_federation.transport import read_json

ACTIVITY_JSON = "application/activity+json"
# A log cursor: digits only (str.isdigit() also takes "²"), small enough for a bigint.
CURSOR = re.compile(r"[0-9]{1,18}")
logger = logging.getLogger(__name__)


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
    """Key id → (peer, public key) for the peers whose signatures we check (active,
    suspended, asked by us), expired keys excluded. Requests waiting for our answer,
    rejected and ended peerings lend no key; should older rows list a key id twice, the
    active peer keeps it."""
    found: dict[str, tuple[Peer, Any]] = {}
    for peer in peers_to_verify(network):
        for key_id, public in peering.usable_keys(peer.keys).items():
            found.setdefault(key_id, (peer, public))
    return found


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
    problem = inbox_service.malformed(activity)
    if problem:
        return _error(400, "malformed", problem)

    known = _peer_keys(network)
    follower_document = follower = None
    if activity["type"] == "Follow":
        try:
            follower_document = verify_document(activity.get("actorDocument"))
            if follower_document["id"] != activity["actor"]:
                return _error(400, "malformed", "The actor is not the document's network.")
            follower, follow_keys = peering.follow_signing_keys(
                network=network, document=follower_document
            )
        except DocumentInvalid as exc:
            return _error(400, "malformed", str(exc))
        # Only these: not another peer's key, even a trusted one.
        signing_keys = follow_keys
    else:
        signing_keys = {key_id: public for key_id, (_peer, public) in known.items()}

    try:
        verified = verify(
            method="POST",
            url=request.build_absolute_uri(),
            headers=request.headers,
            body=body,
            resolve_key=signing_keys.get,
            skew_seconds=federation_settings.CLOCK_SKEW_SECONDS,
        )
    except UnknownKey as exc:
        if follower is not None:
            return _not_the_peer()
        return _error(exc.status, exc.reason, str(exc))
    except SignatureRejected as exc:
        return _error(exc.status, exc.reason, str(exc))

    if activity["type"] == "Follow":
        try:
            peer = peering.receive_follow(
                network=network,
                document=follower_document,
                activity=activity,
                key_id=verified.key_id,
            )
        except peering.FollowRefused:
            return _not_the_peer()
        except DocumentInvalid as exc:
            return _error(400, "malformed", str(exc))
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


def _not_the_peer() -> JsonResponse:
    return _error(
        403,
        "not_the_peer",
        "This network is already known here: its requests must be signed with a key it "
        "already uses with us. If its keys changed, its coordinator can ask ours to send "
        "a peering request instead.",
    )


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
    if not CURSOR.fullmatch(after):
        return _error(400, "malformed", "“after” must be a cursor from this log.")
    page = outbox_log(network, peer, after=int(after), limit=LOG_PAGE_SIZE)
    full = len(page) == LOG_PAGE_SIZE
    # Pages stay well under what readers accept (MAX_RESPONSE_BYTES): a page cut short
    # says so with "next", like a full one.
    size = 0
    for count, (_cursor, payload) in enumerate(page):
        size += len(json.dumps(payload, cls=DjangoJSONEncoder))
        if count and size > LOG_PAGE_BYTES:
            page, full = page[:count], True
            break
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
            "next": f"{url}?after={last}" if full else None,
        },
        content_type=ACTIVITY_JSON,
    )

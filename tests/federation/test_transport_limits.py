"""What a peer can make our workers do is bounded: requests go to public https://
addresses on the site of the peer's document, answers are read with a size cap and a
deadline, log pages hold at most 200 activities each checked as the inbox would, and
coordinators see a failed answer's status, never its body."""

import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from rers_core.errors import ValidationFailed
from rers_core.models import Listing
from rers_core.services import listings as core_listings
from rers_core.testing.factories import CoordinatorFactory, MemberFactory
from rers_federation import keys
from rers_federation.documents import DocumentInvalid, network_document, verify_document
from rers_federation.models import Delivery, Peer
from rers_federation.services import delivery as outbox
from rers_federation.services import peering
from rers_federation.services.pull import pull_peer
from rers_federation.transport import HttpTransport, Response, TransportError
from tests.federation.forgery import (
    SOUDAY_INBOX,
    VOISIN,
    listing_create,
    post_as,
    signed_document,
)


def use_settings(settings, **values):
    settings.RERS_FEDERATION = {**settings.RERS_FEDERATION, **values}


# --- addresses a peer may give --------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "address"),
    [
        ("inbox", "http://127.0.0.1:6379/"),
        ("outbox", "http://169.254.169.254/latest/meta-data/"),
        ("outbox", "http://testserver.evil.example/federation/voisin/outbox/"),
    ],
)
def test_a_peers_inbox_and_outbox_stay_on_the_site_of_its_document(
    client, other_network, active_peer, field, address
):
    before = (active_peer.inbox_url, active_peer.outbox_url)
    key = keys.current_key(other_network)
    document = signed_document(
        {**network_document(other_network), field: address}, keys.private_key(key), key.key_id
    )
    update = {
        "id": f"{VOISIN}activities/{uuid.uuid4()}",
        "type": "Update",
        "actor": VOISIN,
        "object": document,
    }
    assert post_as(client, other_network, SOUDAY_INBOX, update).status_code == 400
    active_peer.refresh_from_db()
    assert (active_peer.inbox_url, active_peer.outbox_url) == before


def test_plain_http_peers_are_refused_outside_development(settings, network, other_network):
    use_settings(settings, ALLOW_LOCAL_PEERS=False)
    with pytest.raises(DocumentInvalid):
        verify_document(network_document(other_network))
    with pytest.raises(ValidationFailed, match="https://"):
        peering.peer_request(
            network=network, url=VOISIN, acting=CoordinatorFactory(network=network).user
        )
    assert not Peer.objects.exists()


# --- where our workers may send requests ------------------------------------------------


@pytest.fixture
def no_socket(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("No request may leave.")

    monkeypatch.setattr(requests.Session, "request", refuse)


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/inbox/",
        "https://127.0.0.1:6379/",
        "https://localhost/",
        "https://10.1.2.3/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[fe80::1]/",
        "https://0.0.0.0/",
        "https://user:secret@93.184.216.34/",
    ],
)
def test_requests_go_to_public_https_addresses_only(settings, no_socket, url):
    use_settings(settings, ALLOW_LOCAL_PEERS=False)
    with pytest.raises(TransportError):
        HttpTransport().request("GET", url, headers={})


def test_the_address_actually_connected_to_is_checked_too(settings, monkeypatch):
    """The name may resolve to a public address when checked and to ours when connecting."""
    use_settings(settings, ALLOW_LOCAL_PEERS=False)
    monkeypatch.setattr("rers_federation.addresses.resolve", lambda host, port: ["93.184.216.34"])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        port = listener.getsockname()[1]
        with pytest.raises(TransportError, match="not a public address"):
            HttpTransport().request("GET", f"https://127.0.0.1:{port}/", headers={})
    finally:
        listener.close()


# --- answers are read within limits -----------------------------------------------------


class Answers(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the standard library's name
        self.send_response(200)
        if self.path == "/declared":
            self.send_header("Content-Length", "100000")
        self.end_headers()
        if self.path == "/slow":
            for _ in range(30):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path in ("/big", "/declared"):
            self.wfile.write(b"x" * 100_000)
        else:
            self.wfile.write(b"small")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_answers_are_read_with_a_size_cap_and_a_deadline(settings, local_server):
    use_settings(
        settings, ALLOW_LOCAL_PEERS=True, MAX_RESPONSE_BYTES=10_000, HTTP_TIMEOUT_SECONDS=1
    )
    assert HttpTransport().request("GET", f"{local_server}/", headers={}).body == b"small"
    for path in ("/big", "/declared"):
        with pytest.raises(TransportError, match="larger than 10000 bytes"):
            HttpTransport().request("GET", f"{local_server}{path}", headers={})
    started = time.monotonic()
    with pytest.raises(TransportError, match="too long"):
        HttpTransport().request("GET", f"{local_server}/slow", headers={})
    assert time.monotonic() - started < 2.5


# --- what coordinators are shown of a failed answer -------------------------------------


class Refusing:
    body = b"INTERNAL-ONLY secret=hunter2"

    def request(self, method, url, *, body=b"", headers):
        return Response(403, Refusing.body, {})


def test_a_failed_answers_body_is_never_kept(settings, network, active_peer):
    use_settings(settings, TRANSPORT=f"{__name__}.Refusing")
    pull_peer(peer_id=active_peer.pk)
    active_peer.refresh_from_db()
    assert active_peer.last_pull_error == "Answered 403 Forbidden."
    record = outbox.publish(network=network, activity=listing_create(keys.network_url(network), 1))
    delivery = Delivery.objects.get(activity=record)
    assert outbox.attempt(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error == "403 Forbidden"
    # Our own software's error code is kept: it tells the coordinators what to do.
    Refusing.body = b'{"error": "not_a_peer", "detail": "anything <b>"}'
    pull_peer(peer_id=active_peer.pk)
    active_peer.refresh_from_db()
    assert active_peer.last_pull_error == "Answered 403 Forbidden (not_a_peer)."


# --- pulled pages ---------------------------------------------------------------------------


class Page:
    items: list = []
    cursor = "1"

    def request(self, method, url, *, body=b"", headers):
        page = {"orderedItems": Page.items, "cursor": Page.cursor, "next": None}
        return Response(200, json.dumps(page).encode(), {})


@pytest.fixture
def page(settings):
    use_settings(settings, TRANSPORT=f"{__name__}.Page")
    Page.items, Page.cursor = [], "1"
    return Page


def test_a_page_of_more_than_200_activities_is_refused(network, active_peer, page):
    page.items = [listing_create(VOISIN, n) for n in range(201)]
    assert pull_peer(peer_id=active_peer.pk) == 0
    active_peer.refresh_from_db()
    assert "more than 200" in active_peer.last_pull_error and active_peer.pull_cursor == ""
    assert not Listing.objects.filter(network=network, origin_uri__startswith=VOISIN).exists()


def test_a_page_with_a_cursor_that_is_not_digits_is_refused(active_peer, page):
    page.cursor = "²"
    assert pull_peer(peer_id=active_peer.pk) == 0
    active_peer.refresh_from_db()
    assert active_peer.pull_cursor == "" and "not readable" in active_peer.last_pull_error


def test_pulled_activities_are_checked_as_the_inbox_checks_them(
    settings, network, active_peer, page
):
    use_settings(settings, MAX_BODY_BYTES=4096)
    big = listing_create(VOISIN, 1)
    big["object"]["content"] = "x" * 5000
    not_theirs = listing_create("http://testserver/federation/loin/", 2)
    foreign_id = listing_create(VOISIN, 3, f"http://testserver/federation/loin/a/{uuid.uuid4()}")
    no_type = {**listing_create(VOISIN, 4), "type": ""}
    page.items = [big, not_theirs, foreign_id, no_type, "nonsense", listing_create(VOISIN, 5)]
    assert pull_peer(peer_id=active_peer.pk) == 1
    copies = Listing.objects.filter(network=network).exclude(origin_uri="")
    assert [c.origin_uri for c in copies] == [f"{VOISIN}listings/5"]


def test_the_log_is_cut_short_under_its_byte_budget(
    run, monkeypatch, network, other_network, active_peer
):
    monkeypatch.setattr("rers_federation.tasks.deliver.delay", lambda pk: None)
    monkeypatch.setattr("rers_federation.views.LOG_PAGE_BYTES", 1)
    author = MemberFactory(network=network)
    for n in range(3):
        run(
            core_listings.listing_create,
            member=author,
            acting=author.user,
            direction=Listing.Direction.OFFER,
            kind=Listing.Kind.KNOW_HOW,
            domain=network.domains.order_by("position").first(),
            title=f"Annonce {n}",
            description="Pour débuter.",
            visibility=Listing.Visibility.FEDERATED,
        )
    theirs = Peer.objects.get(network=other_network)
    assert pull_peer(peer_id=theirs.pk) == 3
    assert Listing.objects.filter(network=other_network).count() == 3

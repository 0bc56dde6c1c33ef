import json

import pytest
from django.utils import timezone

from rers_core.errors import DomainError, InvalidTransition, NotAllowed
from rers_core.testing.factories import CoordinatorFactory, FacilitatorFactory
from rers_federation import keys
from rers_federation.documents import DocumentInvalid, network_document, verify_document
from rers_federation.models import InboxActivity, Peer
from rers_federation.services import peering
from rers_federation.signing import sign


@pytest.fixture
def coordinators(network, other_network):
    return CoordinatorFactory(network=network), CoordinatorFactory(network=other_network)


def test_well_known_lists_networks(client, network, other_network):
    data = client.get("/.well-known/rers").json()
    assert {n["document"] for n in data["networks"]} == {
        "http://testserver/federation/souday/",
        "http://testserver/federation/voisin/",
    }


def test_network_document_is_self_signed(client, network):
    document = client.get("/federation/souday/").json()
    assert verify_document(document)["name"] == "RERS de Souday"
    assert document["inbox"] == "http://testserver/federation/souday/inbox/"
    tampered = {**document, "name": "Autre"}
    with pytest.raises(DocumentInvalid):
        verify_document(tampered)


def test_peering_request_then_accept(
    network, other_network, coordinators, django_capture_on_commit_callbacks
):
    ours, theirs = coordinators
    with django_capture_on_commit_callbacks(execute=True):
        requested = peering.peer_request(
            network=network, url="http://testserver/federation/voisin/", acting=ours.user
        )
    assert requested.status == "requested" and requested.name == "RERS voisin"
    incoming = Peer.objects.get(network=other_network)
    assert incoming.status == "pending"
    assert incoming.fingerprint == requested_fingerprint(network)
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_accept(peer=incoming, acting=theirs.user, fingerprint=incoming.fingerprint)
    requested.refresh_from_db()
    incoming.refresh_from_db()
    assert (requested.status, incoming.status) == ("active", "active")
    assert InboxActivity.objects.filter(type="Accept").count() == 1


def requested_fingerprint(network):
    return peering.document_fingerprint(network_document(network))


def test_reject_and_end(network, other_network, coordinators, django_capture_on_commit_callbacks):
    ours, theirs = coordinators
    with django_capture_on_commit_callbacks(execute=True):
        requested = peering.peer_request(
            network=network, url="http://testserver/federation/voisin/", acting=ours.user
        )
    incoming = Peer.objects.get(network=other_network)
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_reject(peer=incoming, acting=theirs.user)
    requested.refresh_from_db()
    assert requested.status == "rejected"
    # Asking again is allowed; this time they accept, then we end it.
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_request(
            network=network, url="http://testserver/federation/voisin/", acting=ours.user
        )
    incoming.refresh_from_db()
    assert incoming.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_accept(peer=incoming, acting=theirs.user, fingerprint=incoming.fingerprint)
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_end(peer=Peer.objects.get(network=network), acting=ours.user)
    incoming.refresh_from_db()
    assert incoming.status == "ended"


def test_only_coordinators_peer(network, other_network):
    facilitator = FacilitatorFactory(network=network)
    with pytest.raises(NotAllowed):
        peering.peer_request(
            network=network, url="http://testserver/federation/voisin/", acting=facilitator.user
        )


def test_bad_addresses(network, coordinators):
    ours, _ = coordinators
    with pytest.raises(DomainError):
        peering.peer_request(
            network=network, url="http://testserver/federation/nowhere/", acting=ours.user
        )
    with pytest.raises(DomainError):
        peering.peer_request(network=network, url="ftp://example.org/", acting=ours.user)
    with pytest.raises(DomainError):
        peering.peer_request(
            network=network, url="http://testserver/federation/souday/", acting=ours.user
        )


def test_undeclared_peer_moves_refused(
    network, other_network, coordinators, django_capture_on_commit_callbacks
):
    ours, _ = coordinators
    with django_capture_on_commit_callbacks(execute=True):
        requested = peering.peer_request(
            network=network, url="http://testserver/federation/voisin/", acting=ours.user
        )
    with pytest.raises(InvalidTransition):
        peering.peer_suspend(peer=requested, acting=ours.user)


def signed_post(client, network_signing, url, activity, **overrides):
    body = json.dumps(activity).encode()
    key = keys.current_key(network_signing)
    headers = sign(
        method="POST",
        url=url,
        body=body,
        key_id=key.key_id,
        private_key=keys.private_key(key),
        **overrides,
    )
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.generic(
        "POST",
        url.replace("http://testserver", ""),
        data=body,
        content_type="application/activity+json",
        **extra,
    )


@pytest.fixture
def active_pair(network, other_network, coordinators, django_capture_on_commit_callbacks):
    ours, theirs = coordinators
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_request(
            network=network, url="http://testserver/federation/voisin/", acting=ours.user
        )
    incoming = Peer.objects.get(network=other_network)
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_accept(peer=incoming, acting=theirs.user, fingerprint=incoming.fingerprint)
    return network, other_network


def undo(network, follow="http://testserver/federation/souday/activities/x"):
    return {
        "id": f"http://testserver/federation/{network.slug}/activities/{timezone.now().timestamp()}",
        "type": "Undo",
        "actor": keys.network_url(network),
        "object": {"type": "Follow", "id": follow},
    }


INBOX = "http://testserver/federation/voisin/inbox/"


def test_inbox_rejections(client, active_pair, settings):
    network, other = active_pair
    activity = undo(network)
    assert (
        client.post(
            "/federation/voisin/inbox/", data=b"{", content_type="application/json"
        ).status_code
        == 400
    )
    unsigned = client.post(
        "/federation/voisin/inbox/", data=json.dumps(activity), content_type="application/json"
    )
    assert unsigned.status_code == 401 and unsigned.json()["error"] == "missing_signature"
    stranger_network = type(network).objects.create(slug="inconnu", name="Inconnu")
    stranger = keys.network_url(stranger_network)
    unknown = signed_post(
        client, stranger_network, INBOX, {**activity, "id": f"{stranger}a/1", "actor": stranger}
    )
    assert unknown.status_code == 401 and unknown.json()["error"] == "unknown_key"
    stale = signed_post(
        client, network, INBOX, activity, now=timezone.now() - timezone.timedelta(minutes=10)
    )
    assert stale.status_code == 401 and stale.json()["error"] == "stale_signature"
    wrong_target = signed_post(
        client, network, "http://testserver/federation/souday/inbox/", activity
    )
    assert wrong_target.status_code in (401, 404) or wrong_target.json()["error"] == "bad_signature"
    settings.RERS_FEDERATION = {**settings.RERS_FEDERATION, "MAX_BODY_BYTES": 100}
    big = signed_post(client, network, INBOX, {**activity, "padding": "x" * 500})
    assert big.status_code == 413
    weird = signed_post(client, network, INBOX, {**activity, "type": "Explode"})
    assert weird.status_code in (400, 413)
    assert InboxActivity.objects.filter(type="Undo").count() == 0


def test_inbox_dedup_and_ended_peer(client, active_pair):
    network, other = active_pair
    stray_accept = {**undo(network), "type": "Accept", "object": "http://testserver/unknown"}
    first = signed_post(client, network, INBOX, stray_accept)
    assert first.status_code == 202
    again = signed_post(client, network, INBOX, stray_accept)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert InboxActivity.objects.filter(activity_id=stray_accept["id"]).count() == 1
    assert signed_post(client, network, INBOX, undo(network)).status_code == 202
    assert Peer.objects.get(network=other).status == "ended"
    # An ended peer's keys are no longer trusted.
    later = signed_post(client, network, INBOX, undo(network, follow="http://testserver/other"))
    assert later.status_code == 401


def test_suspended_peer_is_refused(client, active_pair, coordinators):
    network, other = active_pair
    peering.peer_suspend(peer=Peer.objects.get(network=other), acting=coordinators[1].user)
    response = signed_post(client, network, INBOX, undo(network))
    assert response.status_code == 403 and response.json()["error"] == "not_a_peer"


def test_key_rotation_reaches_active_peers(
    active_pair, coordinators, client, django_capture_on_commit_callbacks
):
    network, other = active_pair
    with django_capture_on_commit_callbacks(execute=True):
        peering.network_key_rotate(network=network, acting=coordinators[0].user)
    theirs = Peer.objects.get(network=other)
    new = keys.current_key(network)
    assert new.key_id in {k["id"] for k in theirs.keys}
    assert theirs.fingerprint == peering.document_fingerprint(network_document(network))
    # Signed with the new key, our activities are accepted by the neighbour.
    stray = {**undo(network), "type": "Accept", "object": "http://testserver/unknown"}
    assert signed_post(client, network, INBOX, stray).status_code == 202

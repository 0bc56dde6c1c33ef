"""The coordinators' peering pages: two networks of the test site peer through the portal."""

import pytest
from django.test import Client
from django.urls import reverse

from rers_core.testing.factories import CoordinatorFactory, FacilitatorFactory, MemberFactory
from rers_federation import keys
from rers_federation.documents import network_document
from rers_federation.models import NetworkKey, Peer
from rers_federation.services import peering
from tests.conftest import in_english, login

THEIR_ADDRESS = "http://testserver/federation/voisin/"
OUR_ADDRESS = "http://testserver/federation/souday/"
COMPARE = "compare this fingerprint with the one their coordinator reads to you"


def fingerprint_of(network):
    return peering.document_fingerprint(network_document(network))


def url(name, network, *args):
    return reverse(f"rers_federation:{name}", args=[network.slug, *args])


@pytest.fixture
def ours(client, network):
    coordinator = CoordinatorFactory(network=network)
    return in_english(login(client, coordinator))


@pytest.fixture
def theirs(other_network):
    coordinator = CoordinatorFactory(network=other_network)
    return in_english(login(Client(), coordinator))


def request_peering(client, network, address, django_capture_on_commit_callbacks):
    """Step 1 (preview) then step 2 (send) of the request page, as a coordinator does."""
    preview = client.post(url("peer_new", network), {"url": address})
    assert preview.status_code == 200
    fingerprint = preview.context["preview"]["fingerprint"]
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            url("peer_new", network),
            {"url": preview.context["preview"]["url"], "confirm": "1", "fingerprint": fingerprint},
            follow=True,
        )


def test_two_networks_peer_through_their_pages(
    ours, theirs, network, other_network, django_capture_on_commit_callbacks
):
    # Our page shows our own fingerprint, to read over the phone.
    page = ours.get(url("peers", network))
    assert page.status_code == 200
    content = page.content.decode()
    assert fingerprint_of(network) in content
    assert "over the phone" in content
    assert "No active peering yet." in content

    # Step 1: the preview names the neighbour and shows its fingerprint; nothing is sent yet.
    preview = ours.post(url("peer_new", network), {"url": THEIR_ADDRESS})
    assert preview.status_code == 200
    content = preview.content.decode()
    assert "<dt>Name</dt><dd>RERS voisin</dd>" in content
    assert fingerprint_of(other_network) in content
    assert "Send the peering request" in content
    assert not Peer.objects.exists()

    # Step 2: the request is recorded on our side and arrives on theirs.
    sent = request_peering(ours, network, THEIR_ADDRESS, django_capture_on_commit_callbacks)
    assert sent.redirect_chain[-1][0] == url("peers", network)
    assert "The peering request is sent to RERS voisin." in sent.content.decode()
    assert "Requests sent" in sent.content.decode()
    mine = Peer.objects.get(network=network)
    incoming = Peer.objects.get(network=other_network)
    assert (mine.status, incoming.status) == ("requested", "pending")

    # Their coordinator sees the request with our fingerprint, and accepts it.
    page = theirs.get(url("peers", other_network)).content.decode()
    assert "Requests to answer" in page
    assert "RERS de Souday" in page
    assert fingerprint_of(network) in page
    assert COMPARE in page
    assert url("peer_accept", other_network, incoming.pk) in page
    # The Accept button sends back the fingerprint the page showed.
    shown = f'<input type="hidden" name="fingerprint" value="{fingerprint_of(network)}">'
    assert shown in page
    with django_capture_on_commit_callbacks(execute=True):
        accepted = theirs.post(
            url("peer_accept", other_network, incoming.pk),
            {"fingerprint": fingerprint_of(network)},
            follow=True,
        )
    assert "RERS de Souday is now a neighbouring network." in accepted.content.decode()
    mine.refresh_from_db()
    incoming.refresh_from_db()
    assert (mine.status, incoming.status) == ("active", "active")

    # Both pages list the other as active, with Suspend and End.
    for client, slug_network, peer, name in (
        (ours, network, mine, "RERS voisin"),
        (theirs, other_network, incoming, "RERS de Souday"),
    ):
        active = client.get(url("peers", slug_network)).context["active"]
        assert [p.name for p in active] == [name]
        page = client.get(url("peers", slug_network)).content.decode()
        assert url("peer_suspend", slug_network, peer.pk) in page
        assert url("peer_end", slug_network, peer.pk) in page
        assert "Ending removes what was shared with this network" in page

    # Suspend, then resume.
    suspended = ours.post(url("peer_suspend", network, mine.pk), follow=True)
    assert "The peering with RERS voisin is suspended" in suspended.content.decode()
    mine.refresh_from_db()
    assert mine.status == "suspended"
    assert url("peer_resume", network, mine.pk) in suspended.content.decode()
    resumed = ours.post(url("peer_resume", network, mine.pk), follow=True)
    assert "The peering with RERS voisin is active again." in resumed.content.decode()
    mine.refresh_from_db()
    assert mine.status == "active"

    # Ending asks for the box to be ticked; then both sides end.
    refused = ours.post(url("peer_end", network, mine.pk), follow=True)
    assert "Tick the box to confirm" in refused.content.decode()
    mine.refresh_from_db()
    assert mine.status == "active"
    with django_capture_on_commit_callbacks(execute=True):
        ended = ours.post(url("peer_end", network, mine.pk), {"confirm": "on"}, follow=True)
    assert "The peering with RERS voisin has ended." in ended.content.decode()
    mine.refresh_from_db()
    incoming.refresh_from_db()
    assert (mine.status, incoming.status) == ("ended", "ended")
    assert [p.name for p in ended.context["history"]] == ["RERS voisin"]
    assert ended.context["active"] == []


def test_reject_from_the_page(
    ours, theirs, network, other_network, django_capture_on_commit_callbacks
):
    request_peering(ours, network, THEIR_ADDRESS, django_capture_on_commit_callbacks)
    incoming = Peer.objects.get(network=other_network)
    with django_capture_on_commit_callbacks(execute=True):
        rejected = theirs.post(url("peer_reject", other_network, incoming.pk), follow=True)
    assert "The request of RERS de Souday is rejected." in rejected.content.decode()
    assert Peer.objects.get(network=network).status == "rejected"
    assert [p.status for p in rejected.context["history"]] == ["rejected"]
    # Answering again is refused with a message, not an error page.
    again = theirs.post(url("peer_accept", other_network, incoming.pk), follow=True)
    assert again.status_code == 200
    assert "There is no request from this network to answer." in again.content.decode()


@pytest.mark.parametrize(
    ("address", "error"),
    [
        ("", "This field is required."),
        ("ftp://example.org/", "Enter the address of the neighbouring network."),
        ("http://testserver/federation/nowhere/", "The neighbouring network answered 404."),
        ("http://testserver/accounts/login/", "does not give a valid network document"),
        (OUR_ADDRESS, "This is the address of this very network."),
        ("not an address at all", "The neighbouring network"),
    ],
)
def test_bad_addresses_are_shown_on_the_form(ours, network, other_network, address, error):
    # (Pages fetched in-process render templates too: assert on our page's HTML.)
    response = ours.post(url("peer_new", network), {"url": address})
    assert response.status_code == 200
    content = response.content.decode()
    assert error in content
    assert 'class="error-summary"' in content
    # Still in the visitor's language after fetching their page in-process.
    assert "Please correct the following:" in content
    assert "Send the peering request" not in content
    # Sending straight away is refused just the same.
    response = ours.post(url("peer_new", network), {"url": address, "confirm": "1"})
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert not Peer.objects.exists()


def test_known_neighbours_are_refused_at_the_preview(
    ours, theirs, network, other_network, django_capture_on_commit_callbacks
):
    request_peering(ours, network, THEIR_ADDRESS, django_capture_on_commit_callbacks)
    # They asked us first: their coordinator is told to answer instead.
    response = theirs.post(url("peer_new", other_network), {"url": OUR_ADDRESS})
    assert "accept their request instead" in response.content.decode()
    incoming = Peer.objects.get(network=other_network)
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_accept(
            peer=incoming, acting=response.wsgi_request.user, fingerprint=incoming.fingerprint
        )
    response = ours.post(url("peer_new", network), {"url": THEIR_ADDRESS})
    assert "This network is already a peer." in response.content.decode()
    assert response.context["preview"] is None


def test_a_changed_key_is_not_requested_unchecked(ours, network, other_network):
    response = ours.post(
        url("peer_new", network),
        {"url": THEIR_ADDRESS, "confirm": "1", "fingerprint": "0000 1111"},
    )
    assert response.status_code == 200
    assert "check the new fingerprint" in response.content.decode()
    # The form shown again asks only for the address, not a second confirmation.
    assert 'name="confirm"' not in response.content.decode()
    assert not Peer.objects.exists()


def test_key_rotation(ours, network):
    before = ours.get(url("peers", network)).context["own_fingerprint"]
    refused = ours.post(url("key_rotate", network), follow=True)
    assert "Tick the box to confirm" in refused.content.decode()
    assert refused.context["own_fingerprint"] == before
    rotated = ours.post(url("key_rotate", network), {"confirm": "on"}, follow=True)
    content = rotated.content.decode()
    assert "The old key stays valid for 7 more days." in content
    assert rotated.context["own_fingerprint"] != before
    assert rotated.context["own_fingerprint"] in content
    assert NetworkKey.objects.filter(network=network).count() == 2
    assert len(keys.published_keys(network)) == 2


@pytest.fixture
def pending_on_ours(network, other_network, django_capture_on_commit_callbacks):
    """A request from the other network, waiting on ours."""
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_request(
            network=other_network,
            url=OUR_ADDRESS,
            acting=CoordinatorFactory(network=other_network).user,
        )
    return Peer.objects.get(network=network)


ACTIONS = ("peer_accept", "peer_reject", "peer_suspend", "peer_resume", "peer_end")


@pytest.mark.parametrize(
    "who", ["facilitator", "member", "visitor", "their_coordinator", "outsider"]
)
def test_only_our_coordinators_reach_our_pages(
    client, network, other_network, pending_on_ours, who
):
    person = {
        "facilitator": lambda: FacilitatorFactory(network=network),
        "member": lambda: MemberFactory(network=network),
        "visitor": lambda: MemberFactory(network=network, status="visitor", joined_at=None),
        "their_coordinator": lambda: CoordinatorFactory(network=other_network),
        "outsider": lambda: MemberFactory(network=other_network),
    }[who]()
    login(client, person)
    assert client.get(url("peers", network)).status_code == 403
    assert client.get(url("peer_new", network)).status_code == 403
    assert client.post(url("peer_new", network), {"url": THEIR_ADDRESS}).status_code == 403
    assert client.post(url("key_rotate", network), {"confirm": "on"}).status_code == 403
    for action in ACTIONS:
        response = client.post(url(action, network, pending_on_ours.pk), {"confirm": "on"})
        assert response.status_code in (403, 404)
    pending_on_ours.refresh_from_db()
    assert pending_on_ours.status == "pending"
    assert NetworkKey.objects.filter(network=network).count() <= 1


def test_anonymous_visitors_are_sent_to_log_in(client, network, pending_on_ours):
    response = client.get(url("peers", network))
    assert response.status_code == 302
    assert reverse("rers_core:login") in response["Location"]
    response = client.post(url("peer_accept", network, pending_on_ours.pk))
    assert response.status_code == 302
    pending_on_ours.refresh_from_db()
    assert pending_on_ours.status == "pending"


def test_another_networks_peer_ids_and_bad_ids_are_not_found(
    network, other_network, pending_on_ours, theirs
):
    # Their coordinator, on their own network's pages, cannot reach our peer by its id.
    for action in ACTIONS:
        response = theirs.post(url(action, other_network, pending_on_ours.pk), {"confirm": "on"})
        assert response.status_code == 404
        response = theirs.post(url(action, other_network, 987654321), {"confirm": "on"})
        assert response.status_code == 404
        # Actions are POST only.
        assert theirs.get(url(action, other_network, pending_on_ours.pk)).status_code == 405
    assert theirs.get("/federation/voisin/peers/abc/accept/").status_code == 404
    assert theirs.get("/federation/nowhere/peers/").status_code == 404
    assert theirs.get(url("key_rotate", other_network)).status_code == 405
    pending_on_ours.refresh_from_db()
    assert pending_on_ours.status == "pending"


def test_the_link_is_in_the_coordinators_navigation(client, network, coordinator):
    manage = reverse("rers_core:manage_members", args=[network.slug])
    page = in_english(login(client, coordinator)).get(manage).content.decode()
    assert "Neighbouring networks" in page
    assert url("peers", network) in page
    facilitator = FacilitatorFactory(network=network)
    page = in_english(login(Client(), facilitator)).get(manage).content.decode()
    assert url("peers", network) not in page


def test_peers_page_queries_do_not_grow(
    ours, network, other_network, django_assert_max_num_queries
):
    for index in range(5):
        Peer.objects.create(
            network=network,
            document_url=f"https://example.org/federation/n{index}/",
            name=f"Network {index}",
            inbox_url=f"https://example.org/federation/n{index}/inbox/",
            fingerprint="ABCD",
            status=["pending", "active", "suspended", "requested", "ended"][index],
        )
    ours.get(url("peers", network))  # the key is created on first use
    with django_assert_max_num_queries(12):
        response = ours.get(url("peers", network))
    assert len(response.context["pending"]) == 1
    assert len(response.context["history"]) == 1

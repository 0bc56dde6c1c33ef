import pytest

from rers_core.testing.factories import CoordinatorFactory
from rers_federation.models import Peer
from rers_federation.services import peering
from rers_federation.testing import InProcessTransport


@pytest.fixture(autouse=True)
def in_process_federation(settings):
    """Peers are networks of this test site, reached through the test client."""
    settings.RERS_FEDERATION = {
        "TRANSPORT": "rers_federation.testing.InProcessTransport",
        "BASE_URL": "http://testserver",
    }
    settings.RERS_CORE = {"SITE_URL": "http://testserver"}
    InProcessTransport.sent = []
    yield


@pytest.fixture
def active_peer(network, other_network, django_capture_on_commit_callbacks):
    """Our network's peer row for the other test network, once both coordinators agreed
    (the handshake runs in-process)."""
    ours, theirs = CoordinatorFactory(network=network), CoordinatorFactory(network=other_network)
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_request(
            network=network, url="http://testserver/federation/voisin/", acting=ours.user
        )
    incoming = Peer.objects.get(network=other_network)
    with django_capture_on_commit_callbacks(execute=True):
        peering.peer_accept(peer=incoming, acting=theirs.user, fingerprint=incoming.fingerprint)
    return Peer.objects.get(network=network)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service (or a page or API request) and let its deliveries go once it commits
    (Celery is eager in tests)."""

    def call(service, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(*args, **kwargs)

    return call

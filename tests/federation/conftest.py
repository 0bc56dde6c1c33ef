import pytest

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

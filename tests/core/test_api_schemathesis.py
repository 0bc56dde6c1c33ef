"""Schemathesis fuzzes every operation of the committed schema (docs/openapi.yaml) against
the site, in process: no response is a 500, and every response matches the schema (status
code, content type, headers, body).

Each operation gets a bounded, reproducible number of generated requests, valid and
invalid ones, sent with a member's API token; then with a coordinator's, except the
operations on the requester's own account. Every request goes to the network of the
people below, and about half of the ids in paths are swapped for real objects' ids so that
requests get past the 404.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from rers_core.models import Listing
from rers_core.selectors.events import occurrence_key
from rers_core.services import accounts as account_services
from rers_core.services import connections as connection_services
from rers_core.services import events as event_services
from rers_core.services import portal as portal_services
from rers_core.services.members import consent_grant
from rers_core.testing.factories import PASSWORD, ListingFactory
from tests.core.api_support import build_world, make_event, make_exchange

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
# Per operation and role: enough to find most 500s and schema drifts, few enough to keep
# the module to a couple of minutes on SQLite.
MAX_EXAMPLES = 15

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",  # valid and invalid requests
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,  # the same requests on every run, in CI as locally
            "database": "none",  # nothing replayed from earlier runs, nothing written
            # Credentials are sent by the test; generated ones would only test the 403.
            "with-security-parameters": False,
        },
        # The world is built once per operation (a function-scoped fixture), on purpose.
        "suppress-health-check": ["all"],
        # The coverage phase sends every boundary case the schema allows: unbounded.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        # Conformance to the schema. The other checks judge rules the schema does not try to
        # state (a ``page_size`` out of range falls back to the default, a listing needs a
        # domain of the network, text may hold no NUL) or need a stateful run.
        "checks": {
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
            "negative_data_rejection": {"enabled": False},
            "positive_data_acceptance": {"enabled": False},
            "missing_required_header": {"enabled": False},
            "unsupported_method": {"enabled": False},
            "use_after_free": {"enabled": False},
            "ensure_resource_availability": {"enabled": False},
            "ignored_auth": {"enabled": False},
        },
    }
)

schema = schemathesis.openapi.from_path(SCHEMA, config=CONFIG)
schema.app = get_wsgi_application()

# The requester's own account and memberships: the same for every role, run once.
OWN = r"^/api/v1/(me|auth)/|/me/"


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: the end of a request must not close the database
    connection, which holds the test's transaction (PostgreSQL would then answer 503)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(network, other_network):
    """build_world's people and objects, and the member's own: a request with a pending
    connection, exchanges (agreed, done), a registration, a testimony, a consent."""
    w = build_world(network, other_network)
    member = w.people["member"]
    facilitator = w.people["facilitator"]
    request = ListingFactory(member=member, direction=Listing.Direction.REQUEST)
    connection = connection_services.connection_propose(
        request=request, offer=w.listing, acting=None
    )
    agreed = make_exchange(network, w.target, member, agreed=True)
    done = make_exchange(network, w.target, member, done=True)
    event = make_event(network, facilitator, facilitators=[facilitator])
    registration = event_services.registration_create(
        event=event, original_start=event.starts_at, member=member, acting=None
    )
    testimony = event_services.testimony_record(
        network=network, author=member, text="Merci", acting=None, event=event
    )
    news = portal_services.news_publish(network=network, title="A", text="B", acting=None)
    own_consent = consent_grant(member=member, channel="email", audience="network", acting=None)
    w.ids = {
        "listing_id": [w.listing.pk, request.pk, w.other_listing.pk],
        "member_id": [w.target.pk, member.pk, w.other_member.pk],
        "consent_id": [w.consent.pk, own_consent.pk, w.other_consent.pk],
        "domain_id": [w.domain.pk, w.other_domain.pk],
        "connection_id": [connection.pk],
        "exchange_id": [agreed.pk, done.pk],
        "event_id": [event.pk],
        "key": [occurrence_key(event.starts_at)],
        "registration_id": [registration.pk],
        "testimony_id": [testimony.pk],
        "news_id": [news.pk],
    }
    # Issued once: after a request that withdraws the member or revokes the token, the
    # following ones must get a documented 403, not a test error.
    w.tokens = {
        role: account_services.token_issue(
            username=w.people[role].user.username, password=PASSWORD
        ).key
        for role in ("member", "coordinator")
    }
    return w


def _aim(case, world):
    """Send every request to the world's network, and about half of the ids to real objects.

    The choice depends on the generated value only, so runs stay reproducible.
    """
    params = case.path_parameters or {}
    for name, value in params.items():
        if name == "slug":
            params[name] = world.network.slug
            continue
        real = world.ids.get(name)
        draw = zlib.crc32(str(value).encode())  # not hash(): salted per process
        if real and draw % 2 == 0:
            params[name] = real[draw // 2 % len(real)]


def _fuzz(case, world, role):
    _aim(case, world)
    case.call_and_validate(headers={"Authorization": f"Token {world.tokens[role]}"})


@schema.parametrize()
def test_api_as_member(case, world):
    _fuzz(case, world, "member")


@schema.exclude(path_regex=OWN).parametrize()
def test_api_as_coordinator(case, world):
    _fuzz(case, world, "coordinator")

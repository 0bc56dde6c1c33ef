"""Privacy guard: every payload that leaves an instance over the federation is recorded
across whole scenarios, and no personal field of a member leaves without the matching
recorded consent.

Today what may leave about a person is their display name, on a registration for a
neighbour's event, when they consented to be known by neighbouring networks; nothing else
(presentation, email, phone, other link, availability) ever leaves.
"""

import itertools
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rers_core.models import ContactConsent, Event, Listing
from rers_core.services import events as core_events
from rers_core.services import listings as core_listings
from rers_core.services.members import member_withdraw
from rers_core.testing.factories import CoordinatorFactory, MemberFactory
from rers_federation.services.calendar import event_uri
from rers_federation.testing import InProcessTransport

CONSENTS = [
    (channel, audience)
    for channel in ContactConsent.Channel.values
    for audience in ContactConsent.Audience.values
]


def _marker(label: str) -> str:
    # Distinctive values, so that a match in a payload can only be a leak.
    return f"{label}{secrets.token_hex(4)}"


def sent_bodies() -> str:
    return "\n".join(body.decode() for _method, _url, body in InProcessTransport.sent)


class Scenario:
    """One person of the other network with some consents posts listings (shared and not),
    registers for our shared event, then gives the seat up or withdraws. Their personal
    values are kept here, since a withdrawal erases them from the database."""

    def __init__(self, capture, shared_event, consents: set, withdraws: bool):
        self.capture = capture
        other_network = shared_event.network
        self.person = MemberFactory(
            network=other_network,
            display_name=_marker("Nom"),
            presentation=_marker("Presentation"),
            phone=_marker("06"),
            other_link=f"https://{_marker('lien')}.example/",
        )
        self.personal = {
            "display_name": self.person.display_name,
            "presentation": self.person.presentation,
            "email": self.person.email,
            "phone": self.person.phone,
            "other_link": self.person.other_link,
        }
        self.never = []  # values that must never leave, whatever the consent
        for channel, audience in consents:
            scope = _marker("Portee")
            self.never.append(scope)
            ContactConsent.objects.create(
                member=self.person, channel=channel, audience=audience, scope=scope
            )
        self.allowed = (
            {"display_name"}
            if any(audience == ContactConsent.Audience.FEDERATED for _c, audience in consents)
            else set()
        )
        self._post_listings(other_network)
        registration = self.run(
            core_events.registration_create,
            event=shared_event,
            original_start=shared_event.starts_at,
            member=self.person,
            acting=self.person.user,
        )
        if withdraws:
            self.run(member_withdraw, member=self.person, acting=self.person.user)
        else:
            self.run(
                core_events.registration_cancel,
                registration=registration,
                acting=self.person.user,
            )

    def run(self, service, **kwargs):
        with self.capture(execute=True):
            return service(**kwargs)

    def _post_listings(self, other_network):
        domain = other_network.domains.order_by("position").first()
        for visibility in Listing.Visibility.values:
            availability = _marker("Dispo")
            self.never.append(availability)
            self.run(
                core_listings.listing_create,
                member=self.person,
                acting=self.person.user,
                direction=Listing.Direction.OFFER,
                kind=Listing.Kind.KNOW_HOW,
                domain=domain,
                title=f"Savoir {visibility}",
                availability=availability,
                visibility=visibility,
            )

    def check(self) -> None:
        bodies = sent_bodies()
        assert InProcessTransport.sent, "the scenario federated nothing"
        for field, value in self.personal.items():
            if value and field not in self.allowed:
                assert value not in bodies, f"{field} left the instance without consent"
        for value in self.never:
            assert value not in bodies
        if "display_name" in self.allowed:
            assert self.personal["display_name"] in bodies  # consent is honoured, too


@pytest.fixture
def shared_event(active_peer, network, other_network, django_capture_on_commit_callbacks):
    """Our event shared with the other network: its copy there."""
    organiser = CoordinatorFactory(network=network)
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        event = core_events.event_create(
            network=network,
            acting=organiser.user,
            kind=Event.Kind.DROP_IN,
            title="Permanence partagée",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            visibility=Event.Visibility.FEDERATED,
        )
    return Event.objects.get(network=other_network, origin_uri=event_uri(event))


def test_every_consent_combination(shared_event, django_capture_on_commit_callbacks):
    """One person per subset of the consent grid (channel × audience); every other one
    withdraws at the end, the others give their seat up. Nobody's data leaks, whatever
    was sent about the others."""
    InProcessTransport.sent = []
    scenarios = [
        Scenario(django_capture_on_commit_callbacks, shared_event, set(consents), n % 2 == 1)
        for n, consents in enumerate(
            itertools.chain.from_iterable(
                itertools.combinations(CONSENTS, size) for size in range(len(CONSENTS) + 1)
            )
        )
    ]
    assert len(scenarios) == 2 ** len(CONSENTS)
    for scenario in scenarios:
        scenario.check()


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(consents=st.sets(st.sampled_from(CONSENTS)), withdraws=st.booleans())
def test_no_personal_field_leaves_without_consent_property(
    shared_event, django_capture_on_commit_callbacks, consents, withdraws
):
    InProcessTransport.sent = []
    Scenario(django_capture_on_commit_callbacks, shared_event, consents, withdraws).check()

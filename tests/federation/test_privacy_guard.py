"""Privacy guard: every payload that leaves an instance over the federation is recorded
across whole scenarios, and no personal field of a member leaves without the matching
recorded consent.

What may leave about a person: with any consent whose audience is neighbouring networks,
their display name (on a registration for a neighbour's event, on a connection), and on a
connection their presentation and message; once both people of a connection accepted, each
contact channel they consented to for neighbouring networks (email, phone, other link).
Nothing else (availability, consent notes, channels allowed to their own network only)
ever leaves.
"""

import itertools
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rers_core.models import Connection, ContactConsent, Event, Listing
from rers_core.services import connections as core_connections
from rers_core.services import events as core_events
from rers_core.services import listings as core_listings
from rers_core.services.members import member_withdraw
from rers_core.testing.factories import CoordinatorFactory, MemberFactory
from rers_federation.services.calendar import event_uri
from rers_federation.services.catalogue import listing_uri
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


CHANNEL_FIELDS = {
    ContactConsent.Channel.EMAIL: "email",
    ContactConsent.Channel.PHONE: "phone",
    ContactConsent.Channel.LINK: "other_link",
}


class Scenario:
    """One person of the other network with some consents posts listings (shared and not),
    registers for our shared event, asks for our shared offer and is accepted, then gives
    the seat up and cancels, or withdraws. Their personal values are kept here, since a
    withdrawal erases them from the database."""

    def __init__(self, capture, shared_event, shared_offer, consents: set, withdraws: bool):
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
        federated = {c for c, audience in consents if audience == ContactConsent.Audience.FEDERATED}
        self.allowed = {"display_name", "presentation", "message"} if federated else set()
        self.allowed |= {CHANNEL_FIELDS[c] for c in federated if c in CHANNEL_FIELDS}
        self.personal["message"] = _marker("Message")
        self._post_listings(other_network)
        connection = self._ask(shared_offer)
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
            self.run(core_connections.connection_cancel, connection=connection, acting=None)

    def _ask(self, shared_offer):
        """Ask for our offer from the other network; our member accepts."""
        copy = Listing.objects.get(network=self.person.network, origin_uri=shared_offer.uri)
        asked = self.run(
            core_connections.connection_propose,
            acting=self.person.user,
            offer=copy,
            message=self.personal["message"],
        )
        asked.refresh_from_db()
        theirs = Connection.objects.get(
            network=shared_offer.network, federation_uri=asked.federation_uri
        )
        self.run(
            core_connections.connection_answer,
            connection=theirs,
            accept=True,
            acting=shared_offer.member.user,
        )
        assert Connection.objects.get(pk=asked.pk).status == Connection.Status.ACCEPTED
        return asked

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
        for field in self.allowed:
            assert self.personal[field] in bodies, f"{field}: the consent is honoured, too"


@pytest.fixture
def shared_offer(active_peer, network, django_capture_on_commit_callbacks):
    """Our member's offer shared with the other network; her own data never leaves (she
    consented to contact by her network only)."""
    author = MemberFactory(network=network, display_name=_marker("Autrice"), phone=_marker("07"))
    ContactConsent.objects.create(
        member=author, channel=ContactConsent.Channel.PHONE, audience="network"
    )
    with django_capture_on_commit_callbacks(execute=True):
        offer = core_listings.listing_create(
            member=author,
            acting=author.user,
            direction=Listing.Direction.OFFER,
            kind=Listing.Kind.KNOW_HOW,
            domain=network.domains.order_by("position").first(),
            title="Tableur pour débutants",
            visibility=Listing.Visibility.FEDERATED,
        )
    offer.uri = listing_uri(offer)
    offer.never = [author.display_name, author.phone, author.email]
    return offer


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


def check_author(shared_offer) -> None:
    bodies = sent_bodies()
    for value in shared_offer.never:
        assert value not in bodies, "our member's data left without consent"


def test_every_consent_combination(shared_event, shared_offer, django_capture_on_commit_callbacks):
    """One person per subset of the consent grid (channel × audience); every other one
    withdraws at the end, the others give their seat up. Nobody's data leaks, whatever
    was sent about the others."""
    InProcessTransport.sent = []
    scenarios = [
        Scenario(
            django_capture_on_commit_callbacks,
            shared_event,
            shared_offer,
            set(consents),
            n % 2 == 1,
        )
        for n, consents in enumerate(
            itertools.chain.from_iterable(
                itertools.combinations(CONSENTS, size) for size in range(len(CONSENTS) + 1)
            )
        )
    ]
    assert len(scenarios) == 2 ** len(CONSENTS)
    for scenario in scenarios:
        scenario.check()
    check_author(shared_offer)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(consents=st.sets(st.sampled_from(CONSENTS)), withdraws=st.booleans())
def test_no_personal_field_leaves_without_consent_property(
    shared_event, shared_offer, django_capture_on_commit_callbacks, consents, withdraws
):
    InProcessTransport.sent = []
    Scenario(
        django_capture_on_commit_callbacks, shared_event, shared_offer, consents, withdraws
    ).check()
    check_author(shared_offer)

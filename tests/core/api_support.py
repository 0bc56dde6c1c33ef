"""Helpers shared by the API tests (``tests/core/test_api_*.py``)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from rers_core.models import ContactConsent, Domain, Exchange, Listing, Member, Network
from rers_core.services import events as event_services
from rers_core.services import exchanges as exchange_services
from rers_core.services.members import consent_grant
from rers_core.testing.factories import (
    CoordinatorFactory,
    FacilitatorFactory,
    ListingFactory,
    MemberFactory,
)

V1 = "/api/v1"
ROLES = ("anonymous", "visitor", "member", "facilitator", "coordinator", "outsider")


def client_for(member_or_user: Any = None) -> APIClient:
    """An API client signed in as the member's (or user's) account; anonymous for None.

    A session, not ``force_authenticate``: each request loads the user afresh, as in
    production, so no per-user cache outlives a request.
    """
    # API tests read messages in English; French-first responses are tested separately.
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if member_or_user is not None:
        client.force_login(getattr(member_or_user, "user", member_or_user))
    return client


def net(network: Network, path: str = "") -> str:
    return f"{V1}/networks/{network.slug}/{path}"


@dataclass
class World:
    """Two networks with one person of every role, and objects in each network."""

    network: Network
    other: Network
    people: dict[str, Member | None]
    target: Member  # a member of ``network`` whom others act upon
    listing: Listing  # target's open listing
    consent: ContactConsent  # target's active consent
    domain: Domain
    other_member: Member
    other_listing: Listing
    other_consent: ContactConsent
    other_domain: Domain

    def client(self, role: str) -> APIClient:
        return client_for(self.people[role])


def build_world(network: Network, other: Network) -> World:
    target = MemberFactory(network=network, display_name="Camille")
    other_member = MemberFactory(network=other, display_name="Dominique")
    people: dict[str, Member | None] = {
        "anonymous": None,
        "visitor": MemberFactory(network=network, status=Member.Status.VISITOR),
        "member": MemberFactory(network=network),
        "facilitator": FacilitatorFactory(network=network),
        "coordinator": CoordinatorFactory(network=network),
        "outsider": FacilitatorFactory(network=other),
    }
    return World(
        network=network,
        other=other,
        people=people,
        target=target,
        listing=ListingFactory(member=target),
        consent=consent_grant(member=target, channel="email", audience="network", acting=None),
        domain=network.domains.order_by("position").first(),
        other_member=other_member,
        other_listing=ListingFactory(member=other_member),
        other_consent=consent_grant(
            member=other_member, channel="email", audience="network", acting=None
        ),
        other_domain=other.domains.order_by("position").first(),
    )


def assert_error(response, status, code=None, field=None):
    """A JSON error of ``status`` with a message, and the given code and field if any."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    payload = response.json()
    assert isinstance(payload["detail"], str) and payload["detail"]
    if code is not None:
        assert payload["code"] == code, payload
    if field is not None:
        assert field in payload.get("errors", {}), payload
    return payload


def make_exchange(network, giver, receiver, *, agreed=False, done=False) -> Exchange:
    """A one-to-one exchange between two members, its agreement written; ``agreed``: both
    confirmed it; ``done``: completed too."""
    exchange = exchange_services.exchange_create(
        network=network,
        kind="one_to_one",
        title="Les formules du tableur",
        givers=[giver],
        receivers=[receiver],
        acting=None,
    )
    exchange_services.agreement_update(
        exchange=exchange, acting=None, content="Les formules de base", place="Agence"
    )
    if agreed or done:
        for member in (giver, receiver):
            exchange_services.agreement_confirm(exchange=exchange, acting=None, member=member)
    if done:
        exchange_services.exchange_complete(exchange=exchange, acting=None)
    return exchange


PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def soon(days: int = 3) -> datetime:
    return (
        (timezone.now() + timedelta(days=days)).astimezone(PARIS).replace(second=0, microsecond=0)
    )


def make_event(network, facilitator, **fields):
    """A two-hour collective exchange in three days, created by ``facilitator``; ``fields``
    change any of it."""
    start = fields.pop("starts_at", None) or soon()
    return event_services.event_create(
        network=network,
        acting=facilitator.user,
        **{
            "kind": "collective_exchange",
            "title": "Atelier CV",
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            **fields,
        },
    )

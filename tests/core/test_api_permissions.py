"""Who may call what: every endpoint family, for every role, including ids of another network.

Roles: anonymous; a visitor, a member, a facilitator and a coordinator of the network;
and a facilitator of the other network ("outsider"). Expected statuses follow the rules
in ``rers_core/api/permissions.py``: 403 for a network-wide resource one may not use
(``not_authenticated`` when anonymous), 404 for objects outside the network or not
visible, 404 for ``me/`` when not joined.
"""

import pytest
from django.db import transaction

from rers_core.models import Member
from tests.core.api_support import ROLES, V1, build_world, net


def _listing_body(world, **extra):
    return {
        "direction": "offer",
        "kind": "knowledge",
        "domain": world.domain.slug,
        "title": "Lire une fiche de paie",
        **extra,
    }


# (name, method, url(world), body(world) or None, statuses in the order of ROLES)
CASES = [
    # networks, charter, domains: public reads, coordinator writes
    ("networks-list", "get", lambda w: f"{V1}/networks/", None, (200, 200, 200, 200, 200, 200)),
    ("network-get", "get", lambda w: net(w.network), None, (200, 200, 200, 200, 200, 200)),
    (
        "network-patch",
        "patch",
        lambda w: net(w.network),
        lambda w: {"city": "Montivilliers"},
        (403, 403, 403, 403, 200, 403),
    ),
    (
        "charter-get",
        "get",
        lambda w: net(w.network, "charter/"),
        None,
        (200, 200, 200, 200, 200, 200),
    ),
    (
        "charter-post",
        "post",
        lambda w: net(w.network, "charter/"),
        lambda w: {"text": "v2"},
        (403, 403, 403, 403, 201, 403),
    ),
    (
        "domains-get",
        "get",
        lambda w: net(w.network, "domains/"),
        None,
        (200, 200, 200, 200, 200, 200),
    ),
    (
        "domains-post",
        "post",
        lambda w: net(w.network, "domains/"),
        lambda w: {"name": "Couture"},
        (403, 403, 403, 403, 201, 403),
    ),
    (
        "domain-get",
        "get",
        lambda w: net(w.network, f"domains/{w.domain.pk}/"),
        None,
        (200, 200, 200, 200, 200, 200),
    ),
    (
        "domain-patch",
        "patch",
        lambda w: net(w.network, f"domains/{w.domain.pk}/"),
        lambda w: {"name": "Métiers"},
        (403, 403, 403, 403, 200, 403),
    ),
    (
        "other-domain-get",
        "get",
        lambda w: net(w.network, f"domains/{w.other_domain.pk}/"),
        None,
        (404, 404, 404, 404, 404, 404),
    ),
    (
        "other-domain-patch",
        "patch",
        lambda w: net(w.network, f"domains/{w.other_domain.pk}/"),
        lambda w: {"name": "X"},
        (403, 403, 403, 403, 404, 403),
    ),
    # me/: one's own membership
    ("me-get", "get", lambda w: net(w.network, "me/"), None, (403, 200, 200, 200, 200, 404)),
    (
        "me-patch",
        "patch",
        lambda w: net(w.network, "me/"),
        lambda w: {"presentation": "Moi"},
        (403, 200, 200, 200, 200, 404),
    ),
    (
        "me-join",
        "post",
        lambda w: net(w.network, "me/join/"),
        lambda w: {"display_name": "Sam"},
        (403, 400, 400, 400, 400, 201),
    ),
    (
        "me-accept-charter",
        "post",
        lambda w: net(w.network, "me/accept-charter/"),
        lambda w: {},
        (403, 200, 200, 200, 200, 404),
    ),
    (
        "me-consents-get",
        "get",
        lambda w: net(w.network, "me/consents/"),
        None,
        (403, 200, 200, 200, 200, 404),
    ),
    (
        "me-consents-post",
        "post",
        lambda w: net(w.network, "me/consents/"),
        lambda w: {"channel": "phone", "audience": "network"},
        (403, 201, 201, 201, 201, 404),
    ),
    (
        "me-revoke-someone-elses-consent",
        "post",
        lambda w: net(w.network, f"me/consents/{w.consent.pk}/revoke/"),
        None,
        (403, 404, 404, 404, 404, 404),
    ),
    (
        "me-withdraw",
        "post",
        lambda w: net(w.network, "me/withdraw/"),
        lambda w: {"confirm": True},
        (403, 200, 200, 200, 200, 404),
    ),
    # members/: facilitators only
    (
        "members-get",
        "get",
        lambda w: net(w.network, "members/"),
        None,
        (403, 403, 403, 200, 200, 403),
    ),
    (
        "members-post",
        "post",
        lambda w: net(w.network, "members/"),
        lambda w: {"display_name": "Lou"},
        (403, 403, 403, 201, 201, 403),
    ),
    (
        "member-get",
        "get",
        lambda w: net(w.network, f"members/{w.target.pk}/"),
        None,
        (403, 403, 403, 200, 200, 403),
    ),
    (
        "member-patch",
        "patch",
        lambda w: net(w.network, f"members/{w.target.pk}/"),
        lambda w: {"phone": "01"},
        (403, 403, 403, 200, 200, 403),
    ),
    (
        "other-member-get",
        "get",
        lambda w: net(w.network, f"members/{w.other_member.pk}/"),
        None,
        (403, 403, 403, 404, 404, 403),
    ),
    (
        "other-member-patch",
        "patch",
        lambda w: net(w.network, f"members/{w.other_member.pk}/"),
        lambda w: {"phone": "01"},
        (403, 403, 403, 404, 404, 403),
    ),
    (
        "member-accept-charter",
        "post",
        lambda w: net(w.network, f"members/{w.target.pk}/accept-charter/"),
        lambda w: {},
        (403, 403, 403, 200, 200, 403),
    ),
    (
        "member-consents-get",
        "get",
        lambda w: net(w.network, f"members/{w.target.pk}/consents/"),
        None,
        (403, 403, 403, 200, 200, 403),
    ),
    (
        "member-consents-post",
        "post",
        lambda w: net(w.network, f"members/{w.target.pk}/consents/"),
        lambda w: {"channel": "link", "audience": "federated"},
        (403, 403, 403, 201, 201, 403),
    ),
    (
        "other-member-consents-get",
        "get",
        lambda w: net(w.network, f"members/{w.other_member.pk}/consents/"),
        None,
        (403, 403, 403, 404, 404, 403),
    ),
    (
        "member-consent-revoke",
        "post",
        lambda w: net(w.network, f"members/{w.target.pk}/consents/{w.consent.pk}/revoke/"),
        None,
        (403, 403, 403, 200, 200, 403),
    ),
    (
        "other-consent-revoke",
        "post",
        lambda w: net(w.network, f"members/{w.target.pk}/consents/{w.other_consent.pk}/revoke/"),
        None,
        (403, 403, 403, 404, 404, 403),
    ),
    (
        "member-role",
        "post",
        lambda w: net(w.network, f"members/{w.target.pk}/role/"),
        lambda w: {"role": "facilitator"},
        (403, 403, 403, 403, 200, 403),
    ),
    (
        "other-member-role",
        "post",
        lambda w: net(w.network, f"members/{w.other_member.pk}/role/"),
        lambda w: {"role": "facilitator"},
        (403, 403, 403, 403, 404, 403),
    ),
    (
        "member-withdraw",
        "post",
        lambda w: net(w.network, f"members/{w.target.pk}/withdraw/"),
        lambda w: {"confirm": True},
        (403, 403, 403, 200, 200, 403),
    ),
    (
        "other-member-withdraw",
        "post",
        lambda w: net(w.network, f"members/{w.other_member.pk}/withdraw/"),
        lambda w: {"confirm": True},
        (403, 403, 403, 404, 404, 403),
    ),
    (
        "member-export",
        "get",
        lambda w: net(w.network, f"members/{w.target.pk}/export/"),
        None,
        (403, 403, 403, 200, 200, 403),
    ),
    (
        "other-member-export",
        "get",
        lambda w: net(w.network, f"members/{w.other_member.pk}/export/"),
        None,
        (403, 403, 403, 404, 404, 403),
    ),
    # listings/: people of the network; visitors see only their own (none)
    (
        "listings-get",
        "get",
        lambda w: net(w.network, "listings/"),
        None,
        (403, 200, 200, 200, 200, 403),
    ),
    (
        "listings-post-own",
        "post",
        lambda w: net(w.network, "listings/"),
        _listing_body,
        (403, 400, 201, 201, 201, 403),
    ),
    (
        "listings-post-for-target",
        "post",
        lambda w: net(w.network, "listings/"),
        lambda w: _listing_body(w, member=w.target.pk),
        (403, 403, 403, 201, 201, 403),
    ),
    (
        "listings-post-for-other-network-member",
        "post",
        lambda w: net(w.network, "listings/"),
        lambda w: _listing_body(w, member=w.other_member.pk),
        (403, 400, 400, 400, 400, 403),
    ),
    (
        "listing-get",
        "get",
        lambda w: net(w.network, f"listings/{w.listing.pk}/"),
        None,
        (403, 404, 200, 200, 200, 403),
    ),
    (
        "listing-patch",
        "patch",
        lambda w: net(w.network, f"listings/{w.listing.pk}/"),
        lambda w: {"title": "Autre"},
        (403, 404, 403, 200, 200, 403),
    ),
    (
        "listing-pause",
        "post",
        lambda w: net(w.network, f"listings/{w.listing.pk}/pause/"),
        None,
        (403, 404, 403, 200, 200, 403),
    ),
    (
        "listing-close",
        "post",
        lambda w: net(w.network, f"listings/{w.listing.pk}/close/"),
        None,
        (403, 404, 403, 200, 200, 403),
    ),
    (
        "listing-delete",
        "delete",
        lambda w: net(w.network, f"listings/{w.listing.pk}/"),
        None,
        (403, 405, 405, 405, 405, 403),
    ),
    (
        "other-listing-get",
        "get",
        lambda w: net(w.network, f"listings/{w.other_listing.pk}/"),
        None,
        (403, 404, 404, 404, 404, 403),
    ),
    (
        "other-listing-patch",
        "patch",
        lambda w: net(w.network, f"listings/{w.other_listing.pk}/"),
        lambda w: {"title": "X"},
        (403, 404, 404, 404, 404, 403),
    ),
    (
        "other-listing-close",
        "post",
        lambda w: net(w.network, f"listings/{w.other_listing.pk}/close/"),
        None,
        (403, 404, 404, 404, 404, 403),
    ),
    # the account
    ("account-get", "get", lambda w: f"{V1}/me/", None, (403, 200, 200, 200, 200, 200)),
    ("account-export", "get", lambda w: f"{V1}/me/export/", None, (403, 200, 200, 200, 200, 200)),
    ("token-delete", "delete", lambda w: f"{V1}/auth/token/", None, (403, 204, 204, 204, 204, 204)),
]


@pytest.fixture
def world(network, other_network):
    return build_world(network, other_network)


@pytest.mark.parametrize(
    ("method", "url", "body", "statuses"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_permission_matrix(world, method, url, body, statuses):
    """Each role calls the endpoint in a transaction rolled back afterwards, so that every
    role meets the same world (one world per endpoint keeps the suite fast)."""
    clients = {role: world.client(role) for role in ROLES}
    actual = {}
    for role in ROLES:
        with transaction.atomic():
            data = body(world) if body is not None else None
            kwargs = {"format": "json"} if body is not None else {}
            response = getattr(clients[role], method)(url(world), data, **kwargs)
            actual[role] = response.status_code
            if response.status_code >= 400:
                payload = response.json()
                assert payload["detail"] and payload["code"], (role, payload)
                if role == "anonymous" and response.status_code == 403:
                    assert payload["code"] == "not_authenticated", payload
            transaction.set_rollback(True)
    assert actual == dict(zip(ROLES, statuses, strict=True))


@pytest.mark.parametrize(
    "path",
    [
        "members/{target}/",
        "members/{target}/export/",
        "members/{target}/consents/",
        "members/{target}/consents/{consent}/revoke/",
        "listings/{listing}/",
        "listings/{listing}/close/",
        "domains/{domain}/",
    ],
)
def test_outsider_cannot_reach_objects_through_own_network(world, path):
    """A facilitator of the other network, addressing our ids under their own network."""
    outsider = world.client("outsider")
    url = net(
        world.other,
        path.format(
            target=world.target.pk,
            consent=world.consent.pk,
            listing=world.listing.pk,
            domain=world.domain.pk,
        ),
    )
    method = outsider.post if path.endswith(("revoke/", "close/")) else outsider.get
    response = method(url)
    assert response.status_code == 404
    world.listing.refresh_from_db()
    world.consent.refresh_from_db()
    assert world.listing.status == "open"
    assert world.consent.revoked_at is None


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_listings_never_carry_contact_details(world, role):
    client = world.client(role)
    listings = client.get(net(world.network, "listings/")).json()["results"]
    detail = client.get(net(world.network, f"listings/{world.listing.pk}/")).json()
    assert listings and detail["member"] == {"id": world.target.pk, "display_name": "Camille"}
    text = str(listings) + str(detail)
    assert world.target.email not in text
    assert world.target.phone not in text
    assert not {"email", "phone", "other_link"} & (set(detail) | set(detail["member"]))


def test_members_see_open_listings_and_all_of_their_own(world):
    member = world.people["member"]
    client = world.client("member")
    own = client.post(net(world.network, "listings/"), _listing_body(world), format="json").json()
    client.post(net(world.network, f"listings/{own['id']}/pause/"))
    client_for_target = world.client("facilitator")
    client_for_target.post(net(world.network, f"listings/{world.listing.pk}/pause/"))
    seen = {li["id"] for li in client.get(net(world.network, "listings/")).json()["results"]}
    assert seen == {own["id"]}
    assert client.get(net(world.network, f"listings/{world.listing.pk}/")).status_code == 404
    everything = client_for_target.get(net(world.network, "listings/")).json()["results"]
    assert {li["id"] for li in everything} == {own["id"], world.listing.pk}
    assert member.listings.count() == 1


def test_visitor_sees_only_own_membership_data(world):
    client = world.client("visitor")
    assert client.get(net(world.network, "listings/")).json()["count"] == 0
    assert client.get(net(world.network, "members/")).status_code == 403
    me = client.get(net(world.network, "me/")).json()
    assert me["status"] == "visitor"
    assert me["email"] == world.people["visitor"].email


def test_role_changes_take_effect_on_next_request(world):
    target_client = world.client("member")
    member = world.people["member"]
    assert target_client.get(net(world.network, "members/")).status_code == 403
    response = world.client("coordinator").post(
        net(world.network, f"members/{member.pk}/role/"), {"role": "facilitator"}, format="json"
    )
    assert response.status_code == 200
    assert target_client.get(net(world.network, "members/")).status_code == 200
    member.refresh_from_db()
    assert member.role == Member.Role.FACILITATOR


def test_last_coordinator_cannot_step_down(world):
    coordinator = world.people["coordinator"]
    response = world.client("coordinator").post(
        net(world.network, f"members/{coordinator.pk}/role/"), {"role": "member"}, format="json"
    )
    assert response.status_code == 400
    assert "coordinator" in response.json()["detail"]

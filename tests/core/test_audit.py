"""The audit trail: who with a role looked at, exported or acted on a member's data.

Recorded: facilitators and coordinators viewing, listing or downloading a member's contact
details, changing roles, acting on a member's behalf. Not recorded: people with their own
data, the other person of a connection (they consented), the system (``acting=None``).
The trail never stores what it protects.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rers_core.models import AuditEntry, ContactConsent
from rers_core.selectors.audit import audit_for_member, audit_for_network
from rers_core.services import connections as connection_services
from rers_core.services import events as event_services
from rers_core.services import exchanges as exchange_services
from rers_core.services import listings as listing_services
from rers_core.services import members as member_services
from rers_core.testing.factories import (
    CoordinatorFactory,
    FacilitatorFactory,
    ListingFactory,
    MemberFactory,
)
from tests.conftest import in_english, login
from tests.core.api_support import build_world, client_for, make_event, net
from tests.core.neighbours_support import pretend_neighbours
from tests.core.page_checks import check_page

ACTED_FOR = AuditEntry.Action.ACTED_FOR


def _url(name, network, *args):
    return reverse(f"rers_core:{name}", args=[network.slug, *args])


@pytest.fixture
def camille(network):
    """A job seeker whose contact details are at stake."""
    return MemberFactory(
        network=network,
        display_name="Camille Durand",
        phone="06 12 34 56 78",
        other_link="https://example.org/in/camille-durand",
    )


@pytest.fixture
def facilitator(network):
    return FacilitatorFactory(network=network, display_name="Alix (animation)")


def _entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def _only(member, action, detail=None):
    entries = _entries(member=member)
    assert [(e.action, e.detail) for e in entries] == [
        (action, detail if detail is not None else entries[0].detail)
    ], entries
    return entries[0]


# --- viewing and exporting contact details -----------------------------------------


def test_a_facilitator_opening_a_member_page_is_recorded(client, network, camille, facilitator):
    page = check_page(login(client, facilitator).get(_url("manage_member", network, camille.pk)))
    assert camille.email in page  # what is recorded: the details were shown
    entry = _only(camille, AuditEntry.Action.CONTACT_VIEWED, AuditEntry.PORTAL)
    assert entry.actor == facilitator.user
    assert entry.actor_label == "Alix (animation)"
    assert entry.network == network


def test_the_member_list_records_each_person_shown(client, network, camille, facilitator):
    others = [MemberFactory(network=network) for _ in range(2)]
    check_page(login(client, facilitator).get(_url("manage_members", network)))
    listed = _entries(action=AuditEntry.Action.CONTACTS_LISTED)
    assert {e.member for e in listed} == {camille, *others}  # not the facilitator themself
    assert {e.detail for e in listed} == {AuditEntry.PORTAL}


def test_the_member_list_records_in_one_insert(client, network, facilitator):
    login(client, facilitator)
    url = _url("manage_members", network)

    def queries():
        with CaptureQueriesContext(db_connection) as context:
            assert client.get(url).status_code == 200
        inserts = [q for q in context.captured_queries if q["sql"].startswith("INSERT")]
        return len(context), len(inserts)

    MemberFactory.create_batch(2, network=network)
    client.get(url)  # warm per-process caches
    few, inserts = queries()
    MemberFactory.create_batch(20, network=network)
    assert queries() == (few, inserts) and inserts == 1
    # The facilitator and 2, then 22 others: the facilitator is never recorded.
    assert AuditEntry.objects.filter(action="contacts_listed").count() == 2 + 2 + 22


def test_downloading_a_members_data_is_recorded(client, network, camille, facilitator):
    response = login(client, facilitator).get(_url("manage_member_export", network, camille.pk))
    assert response.status_code == 200
    _only(camille, AuditEntry.Action.CONTACTS_EXPORTED, AuditEntry.PORTAL)


def test_the_api_records_views_lists_and_exports(network, camille, facilitator):
    api = client_for(facilitator)
    assert api.get(net(network, f"members/{camille.pk}/")).status_code == 200
    assert api.get(net(network, f"members/{camille.pk}/export/")).status_code == 200
    assert api.get(net(network, "members/")).status_code == 200
    assert [(e.action, e.detail) for e in _entries(member=camille)] == [
        ("contact_viewed", "api"),
        ("contacts_exported", "api"),
        ("contacts_listed", "api"),
    ]


def test_api_writes_that_answer_with_the_details_are_recorded(network, camille, facilitator):
    """A write that changes nothing still returns the contact details: not a blind spot."""
    api = client_for(facilitator)
    response = api.patch(net(network, f"members/{camille.pk}/"), {}, format="json")
    assert response.json()["email"] == camille.email
    _only(camille, AuditEntry.Action.CONTACT_VIEWED, AuditEntry.API)


def test_the_admin_records_views_and_lists(client, network, camille, facilitator):
    login(client, facilitator)
    assert client.get(f"/admin/rers_core/member/{camille.pk}/change/").status_code == 200
    assert client.get("/admin/rers_core/member/").status_code == 200
    assert [(e.action, e.detail) for e in _entries(member=camille)] == [
        ("contact_viewed", "admin"),
        ("contacts_listed", "admin"),
    ]


# --- roles -----------------------------------------------------------------------------


def test_role_changes_are_recorded_with_the_new_role(client, network, camille):
    coordinator = CoordinatorFactory(network=network, display_name="Dominique")
    member_services.member_assign_role(member=camille, role="facilitator", acting=coordinator.user)
    member_services.member_assign_role(member=camille, role="facilitator", acting=coordinator.user)
    entry = _only(camille, AuditEntry.Action.ROLE_CHANGED, "facilitator")
    assert entry.actor_label == "Dominique"
    assert entry.detail_display == "facilitator"


def test_a_coordinator_stepping_down_is_recorded(network):
    first, second = CoordinatorFactory.create_batch(2, network=network)
    member_services.member_assign_role(member=first, role="member", acting=first.user)
    _only(first, AuditEntry.Action.ROLE_CHANGED, "member")


# --- acting on a member's behalf ---------------------------------------------------------


def test_listings_changed_for_someone_are_recorded(network, camille, facilitator, monkeypatch):
    pretend_neighbours(monkeypatch)  # asking them is among the acts
    listing = listing_services.listing_create(
        member=camille,
        direction="request",
        kind="knowledge",
        domain=network.domains.first(),
        title="Préparer un entretien",
        acting=facilitator.user,
    )
    listing_services.listing_update(listing=listing, title="Entretien", acting=facilitator.user)
    listing_services.listing_pause(listing=listing, acting=facilitator.user)
    listing_services.listing_pause(listing=listing, acting=facilitator.user)  # no change
    listing_services.listing_reopen(listing=listing, acting=facilitator.user)
    listing_services.request_ask_neighbours(listing=listing, acting=facilitator.user)
    listing_services.listing_close(listing=listing, acting=facilitator.user)
    assert [(e.action, e.detail) for e in _entries(member=camille)] == [
        (ACTED_FOR, "listing_create"),
        (ACTED_FOR, "listing_update"),
        (ACTED_FOR, "listing_pause"),
        (ACTED_FOR, "listing_reopen"),
        (ACTED_FOR, "request_ask_neighbours"),
        (ACTED_FOR, "listing_close"),
    ]


def test_membership_steps_done_for_someone_are_recorded(network, facilitator):
    visitor = member_services.member_register(
        network=network, email="eve@example.org", display_name="Ève", acting=facilitator.user
    )
    member_services.member_accept_charter(member=visitor, acting=facilitator.user)
    member_services.member_update_profile(
        member=visitor, phone="07 00 00 00 01", acting=facilitator.user
    )
    member_services.member_update_profile(  # the same value again: nothing changes
        member=visitor, phone="07 00 00 00 01", acting=facilitator.user
    )
    consent = member_services.consent_grant(
        member=visitor, channel="email", audience="network", acting=facilitator.user
    )
    member_services.consent_grant(  # already given: nothing changes
        member=visitor, channel="email", audience="network", acting=facilitator.user
    )
    member_services.consent_revoke(consent=consent, acting=facilitator.user)
    assert [e.detail for e in _entries(member=visitor)] == [
        "member_join",
        "member_accept_charter",
        "member_update_profile",
        "consent_grant",
        "consent_revoke",
    ]


def test_answers_reviews_and_registrations_written_down_for_someone_are_recorded(
    network, facilitator
):
    requester, offerer = MemberFactory.create_batch(2, network=network)
    request = ListingFactory(member=requester, direction="request")
    offer = ListingFactory(member=offerer, direction="offer")
    connection = connection_services.connection_propose(
        request=request, offer=offer, acting=requester.user
    )
    connection_services.connection_answer(
        connection=connection, accept=True, acting=facilitator.user, side="offerer"
    )
    exchange = exchange_services.exchange_from_connection(connection=connection, acting=None)
    exchange_services.agreement_update(exchange=exchange, acting=offerer.user, content="Excel")
    exchange_services.agreement_confirm(exchange=exchange, acting=facilitator.user, member=offerer)
    exchange_services.agreement_confirm(exchange=exchange, acting=requester.user)
    exchange_services.exchange_complete(exchange=exchange, acting=requester.user)
    exchange_services.review_submit(
        exchange=exchange, acting=facilitator.user, member=offerer, interest="Dit à l'oral"
    )
    exchange_services.review_submit(exchange=exchange, acting=requester.user, interest="Utile")
    event = make_event(network, facilitator)
    registration = event_services.registration_create(
        event=event, original_start=event.starts_at, member=offerer, acting=facilitator.user
    )
    event_services.registration_cancel(registration=registration, acting=facilitator.user)
    assert [e.detail for e in _entries(member=offerer)] == [
        "connection_answer",
        "agreement_confirm",
        "review_submit",
        "registration_create",
        "registration_cancel",
    ]
    assert _entries(member=requester) == []  # they did it all themself


def test_a_withdrawal_by_a_facilitator_unlinks_the_persons_entries(
    client, network, camille, facilitator
):
    login(client, facilitator).get(_url("manage_member", network, camille.pk))
    member_services.member_withdraw(member=camille, acting=facilitator.user)
    assert _entries(member=camille) == []
    trail = list(audit_for_network(network))
    assert [(e.member, e.action, e.detail) for e in trail] == [
        (None, ACTED_FOR, "member_withdraw"),
        (None, "contact_viewed", "portal"),
    ]


def test_the_trail_survives_the_actors_account(network, camille, facilitator):
    member_services.member_update_profile(member=camille, phone="01", acting=facilitator.user)
    get_user_model().objects.filter(pk=facilitator.user_id).delete()
    entry = _only(camille, ACTED_FOR, "member_update_profile")
    assert entry.actor is None and entry.actor_label == "Alix (animation)"


# --- what is not recorded --------------------------------------------------------------


def test_nothing_is_recorded_when_people_see_or_change_their_own_data(client, network, camille):
    login(client, camille)
    for name in ("me", "consents", "my_listings", "my_audit"):
        check_page(client.get(_url(name, network)))
    assert client.get(reverse("rers_core:export")).status_code == 200
    api = client_for(camille)
    assert api.get(net(network, "me/")).status_code == 200
    assert api.patch(net(network, "me/"), {"phone": "06"}, format="json").status_code == 200
    member_services.consent_grant(
        member=camille, channel="phone", audience="network", acting=camille.user
    )
    listing_services.listing_create(
        member=camille,
        direction="offer",
        kind="know_how",
        domain=network.domains.first(),
        title="Faire un CV",
        acting=camille.user,
    )
    assert AuditEntry.objects.count() == 0


def test_a_facilitator_on_their_own_page_is_not_recorded(client, network, facilitator):
    check_page(login(client, facilitator).get(_url("manage_member", network, facilitator.pk)))
    check_page(client.get(_url("manage_members", network)))  # alone in the list
    assert AuditEntry.objects.count() == 0


def test_the_other_person_of_a_connection_is_not_a_facilitator_view(client, network):
    requester, offerer = MemberFactory.create_batch(2, network=network)
    member_services.consent_grant(
        member=offerer, channel="email", audience="network", acting=offerer.user
    )
    connection = connection_services.connection_propose(
        request=ListingFactory(member=requester, direction="request"),
        offer=ListingFactory(member=offerer, direction="offer"),
        acting=requester.user,
    )
    connection_services.connection_answer(connection=connection, accept=True, acting=offerer.user)
    page = login(client, requester).get(_url("connection_detail", network, connection.pk))
    assert offerer.email in page.content.decode()
    assert AuditEntry.objects.count() == 0


def test_the_system_is_not_recorded(network, camille):
    """Commands and tasks act with ``acting=None``: whoever runs them can read the database."""
    member_services.member_enrol(network=network, email=camille.email, role="coordinator")
    member_services.member_update_profile(member=camille, phone="01", acting=None)
    assert AuditEntry.objects.count() == 0


# --- the trail never stores what it protects -------------------------------------------


def test_no_entry_holds_a_contact_detail_or_a_name(client, network, camille, facilitator):
    coordinator = CoordinatorFactory(network=network)
    member_services.consent_grant(
        member=camille,
        channel="email",
        audience="network",
        scope="seulement pour les métiers de la santé",
        acting=facilitator.user,
    )
    login(client, facilitator)
    client.get(_url("manage_member", network, camille.pk))
    client.get(_url("manage_members", network), {"q": camille.email})
    client.get(_url("manage_member_export", network, camille.pk))
    client.get(f"/admin/rers_core/member/{camille.pk}/change/")
    client_for(facilitator).get(net(network, f"members/{camille.pk}/"))
    member_services.member_update_profile(
        member=camille, email="camille.new@example.org", acting=facilitator.user
    )
    member_services.member_assign_role(member=camille, role="facilitator", acting=coordinator.user)
    protected = [
        camille.email,
        "camille.new@example.org",
        camille.phone,
        camille.other_link,
        camille.display_name,
        "Camille",
        "Durand",
        "santé",
        camille.user.username,
    ]
    entries = AuditEntry.objects.all()
    assert entries.count() >= 6
    for entry in entries:
        for field in AuditEntry._meta.concrete_fields:
            value = str(getattr(entry, field.attname))
            for secret in protected:
                assert secret not in value, (field.name, value)
    assert {f.name for f in AuditEntry._meta.concrete_fields} == {
        "id",
        "network",
        "actor",
        "actor_label",
        "member",
        "action",
        "detail",
        "created_at",
    }, "a new column: check that it cannot hold protected data, then update this test"


# --- reading the trail -----------------------------------------------------------------


def test_the_member_sees_who_looked_at_their_contact_details(client, network, camille, facilitator):
    other = MemberFactory(network=network)
    login(client, facilitator).get(_url("manage_member", network, camille.pk))
    client.get(_url("manage_member", network, other.pk))
    client.logout()
    in_english(login(client, camille))
    page = check_page(client.get(_url("me", network)))
    assert _url("my_audit", network) in page
    page = check_page(client.get(_url("my_audit", network)))
    assert "Alix (animation)" in page
    assert "Viewed the contact details" in page and "in the portal" in page
    assert "1 entry" in page
    assert [e.member for e in audit_for_member(camille)] == [camille]


def test_the_member_page_is_french_first(client, network, camille, facilitator):
    member_services.member_update_profile(member=camille, phone="01", acting=facilitator.user)
    page = check_page(login(client, camille).get(_url("my_audit", network)))
    assert "Qui a consulté mes coordonnées" in page
    assert "a modifié son profil ou ses coordonnées" in page


def test_the_member_sees_their_entries_in_the_api(network, camille, facilitator):
    other = MemberFactory(network=network)
    client_for(facilitator).get(net(network, f"members/{camille.pk}/"))
    client_for(facilitator).get(net(network, f"members/{other.pk}/"))
    response = client_for(camille).get(net(network, "me/audit/"))
    assert response.status_code == 200
    assert response.json()["count"] == 1
    [entry] = response.json()["results"]
    assert entry["actor"] == "Alix (animation)"
    assert (entry["action"], entry["detail"]) == ("contact_viewed", "api")
    assert entry["detail_display"] == "through the API"
    assert "member" not in entry


def test_coordinators_see_the_networks_trail(client, network, camille, facilitator):
    coordinator = CoordinatorFactory(network=network)
    login(client, facilitator).get(_url("manage_member", network, camille.pk))
    member_services.member_assign_role(member=camille, role="facilitator", acting=coordinator.user)
    in_english(login(client, coordinator))
    page = check_page(client.get(_url("manage_members", network)))
    assert _url("manage_audit", network) in page
    page = check_page(client.get(_url("manage_audit", network)))
    assert "Camille Durand" in page and "Alix (animation)" in page
    page = check_page(client.get(_url("manage_audit", network), {"action": "role_changed"}))
    assert "<td>Changed the role</td>" in page
    assert "<td>Viewed the contact details</td>" not in page
    # A wrong filter is dropped, never an error page.
    check_page(client.get(_url("manage_audit", network), {"action": "nope", "page": "x"}))

    api = client_for(coordinator)
    response = api.get(net(network, "audit/"), {"action": "role_changed"})
    assert response.status_code == 200
    [entry] = response.json()["results"]
    assert entry["member"] == {"id": camille.pk, "display_name": "Camille Durand"}
    assert api.get(net(network, "audit/"), {"action": "nope"}).status_code == 400


def test_facilitators_and_members_do_not_see_the_networks_trail(
    client, network, camille, facilitator
):
    for person in (facilitator, camille):
        assert login(client, person).get(_url("manage_audit", network)).status_code == 403
        page = client.get(_url("me", network)).content.decode()
        assert _url("manage_audit", network) not in page


@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        # anonymous, visitor, member, facilitator, coordinator, outsider
        ("audit/", (403, 403, 403, 403, 200, 403)),
        ("me/audit/", (403, 200, 200, 200, 200, 404)),
    ],
)
def test_api_permissions(network, other_network, path, statuses):
    world = build_world(network, other_network)
    roles = ("anonymous", "visitor", "member", "facilitator", "coordinator", "outsider")
    got = tuple(world.client(role).get(net(network, path)).status_code for role in roles)
    assert got == statuses


def test_each_network_sees_only_its_own_trail(network, other_network, camille, facilitator):
    elsewhere = FacilitatorFactory(network=other_network)
    neighbour = MemberFactory(network=other_network)
    member_services.member_update_profile(member=camille, phone="01", acting=facilitator.user)
    member_services.member_update_profile(member=neighbour, phone="02", acting=elsewhere.user)
    assert [e.member for e in audit_for_network(network)] == [camille]
    assert [e.member for e in audit_for_network(other_network)] == [neighbour]
    coordinator = CoordinatorFactory(network=network)
    results = client_for(coordinator).get(net(network, "audit/")).json()["results"]
    assert [r["member"]["id"] for r in results] == [camille.pk]


def test_the_api_member_list_records_in_constant_queries(network, facilitator):
    api = client_for(facilitator)
    url = net(network, "members/")
    for m in MemberFactory.create_batch(3, network=network):
        ContactConsent.objects.create(member=m, channel="email", audience="network")
    api.get(url)
    with CaptureQueriesContext(db_connection) as few:
        api.get(url, {"page_size": 100})
    MemberFactory.create_batch(30, network=network)
    with CaptureQueriesContext(db_connection) as many:
        api.get(url, {"page_size": 100})
    assert len(many) == len(few)
    assert AuditEntry.objects.filter(detail="api").count() == 3 + 3 + 33

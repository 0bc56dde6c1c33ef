"""The admin site is scoped per network: a role in network A grants nothing in network B."""

import pytest
from django.contrib.auth import get_user_model

from rers_core.errors import NotAllowed
from rers_core.models import Charter, ContactConsent, Listing, Member, Network, WithdrawalRecord
from rers_core.services import members as member_services
from rers_core.services.members import consent_grant
from rers_core.services.networks import network_delete
from rers_core.testing.factories import (
    PASSWORD,
    CoordinatorFactory,
    FacilitatorFactory,
    ListingFactory,
    MemberFactory,
    UserFactory,
)
from tests.conftest import in_english, login


@pytest.fixture
def client(client):
    """Admin messages are checked in English."""
    return in_english(client)


@pytest.fixture
def outsider(other_network):
    """A member of network B, with a listing and a consent."""
    member = MemberFactory(network=other_network, display_name="Personne du voisin")
    ListingFactory(member=member, title="Savoir du réseau voisin")
    consent_grant(member=member, channel="email", audience="network", acting=None)
    return member


def url(model, action="changelist", pk=None):
    base = f"/admin/rers_core/{model}/"
    return {
        "changelist": base,
        "add": f"{base}add/",
        "change": f"{base}{pk}/change/",
        "delete": f"{base}{pk}/delete/",
    }[action]


def refused(response) -> bool:
    """Django's admin answers 403, 404 or a redirect away for what one may not see."""
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and "/change/" not in response["Location"]


def test_facilitator_logs_in_without_staff_status(client, facilitator):
    assert not facilitator.user.is_staff
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": facilitator.user.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    assert b"/admin/rers_core/member/" in index.content
    assert b"/admin/auth/user/" not in index.content


def test_member_without_role_cannot_enter(client, member):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": member.user.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 200
    assert b"cannot use the administration" in response.content
    login(client, member)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get(url("member")).status_code == 302


def test_staff_status_alone_grants_nothing(client, db):
    user = UserFactory(is_staff=True)
    login(client, user)
    assert client.get("/admin/").status_code == 302


def test_withdrawn_facilitator_cannot_enter(client, facilitator, coordinator):
    member_services.member_withdraw(member=facilitator, acting=None)
    user = UserFactory(username=facilitator.user.username)  # account deleted on withdrawal
    login(client, user)
    assert client.get("/admin/").status_code == 302


def test_changelists_show_only_own_network(client, network, facilitator, member, outsider):
    ListingFactory(member=member, title="Savoir de Souday")
    login(client, facilitator)
    members = client.get(url("member"))
    assert members.status_code == 200
    assert member.display_name.encode() in members.content
    assert member.email.encode() in members.content  # facilitators see contact details
    assert b"Personne du voisin" not in members.content
    listings = client.get(url("listing"))
    assert b"Savoir de Souday" in listings.content
    assert "Savoir du réseau voisin".encode() not in listings.content
    consents = client.get(url("contactconsent"))
    assert consents.status_code == 200
    assert b"Personne du voisin" not in consents.content
    networks = client.get("/admin/rers_core/network/")
    assert b"RERS de Souday" in networks.content
    assert b"RERS voisin" not in networks.content


def test_other_networks_objects_are_out_of_reach(client, facilitator, outsider):
    login(client, facilitator)
    listing = outsider.listings.get()
    assert refused(client.get(url("member", "change", outsider.pk)))
    assert refused(client.get(url("listing", "change", listing.pk)))
    assert refused(client.get(f"/admin/rers_core/network/{outsider.network_id}/change/"))
    response = client.post(
        url("member", "change", outsider.pk),
        {"display_name": "Piraté", "presentation": "", "email": "x@example.org"},
    )
    assert refused(response)
    response = client.post(
        url("listing", "change", listing.pk),
        {"title": "Piraté", "direction": "offer", "kind": "knowledge", "domain": listing.domain_id},
    )
    assert refused(response)
    response = client.post(
        url("member"),
        {"action": "withdraw_selected", "_selected_action": [outsider.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    response = client.post(
        url("listing"), {"action": "close_selected", "_selected_action": [listing.pk]}
    )
    outsider.refresh_from_db()
    listing.refresh_from_db()
    assert outsider.display_name == "Personne du voisin"
    assert outsider.status == Member.Status.MEMBER
    assert listing.title == "Savoir du réseau voisin"
    assert listing.status == Listing.Status.OPEN


def test_superuser_sees_every_network(client, member, outsider):
    admin_user = get_user_model().objects.create_superuser(
        "root@example.org", "root@example.org", PASSWORD
    )
    login(client, admin_user)
    content = client.get(url("member")).content
    assert member.display_name.encode() in content
    assert b"Personne du voisin" in content
    assert client.get("/admin/auth/user/").status_code == 200


def test_accounts_are_for_superusers_only(client, coordinator):
    login(client, coordinator)
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get(f"/admin/auth/user/{coordinator.user_id}/change/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_member_change_goes_through_the_service(client, monkeypatch, facilitator, member):
    calls = []
    original = member_services.member_update_profile

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(member_services, "member_update_profile", spy)
    login(client, facilitator)
    response = client.post(
        url("member", "change", member.pk),
        {
            "display_name": "Nouveau nom",
            "presentation": member.presentation,
            "email": member.email,
            "phone": "06 00 00 00 00",
            "other_link": "",
            "role": "coordinator",  # ignored: only coordinators assign roles
        },
    )
    assert response.status_code == 302, response.content
    member.refresh_from_db()
    assert member.display_name == "Nouveau nom"
    assert member.phone == "06 00 00 00 00"
    assert member.role == Member.Role.MEMBER
    assert len(calls) == 1
    assert calls[0]["acting"] == facilitator.user
    assert set(calls[0]) == {"member", "acting", "display_name", "phone"}


def test_service_refusal_is_a_form_error_not_a_500(client, coordinator):
    login(client, coordinator)
    response = client.post(
        url("member", "change", coordinator.pk),
        {
            "display_name": coordinator.display_name,
            "presentation": "",
            "email": coordinator.email,
            "phone": "",
            "other_link": "",
            "role": "member",  # the network would be left without a coordinator
        },
    )
    assert response.status_code == 200
    assert b"at least one other coordinator" in response.content
    coordinator.refresh_from_db()
    assert coordinator.role == Member.Role.COORDINATOR


def test_coordinator_assigns_a_role(client, coordinator, member):
    login(client, coordinator)
    response = client.post(
        url("member", "change", member.pk),
        {
            "display_name": member.display_name,
            "presentation": member.presentation,
            "email": member.email,
            "phone": member.phone,
            "other_link": "",
            "role": "facilitator",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Member.Role.FACILITATOR


def test_withdraw_action_asks_then_erases(client, facilitator, member):
    ListingFactory(member=member, title="Cuisine du monde")
    consent_grant(member=member, channel="phone", audience="network", acting=None)
    login(client, facilitator)
    data = {"action": "withdraw_selected", "_selected_action": [member.pk]}
    confirm = client.post(url("member"), data)
    assert confirm.status_code == 200
    assert member.display_name.encode() in confirm.content
    member.refresh_from_db()
    assert member.status == Member.Status.MEMBER
    response = client.post(url("member"), {**data, "post": "yes"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.WITHDRAWN
    assert (member.display_name, member.email, member.phone, member.user_id) == ("", "", "", None)
    assert member.listings.get().title == ""
    assert not ContactConsent.objects.filter(member=member, revoked_at__isnull=True).exists()
    record = WithdrawalRecord.objects.get(network=member.network)
    assert record.performed_by == WithdrawalRecord.Actor.FACILITATOR
    assert record.facilitator == facilitator.user


def test_members_are_never_deleted(client, coordinator, member):
    login(client, coordinator)
    assert client.get(url("member", "delete", member.pk)).status_code == 403
    assert client.post(url("member", "delete", member.pk), {"post": "yes"}).status_code == 403
    assert Member.objects.filter(pk=member.pk).exists()


def test_facilitator_adds_a_visitor_and_records_the_charter(client, network, facilitator):
    login(client, facilitator)
    response = client.post(
        url("member", "add"),
        {
            "network": network.pk,
            "display_name": "Camille",
            "email": "Camille@Example.org",
            "presentation": "",
            "charter_accepted": "on",
        },
    )
    assert response.status_code == 302, response.content
    added = Member.objects.get(display_name="Camille")
    assert added.status == Member.Status.MEMBER
    assert added.user.email == "camille@example.org"
    assert added.charter_acceptances.get().recorded_by == facilitator.user


def test_member_add_offers_only_own_networks(client, facilitator, other_network):
    login(client, facilitator)
    response = client.post(
        url("member", "add"),
        {"network": other_network.pk, "display_name": "Intrus", "email": "", "presentation": ""},
    )
    assert response.status_code == 200
    assert not Member.objects.filter(display_name="Intrus").exists()


def test_listing_add_and_actions(client, facilitator, member):
    login(client, facilitator)
    domain = member.network.domains.get(slug="cuisine")
    form = {
        "member": member.pk,
        "direction": "offer",
        "kind": "know_how",
        "domain": domain.pk,
        "title": "Pâte à crêpes",
        "description": "",
        "one_to_one": "on",
        "setting": "in_person",
        "availability": "",
        "visibility": "network",
        "external_ref": "",
    }
    response = client.post(url("listing", "add"), form)
    assert response.status_code == 302, response.content
    listing = Listing.objects.get(title="Pâte à crêpes")
    assert listing.member == member
    assert listing.created_by == facilitator.user

    data = {"action": "pause_selected", "_selected_action": [listing.pk]}
    client.post(url("listing"), data)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PAUSED
    client.post(url("listing"), {**data, "action": "close_selected"})
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CLOSED
    # A closed listing is history: it can be viewed, not edited.
    assert client.get(url("listing", "change", listing.pk)).status_code == 200
    response = client.post(url("listing", "change", listing.pk), {**form, "title": "Autre"})
    assert response.status_code == 403


def test_listing_form_shows_service_errors(client, facilitator, member):
    login(client, facilitator)
    response = client.post(
        url("listing", "add"),
        {
            "member": member.pk,
            "direction": "request",
            "kind": "knowledge",
            "domain": member.network.domains.first().pk,
            "title": "Sans modalité",
            "setting": "in_person",
            "visibility": "network",
        },
    )
    assert response.status_code == 200
    assert b"Choose at least one way to exchange" in response.content
    assert not Listing.objects.filter(title="Sans modalité").exists()


def test_listing_domain_of_another_network_is_refused(client, facilitator, member, other_network):
    login(client, facilitator)
    response = client.post(
        url("listing", "add"),
        {
            "member": member.pk,
            "direction": "offer",
            "kind": "knowledge",
            "domain": other_network.domains.first().pk,
            "title": "Mauvais domaine",
            "one_to_one": "on",
            "setting": "in_person",
            "visibility": "network",
        },
    )
    assert response.status_code == 200
    assert not Listing.objects.filter(title="Mauvais domaine").exists()


def test_domains_coordinators_edit_facilitators_view(client, network, facilitator, coordinator):
    login(client, facilitator)
    assert client.get(url("domain")).status_code == 200
    assert client.get(url("domain", "add")).status_code == 403
    domain = network.domains.first()
    response = client.post(url("domain", "change", domain.pk), {"name": "X", "position": 1})
    assert response.status_code == 403
    login(client, coordinator)
    response = client.post(
        url("domain", "add"),
        {"network": network.pk, "name": "Couture", "slug": "", "position": 3, "is_active": "on"},
    )
    assert response.status_code == 302, response.content
    assert network.domains.filter(slug="couture", position=3).exists()
    response = client.post(
        url("domain", "change", domain.pk), {"name": "Métiers", "position": 0, "is_active": ""}
    )
    assert response.status_code == 302
    domain.refresh_from_db()
    assert (domain.name, domain.is_active) == ("Métiers", False)


def test_charter_versions_are_published_never_edited(client, network, coordinator, facilitator):
    login(client, facilitator)
    assert client.get(url("charter", "add")).status_code == 403
    login(client, coordinator)
    add = client.get(url("charter", "add"))
    assert b"Chacun sait plus" in add.content  # starts from the current text
    response = client.post(url("charter", "add"), {"network": network.pk, "text": "Nouveau texte"})
    assert response.status_code == 302, response.content
    latest = Charter.objects.filter(network=network).order_by("-version").first()
    assert (latest.version, latest.text, latest.published_by) == (
        2,
        "Nouveau texte",
        coordinator.user,
    )
    response = client.post(
        url("charter", "change", latest.pk), {"network": network.pk, "text": "Y"}
    )
    assert response.status_code == 403
    assert client.get(url("charter", "delete", latest.pk)).status_code == 403


def test_network_settings_are_for_its_coordinators(
    client, network, other_network, coordinator, facilitator
):
    CoordinatorFactory(network=other_network)
    form = {
        "name": "RERS de Souday (agence)",
        "agency_code": "",
        "city": "Le Havre",
        "postcode": "76600",
        "latitude": "49.494",
        "longitude": "0.107",
        "timezone": "Europe/Paris",
        "contact_email": "contact@souday.example.org",
        "description": "",
    }
    login(client, facilitator)
    assert client.get(f"/admin/rers_core/network/{network.pk}/change/").status_code == 200
    assert client.post(f"/admin/rers_core/network/{network.pk}/change/", form).status_code == 403
    login(client, coordinator)
    response = client.post(f"/admin/rers_core/network/{network.pk}/change/", form)
    assert response.status_code == 302, response.content
    network.refresh_from_db()
    assert network.name == "RERS de Souday (agence)"
    response = client.post(f"/admin/rers_core/network/{other_network.pk}/change/", form)
    assert refused(response)
    other_network.refresh_from_db()
    assert other_network.name == "RERS voisin"
    assert client.get("/admin/rers_core/network/add/").status_code == 403
    bad = client.post(
        f"/admin/rers_core/network/{network.pk}/change/", {**form, "timezone": "Mars/Olympus"}
    )
    assert bad.status_code == 200
    assert b"not a known time zone" in bad.content


def test_superuser_deletes_a_network_through_the_service(client, other_network, outsider):
    admin_user = get_user_model().objects.create_superuser(
        "root@example.org", "root@example.org", PASSWORD
    )
    login(client, admin_user)
    url_ = f"/admin/rers_core/network/{other_network.pk}/delete/"
    assert client.get(url_).status_code == 200
    response = client.post(url_, {"post": "yes"})
    assert response.status_code == 302
    assert not Member.objects.filter(network_id=other_network.pk).exists()
    assert not get_user_model().objects.filter(pk=outsider.user_id).exists()
    assert not type(other_network).objects.filter(pk=other_network.pk).exists()
    assert admin_user.logentry_set.filter(action_flag=3).count() == 1  # deletion logged


def test_history_is_read_only(client, facilitator, member):
    consent = consent_grant(member=member, channel="email", audience="network", acting=None)
    login(client, facilitator)
    assert client.get(url("contactconsent", "change", consent.pk)).status_code == 200
    response = client.post(url("contactconsent", "change", consent.pk), {"scope": "x"})
    assert response.status_code == 403
    assert client.get(url("contactconsent", "add")).status_code == 403
    acceptance = member.charter_acceptances.get()
    assert client.get(url("charteracceptance", "change", acceptance.pk)).status_code == 200
    assert client.get(url("withdrawalrecord")).status_code == 200


def test_a_facilitator_of_two_networks_sees_both(client, network, other_network, outsider):
    person = FacilitatorFactory(network=network)
    FacilitatorFactory(network=other_network, user=person.user)
    login(client, person)
    content = client.get(url("member")).content
    assert b"Personne du voisin" in content


def test_only_superusers_add_or_delete_networks(client, network, coordinator):
    login(client, coordinator)
    assert client.get(f"/admin/rers_core/network/{network.pk}/delete/").status_code == 403
    assert (
        client.post("/admin/rers_core/network/add/", {"slug": "x", "name": "X"}).status_code == 403
    )
    with pytest.raises(NotAllowed):
        network_delete(network=network, acting=coordinator.user)
    admin_user = get_user_model().objects.create_superuser(
        "root@example.org", "root@example.org", PASSWORD
    )
    login(client, admin_user)
    response = client.post(
        "/admin/rers_core/network/add/",
        {
            "slug": "etretat",
            "name": "RERS d'Étretat",
            "timezone": "Europe/Paris",
            "city": "Étretat",
        },
    )
    assert response.status_code == 302, response.content
    created = Network.objects.get(slug="etretat")
    assert created.domains.exists() and created.charters.count() == 1  # seeded by the service

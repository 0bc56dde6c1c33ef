"""Whole journeys through the API: a member on their own, a facilitator on someone's behalf."""

import json

from django.contrib.auth import get_user_model

from rers_core.models import Listing, Member, WithdrawalRecord
from rers_core.services.networks import charter_publish
from rers_core.testing.factories import PASSWORD, NetworkFactory, UserFactory
from tests.core.api_support import V1, client_for, net


def test_member_journey(network, coordinator):
    user = UserFactory(email="alex@example.org")
    client = client_for()

    # Obtain a token and use it for everything.
    response = client.post(
        f"{V1}/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")

    # Discover the network and its charter.
    assert client.get(net(network)).json()["name"] == "RERS de Souday"
    charter = client.get(net(network, "charter/")).json()
    assert charter["version"] == 1
    assert client.get(net(network, "me/")).status_code == 404

    # Join as a visitor.
    response = client.post(
        net(network, "me/join/"),
        {"display_name": "  Alex  ", "presentation": "J'ai été cariste."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    me = response.json()
    assert me["status"] == "visitor"
    assert me["display_name"] == "Alex"
    assert me["email"] == "alex@example.org"
    assert me["has_accepted_current_charter"] is False
    assert me["current_charter_version"] == 1

    # A visitor cannot post listings yet, and sees no one else's.
    domain = client.get(net(network, "domains/")).json()["results"][0]["slug"]
    offer = {"direction": "offer", "kind": "know_how", "domain": domain, "title": "Conduire"}
    response = client.post(net(network, "listings/"), offer, format="json")
    assert response.status_code == 400
    assert "charter" in response.json()["detail"]

    # A new charter version is published meanwhile: accepting v1 is refused.
    charter_publish(network=network, text="Nouvelle version.", acting=coordinator.user)
    response = client.post(net(network, "me/accept-charter/"), {"version": 1}, format="json")
    assert response.status_code == 400
    assert "no longer the current one" in response.json()["detail"]
    response = client.post(net(network, "me/accept-charter/"), {"version": 2}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "member"
    assert response.json()["has_accepted_current_charter"] is True

    # Profile and consents.
    response = client.patch(net(network, "me/"), {"phone": "06 00 00 00 00"}, format="json")
    assert response.status_code == 200
    assert response.json()["phone"] == "06 00 00 00 00"
    response = client.post(
        net(network, "me/consents/"),
        {"channel": "phone", "audience": "network", "scope": "emplois de la logistique"},
        format="json",
    )
    assert response.status_code == 201
    phone_consent = response.json()["id"]
    client.post(
        net(network, "me/consents/"), {"channel": "email", "audience": "federated"}, format="json"
    )
    response = client.post(net(network, f"me/consents/{phone_consent}/revoke/"))
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    again = client.post(net(network, f"me/consents/{phone_consent}/revoke/"))
    assert again.status_code == 200
    assert again.json()["revoked_at"] == response.json()["revoked_at"]
    history = client.get(net(network, "me/consents/")).json()
    assert history["count"] == 2
    assert [c["is_active"] for c in history["results"]] == [True, False]
    active = client.get(net(network, "me/")).json()["active_consents"]
    assert [(c["channel"], c["audience"]) for c in active] == [("email", "federated")]

    # An offer and a request.
    response = client.post(net(network, "listings/"), offer, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["is_mine"] is True
    assert created["member"] == {"id": me["id"], "display_name": "Alex"}
    assert created["domain"]["slug"] == domain
    assert set(created) >= {"one_to_one", "group", "practice_exchange", "status"}
    offer_id = created["id"]
    response = client.post(
        net(network, "listings/"),
        {
            "direction": "request",
            "kind": "knowledge",
            "domain": domain,
            "title": "Comprendre un contrat",
            "group": True,
            "setting": "remote",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    request_id = response.json()["id"]

    listings = client.get(net(network, "listings/")).json()
    assert {li["id"] for li in listings["results"]} == {offer_id, request_id}
    requests = client.get(net(network, "listings/"), {"direction": "request"}).json()
    assert [li["id"] for li in requests["results"]] == [request_id]
    found = client.get(net(network, "listings/"), {"q": "contrat"}).json()
    assert [li["id"] for li in found["results"]] == [request_id]

    # Edit, pause, reopen, close.
    response = client.patch(
        net(network, f"listings/{offer_id}/"), {"availability": "Le mardi"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["availability"] == "Le mardi"
    assert client.post(net(network, f"listings/{offer_id}/pause/")).json()["status"] == "paused"
    assert client.post(net(network, f"listings/{offer_id}/reopen/")).json()["status"] == "open"
    assert client.post(net(network, f"listings/{request_id}/close/")).json()["status"] == "closed"
    response = client.post(net(network, f"listings/{request_id}/reopen/"))
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert client.delete(net(network, f"listings/{offer_id}/")).status_code == 405

    # My account and my data.
    account = client.get(f"{V1}/me/").json()
    assert [m["network"]["slug"] for m in account["memberships"]] == [network.slug]
    response = client.get(f"{V1}/me/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="rers-my-data.json"'
    export = json.loads(response.content)
    membership = export["memberships"][0]
    assert membership["contact"]["phone"] == "06 00 00 00 00"
    assert {li["title"] for li in membership["listings"]} == {"Conduire", "Comprendre un contrat"}
    assert [a["version"] for a in membership["charter_acceptances"]] == [2]

    # Leave: refused without confirmation, then erased; a second call is harmless.
    response = client.post(net(network, "me/withdraw/"), {}, format="json")
    assert response.status_code == 400
    assert "confirm" in response.json()["errors"]
    response = client.post(net(network, "me/withdraw/"), {"confirm": True}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    member = Member.objects.get(pk=me["id"])
    assert (member.display_name, member.email, member.phone, member.user_id) == ("", "", "", None)
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert set(Listing.objects.filter(member=member).values_list("status", "title")) == {
        ("closed", "")
    }
    second = client.post(net(network, "me/withdraw/"), {"confirm": True}, format="json")
    assert second.status_code in (401, 403)  # the account and its token are gone
    assert WithdrawalRecord.objects.count() == 1


def test_withdrawing_from_one_network_keeps_the_other(network, member):
    other = NetworkFactory()
    client = client_for(member)
    joined = client.post(net(other, "me/join/"), {"display_name": "Sam"}, format="json")
    assert joined.status_code == 201
    response = client.post(net(network, "me/withdraw/"), {"confirm": True}, format="json")
    assert response.status_code == 200
    again = client.post(net(network, "me/withdraw/"), {"confirm": True}, format="json")
    assert again.status_code == 404
    assert WithdrawalRecord.objects.count() == 1
    memberships = client.get(f"{V1}/me/").json()["memberships"]
    assert [m["network"]["slug"] for m in memberships] == [other.slug]


def test_facilitator_on_behalf_journey(network, facilitator, coordinator):
    client = client_for(facilitator)

    # A visitor met at a drop-in, without an email.
    response = client.post(
        net(network, "members/"),
        {"display_name": "Lou", "presentation": "Cherche un emploi en cuisine."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    lou = response.json()
    assert lou["status"] == "visitor"
    assert lou["email"] == ""
    lou_id = lou["id"]

    # Another one with an email: their account gets it as username.
    response = client.post(
        net(network, "members/"),
        {"display_name": "Noa", "email": "Noa@Example.org"},
        format="json",
    )
    assert response.status_code == 201
    assert get_user_model().objects.filter(username="noa@example.org").exists()

    visitors = client.get(net(network, "members/"), {"status": "visitor"}).json()
    assert {m["display_name"] for m in visitors["results"]} == {"Lou", "Noa"}
    found = client.get(net(network, "members/"), {"q": "lo"}).json()
    assert [m["id"] for m in found["results"]] == [lou_id]

    # Charter accepted at the drop-in, contact details, consents.
    response = client.post(net(network, f"members/{lou_id}/accept-charter/"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "member"
    response = client.patch(
        net(network, f"members/{lou_id}/"), {"phone": "07 00 00 00 00"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "07 00 00 00 00"
    response = client.post(
        net(network, f"members/{lou_id}/consents/"),
        {"channel": "via_facilitator", "audience": "network"},
        format="json",
    )
    assert response.status_code == 201
    consent_id = response.json()["id"]
    consents = client.get(net(network, f"members/{lou_id}/consents/")).json()
    assert [c["id"] for c in consents["results"]] == [consent_id]
    response = client.post(net(network, f"members/{lou_id}/consents/{consent_id}/revoke/"))
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None

    # A listing recorded on Lou's behalf; it is not the facilitator's own.
    domain = network.domains.first().slug
    response = client.post(
        net(network, "listings/"),
        {
            "member": lou_id,
            "direction": "offer",
            "kind": "experience",
            "domain": domain,
            "title": "Travailler en cuisine collective",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    listing = response.json()
    assert listing["member"]["id"] == lou_id
    assert listing["is_mine"] is False
    mine = client.get(net(network, "listings/"), {"member": lou_id}).json()
    assert [li["id"] for li in mine["results"]] == [listing["id"]]
    assert client.post(net(network, f"listings/{listing['id']}/pause/")).status_code == 200

    # Roles are for coordinators.
    response = client.post(
        net(network, f"members/{lou_id}/role/"), {"role": "facilitator"}, format="json"
    )
    assert response.status_code == 403
    response = client_for(coordinator).post(
        net(network, f"members/{lou_id}/role/"), {"role": "facilitator"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["role"] == "facilitator"
    facilitators = client.get(net(network, "members/"), {"role": "facilitator"}).json()
    assert {m["id"] for m in facilitators["results"]} == {lou_id, facilitator.pk}

    # Lou's data, handed to Lou.
    response = client.get(net(network, f"members/{lou_id}/export/"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    export = json.loads(response.content)
    assert export["display_name"] == "Lou"
    assert export["charter_acceptances"][0]["recorded_by_facilitator"] is True

    # Lou asks to leave: erased; asking twice is harmless.
    response = client.post(
        net(network, f"members/{lou_id}/withdraw/"), {"confirm": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    again = client.post(
        net(network, f"members/{lou_id}/withdraw/"), {"confirm": True}, format="json"
    )
    assert again.status_code == 200
    assert WithdrawalRecord.objects.get().performed_by == "facilitator"
    assert client.get(net(network, f"members/{lou_id}/")).status_code == 404
    assert Member.objects.get(pk=lou_id).display_name == ""


def test_token_obtain_use_revoke(network, member):
    client = client_for()
    bad = client.post(
        f"{V1}/auth/token/",
        {"username": member.user.username, "password": "wrong"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"

    response = client.post(
        f"{V1}/auth/token/",
        {"username": member.user.username, "password": PASSWORD},
        format="json",
    )
    token = response.json()["token"]
    again = client.post(
        f"{V1}/auth/token/",
        {"username": member.user.username, "password": PASSWORD},
        format="json",
    )
    assert again.json()["token"] == token

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"{V1}/me/").json()["username"] == member.user.username
    assert client.get(net(network, "me/")).json()["id"] == member.pk

    assert client.delete(f"{V1}/auth/token/").status_code == 204
    refused = client.get(f"{V1}/me/")
    assert refused.status_code in (401, 403)
    assert refused.json()["code"] == "authentication_failed"

    client.credentials()
    assert client.get(f"{V1}/me/").json()["code"] == "not_authenticated"


def test_token_refused_for_account_without_password(network, facilitator):
    client_for(facilitator).post(
        net(network, "members/"),
        {"display_name": "Lou", "email": "lou@example.org"},
        format="json",
    )
    response = client_for().post(
        f"{V1}/auth/token/", {"username": "lou@example.org", "password": ""}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    response = client_for().post(
        f"{V1}/auth/token/", {"username": "lou@example.org", "password": "x"}, format="json"
    )
    assert response.status_code == 400


def test_coordinator_manages_network_charter_and_domains(network, coordinator):
    client = client_for(coordinator)
    response = client.patch(
        net(network),
        {"description": "Le réseau de l'agence.", "latitude": 49.49412345678, "longitude": "0.1"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "Le réseau de l'agence."
    assert response.json()["latitude"] == 49.494123
    assert response.json()["longitude"] == 0.1

    response = client.post(net(network, "charter/"), {"text": "Version deux."}, format="json")
    assert response.status_code == 201
    assert response.json()["version"] == 2
    assert client_for().get(net(network, "charter/")).json()["text"] == "Version deux."

    response = client.post(net(network, "domains/"), {"name": "Couture"}, format="json")
    assert response.status_code == 201
    domain = response.json()
    assert domain["slug"] == "couture"
    response = client.patch(
        net(network, f"domains/{domain['id']}/"), {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    public = client_for().get(net(network, "domains/"), {"page_size": 100}).json()
    assert "couture" not in {d["slug"] for d in public["results"]}
    mine = client.get(net(network, "domains/"), {"page_size": 100}).json()
    assert "couture" in {d["slug"] for d in mine["results"]}
    assert client_for().get(net(network, f"domains/{domain['id']}/")).status_code == 404

"""Whole journeys through the portal: a person on their own, and a facilitator for someone."""

import json

from django.contrib.auth import get_user_model
from django.urls import reverse

from rers_core.models import ContactConsent, Listing, Member, WithdrawalRecord
from rers_core.selectors.networks import charter_current
from rers_core.testing.factories import ListingFactory, MemberFactory
from tests.conftest import in_english, login

User = get_user_model()
PASSWORD = "a-very-long-passphrase-2025"


def _listing_data(network, **overrides):
    data = {
        "direction": "offer",
        "kind": "know_how",
        "domain": network.domains.order_by("position").first().pk,
        "title": "Préparer un entretien d'embauche",
        "description": "Je montre comment je fais.",
        "modalities": ["one_to_one", "group"],
        "setting": "either",
        "availability": "Le lundi matin",
        "visibility": "network",
    }
    data.update(overrides)
    return data


def test_new_user_journey_from_sign_up_to_withdrawal(client, network):
    in_english(client)  # the assertions read English messages
    neighbour = MemberFactory(network=network, display_name="Voisine")
    ListingFactory(member=neighbour, title="Cuisiner pour six", direction="offer")

    page = client.get(reverse("rers_core:network", args=[network.slug]))
    assert page.status_code == 200
    assert reverse("rers_core:signup") in page.content.decode()

    join_url = reverse("rers_core:join", args=[network.slug])
    response = client.post(
        reverse("rers_core:signup") + f"?next={join_url}",
        {"email": "Camille@Example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == join_url
    user = User.objects.get(email="camille@example.org")
    assert user.check_password(PASSWORD)

    page = client.get(join_url)
    assert page.status_code == 200
    charter = charter_current(network)
    assert "Chacun sait plus" in page.content.decode()

    response = client.post(
        join_url,
        {
            "display_name": "Camille",
            "presentation": "J'aime transmettre.",
            "accept_charter": "on",
            "charter": charter.pk,
            "consent_network": ["email", "via_facilitator"],
            "consent_federated": ["via_facilitator"],
            "consent_scope": "emplois à l'hôpital",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("rers_core:me", args=[network.slug])
    member = Member.objects.get(user=user, network=network)
    assert member.status == Member.Status.MEMBER
    assert member.charter_acceptances.filter(charter=charter).exists()
    active = ContactConsent.objects.filter(member=member, revoked_at__isnull=True)
    assert {(c.channel, c.audience) for c in active} == {
        ("email", "network"),
        ("via_facilitator", "network"),
        ("via_facilitator", "federated"),
    }
    assert {c.scope for c in active} == {"emplois à l'hôpital"}

    new_url = reverse("rers_core:listing_create", args=[network.slug])
    assert client.post(new_url, _listing_data(network)).status_code == 302
    assert (
        client.post(
            new_url,
            _listing_data(
                network,
                direction="request",
                title="Apprendre le tableur",
                modalities=["one_to_one"],
            ),
        ).status_code
        == 302
    )
    assert set(member.listings.values_list("direction", flat=True)) == {"offer", "request"}

    browse = client.get(reverse("rers_core:listings", args=[network.slug]))
    content = browse.content.decode()
    assert browse.status_code == 200
    assert "Cuisiner pour six" in content
    assert "Apprendre le tableur" in content
    only_requests = client.get(
        reverse("rers_core:listings", args=[network.slug]), {"direction": "request"}
    ).content.decode()
    assert "Apprendre le tableur" in only_requests
    assert "Cuisiner pour six" not in only_requests
    by_words = client.get(
        reverse("rers_core:listings", args=[network.slug]), {"q": "cuisiner"}
    ).content.decode()
    assert "Cuisiner pour six" in by_words
    assert "Apprendre le tableur" not in by_words

    export = client.get(reverse("rers_core:export"))
    assert export.status_code == 200
    assert "attachment" in export["Content-Disposition"]
    data = json.loads(export.content)
    assert data["account"]["email"] == "camille@example.org"
    [mine] = data["memberships"]
    assert mine["display_name"] == "Camille"
    assert len(mine["listings"]) == 2

    withdraw_url = reverse("rers_core:withdraw", args=[network.slug])
    page = client.get(withdraw_url)
    assert page.status_code == 200
    assert "anonymous" in page.content.decode().lower()
    unconfirmed = client.post(withdraw_url, {})
    assert unconfirmed.status_code == 200
    assert Member.objects.get(pk=member.pk).status == Member.Status.MEMBER

    response = client.post(withdraw_url, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("rers_core:goodbye")
    assert not User.objects.filter(pk=user.pk).exists()
    member.refresh_from_db()
    assert member.status == Member.Status.WITHDRAWN
    assert member.display_name == "" and member.email == "" and member.user_id is None
    assert not member.listings.exclude(status=Listing.Status.CLOSED).exists()
    assert WithdrawalRecord.objects.filter(network=network, performed_by="self").count() == 1
    assert client.get(reverse("rers_core:goodbye")).status_code == 200
    # Logged out: the member space now asks to log in.
    me = client.get(reverse("rers_core:me", args=[network.slug]))
    assert me.status_code == 302 and me["Location"].startswith(reverse("rers_core:login"))


def test_facilitator_does_the_same_on_a_members_behalf(client, network, facilitator):
    login(client, facilitator)
    response = client.post(
        reverse("rers_core:manage_member_new", args=[network.slug]),
        {
            "display_name": "Dominique",
            "email": "dominique@example.org",
            "presentation": "Rencontré à la permanence.",
        },
    )
    assert response.status_code == 302
    person = Member.objects.get(network=network, display_name="Dominique")
    assert person.status == Member.Status.VISITOR
    assert response["Location"] == reverse(
        "rers_core:manage_member", args=[network.slug, person.pk]
    )
    args = [network.slug, person.pk]

    page = client.get(reverse("rers_core:manage_member", args=args))
    assert page.status_code == 200
    assert "dominique@example.org" in page.content.decode()  # facilitators see contact details

    charter = charter_current(network)
    response = client.post(
        reverse("rers_core:manage_member_charter", args=args),
        {"accept": "on", "charter": charter.pk},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == Member.Status.MEMBER
    acceptance = person.charter_acceptances.get()
    assert acceptance.recorded_by_id == facilitator.user_id

    response = client.post(
        reverse("rers_core:manage_member_consents", args=args),
        {
            "consent_network": ["phone"],
            "consent_scope": "",
        },
    )
    assert response.status_code == 302
    consent = ContactConsent.objects.get(member=person, revoked_at__isnull=True)
    assert (consent.channel, consent.granted_by_id) == ("phone", facilitator.user_id)

    response = client.post(
        reverse("rers_core:manage_member", args=args),
        {
            "display_name": "Dominique",
            "presentation": "Rencontré à la permanence.",
            "email": "dominique@example.org",
            "phone": "06 00 00 00 01",
            "other_link": "",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "06 00 00 00 01"

    response = client.post(
        reverse("rers_core:manage_listing_create", args=args),
        _listing_data(network, title="Réparer un vélo"),
    )
    assert response.status_code == 302
    listing = Listing.objects.get(member=person)
    assert listing.created_by_id == facilitator.user_id

    listing_args = [network.slug, listing.pk]
    response = client.post(
        reverse("rers_core:listing_edit", args=listing_args),
        _listing_data(network, title="Réparer et entretenir un vélo"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("rers_core:manage_member", args=args)
    listing.refresh_from_db()
    assert listing.title == "Réparer et entretenir un vélo"
    client.post(reverse("rers_core:listing_pause", args=listing_args))
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PAUSED
    client.post(reverse("rers_core:listing_reopen", args=listing_args))
    listing.refresh_from_db()
    assert listing.status == Listing.Status.OPEN
    client.post(reverse("rers_core:listing_close", args=listing_args))
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CLOSED

    export = client.get(reverse("rers_core:manage_member_export", args=args))
    assert export.status_code == 200
    assert "attachment" in export["Content-Disposition"]
    data = json.loads(export.content)
    assert data["display_name"] == "Dominique"
    assert data["contact"]["phone"] == "06 00 00 00 01"
    assert data["charter_acceptances"][0]["recorded_by_facilitator"] is True

    user_id = person.user_id
    withdraw_url = reverse("rers_core:manage_member_withdraw", args=args)
    response = client.post(withdraw_url, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("rers_core:manage_members", args=[network.slug])
    person.refresh_from_db()
    assert person.status == Member.Status.WITHDRAWN
    assert not User.objects.filter(pk=user_id).exists()
    record = WithdrawalRecord.objects.get(network=network)
    assert (record.performed_by, record.facilitator_id) == ("facilitator", facilitator.user_id)
    # The facilitator is still logged in and working.
    assert client.get(reverse("rers_core:manage_members", args=[network.slug])).status_code == 200


def test_joining_without_the_charter_keeps_a_discovering_visitor(client, network):
    in_english(client)  # the assertions read English messages
    response = client.post(
        reverse("rers_core:signup"),
        {
            "email": "alex@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    charter = charter_current(network)
    response = client.post(
        reverse("rers_core:join", args=[network.slug]),
        {
            "display_name": "Alex",
            "charter": charter.pk,
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(display_name="Alex")
    assert member.status == Member.Status.VISITOR
    me = client.get(response["Location"], follow=True).content.decode()
    assert "discovering" in me

    # Coming back to "join" leads to the charter, which can be accepted later.
    page = client.get(reverse("rers_core:join", args=[network.slug]), follow=True)
    assert page.redirect_chain[-1][0] == reverse("rers_core:charter", args=[network.slug])
    assert 'name="accept"' in page.content.decode()
    client.post(
        reverse("rers_core:charter", args=[network.slug]), {"accept": "on", "charter": charter.pk}
    )
    member.refresh_from_db()
    assert member.status == Member.Status.MEMBER


def test_withdrawing_from_one_network_keeps_the_account_for_another(client, network, other_network):
    here = MemberFactory(network=network)
    MemberFactory(network=other_network, user=here.user)
    login(client, here)
    response = client.post(reverse("rers_core:withdraw", args=[network.slug]), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("rers_core:home")
    assert User.objects.filter(pk=here.user_id).exists()
    assert client.get(reverse("rers_core:me", args=[other_network.slug])).status_code == 200

"""Who may see and do what in the portal: visitors, outsiders, other networks, anonymous."""

import pytest
from django.urls import reverse

from rers_core.models import ContactConsent, Listing, Member
from rers_core.selectors.networks import charter_current
from rers_core.testing.factories import (
    CoordinatorFactory,
    ListingFactory,
    MemberFactory,
)
from tests.conftest import login


def _listing_data(network, **overrides):
    return {
        "direction": "offer",
        "kind": "knowledge",
        "domain": network.domains.order_by("position").first().pk,
        "title": "Titre",
        "modalities": ["one_to_one"],
        "setting": "in_person",
        "visibility": "network",
        **overrides,
    }


def test_a_visitor_cannot_browse_or_post_until_the_charter_is_accepted(client, network, member):
    visitor = MemberFactory(network=network, status=Member.Status.VISITOR, joined_at=None)
    listing = ListingFactory(member=member, title="Savoir des autres")
    login(client, visitor)

    browse = client.get(reverse("rers_core:listings", args=[network.slug]))
    assert browse.status_code == 403
    content = browse.content.decode()
    assert "Savoir des autres" not in content
    assert reverse("rers_core:charter", args=[network.slug]) in content

    detail = client.get(reverse("rers_core:listing_detail", args=[network.slug, listing.pk]))
    assert detail.status_code == 403
    assert "Savoir des autres" not in detail.content.decode()

    new_url = reverse("rers_core:listing_create", args=[network.slug])
    assert client.get(new_url).status_code == 403
    assert client.post(new_url, _listing_data(network)).status_code == 403
    assert not Listing.objects.filter(member=visitor).exists()

    # Their own space stays open to them.
    assert client.get(reverse("rers_core:me", args=[network.slug])).status_code == 200

    charter = charter_current(network)
    client.post(
        reverse("rers_core:charter", args=[network.slug]), {"accept": "on", "charter": charter.pk}
    )
    assert client.get(reverse("rers_core:listings", args=[network.slug])).status_code == 200


def test_a_facilitator_cannot_post_for_a_visitor_before_the_charter(client, network, facilitator):
    visitor = MemberFactory(network=network, status=Member.Status.VISITOR, joined_at=None)
    login(client, facilitator)
    url = reverse("rers_core:manage_listing_create", args=[network.slug, visitor.pk])
    assert client.post(url, _listing_data(network)).status_code == 403
    assert not Listing.objects.filter(member=visitor).exists()


def test_someone_without_membership_is_sent_to_join(client, network, other_network):
    outsider = MemberFactory(network=other_network)
    login(client, outsider)
    for name in ("me", "consents", "my_listings", "withdraw", "charter", "listing_create"):
        response = client.get(reverse(f"rers_core:{name}", args=[network.slug]))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("rers_core:join", args=[network.slug])


@pytest.fixture
def elsewhere(other_network):
    """A member of the other network, with contact consents and an open listing."""
    person = MemberFactory(network=other_network, display_name="Ailleurs")
    ContactConsent.objects.create(member=person, channel="email", audience="network")
    listing = ListingFactory(member=person, title="Savoir d'ailleurs")
    return person, listing


def _get(client, name, *args):
    return client.get(reverse(f"rers_core:{name}", args=args)).status_code


def _post(client, name, *args, data=None):
    return client.post(reverse(f"rers_core:{name}", args=args), data or {}).status_code


def _assert_unchanged(person, listing):
    person.refresh_from_db()
    listing.refresh_from_db()
    assert person.status == Member.Status.MEMBER
    assert person.display_name == "Ailleurs"
    assert person.role == Member.Role.MEMBER
    assert listing.status == Listing.Status.OPEN
    assert listing.title == "Savoir d'ailleurs"
    assert ContactConsent.objects.filter(member=person, revoked_at__isnull=True).count() == 1


def test_a_member_of_one_network_sees_and_changes_nothing_in_another(
    client, network, other_network, member, elsewhere
):
    person, listing = elsewhere
    login(client, member)
    own, theirs = network.slug, other_network.slug

    assert client.get(reverse("rers_core:listings", args=[theirs])).status_code == 403
    assert (
        client.get(reverse("rers_core:listing_detail", args=[theirs, listing.pk])).status_code
        == 403
    )
    # The other network's ids under my network's slug do not exist.
    assert _get(client, "listing_detail", own, listing.pk) == 404
    for name in ("listing_pause", "listing_close"):
        assert _post(client, name, own, listing.pk) == 404
        assert _post(client, name, theirs, listing.pk) == 404
    for slug in (own, theirs):
        response = client.post(
            reverse("rers_core:listing_edit", args=[slug, listing.pk]),
            _listing_data(other_network, title="Piraté"),
        )
        assert response.status_code == 404
    assert client.get(reverse("rers_core:manage_members", args=[theirs])).status_code == 403
    _assert_unchanged(person, listing)


def test_a_facilitator_of_one_network_cannot_act_in_another(
    client, network, other_network, elsewhere
):
    person, listing = elsewhere
    boss = CoordinatorFactory(network=network)
    login(client, boss)
    own, theirs = network.slug, other_network.slug

    for slug, status in ((own, 404), (theirs, 403)):
        args = [slug, person.pk]
        assert client.get(reverse("rers_core:manage_member", args=args)).status_code == status
        assert (
            client.post(
                reverse("rers_core:manage_member", args=args),
                {
                    "display_name": "Piraté",
                    "email": "x@example.org",
                },
            ).status_code
            == status
        )
        assert (
            client.post(
                reverse("rers_core:manage_member_consents", args=args),
                {
                    "consent_network": [],
                },
            ).status_code
            == status
        )
        assert (
            client.post(
                reverse("rers_core:manage_member_charter", args=args),
                {
                    "accept": "on",
                },
            ).status_code
            == status
        )
        assert _get(client, "manage_member_export", *args) == status
        assert (
            client.post(
                reverse("rers_core:manage_listing_create", args=args), _listing_data(other_network)
            ).status_code
            == status
        )
        assert (
            client.post(
                reverse("rers_core:manage_member_withdraw", args=args),
                {
                    "confirm": "on",
                },
            ).status_code
            == status
        )
        assert (
            client.post(
                reverse("rers_core:manage_member_role", args=args),
                {
                    "role": "facilitator",
                },
            ).status_code
            == status
        )
    assert client.get(reverse("rers_core:manage_members", args=[theirs])).status_code == 403
    assert client.get(reverse("rers_core:manage_member_new", args=[theirs])).status_code == 403
    assert (
        client.post(
            reverse("rers_core:manage_member_new", args=[theirs]),
            {
                "display_name": "Intrus",
            },
        ).status_code
        == 403
    )
    assert not Member.objects.filter(display_name="Intrus").exists()
    assert _post(client, "listing_close", own, listing.pk) == 404
    assert _post(client, "listing_close", theirs, listing.pk) == 404
    _assert_unchanged(person, listing)
    assert Listing.objects.filter(member=person).count() == 1


def test_plain_members_have_no_facilitator_area(client, network, member):
    other = MemberFactory(network=network)
    login(client, member)
    assert client.get(reverse("rers_core:manage_members", args=[network.slug])).status_code == 403
    args = [network.slug, other.pk]
    assert client.get(reverse("rers_core:manage_member", args=args)).status_code == 403
    assert (
        client.post(
            reverse("rers_core:manage_member_withdraw", args=args), {"confirm": "on"}
        ).status_code
        == 403
    )
    other.refresh_from_db()
    assert other.status == Member.Status.MEMBER


def test_a_member_cannot_change_someone_elses_listing(client, network, member):
    listing = ListingFactory(member=MemberFactory(network=network), title="Pas à moi")
    login(client, member)
    args = [network.slug, listing.pk]
    assert client.get(reverse("rers_core:listing_edit", args=args)).status_code == 403
    assert (
        client.post(
            reverse("rers_core:listing_edit", args=args), _listing_data(network, title="Modifié")
        ).status_code
        == 403
    )
    assert client.post(reverse("rers_core:listing_close", args=args)).status_code == 403
    listing.refresh_from_db()
    assert (listing.title, listing.status) == ("Pas à moi", Listing.Status.OPEN)


def test_only_coordinators_assign_roles(client, network, member, facilitator, coordinator):
    url = reverse("rers_core:manage_member_role", args=[network.slug, member.pk])
    login(client, facilitator)
    assert client.post(url, {"role": "facilitator"}).status_code == 403
    member.refresh_from_db()
    assert member.role == Member.Role.MEMBER
    page = client.get(reverse("rers_core:manage_member", args=[network.slug, member.pk]))
    assert url not in page.content.decode()

    login(client, coordinator)
    page = client.get(reverse("rers_core:manage_member", args=[network.slug, member.pk]))
    assert url in page.content.decode()
    assert client.post(url, {"role": "facilitator"}).status_code == 302
    member.refresh_from_db()
    assert member.role == Member.Role.FACILITATOR
    # A refusal from the service becomes a message, not an error page.
    response = client.post(
        reverse("rers_core:manage_member_role", args=[network.slug, coordinator.pk]),
        {"role": "member"},
        follow=True,
    )
    assert response.status_code == 200
    coordinator.refresh_from_db()
    assert coordinator.role == Member.Role.COORDINATOR


@pytest.mark.parametrize(
    "name,args,method",
    [
        ("me", ["souday"], "get"),
        ("consents", ["souday"], "get"),
        ("my_listings", ["souday"], "get"),
        ("listings", ["souday"], "get"),
        ("listing_create", ["souday"], "get"),
        ("withdraw", ["souday"], "get"),
        ("join", ["souday"], "get"),
        ("charter", ["souday"], "get"),
        ("export", [], "get"),
        ("manage_members", ["souday"], "get"),
        ("manage_member_new", ["souday"], "get"),
        ("listing_close", ["souday", 1], "post"),
        ("withdraw", ["souday"], "post"),
    ],
)
def test_anonymous_people_are_asked_to_log_in(client, network, name, args, method):
    url = reverse(f"rers_core:{name}", args=args)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("rers_core:login") + "?next=")


def test_anonymous_people_see_the_network_and_its_charter(client, network):
    page = client.get(reverse("rers_core:network", args=[network.slug]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Chacun sait plus" in content
    assert network.contact_email in content


def test_contact_details_never_appear_when_browsing(client, network, member, facilitator):
    author = MemberFactory(
        network=network,
        display_name="Autrice",
        email="secret-mail@example.org",
        phone="06 99 88 77 66",
        other_link="https://secret-profile.example.org",
    )
    ContactConsent.objects.create(member=author, channel="email", audience="network")
    listing = ListingFactory(member=author, title="Écrire une lettre de motivation")
    secrets = ("secret-mail@example.org", "06 99 88 77 66", "secret-profile.example.org")
    for viewer in (member, facilitator):
        login(client, viewer)
        for url in (
            reverse("rers_core:listings", args=[network.slug]),
            reverse("rers_core:listing_detail", args=[network.slug, listing.pk]),
        ):
            content = client.get(url).content.decode()
            assert "Autrice" in content
            assert "Écrire une lettre de motivation" in content
            for secret in secrets:
                assert secret not in content, (viewer.role, url, secret)

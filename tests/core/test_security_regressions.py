"""Security review: authorization, multi-tenancy, privacy and bad input.

The tests named ``test_defect_*`` demonstrate defects found in the review (they fail until
the code is fixed); the others pin the most important guarantees that already hold.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from rers_core import models as rers_models
from rers_core.models import (
    CalendarToken,
    Connection,
    ContactConsent,
    Event,
    Member,
    Review,
)
from rers_core.selectors.events import occurrence_key
from rers_core.services import connections as connection_services
from rers_core.services import events as event_services
from rers_core.services import exchanges as exchange_services
from rers_core.services.events import calendar_token_for, registration_create
from rers_core.services.members import consent_grant, member_withdraw
from rers_core.testing.factories import (
    FacilitatorFactory,
    ListingFactory,
    MemberFactory,
)
from tests.conftest import login

V1 = "/api/v1"


# --- helpers ---------------------------------------------------------------------------------


def _event(network, **fields) -> Event:
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    return Event.objects.create(
        network=network,
        kind=Event.Kind.DROP_IN,
        title=fields.pop("title", "Permanence"),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        **fields,
    )


def _accepted_connection(network, *, offer_title="Formules du tableur", message=""):
    requester = MemberFactory(network=network, display_name="Camille")
    offerer = MemberFactory(network=network, display_name="Dominique")
    request = ListingFactory(member=requester, direction="request", title="Apprendre Excel")
    offer = ListingFactory(member=offerer, direction="offer", title=offer_title)
    connection = connection_services.connection_propose(
        request=request, offer=offer, acting=requester.user, message=message
    )
    connection = connection_services.connection_answer(
        connection=connection, accept=True, acting=offerer.user
    )
    return connection, requester, offerer


def _no_raise(client):
    """Let the test client answer 500 instead of re-raising, to assert on the status."""
    client.raise_request_exception = False
    return client


# --- Bad input never yields a 500 -------------------------------------------------------------


@pytest.mark.parametrize("rrule", ["", "FREQ=WEEKLY"])
def test_portal_occurrence_key_at_the_end_of_time_is_not_found(client, network, rrule):
    """``/<slug>/calendar/events/<id>/99991231T235959Z/`` overflows in ``occurrence_get``."""
    event = _event(network, rrule=rrule)
    url = reverse("rers_core:occurrence_detail", args=[network.slug, event.pk, "99991231T235959Z"])
    assert _no_raise(client).get(url).status_code == 404


def test_portal_occurrence_key_in_year_one_is_not_found(client, network):
    """A repeating event and a key in year 1 overflow in ``planned_starts`` (start - duration)."""
    event = _event(network, rrule="FREQ=WEEKLY")
    url = reverse("rers_core:occurrence_detail", args=[network.slug, event.pk, "00010101T000000Z"])
    assert _no_raise(client).get(url).status_code == 404


def test_portal_occurrence_actions_with_out_of_range_key_are_not_500(client, network, facilitator):
    event = _event(network)
    login(_no_raise(client), facilitator)
    key = "99991231T235959Z"
    for name in ("occurrence_register", "occurrence_cancel", "occurrence_restore"):
        url = reverse(f"rers_core:{name}", args=[network.slug, event.pk, key])
        assert client.post(url).status_code == 404, name


@pytest.mark.parametrize("name", ["connections", "exchanges"])
def test_huge_member_filter_on_connection_and_exchange_lists_is_not_500(
    client, network, facilitator, name
):
    """``?member=`` is an unbounded IntegerField used in a foreign-key lookup: on SQLite
    the value does not fit an INTEGER and the page crashes (OverflowError)."""
    login(_no_raise(client), facilitator)
    url = reverse(f"rers_core:{name}", args=[network.slug]) + "?member=" + "9" * 25
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("domain", ["²", "①"])
def test_api_listing_with_unicode_digit_domain_is_a_400(network, member, api, domain):
    """``domain_for`` trusts ``str.isdigit()``, which is true for "²" though ``int("²")``
    fails: creating a listing answers 500 instead of a field error."""
    login(api, member)
    response = api.post(
        f"{V1}/networks/{network.slug}/listings/",
        {
            "direction": "offer",
            "kind": "knowledge",
            "domain": domain,
            "title": "Tableur",
            "one_to_one": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "domain" in response.json().get("errors", {})


def test_api_listing_update_with_unicode_digit_domain_is_a_400(network, member, api):
    listing = ListingFactory(member=member)
    login(api, member)
    response = api.patch(
        f"{V1}/networks/{network.slug}/listings/{listing.pk}/", {"domain": "²"}, format="json"
    )
    assert response.status_code == 400


def test_member_feed_with_nul_in_token_is_not_found(client, network):
    """On PostgreSQL a NUL character in the feed token reaches the query and fails (500);
    SQLite answers 404. Run with DATABASE_URL=postgres://... to see it fail."""
    url = f"/{network.slug}/calendar/feed/ab%00cd.ics"
    assert _no_raise(client).get(url).status_code == 404


# --- Privacy ---------------------------------------------------------------------------------


def test_event_page_does_not_name_facilitators_to_the_public(client, network):
    """The API names the facilitators in charge only to people who may browse the network
    (``EventSerializer.get_facilitators``); the portal's event page names them to anyone."""
    facilitator = FacilitatorFactory(network=network, display_name="Sacha Animatrice")
    event = _event(network)
    event.facilitators.add(facilitator)
    url = reverse("rers_core:event_detail", args=[network.slug, event.pk])

    anonymous = client.get(url)
    assert anonymous.status_code == 200
    assert "Sacha Animatrice" not in anonymous.content.decode()

    visitor = MemberFactory(network=network, status=Member.Status.VISITOR, joined_at=None)
    login(client, visitor)
    assert "Sacha Animatrice" not in client.get(url).content.decode()


def test_withdrawal_erases_the_listing_title_copied_into_the_exchange(network):
    """``exchange_from_connection`` copies the offer's title into ``Exchange.title``;
    withdrawal erases the listing's text but leaves this copy (shown to the other
    participant, to facilitators, and in the API)."""
    connection, requester, offerer = _accepted_connection(
        network, offer_title="Les recettes de ma grand-mère Dominique Durand"
    )
    exchange = exchange_services.exchange_from_connection(
        connection=connection, acting=offerer.user
    )
    member_withdraw(member=offerer, acting=offerer.user)
    exchange.refresh_from_db()
    assert "Durand" not in exchange.title


def test_withdrawal_erased_title_is_not_shown_to_the_other_participant(client, network):
    connection, requester, offerer = _accepted_connection(
        network, offer_title="Les recettes de Dominique Durand"
    )
    exchange = exchange_services.exchange_from_connection(
        connection=connection, acting=offerer.user
    )
    member_withdraw(member=offerer, acting=offerer.user)
    login(client, requester)
    page = client.get(reverse("rers_core:exchange_detail", args=[network.slug, exchange.pk]))
    assert page.status_code == 200
    assert "Durand" not in page.content.decode()


# --- Roles -----------------------------------------------------------------------------------


def test_facilitator_cannot_remove_the_only_coordinator(network, facilitator, coordinator, api):
    """``member_withdraw`` only asks ``can_act_for``: a facilitator can withdraw the
    network's only coordinator (erasing them and deleting their account), which strips the
    coordinator role without ``member_assign_role``'s coordinator-only check and leaves the
    network with no coordinator."""
    login(api, facilitator)
    response = api.post(
        f"{V1}/networks/{network.slug}/members/{coordinator.pk}/withdraw/",
        {"confirm": True},
        format="json",
    )
    assert response.status_code in (400, 403)
    coordinator.refresh_from_db()
    assert coordinator.status == Member.Status.MEMBER
    assert (
        network.members.filter(role=Member.Role.COORDINATOR)
        .exclude(status=Member.Status.WITHDRAWN)
        .exists()
    )


# --- Guarantees that hold (regression tests) -------------------------------------------------


def test_member_feed_is_scoped_to_its_network_and_dies_with_withdrawal(
    client, network, other_network, member
):
    token = calendar_token_for(member).token
    own = reverse("rers_core:member_feed", args=[network.slug, token])
    foreign = reverse("rers_core:member_feed", args=[other_network.slug, token])
    assert client.get(own).status_code == 200
    assert client.get(foreign).status_code == 404
    member_withdraw(member=member, acting=member.user)
    assert client.get(own).status_code == 404
    assert not CalendarToken.objects.filter(token=token).exists()


def test_contact_card_only_for_the_two_people_after_both_accepted(network, api):
    requester = MemberFactory(network=network, email="camille@example.org", phone="0601")
    offerer = MemberFactory(network=network, email="dominique@example.org", phone="0602")
    consent_grant(
        member=offerer,
        channel=ContactConsent.Channel.EMAIL,
        audience=ContactConsent.Audience.NETWORK,
        acting=offerer.user,
    )
    request = ListingFactory(member=requester, direction="request")
    offer = ListingFactory(member=offerer, direction="offer")
    connection = connection_services.connection_propose(
        request=request, offer=offer, acting=requester.user
    )
    url = f"{V1}/networks/{network.slug}/connections/{connection.pk}/"

    login(api, requester)
    assert api.get(url).json()["contact"] is None

    connection_services.connection_answer(connection=connection, accept=True, acting=offerer.user)
    card = api.get(url).json()["contact"]
    assert card["email"] == "dominique@example.org"
    assert card["phone"] == ""  # no consent for the phone

    third = MemberFactory(network=network)
    login(api, third)
    response = api.get(url)
    assert response.status_code == 404
    assert "dominique@example.org" not in response.content.decode()


def test_other_networks_objects_are_not_found_through_the_api(network, other_network, api):
    facilitator = FacilitatorFactory(network=network)
    connection, requester, _offerer = _accepted_connection(other_network)
    exchange = exchange_services.exchange_from_connection(
        connection=connection, acting=requester.user
    )
    login(api, facilitator)
    base = f"{V1}/networks/{network.slug}"
    for path in (
        f"members/{requester.pk}/",
        f"members/{requester.pk}/export/",
        f"members/{requester.pk}/consents/",
        f"connections/{connection.pk}/",
        f"exchanges/{exchange.pk}/",
        f"listings/{connection.offer_id}/",
    ):
        response = api.get(f"{base}/{path}")
        assert response.status_code == 404, path
        assert requester.email not in response.content.decode()


def test_reviews_are_for_facilitators_only(client, network, facilitator, api):
    connection, requester, offerer = _accepted_connection(network)
    exchange = exchange_services.exchange_from_connection(
        connection=connection, acting=offerer.user
    )
    exchange_services.agreement_update(exchange=exchange, acting=offerer.user, content="Excel")
    exchange_services.agreement_confirm(exchange=exchange, acting=offerer.user)
    exchange_services.agreement_confirm(exchange=exchange, acting=requester.user)
    exchange_services.exchange_complete(exchange=exchange, acting=offerer.user)
    exchange_services.review_submit(
        exchange=exchange, acting=offerer.user, interest="Confidentiel pour les animateurs"
    )

    login(api, requester)
    detail = api.get(f"{V1}/networks/{network.slug}/exchanges/{exchange.pk}/").json()
    assert detail["reviews"] is None
    assert "Confidentiel" not in str(detail)
    assert api.get(f"{V1}/networks/{network.slug}/reviews/").status_code == 403

    login(client, requester)
    assert client.get(reverse("rers_core:manage_reviews", args=[network.slug])).status_code == 403
    review_page = client.get(
        reverse("rers_core:exchange_review", args=[network.slug, exchange.pk])
        + f"?member={offerer.pk}"
    )
    assert "Confidentiel" not in review_page.content.decode()

    login(api, facilitator)
    detail = api.get(f"{V1}/networks/{network.slug}/exchanges/{exchange.pk}/").json()
    assert "Confidentiel" in str(detail["reviews"])


def test_unpublished_testimonies_never_appear_publicly(client, network, member, api):
    event_services.testimony_record(
        network=network, author=member, text="Mes mots privés", acting=member.user
    )
    assert (
        "Mes mots privés"
        not in client.get(reverse("rers_core:testimonies", args=[network.slug])).content.decode()
    )
    response = api.get(f"{V1}/networks/{network.slug}/testimonies/")
    assert "Mes mots privés" not in response.content.decode()
    assert api.get(f"{V1}/networks/{network.slug}/testimonies/?all=true").status_code == 403


def test_withdrawal_erases_personal_data_everywhere(network, facilitator):
    connection, requester, offerer = _accepted_connection(network, message="Appelez-moi le mardi")
    consent_grant(
        member=offerer,
        channel=ContactConsent.Channel.PHONE,
        audience=ContactConsent.Audience.NETWORK,
        scope="emplois hospitaliers",
        acting=offerer.user,
    )
    exchange = exchange_services.exchange_from_connection(
        connection=connection, acting=offerer.user
    )
    exchange_services.agreement_update(exchange=exchange, acting=offerer.user, content="Excel")
    exchange_services.agreement_confirm(exchange=exchange, acting=offerer.user)
    exchange_services.agreement_confirm(exchange=exchange, acting=requester.user)
    exchange_services.exchange_complete(exchange=exchange, acting=offerer.user)
    exchange_services.review_submit(exchange=exchange, acting=offerer.user, interest="Bien")
    event_services.testimony_record(
        network=network,
        author=offerer,
        text="Mon témoignage",
        acting=offerer.user,
        publication=rers_models.Testimony.Publication.ANONYMOUS,
    )
    event = _event(network)
    registration_create(
        event=event, original_start=event.starts_at, member=offerer, acting=offerer.user
    )
    calendar_token_for(offerer)
    user_id = offerer.user_id

    member_withdraw(member=offerer, acting=offerer.user)

    offerer.refresh_from_db()
    assert offerer.status == Member.Status.WITHDRAWN
    assert (
        offerer.display_name,
        offerer.presentation,
        offerer.email,
        offerer.phone,
        offerer.other_link,
    ) == ("", "", "", "", "")
    assert not ContactConsent.objects.filter(member=offerer).exclude(scope="").exists()
    assert not ContactConsent.objects.filter(member=offerer, revoked_at__isnull=True).exists()
    assert not offerer.listings.exclude(title="", description="").exists()
    assert Connection.objects.get(pk=connection.pk).message == ""
    review = Review.objects.get(exchange=exchange, member=offerer)
    assert (review.interest, review.obstacles, review.helpers, review.next_steps) == (
        "",
        "",
        "",
        "",
    )
    assert not rers_models.Testimony.objects.filter(author=offerer).exists()
    assert not offerer.registrations.filter(status__in=["confirmed", "waitlisted"]).exists()
    assert not CalendarToken.objects.filter(member=offerer).exists()
    assert not get_user_model().objects.filter(pk=user_id).exists()


def test_a_visitor_sees_only_their_own_data(network, member, api):
    visitor = MemberFactory(network=network, status=Member.Status.VISITOR, joined_at=None)
    listing = ListingFactory(member=member, title="Savoir d'un membre")
    login(api, visitor)
    base = f"{V1}/networks/{network.slug}"
    assert api.get(f"{base}/listings/{listing.pk}/").status_code == 404
    assert "Savoir d'un membre" not in api.get(f"{base}/listings/").content.decode()
    assert api.get(f"{base}/members/").status_code == 403
    assert api.get(f"{base}/members/{member.pk}/").status_code == 403


def test_ics_feed_of_occurrence_key_is_stable(client, network):
    """The network's public feed and an occurrence page agree on the occurrence key."""
    event = _event(network)
    assert client.get(reverse("rers_core:network_feed", args=[network.slug])).status_code == 200
    url = reverse(
        "rers_core:occurrence_detail",
        args=[network.slug, event.pk, occurrence_key(event.starts_at)],
    )
    assert client.get(url).status_code == 200

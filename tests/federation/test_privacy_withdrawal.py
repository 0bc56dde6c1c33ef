"""A member who leaves their network leaves nothing of themselves in the activities stored
on either side: the words of their shared listings, and their name at the organiser of a
neighbour's event, whatever became of that registration."""

import importlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from rers_core.models import ContactConsent, Event, Listing, Registration
from rers_core.services import events as core_events
from rers_core.services import listings as core_listings
from rers_core.services.members import member_withdraw
from rers_core.testing.factories import CoordinatorFactory, MemberFactory
from rers_federation.models import InboxActivity, MirroredObject, OutboxActivity
from rers_federation.selectors import outbox_log
from rers_federation.services import calendar, inbox
from rers_federation.services.catalogue import listing_uri

TEXT = "Je suis au 12 rue des Lilas, demandez Josiane"


def stored(model, network) -> str:
    payloads = model.objects.filter(network=network).values_list("payload", flat=True)
    return json.dumps(list(payloads), ensure_ascii=False)


@pytest.fixture
def author(network):
    return MemberFactory(network=network, display_name="Odile")


@pytest.fixture
def shared(run, active_peer, author):
    """A federated offer, edited once: a Create and an Update carry its words."""
    listing = run(
        core_listings.listing_create,
        member=author,
        acting=author.user,
        direction=Listing.Direction.OFFER,
        kind=Listing.Kind.KNOW_HOW,
        domain=author.network.domains.order_by("position").first(),
        title="Tricoter une écharpe",
        description="Premiers rangs ensemble.",
        visibility=Listing.Visibility.FEDERATED,
    )
    run(core_listings.listing_update, listing=listing, acting=author.user, description=TEXT)
    return listing


def test_a_withdrawal_erases_the_listings_words_from_both_activity_logs(
    run, network, other_network, active_peer, author, shared
):
    assert TEXT in stored(OutboxActivity, network)
    assert TEXT in stored(InboxActivity, other_network)
    run(member_withdraw, member=author, acting=author.user)
    for text in (TEXT, "Tricoter"):
        assert text not in stored(OutboxActivity, network)
        assert text not in stored(InboxActivity, other_network)
    assert not Listing.objects.filter(network=other_network, origin_uri=listing_uri(shared))


def test_a_peer_pulling_our_log_from_the_start_reads_only_a_withdrawn_listing(
    run, network, other_network, active_peer, author, shared
):
    run(member_withdraw, member=author, acting=author.user)
    log = [activity for _cursor, activity in outbox_log(network, active_peer, after=0, limit=100)]
    about = [a for a in log if a["object"]["id"] == listing_uri(shared)]
    assert [a["type"] for a in about] == ["Create", "Update", "Delete"]
    for activity in about[:2]:
        assert activity["object"]["withdrawn"] is True
        assert "name" not in activity["object"] and "content" not in activity["object"]
    # The earlier entries still apply as they are (no copy, rather than a malformed entry
    # refused): as for a peer reading them for the first time.
    theirs = other_network.peers.get()
    InboxActivity.objects.filter(network=other_network).delete()
    MirroredObject.objects.filter(network=other_network, uri=listing_uri(shared)).delete()
    for activity in about:
        assert inbox.receive(network=other_network, peer=theirs, activity=activity)
    mirror = MirroredObject.objects.get(network=other_network, uri=listing_uri(shared))
    assert mirror.listing is None and mirror.deleted_at is not None


def test_closing_a_shared_listing_erases_its_words_from_the_logs_too(
    run, network, other_network, active_peer, author, shared
):
    run(core_listings.listing_close, listing=shared, acting=author.user)
    assert TEXT not in stored(OutboxActivity, network)
    assert TEXT not in stored(InboxActivity, other_network)


# --- registrations for a neighbour's event ----------------------------------------------


@pytest.fixture
def neighbour(other_network):
    person = MemberFactory(network=other_network, display_name="Nadia")
    ContactConsent.objects.create(
        member=person, channel="email", audience=ContactConsent.Audience.FEDERATED
    )
    return person


def organise(run, network, **fields):
    organiser = CoordinatorFactory(network=network)
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    event = run(
        core_events.event_create,
        network=network,
        acting=organiser.user,
        kind=Event.Kind.DROP_IN,
        title="Permanence",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        visibility=Event.Visibility.FEDERATED,
        **fields,
    )
    return organiser, event


def register(run, other_network, event, neighbour):
    copy = Event.objects.get(network=other_network, origin_uri=calendar.event_uri(event))
    if not copy.registration_open:  # registered before the organiser's news arrived
        Event.objects.filter(pk=copy.pk).update(registration_open=True)
    return run(
        core_events.registration_create,
        event=copy,
        original_start=copy.starts_at,
        member=neighbour,
        acting=neighbour.user,
    )


@pytest.mark.parametrize("outcome", ["refused", "cancelled by the organiser"])
def test_the_organiser_forgets_a_withdrawn_members_name_whatever_became_of_it(
    run, network, other_network, active_peer, neighbour, outcome
):
    refused = outcome == "refused"
    organiser, event = organise(run, network, **({"registration_open": False} if refused else {}))
    ours = register(run, other_network, event, neighbour)
    at_organiser = Registration.objects.get(event=event)
    assert at_organiser.remote_name == "Nadia"
    if not refused:
        run(core_events.registration_cancel, registration=at_organiser, acting=organiser.user)
    ours.refresh_from_db()
    assert ours.status == (
        Registration.Status.REFUSED if refused else Registration.Status.CANCELLED
    )

    run(member_withdraw, member=neighbour, acting=neighbour.user)

    at_organiser.refresh_from_db()
    assert at_organiser.remote_name == ""
    assert "Nadia" not in stored(InboxActivity, network)
    assert "Nadia" not in stored(OutboxActivity, other_network)


def test_a_seat_given_up_before_leaving_is_left_once(
    run, network, other_network, active_peer, neighbour
):
    _organiser, event = organise(run, network)
    ours = register(run, other_network, event, neighbour)
    run(core_events.registration_cancel, registration=ours, acting=neighbour.user)
    run(member_withdraw, member=neighbour, acting=neighbour.user)
    leaves = OutboxActivity.objects.filter(network=other_network, type="Leave")
    assert leaves.count() == 1
    assert Registration.objects.get(event=event).remote_name == ""


def test_texts_of_listings_deleted_before_the_logs_forgot_them_are_forgotten_on_upgrade(
    run, network, other_network, active_peer, author, shared
):
    """Migration rers_federation 0006, on the copies a withdrawal left before this rule."""
    from django.apps import apps

    forget = importlib.import_module(
        "rers_federation.migrations.0006_forget_old_listing_texts"
    ).forget_old_listing_texts
    kept = run(
        core_listings.listing_create,
        member=MemberFactory(network=network),
        acting=None,
        direction=Listing.Direction.OFFER,
        kind=Listing.Kind.KNOW_HOW,
        domain=network.domains.order_by("position").first(),
        title="Réparer un vélo",
        visibility=Listing.Visibility.FEDERATED,
    )
    run(member_withdraw, member=author, acting=author.user)
    # As a withdrawal left them before: the words still in both logs.
    for model, net in ((OutboxActivity, network), (InboxActivity, other_network)):
        for row in model.objects.filter(network=net, type__in=["Create", "Update"]):
            obj = row.payload["object"]
            if obj.get("id") == listing_uri(shared):
                obj = {k: v for k, v in obj.items() if k != "withdrawn"}
                row.payload = {**row.payload, "object": {**obj, "name": "T", "content": TEXT}}
                row.save()
        assert TEXT in stored(model, net)

    forget(apps, None)

    for model, net in ((OutboxActivity, network), (InboxActivity, other_network)):
        assert TEXT not in stored(model, net)
        assert "Réparer un vélo" in stored(model, net)  # a listing still shared keeps its words
    assert kept.title == "Réparer un vélo"

"""Shared calendars and cross-network registrations between two networks of the test site,
the requests going through the in-process transport (real inbox, real signatures)."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from rers_core.errors import DomainError, NotAllowed
from rers_core.models import ContactConsent, Event, EventException, Registration
from rers_core.services import events as core
from rers_core.testing.factories import (
    CoordinatorFactory,
    FacilitatorFactory,
    MemberFactory,
    NetworkFactory,
)
from rers_federation.models import Delivery, InboxActivity, MirroredObject, OutboxActivity, Peer
from rers_federation.services import calendar, peering
from rers_federation.services.inbox import ActivityRefused, receive
from rers_federation.services.pull import pull_peer
from rers_federation.testing import InProcessTransport


@pytest.fixture
def organiser(active_peer, network):
    """A coordinator of the organising network (ours, peered with the other network)."""
    return CoordinatorFactory(network=network)


def their_copy(other_network, event):
    return Event.objects.filter(network=other_network, origin_uri=calendar.event_uri(event)).first()


def schedule(run, organiser, **fields):
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    values = {
        "kind": Event.Kind.DROP_IN,
        "title": "Permanence du lundi",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "visibility": Event.Visibility.FEDERATED,
        **fields,
    }
    return run(core.event_create, network=organiser.network, acting=organiser.user, **values)


def test_a_federated_event_appears_at_the_peer_with_its_organiser(
    run, organiser, network, other_network
):
    event = schedule(run, organiser, rrule="FREQ=WEEKLY", capacity=12)
    copy = their_copy(other_network, event)
    assert copy is not None and copy.is_mirrored
    assert (copy.title, copy.rrule, copy.capacity) == (event.title, "FREQ=WEEKLY", 12)
    assert copy.origin_name == network.name
    assert copy.origin_timezone == "Europe/Paris"
    # Both test networks sit in Le Havre.
    assert copy.origin_distance_km == 0
    assert copy.visibility == Event.Visibility.NETWORK


def test_an_event_kept_to_the_network_is_not_published(run, organiser, other_network):
    event = schedule(run, organiser, visibility=Event.Visibility.NETWORK)
    assert their_copy(other_network, event) is None
    assert not OutboxActivity.objects.filter(object_uri=calendar.event_uri(event)).exists()


def test_changes_cancellations_and_occurrence_exceptions_follow(run, organiser, other_network):
    event = schedule(run, organiser, rrule="FREQ=WEEKLY")
    run(core.event_update, event=event, acting=organiser.user, title="Permanence déplacée")
    second = event.starts_at + timedelta(weeks=1)
    run(core.occurrence_cancel, event=event, original_start=second, acting=organiser.user)
    copy = their_copy(other_network, event)
    assert copy.title == "Permanence déplacée"
    assert EventException.objects.get(event=copy).original_start == second
    run(core.event_cancel, event=event, acting=organiser.user)
    assert their_copy(other_network, event).cancelled_at is not None
    assert list(
        OutboxActivity.objects.filter(object_uri=calendar.event_uri(event)).values_list(
            "type", flat=True
        )
    ) == ["Create", "Update", "Update", "Update"]


def test_co_organised_is_for_coordinators_and_shows_on_both_sides(
    run, organiser, network, other_network
):
    facilitator = FacilitatorFactory(network=network)
    with pytest.raises(NotAllowed):
        schedule(run, facilitator, co_organised=True)
    event = schedule(run, organiser, co_organised=True)
    assert event.co_organised and their_copy(other_network, event).co_organised


def test_only_the_organiser_changes_a_mirrored_event(run, organiser, other_network):
    copy = their_copy(other_network, schedule(run, organiser))
    theirs = CoordinatorFactory(network=other_network)
    with pytest.raises(NotAllowed):
        core.event_update(event=copy, acting=theirs.user, title="Autre")
    with pytest.raises(NotAllowed):
        core.event_cancel(event=copy, acting=theirs.user)


def test_unsharing_removes_the_copies_and_sharing_again_brings_them_back(
    run, organiser, other_network
):
    event = schedule(run, organiser)
    run(core.event_update, event=event, acting=organiser.user, visibility="network")
    assert their_copy(other_network, event) is None
    run(core.event_update, event=event, acting=organiser.user, title="Rouvert")
    assert their_copy(other_network, event) is None
    run(core.event_update, event=event, acting=organiser.user, visibility="federated")
    assert their_copy(other_network, event).title == "Rouvert"
    assert list(
        OutboxActivity.objects.filter(object_uri=calendar.event_uri(event)).values_list(
            "type", flat=True
        )
    ) == ["Create", "Update", "Update"]


def test_a_delete_leaves_a_tombstone_that_refuses_a_late_create(run, organiser, other_network):
    event = schedule(run, organiser)
    create = OutboxActivity.objects.get(type="Create").payload
    peer = Peer.objects.get(network=other_network)
    delete = {
        **create,
        "id": create["id"] + "-delete",
        "type": "Delete",
        "object": {"type": "Tombstone", "id": create["object"]["id"]},
    }
    assert receive(network=other_network, peer=peer, activity=delete) is True
    assert their_copy(other_network, event) is None
    assert MirroredObject.objects.get(uri=calendar.event_uri(event)).deleted_at is not None
    late = {**create, "id": create["id"] + "-late"}
    with pytest.raises(ActivityRefused) as refused:
        receive(network=other_network, peer=peer, activity=late)
    assert refused.value.status == 410
    assert their_copy(other_network, event) is None


def test_an_older_version_never_overwrites_a_newer_one(run, organiser, other_network):
    event = schedule(run, organiser)
    first = OutboxActivity.objects.get(type="Create").payload
    run(core.event_update, event=event, acting=organiser.user, title="Nouveau titre")
    peer = Peer.objects.get(network=other_network)
    stale = {**first, "id": first["id"] + "-again", "type": "Update"}
    assert receive(network=other_network, peer=peer, activity=stale) is True
    assert their_copy(other_network, event).title == "Nouveau titre"


def test_deliveries_out_of_order_and_twice_converge(run, organiser, network, other_network):
    peer = Peer.objects.get(network=other_network)
    with pytest.MonkeyPatch.context() as patch:
        # Keep the deliveries from leaving, to hand them over in reverse order.
        patch.setattr("rers_federation.tasks.deliver.delay", lambda pk: None)
        event = schedule(run, organiser)
        run(core.event_update, event=event, acting=organiser.user, title="Deuxième version")
        run(core.event_update, event=event, acting=organiser.user, title="Troisième version")
    activities = list(
        OutboxActivity.objects.filter(object_uri=calendar.event_uri(event)).order_by("-id")
    )
    for record in activities + activities:
        receive(network=other_network, peer=peer, activity=record.payload)
    assert Event.objects.filter(network=other_network).count() == 1
    assert their_copy(other_network, event).title == "Troisième version"
    assert InboxActivity.objects.filter(network=other_network).exclude(type="Follow").count() == 3


def test_a_failure_while_applying_keeps_nothing_and_the_retry_applies(
    run, organiser, network, other_network, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(calendar, "event_receive", broken)
    event = schedule(run, organiser)
    delivery = Delivery.objects.get(activity__type="Create")
    assert (delivery.status, delivery.last_status) == ("pending", 503)
    assert their_copy(other_network, event) is None
    monkeypatch.undo()
    from rers_federation.services.delivery import attempt

    assert attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at) == "delivered"
    assert their_copy(other_network, event) is not None


def test_malformed_events_are_refused_with_a_reason(run, organiser, other_network):
    schedule(run, organiser)
    create = OutboxActivity.objects.get(type="Create").payload
    peer = Peer.objects.get(network=other_network)
    broken = {**create, "id": create["id"] + "-broken"}
    broken["object"] = {**create["object"], "id": create["object"]["id"] + "x", "rrule": "NOPE"}
    with pytest.raises(ActivityRefused) as refused:
        receive(network=other_network, peer=peer, activity=broken)
    assert refused.value.status == 400 and "rule" in str(refused.value)
    foreign = {**create, "id": create["id"] + "-foreign"}
    foreign["object"] = {**create["object"], "id": "http://elsewhere.example/events/1"}
    with pytest.raises(ActivityRefused):
        receive(network=other_network, peer=peer, activity=foreign)


# --- cross-network registrations ------------------------------------------------------


@pytest.fixture
def neighbour(other_network):
    return MemberFactory(network=other_network, display_name="Nadia")


def register(run, copy, person):
    return run(
        core.registration_create,
        event=copy,
        original_start=copy.starts_at,
        member=person,
        acting=person.user,
    )


def test_a_neighbour_registers_and_gets_the_organisers_answer(
    run, organiser, network, other_network, neighbour
):
    event = schedule(run, organiser, capacity=5)
    registration = register(run, their_copy(other_network, event), neighbour)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    remote = Registration.objects.get(event=event)
    assert remote.member is None
    assert remote.remote_network_name == other_network.name
    assert remote.remote_uri == calendar.registration_uri(registration)
    # No consent to neighbouring networks: the organiser does not get the name.
    assert remote.remote_name == "" and remote.participant_name.endswith(other_network.name)
    assert [m.to for m in mail.outbox] == [[neighbour.email]]


def test_the_name_travels_only_with_consent(run, organiser, other_network, neighbour):
    ContactConsent.objects.create(
        member=neighbour,
        channel=ContactConsent.Channel.EMAIL,
        audience=ContactConsent.Audience.FEDERATED,
    )
    event = schedule(run, organiser)
    register(run, their_copy(other_network, event), neighbour)
    assert Registration.objects.get(event=event).remote_name == "Nadia"


def test_the_organiser_decides_seats_waiting_list_and_promotion(
    run, organiser, network, other_network, neighbour
):
    event = schedule(run, organiser, capacity=1)
    copy = their_copy(other_network, event)
    second = MemberFactory(network=other_network)
    first_registration = register(run, copy, neighbour)
    second_registration = register(run, copy, second)
    second_registration.refresh_from_db()
    assert second_registration.status == Registration.Status.WAITLISTED
    run(core.registration_cancel, registration=first_registration, acting=neighbour.user)
    second_registration.refresh_from_db()
    assert second_registration.status == Registration.Status.CONFIRMED
    on_their_side = Registration.objects.filter(event=event)
    assert sorted(on_their_side.values_list("status", flat=True)) == ["cancelled", "confirmed"]


def test_the_organiser_cancelling_a_remote_participant_tells_their_network(
    run, organiser, other_network, neighbour
):
    event = schedule(run, organiser)
    registration = register(run, their_copy(other_network, event), neighbour)
    remote = Registration.objects.get(event=event)
    run(core.registration_cancel, registration=remote, acting=organiser.user)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_registration_for_a_closed_event_is_refused_by_the_organiser(
    run, organiser, other_network, neighbour
):
    event = schedule(run, organiser, registration_open=False)
    copy = their_copy(other_network, event)
    copy.registration_open = True  # an outdated copy: the organiser still decides
    copy.save()
    registration = register(run, copy, neighbour)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REFUSED


def test_no_registration_when_the_peering_is_suspended(run, organiser, other_network, neighbour):
    event = schedule(run, organiser)
    peer = Peer.objects.get(network=other_network)
    run(peering.peer_suspend, peer=peer, acting=CoordinatorFactory(network=other_network).user)
    with pytest.raises(DomainError):
        register(run, their_copy(other_network, event), neighbour)


# --- pull repair ------------------------------------------------------------------------


def test_a_peer_that_missed_pushes_catches_up_by_pulling(
    run, organiser, network, other_network, monkeypatch
):
    monkeypatch.setattr("rers_federation.tasks.deliver.delay", lambda pk: None)
    events = [schedule(run, organiser, title=f"Atelier {n}") for n in range(3)]
    run(core.event_update, event=events[0], acting=organiser.user, visibility="network")
    peer = Peer.objects.get(network=other_network)
    assert pull_peer(peer_id=peer.pk) == 4  # three Creates, one withdrawal
    assert set(Event.objects.filter(network=other_network).values_list("title", flat=True)) == {
        "Atelier 1",
        "Atelier 2",
    }
    peer.refresh_from_db()
    assert peer.last_pull_at is not None and peer.pull_cursor and not peer.last_pull_error
    assert pull_peer(peer_id=peer.pk) == 0


def test_the_log_is_for_active_peers_only_and_signed(run, organiser, network, other_network):
    from django.test import Client

    schedule(run, organiser)
    assert Client().get("/federation/souday/outbox/").status_code == 401
    outsider = NetworkFactory(slug="loin")
    outsider_peer = Peer.objects.create(
        network=outsider,
        document_url="http://testserver/federation/souday/",
        name="x",
        inbox_url="http://testserver/federation/souday/inbox/",
        outbox_url="http://testserver/federation/souday/outbox/",
        fingerprint="x",
        status=Peer.Status.ACTIVE,
    )
    pull_peer(peer_id=outsider_peer.pk)
    outsider_peer.refresh_from_db()
    assert "401" in outsider_peer.last_pull_error
    assert not Event.objects.filter(network=outsider).exists()


def test_the_log_holds_only_what_the_peer_may_see(run, organiser, network, other_network):
    schedule(run, organiser)
    stranger = Peer.objects.create(
        network=network,
        document_url="http://testserver/federation/troisieme/",
        name="Troisième",
        inbox_url="http://testserver/federation/troisieme/inbox/",
        fingerprint="x",
        status=Peer.Status.ACTIVE,
    )
    calendar._answer(
        network,
        stranger,
        "http://testserver/federation/troisieme/registrations/1",
        "http://testserver/federation/souday/events/x",
        timezone.now(),
        "refused",
    )
    peer = Peer.objects.get(network=other_network)
    from rers_federation.selectors import outbox_log

    seen = [payload["type"] for _cursor, payload in outbox_log(network, peer, after=0, limit=50)]
    assert seen == ["Create"]


# --- ending the peering -------------------------------------------------------------------


def test_ending_the_peering_removes_what_was_mirrored(
    run, organiser, network, other_network, neighbour
):
    ours = schedule(run, organiser, capacity=1)
    register(run, their_copy(other_network, ours), neighbour)
    waiting = MemberFactory(network=network)
    local = run(
        core.registration_create,
        event=ours,
        original_start=ours.starts_at,
        member=waiting,
        acting=waiting.user,
    )
    assert local.status == Registration.Status.WAITLISTED
    peer_at_theirs = Peer.objects.get(network=other_network)
    run(
        peering.peer_end,
        peer=peer_at_theirs,
        acting=CoordinatorFactory(network=other_network).user,
    )
    assert not Event.objects.filter(network=other_network).exists()
    assert not MirroredObject.objects.filter(network=other_network).exists()
    assert not InboxActivity.objects.filter(network=other_network).exists()
    # Our side heard the Undo: their participant's seat went to the person waiting.
    assert not Registration.objects.filter(event=ours, member__isnull=True).exists()
    local.refresh_from_db()
    assert local.status == Registration.Status.CONFIRMED
    assert Peer.objects.get(network=network).status == Peer.Status.ENDED
    assert InProcessTransport.sent


def test_a_seat_given_up_during_a_suspension_is_freed_after_it(
    run, organiser, network, other_network, neighbour
):
    event = schedule(run, organiser)
    registration = register(run, their_copy(other_network, event), neighbour)
    peer_at_theirs = Peer.objects.get(network=other_network)
    their_coordinator = CoordinatorFactory(network=other_network)
    run(peering.peer_suspend, peer=peer_at_theirs, acting=their_coordinator.user)
    run(core.registration_cancel, registration=registration, acting=neighbour.user)
    assert Registration.objects.get(event=event).status == Registration.Status.CONFIRMED
    run(peering.peer_resume, peer=peer_at_theirs, acting=their_coordinator.user)
    pull_peer(peer_id=Peer.objects.get(network=network).pk)
    assert Registration.objects.get(event=event).status == Registration.Status.CANCELLED


def test_a_neighbour_who_withdraws_frees_the_seat_and_their_name_is_forgotten(
    run, organiser, other_network, neighbour
):
    from rers_core.services.members import member_withdraw

    ContactConsent.objects.create(
        member=neighbour,
        channel=ContactConsent.Channel.EMAIL,
        audience=ContactConsent.Audience.FEDERATED,
    )
    event = schedule(run, organiser)
    register(run, their_copy(other_network, event), neighbour)
    assert Registration.objects.get(event=event).remote_name == "Nadia"
    run(member_withdraw, member=neighbour, acting=neighbour.user)
    remote = Registration.objects.get(event=event)
    assert (remote.status, remote.remote_name) == (Registration.Status.CANCELLED, "")
    # Neither the Join we received nor the one in their log still carries the name.
    assert "Nadia" not in json.dumps(list(InboxActivity.objects.values_list("payload", flat=True)))
    assert "Nadia" not in json.dumps(list(OutboxActivity.objects.values_list("payload", flat=True)))


def test_a_pull_that_fails_to_apply_keeps_its_place_and_catches_up_later(
    run, organiser, other_network, monkeypatch
):
    monkeypatch.setattr("rers_federation.tasks.deliver.delay", lambda pk: None)
    schedule(run, organiser, title="Atelier pain")
    peer = Peer.objects.get(network=other_network)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(calendar, "event_receive", broken)
        assert pull_peer(peer_id=peer.pk) == 0
    peer.refresh_from_db()
    assert "disk full" in peer.last_pull_error and peer.pull_cursor == ""
    assert pull_peer(peer_id=peer.pk) == 1
    assert Event.objects.get(network=other_network).title == "Atelier pain"


def test_a_peer_that_renames_or_moves_relabels_our_copies(run, organiser, network, other_network):
    from rers_core.services.networks import network_update

    event = schedule(run, organiser)
    run(
        network_update,
        network=network,
        acting=organiser.user,
        name="RERS du Havre-Sud",
        latitude="49.20",
    )
    copy = their_copy(other_network, event)
    assert copy.origin_name == "RERS du Havre-Sud"
    assert copy.origin_distance_km == 33

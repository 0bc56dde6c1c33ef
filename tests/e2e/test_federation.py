"""End to end: three real instances peer through their coordinators' pages, share events
and registrations, and converge despite a stopped instance, a worker killed while
delivering, duplicates and activities arriving out of order; a member who withdraws leaves
no trace with the neighbours.

The tests run in this order on the same three instances; the ledger records what each
network published, and the last test checks that every instance holds exactly that.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.client import Person
from tests.e2e.conftest import PAIRS
from tests.e2e.harness import REPO, Account, Instance, eventually

pytestmark = pytest.mark.e2e

REPLAY = REPO / "tests" / "e2e" / "replay.py"
# Every event starts at 13:00 UTC some days from now.
FIRST_DAY = datetime.now(UTC).replace(hour=13, minute=0, second=0, microsecond=0) + timedelta(14)
ACTIVE_REGISTRATION = {"requested", "confirmed", "waitlisted"}


class Ledger:
    """What the networks published: what every instance must hold in the end."""

    def __init__(self, instances: dict[str, Instance]) -> None:
        self.instances = instances
        # (organiser, title) → {"federated": bool, "cancelled": bool}
        self.events: dict[tuple[str, str], dict[str, bool]] = {}
        # (organiser, title, participant's instance) → status at the organiser
        self.registrations: dict[tuple[str, str, str], str] = {}
        self.occurrences: dict[tuple[str, str], tuple[int, str]] = {}  # → (event id, key)

    def origin(self, event: dict[str, Any], holder: Instance) -> str:
        """Which instance organises an event as ``holder`` lists it."""
        if not event.get("origin_uri"):
            return holder.name
        by_name = {i.network_name: name for name, i in self.instances.items()}
        return by_name.get(event.get("origin_name"), f"unknown: {event.get('origin_name')}")

    def expected_events(self, holder: Instance) -> Counter:
        return Counter(
            (organiser, title, state["cancelled"])
            for (organiser, title), state in self.events.items()
            if organiser == holder.name or state["federated"]
        )


@pytest.fixture(scope="module")
def ledger(instances) -> Ledger:
    return Ledger(instances)


def create_event(
    person: Person, ledger: Ledger, title: str, *, federated: bool = True, **fields: Any
) -> dict[str, Any]:
    start = FIRST_DAY + timedelta(days=fields.pop("days", 0))
    event = person.post(
        "events/",
        {
            "kind": "collective_exchange",
            "title": title,
            "place": "Maison de quartier",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "visibility": "federated" if federated else "network",
            **fields,
        },
        expect=201,
    )
    ledger.events[(person.instance.name, title)] = {"federated": federated, "cancelled": False}
    return event


def rename_event(person: Person, ledger: Ledger, event: dict[str, Any], title: str) -> None:
    person.patch(f"events/{event['id']}/", {"title": title})
    ledger.events[(person.instance.name, title)] = ledger.events.pop(
        (person.instance.name, event["title"])
    )
    event["title"] = title


def cancel_event(person: Person, ledger: Ledger, event: dict[str, Any]) -> None:
    person.post(f"events/{event['id']}/cancel/")
    ledger.events[(person.instance.name, event["title"])]["cancelled"] = True


def holdings(person: Person, ledger: Ledger) -> Counter:
    """(organiser, title, cancelled) of every event the instance lists, with repeats."""
    return Counter(
        (ledger.origin(e, person.instance), e["title"], e["cancelled_at"] is not None)
        for e in person.events()
    )


def assert_holds_exactly(person: Person, ledger: Ledger) -> None:
    held, expected = holdings(person, ledger), ledger.expected_events(person.instance)
    assert held == expected, (
        f"{person.instance.name} lacks {sorted((expected - held).elements())}, "
        f"has extra {sorted((held - expected).elements())}"
    )


def mirror(person: Person, title: str, organiser: Instance) -> dict[str, Any]:
    """The one copy of a neighbour's event on the person's instance."""
    event = person.event_titled(title)
    assert event["origin_uri"], f"{title!r} on {person.instance.name} is not a copy"
    assert event["origin_name"] == organiser.network_name
    return event


def occurrence_key(start: datetime) -> str:
    return start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def own_registration(person: Person, title: str) -> dict[str, Any] | None:
    found = [r for r in person.all("me/registrations/") if r["event"]["title"] == title]
    assert len(found) <= 1, found
    return found[0] if found else None


def own_status(person: Person, title: str, status: str) -> None:
    registration = own_registration(person, title)
    assert registration is not None and registration["status"] == status, registration


def participants(organiser: Person, event_id: int, key: str) -> set[tuple]:
    """(member, participant's network, status) of a sitting's registrations."""
    return {
        (r["member"] and r["member"]["id"], r["remote_network_name"], r["status"])
        for r in organiser.all(f"events/{event_id}/occurrences/{key}/registrations/")
    }


def participants_are(organiser: Person, event_id: int, key: str, expected: set[tuple]) -> None:
    found = participants(organiser, event_id, key)
    assert found == expected, found


# --- peering ---------------------------------------------------------------------------


def test_three_instances_peer_through_their_coordinators_pages(peered, coordinators):
    for asking, asked in PAIRS:
        for one, other in ((asking, asked), (asked, asking)):
            actions = coordinators[one].peer_actions()
            assert "suspend" in actions.get(peered[other].network_name, set()), (
                f"{other} is not an active peer of {one}: {actions}"
            )
        # Each side shows the fingerprint the other reads from its own page.
        page = coordinators[asking].page(coordinators[asking].peers_path()).text
        assert coordinators[asked].own_fingerprint() in page


# --- shared events ---------------------------------------------------------------------


def test_a_federated_event_is_shared_updated_and_cancelled(peered, coordinators, ledger):
    a, neighbours = coordinators["a"], (coordinators["b"], coordinators["c"])
    create_event(a, ledger, "Réunion de coordination", federated=False)
    event = create_event(a, ledger, "Atelier couture")
    for person in neighbours:
        eventually(lambda person=person: mirror(person, "Atelier couture", a.instance))

    rename_event(a, ledger, event, "Atelier couture et retouches")
    for person in neighbours:
        copy = eventually(lambda person=person: mirror(person, event["title"], a.instance))
        assert copy["cancelled_at"] is None
        assert not [e for e in person.events() if e["title"] == "Atelier couture"]

    cancel_event(a, ledger, event)
    for person in neighbours:

        def cancelled(person=person):
            assert mirror(person, event["title"], a.instance)["cancelled_at"]

        eventually(cancelled)
        # Published before what just arrived, the network's own event never came.
        assert "Réunion de coordination" not in {e["title"] for e in person.events()}


def test_each_network_shares_with_both_neighbours(peered, coordinators, ledger):
    for person in coordinators.values():
        create_event(person, ledger, f"Portes ouvertes de {person.instance.town.city}", days=1)
    for person in coordinators.values():
        eventually(lambda person=person: assert_holds_exactly(person, ledger))


# --- cross-network registrations ---------------------------------------------------------


def test_registrations_from_neighbours_fill_seats_then_the_waiting_list(
    peered, coordinators, members, ledger
):
    title = "Sortie au jardin botanique"
    organiser = coordinators["a"]
    event = create_event(organiser, ledger, title, capacity=1, days=7)
    key = occurrence_key(FIRST_DAY + timedelta(days=7))
    copies = {
        name: eventually(lambda name=name: mirror(members[name], title, peered["a"]))
        for name in ("b", "c")
    }

    def register(name: str) -> dict[str, Any]:
        path = f"events/{copies[name]['id']}/occurrences/{key}/registrations/"
        registration = members[name].post(path, expect=201)
        assert registration["status"] == "requested"  # until the organiser answers
        return registration

    ledger.occurrences[("a", title)] = (event["id"], key)
    first = register("b")
    ledger.registrations[("a", title, "b")] = "confirmed"
    eventually(lambda: own_status(members["b"], title, "confirmed"))
    register("c")
    ledger.registrations[("a", title, "c")] = "waitlisted"
    eventually(lambda: own_status(members["c"], title, "waitlisted"))
    b_name, c_name = peered["b"].network_name, peered["c"].network_name
    participants_are(
        organiser, event["id"], key, {(None, b_name, "confirmed"), (None, c_name, "waitlisted")}
    )

    # B's member gives the seat up on B: A frees it and C's member gets it.
    members["b"].post(f"registrations/{first['id']}/cancel/")
    del ledger.registrations[("a", title, "b")]
    ledger.registrations[("a", title, "c")] = "confirmed"
    eventually(lambda: own_status(members["c"], title, "confirmed"))
    eventually(lambda: participants_are(organiser, event["id"], key, {(None, c_name, "confirmed")}))
    assert own_registration(members["b"], title) is None


# --- faults ------------------------------------------------------------------------------


def test_a_stopped_instance_catches_up_once_restarted(peered, instances, coordinators, ledger):
    c, a = instances["c"], coordinators["a"]
    c.stop_web()
    c.stop_worker()
    try:
        events = [create_event(a, ledger, f"Café des savoirs n°{n}", days=n) for n in (1, 2, 3)]
        create_event(a, ledger, "Bilan de l'année", federated=False)
        rename_event(a, ledger, events[0], "Café des savoirs n°1 : le compost")
        cancel_event(a, ledger, events[1])
        eventually(lambda: assert_holds_exactly(coordinators["b"], ledger))
    finally:
        c.start_web()
        c.start_worker()
    eventually(lambda: assert_holds_exactly(coordinators["c"], ledger), timeout=30)


def test_a_worker_killed_while_delivering_loses_nothing(peered, instances, coordinators, ledger):
    a = instances["a"]
    (since,) = a.query("SELECT now()")[0]
    titles = [f"Permanence numérique n°{n}" for n in range(1, 21)]

    def publish_all():
        for n, title in enumerate(titles):
            create_event(coordinators["a"], ledger, title, days=n % 5)

    with ThreadPoolExecutor(1) as pool:
        publishing = pool.submit(publish_all)
        # Kill it while it holds a delivery "being sent" (or, at worst, when all is sent).
        while not publishing.done() and not a.deliveries(since).get("sending"):
            time.sleep(0.01)
        a.kill_worker()
        at_kill = a.deliveries(since)
        publishing.result()
    assert at_kill.get("sending") or at_kill.get("pending"), f"Nothing was in flight: {at_kill}"
    a.start_worker()
    for name in ("b", "c"):
        eventually(lambda name=name: assert_holds_exactly(coordinators[name], ledger), timeout=60)

    def all_delivered():
        statuses = a.deliveries(since)
        assert set(statuses) == {"delivered"}, statuses

    # A delivery left "being sent" by the dead worker is swept and sent again.
    eventually(all_delivered, timeout=30)


def test_duplicates_and_late_old_versions_change_nothing(peered, instances, coordinators, ledger):
    a, b = instances["a"], instances["b"]
    before = {name: holdings(person, ledger) for name, person in coordinators.items()}
    registrations_before = {
        occurrence: participants(coordinators[organiser], *occurrence)
        for (organiser, _title), occurrence in ledger.occurrences.items()
    }

    # Everything A delivered to B, and B to A, again, newest first.
    for sender, receiver in ((a, b), (b, a)):
        statuses = json.loads(
            sender.python(REPLAY, sender.slug, receiver.document_url, "duplicates")
        )
        assert statuses and set(statuses) == {200}, statuses  # "duplicate", not applied again

    # The versions of an event renamed then cancelled, oldest first, under new ids.
    copy = coordinators["b"].event_titled("Atelier couture et retouches")
    statuses = json.loads(a.python(REPLAY, a.slug, b.document_url, "stale", copy["origin_uri"]))
    assert statuses and all(s < 300 or s == 410 for s in statuses), statuses

    assert {name: holdings(person, ledger) for name, person in coordinators.items()} == before
    copy = coordinators["b"].event_titled("Atelier couture et retouches")
    assert copy["cancelled_at"] is not None
    assert {
        occurrence: participants(coordinators[organiser], *occurrence)
        for (organiser, _title), occurrence in ledger.occurrences.items()
    } == registrations_before


# --- a member's withdrawal ---------------------------------------------------------------


def test_a_withdrawn_member_leaves_no_trace_with_the_neighbours(
    peered, coordinators, members, ledger
):
    a, b, c = peered["a"], peered["b"], peered["c"]
    name = "Solène Marchadier"
    account = Account(f"solene@{a.slug}.e2e.test", secrets.token_urlsafe(16), name, "member")
    a.enrol(account)
    leaving = Person(a, account).log_in()
    # She agrees to be contacted by neighbouring networks' members: her name goes with her
    # registrations to their organisers.
    leaving.post("me/consents/", {"channel": "email", "audience": "federated"}, expect=201)
    leaving.offer("Cours de guitare", visibility="federated")

    title, days = "Repair café", 9
    organiser = coordinators["b"]
    event = create_event(organiser, ledger, title, days=days)
    key = occurrence_key(FIRST_DAY + timedelta(days=days))
    ledger.occurrences[("b", title)] = (event["id"], key)
    copy = eventually(lambda: mirror(leaving, title, b))
    leaving.post(f"events/{copy['id']}/occurrences/{key}/registrations/", expect=201)
    eventually(lambda: own_status(leaving, title, "confirmed"))
    (seat,) = organiser.all(f"events/{event['id']}/occurrences/{key}/registrations/")
    assert name in seat["participant_name"], seat
    assert (seat["member"], seat["remote_network_name"]) == (None, a.network_name), seat

    def offer_listed(person: Person, listed: bool) -> None:
        found = person.mirrored_listing("Cours de guitare")
        assert (found is not None) == listed, (person.instance.name, found)

    for neighbour in ("b", "c"):
        eventually(lambda person=members[neighbour]: offer_listed(person, True))
    assert "rers_core_registration" in b.tables_holding(name)  # what is looked for below

    leaving.post("me/withdraw/", {"confirm": True})

    eventually(lambda: participants_are(organiser, event["id"], key, set()))
    row = b.query(
        "SELECT status, remote_name, cancelled_at IS NOT NULL FROM rers_core_registration "
        "WHERE event_id = %s",
        (event["id"],),
    )
    assert row == [("cancelled", "", True)], row
    for neighbour in ("b", "c"):
        eventually(lambda person=members[neighbour]: offer_listed(person, False))

    def forgotten(instance: Instance) -> None:
        assert instance.tables_holding(name) == [], f"{name!r} is still on {instance.name}"

    for instance in (b, c):
        eventually(lambda instance=instance: forgotten(instance))


# --- in the end --------------------------------------------------------------------------


def test_every_instance_holds_exactly_what_was_published(instances, coordinators, members, ledger):
    for person in coordinators.values():
        eventually(lambda person=person: assert_holds_exactly(person, ledger))
    for (organiser, title), (event_id, key) in ledger.occurrences.items():
        expected = {
            (None, instances[participant].network_name, status)
            for (o, t, participant), status in ledger.registrations.items()
            if (o, t) == (organiser, title)
        }
        participants_are(coordinators[organiser], event_id, key, expected)
    for name, person in members.items():
        expected = {
            (title, status)
            for (_organiser, title, participant), status in ledger.registrations.items()
            if participant == name and status in ACTIVE_REGISTRATION
        }
        held = [(r["event"]["title"], r["status"]) for r in person.all("me/registrations/")]
        assert Counter(held) == Counter(expected), (name, held)
    for instance in instances.values():
        stuck = instance.query(
            "SELECT count(*) FROM rers_federation_delivery WHERE status = 'sending'"
        )
        assert stuck == [(0,)], f"{instance.name} has deliveries stuck being sent"

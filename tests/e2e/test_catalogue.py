"""End to end: the federated catalogue. An open offer a member of C shares with the
neighbouring networks appears, anonymised, in A's and B's catalogues and their search,
follows its edits, leaves them while paused or kept to C's network, and for good once
closed; an offer kept to C's network from the start never leaves it.

Only listings are published here: the events that test_federation's ledger counts are not
concerned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.client import Person
from tests.e2e.harness import Instance, eventually

pytestmark = pytest.mark.e2e

READERS = ("a", "b")


def shared_copy(person: Person, title: str, origin: Instance, **filters: str) -> dict[str, Any]:
    """The anonymised copy of ``origin``'s listing in the person's catalogue."""
    copy = person.mirrored_listing(title, **filters)
    assert copy is not None, f"{title!r} is not in {person.instance.name}'s catalogue"
    assert copy["is_mirrored"] and copy["member"] is None, copy
    assert copy["origin_name"] == origin.network_name, copy
    return copy


def not_listed(person: Person, title: str) -> None:
    assert person.mirrored_listing(title) is None, (
        f"{title!r} is still in {person.instance.name}'s catalogue"
    )


def on_readers(members: dict[str, Person], check: Callable[[Person], Any]) -> None:
    """Wait until ``check`` holds for the members of A and B."""
    for name in READERS:
        eventually(lambda person=members[name]: check(person))


def test_a_federated_offer_reaches_the_neighbours_catalogues(peered, members, coordinators):
    c = peered["c"]
    members["c"].offer(
        "Réparer un vélo", visibility="federated", description="Crevaisons, freins, dérailleur."
    )
    coordinators["c"].offer("Tailler les haies", visibility="network")
    on_readers(members, lambda person: shared_copy(person, "Réparer un vélo", c))
    for name in READERS:
        person = members[name]
        copy = shared_copy(person, "Réparer un vélo", c)
        # Caen and Hérouville are some 5 and 8 km from Ifs.
        assert 1 <= copy["origin_distance_km"] <= 15, copy
        assert copy["description"] == "Crevaisons, freins, dérailleur."
        # The search drops accents, on neighbours' listings as on ours.
        assert shared_copy(person, "Réparer un vélo", c, q="velo")
        # Posted before the shared one arrived, the offer kept to C's network never came.
        assert "Tailler les haies" not in {x["title"] for x in person.listings(scope="all")}


def test_a_federated_offer_follows_its_edits_pauses_and_closing(peered, members):
    c, author = peered["c"], members["c"]
    offer = author.offer("Initiation au tricot", visibility="federated")
    on_readers(members, lambda person: shared_copy(person, "Initiation au tricot", c))

    title = "Initiation au tricot et au crochet"
    author.patch(f"listings/{offer['id']}/", {"title": title})
    on_readers(members, lambda person: shared_copy(person, title, c))
    for name in READERS:
        not_listed(members[name], "Initiation au tricot")

    author.post(f"listings/{offer['id']}/pause/")
    on_readers(members, lambda person: not_listed(person, title))
    author.post(f"listings/{offer['id']}/reopen/")
    on_readers(members, lambda person: shared_copy(person, title, c))

    author.patch(f"listings/{offer['id']}/", {"visibility": "network"})
    on_readers(members, lambda person: not_listed(person, title))
    author.patch(f"listings/{offer['id']}/", {"visibility": "federated"})
    on_readers(members, lambda person: shared_copy(person, title, c))

    author.post(f"listings/{offer['id']}/close/")
    on_readers(members, lambda person: not_listed(person, title))
    # Deleted for good: A and B keep a tombstone, which no late version can bring back.
    uri = f"{c.document_url}listings/{offer['id']}"
    for name in READERS:
        tombstones = peered[name].query(
            "SELECT deleted_at IS NOT NULL FROM rers_federation_mirroredobject WHERE uri = %s",
            (uri,),
        )
        assert tombstones == [(True,)], (name, tombstones)

"""End to end: a connection across networks. A member of C looks for help with her CV;
her network has no such offer, but A's has one, shared with the neighbours. She asks for
it from C's portal; the offerer on A accepts; each then sees the other's contact details
exactly as they consented for neighbouring networks (email yes, phone no). The offerer
withdraws from A: B and C converge to no trace of her.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.e2e.client import Person
from tests.e2e.harness import Account, Instance, eventually

pytestmark = pytest.mark.e2e


def enrol(instance: Instance, name: str, email_user: str) -> Person:
    account = Account(
        f"{email_user}@{instance.slug}.e2e.test", secrets.token_urlsafe(16), name, "member"
    )
    instance.enrol(account)
    return Person(instance, account).log_in()


def only_connection(person: Person) -> dict[str, Any]:
    found = person.all("connections/")
    assert len(found) == 1, found
    return person.get(f"connections/{found[0]['id']}/")


def test_a_request_on_c_is_answered_by_an_offer_on_a(peered):
    a, b, c = peered["a"], peered["b"], peered["c"]
    offerer = enrol(a, "Odile Fournier", "odile")
    offerer.patch("me/", {"phone": "06 71 42 58 90"})
    # Email for neighbouring networks; her phone for her own network only.
    offerer.post("me/consents/", {"channel": "email", "audience": "federated"}, expect=201)
    offerer.post("me/consents/", {"channel": "phone", "audience": "network"}, expect=201)
    offer = offerer.offer(
        "Refaire son CV pas à pas",
        visibility="federated",
        description="Un curriculum vitae clair, une lettre de motivation.",
    )

    asker = enrol(c, "Karima Belkacem", "karima")
    asker.post("me/consents/", {"channel": "email", "audience": "federated"}, expect=201)
    # Her own network has nothing on CVs; the neighbours' catalogue does, searched as she
    # writes it.
    assert not asker.listings(scope="here", q="cv")
    copy = eventually(lambda: asker.mirrored_listing("Refaire son CV pas à pas", q="cv"))
    assert copy["origin_name"] == a.network_name
    asked = asker.post("connections/", {"offer": copy["id"], "message": "Bonjour !"}, expect=201)
    assert asked["offerer_name"] == f"a member of {a.network_name}", asked

    def arrived() -> dict[str, Any]:
        found = only_connection(offerer)
        assert found["requester_name"] == "Karima Belkacem", found
        assert found["offer"]["id"] == offer["id"], found
        assert found["contact"] is None, found  # nothing before she accepts
        return found

    theirs = eventually(arrived)
    offerer.post(f"connections/{theirs['id']}/accept/")

    def contact_on_c() -> None:
        found = asker.get(f"connections/{asked['id']}/")
        assert found["status"] == "accepted", found
        card = found["contact"]
        assert card is not None and card["email"] == offerer.account.email, found
        assert card["phone"] == "" and card["display_name"] == "Odile Fournier", found

    def contact_on_a() -> None:
        card = offerer.get(f"connections/{theirs['id']}/")["contact"]
        assert card is not None and card["email"] == asker.account.email, card

    eventually(contact_on_c)
    eventually(contact_on_a)
    for instance in (b, c):
        assert instance.tables_holding("06 71 42 58 90") == [], instance.name
    assert "rers_core_connection" in c.tables_holding("Odile Fournier")

    offerer.post("me/withdraw/", {"confirm": True})

    def cancelled_on_c() -> None:
        found = asker.get(f"connections/{asked['id']}/")
        assert found["status"] == "cancelled" and found["contact"] is None, found

    eventually(cancelled_on_c)
    for instance in (b, c):
        for trace in ("Odile Fournier", offerer.account.email):

            def forgotten(instance: Instance = instance, trace: str = trace) -> None:
                assert instance.tables_holding(trace) == [], (instance.name, trace)

            eventually(forgotten)

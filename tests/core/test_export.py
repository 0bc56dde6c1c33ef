"""The data export holds everything this instance keeps about the person: their
connections and the words they wrote in them, exchanges, reviews, testimonies,
registrations, notifications and settings, and who looked at their data — never another
person's contact details."""

import json
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rers_core.models import AuditEntry, ContactConsent, Event, Member
from rers_core.selectors.members import member_data_export, user_data_export
from rers_core.services import connections, events, exchanges
from rers_core.services.audit import audit_record
from rers_core.testing.factories import ListingFactory, MemberFactory
from tests.conftest import login


def dump(data) -> str:
    return json.dumps(data, ensure_ascii=False)


@pytest.fixture
def me(network):
    member = MemberFactory(network=network, display_name="Josiane", notify_by_email=False)
    ContactConsent.objects.create(member=member, channel="email", audience="network")
    return member


@pytest.fixture
def other(network):
    member = MemberFactory(
        network=network, display_name="Bastien", phone="06 99 88 77 66", email="b@example.org"
    )
    ContactConsent.objects.create(member=member, channel="phone", audience="network")
    return member


def live_an_exchange(me, other, *, message="Je voudrais apprendre le tricot."):
    """``me`` asks for ``other``'s offer, both accept, agree, meet, and ``me`` reviews."""
    offer = ListingFactory(member=other, network=other.network, direction="offer", title="Tricot")
    asked = connections.connection_propose(acting=me.user, offer=offer, message=message)
    connections.connection_answer(connection=asked, accept=True, acting=other.user)
    exchange = exchanges.exchange_from_connection(connection=asked, acting=me.user)
    exchanges.agreement_update(exchange=exchange, acting=me.user, content="Les mailles de base")
    for person in (me, other):
        exchanges.agreement_confirm(exchange=exchange, acting=person.user)
    exchanges.session_add(
        exchange=exchange, starts_at=timezone.now(), acting=me.user, note="Chez Bastien"
    )
    exchanges.exchange_complete(exchange=exchange, acting=me.user)
    exchanges.review_submit(exchange=exchange, acting=me.user, interest="J'ai osé demander.")
    return asked, exchange


def register(me, coordinator):
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    event = events.event_create(
        network=me.network,
        acting=coordinator.user,
        kind=Event.Kind.DROP_IN,
        title="Permanence du jeudi",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    return events.registration_create(event=event, original_start=start, member=me, acting=me.user)


@pytest.fixture
def lived(me, other, coordinator, facilitator):
    asked, exchange = live_an_exchange(me, other)
    # Bastien also proposed his own words to Josiane: his, not hers.
    mine = ListingFactory(member=me, network=me.network, direction="offer", title="Couture")
    connections.connection_propose(acting=other.user, offer=mine, message="Message de Bastien")
    events.testimony_record(
        network=me.network, author=me, text="Ici, j'ai repris confiance.", acting=me.user
    )
    register(me, coordinator)
    events.calendar_token_for(me)
    audit_record(
        acting=facilitator.user,
        action=AuditEntry.Action.CONTACT_VIEWED,
        member=me,
        detail=AuditEntry.PORTAL,
    )
    return asked, exchange


def test_the_export_holds_each_kind_of_data_about_the_person(me, other, facilitator, lived):
    asked, exchange = lived
    [data] = user_data_export(me.user)["memberships"]
    assert data["notify_by_email"] is False

    by_id = {c["id"]: c for c in data["connections"]}
    assert len(by_id) == 2
    theirs = by_id[asked.pk]
    assert theirs["my_side"] == "requester" and theirs["other_person"] == "Bastien"
    assert theirs["offer"] == "Tricot" and theirs["status"] == "done"
    assert theirs["my_message"] == "Je voudrais apprendre le tricot."
    assert theirs["my_answer"] == "accepted"
    [proposed_to_me] = [c for c in data["connections"] if c["id"] != asked.pk]
    assert proposed_to_me["my_side"] == "offerer" and proposed_to_me["my_message"] == ""

    [lived_exchange] = data["exchanges"]
    assert lived_exchange["id"] == exchange.pk and lived_exchange["my_role"] == "receiver"
    assert lived_exchange["status"] == "done" and lived_exchange["connection"] == asked.pk
    assert lived_exchange["agreement"]["content"] == "Les mailles de base"
    assert lived_exchange["agreement_confirmed_at"] is not None
    assert [s["note"] for s in lived_exchange["sessions"]] == ["Chez Bastien"]

    [review] = data["reviews"]
    assert review["interest"] == "J'ai osé demander." and review["exchange"]["id"] == exchange.pk

    [testimony] = data["testimonies"]
    assert testimony["text"] == "Ici, j'ai repris confiance."
    assert testimony["publication"] == "private" and not testimony["recorded_by_facilitator"]

    [registration] = data["event_registrations"]
    assert registration["event"] == "Permanence du jeudi"
    assert registration["status"] == "confirmed"
    assert registration["organising_network"] == me.network.name

    assert data["calendar_feed"]["created_at"]
    assert me.calendar_token.token not in dump(data)  # that it exists, not the secret

    [entry] = data["audit_trail"]
    assert (entry["action"], entry["detail"]) == ("contact_viewed", "portal")
    assert entry["actor"] == facilitator.display_name


def test_the_export_lists_the_emails_the_person_was_sent(me, other):
    Member.objects.filter(pk=me.pk).update(notify_by_email=True)
    me.refresh_from_db()
    mine = ListingFactory(member=me, network=me.network, direction="offer", title="Couture")
    asked = connections.connection_propose(acting=other.user, offer=mine)
    [data] = user_data_export(me.user)["memberships"]
    assert [(n["kind"], n["about"]) for n in data["notifications"]] == [
        ("connection_proposed", asked.pk)
    ]


def test_the_export_never_holds_anothers_contact_details_or_words(me, other, lived):
    text = dump(user_data_export(me.user))
    for theirs in ("06 99 88 77 66", "b@example.org", "Message de Bastien"):
        assert theirs not in text


def test_a_facilitators_download_leaves_the_audit_trail_out(me, lived):
    data = member_data_export(me)
    assert "audit_trail" not in data
    assert data["reviews"] and data["connections"] and data["event_registrations"]


def test_the_portal_download_holds_the_new_sections(client, me, lived):
    response = login(client, me).get(reverse("rers_core:export"))
    assert response.status_code == 200, response.status_code
    [data] = json.loads(response.content)["memberships"]
    assert data["connections"] and data["exchanges"] and data["audit_trail"]


def test_the_export_reads_the_same_number_of_queries_whatever_it_holds(
    network, me, other, coordinator, facilitator
):
    def queries() -> int:
        with CaptureQueriesContext(db) as seen:
            user_data_export(me.user)
        return len(seen)

    live_an_exchange(me, other)
    register(me, coordinator)
    few = queries()
    for _ in range(3):
        live_an_exchange(me, MemberFactory(network=network))
        register(me, coordinator)
        events.testimony_record(network=network, author=me, text="Encore.", acting=me.user)
        audit_record(
            acting=facilitator.user,
            action=AuditEntry.Action.CONTACT_VIEWED,
            member=me,
            detail=AuditEntry.PORTAL,
        )
    assert queries() == few

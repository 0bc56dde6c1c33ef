"""API v1 for the network's collective life: events and occurrences, registrations with
the waiting list, testimonies and their consent, news and monthly figures.

Requests carry no Accept-Language, so messages are in French: tests check statuses,
``code`` and ``errors`` keys, and data.
"""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rers_core import models
from rers_core.models import Event, Registration
from rers_core.selectors.events import occurrence_key
from rers_core.selectors.figures import FIGURES, Month
from rers_core.services import events as svc
from rers_core.services import portal as portal_svc
from rers_core.testing.factories import FacilitatorFactory, ListingFactory, MemberFactory
from tests.core.api_support import (
    PARIS,
    ROLES,
    assert_error,
    build_world,
    client_for,
    make_event,
    net,
    soon,
)

UTC = zoneinfo.ZoneInfo("UTC")
HUGE = "x" * 100_000
BIG_ID = 10**30


def iso(moment: datetime) -> str:
    return moment.isoformat()


def parsed(value: str) -> datetime:
    return datetime.fromisoformat(value)


def next_monday(days_ahead: int = 7) -> datetime:
    """9:00 in Paris on the first Monday at least ``days_ahead`` days from now."""
    day = timezone.now().astimezone(PARIS).date() + timedelta(days=days_ahead)
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, 9, tzinfo=PARIS)


def occurrence_url(network, event, start, suffix=""):
    return net(network, f"events/{event.pk}/occurrences/{occurrence_key(start)}/{suffix}")


def register(event, member, start=None):
    return svc.registration_create(
        event=event, original_start=start or event.starts_at, member=member, acting=None
    )


# --- the whole journey ---------------------------------------------------------------


def test_events_journey(network, facilitator, django_capture_on_commit_callbacks):
    fac = client_for(facilitator)
    monday = next_monday()
    response = fac.post(
        net(network, "events/"),
        {
            "kind": "drop_in",
            "title": "Permanence du lundi",
            "place": "Agence de Souday",
            "starts_at": iso(monday),
            "ends_at": iso(monday + timedelta(hours=3)),
            "rrule": "freq=weekly; byday=MO;",
            "facilitators": [facilitator.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    drop_in = response.json()
    assert drop_in["rrule"] == "FREQ=WEEKLY;BYDAY=MO"
    assert parsed(drop_in["starts_at"]) == monday
    assert drop_in["facilitators"] == [
        {"id": facilitator.pk, "display_name": facilitator.display_name}
    ]
    start = soon()
    response = fac.post(
        net(network, "events/"),
        {
            "kind": "collective_exchange",
            "title": "Atelier CV",
            "starts_at": iso(start),
            "ends_at": iso(start + timedelta(hours=2)),
            "capacity": 2,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    collective = response.json()
    assert collective["capacity"] == 2 and collective["rrule"] == ""

    # The calendar is public; the people in charge are named to members only.
    public = client_for().get(net(network, "events/")).json()
    assert {e["id"] for e in public["results"]} == {drop_in["id"], collective["id"]}
    assert all(e["facilitators"] == [] for e in public["results"])

    # Three people for two seats: the third waits.
    people = [MemberFactory(network=network) for _ in range(3)]
    key = occurrence_key(start)
    url = net(network, f"events/{collective['id']}/occurrences/{key}/registrations/")
    created = [client_for(p).post(url, {}, format="json") for p in people]
    assert [r.status_code for r in created] == [201, 201, 201]
    assert [r.json()["status"] for r in created] == ["confirmed", "confirmed", "waitlisted"]
    assert {r.json()["key"] for r in created} == {key}
    again = client_for(people[0]).post(url, {}, format="json")
    assert again.status_code == 201 and again.json()["id"] == created[0].json()["id"]

    everyone = fac.get(url).json()["results"]
    assert [r["member"]["id"] for r in everyone] == [p.pk for p in people]
    own = client_for(people[2]).get(url).json()["results"]
    assert [(r["member"]["id"], r["status"]) for r in own] == [(people[2].pk, "waitlisted")]

    sitting = net(network, f"events/{collective['id']}/occurrences/{key}/")
    seats = client_for(people[0]).get(sitting).json()
    assert (seats["seats_left"], seats["confirmed"], seats["waitlisted"]) == (0, 2, 1)
    anonymous = client_for().get(sitting).json()
    assert (anonymous["seats_left"], anonymous["confirmed"], anonymous["waitlisted"]) == (
        None,
        None,
        None,
    )

    # A confirmed person gives their seat up: the first waiting gets it, by email.
    cancel = net(network, f"registrations/{created[1].json()['id']}/cancel/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people[1]).post(cancel)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert [m.to for m in mail.outbox] == [[people[2].email]]
    promoted = client_for(people[2]).get(url).json()["results"][0]
    assert promoted["status"] == "confirmed" and promoted["promoted_at"]
    assert client_for(people[1]).post(cancel).status_code == 200  # harmless twice
    assert len(mail.outbox) == 1

    # Attendance, for confirmed people only.
    attended = fac.post(
        net(network, f"registrations/{created[0].json()['id']}/attendance/"),
        {"attended": True},
        format="json",
    )
    assert attended.status_code == 200 and attended.json()["attended"] is True
    assert_error(
        fac.post(
            net(network, f"registrations/{created[1].json()['id']}/attendance/"),
            {"attended": True},
            format="json",
        ),
        400,
        "domain_error",
    )

    mine = client_for(people[2]).get(net(network, "me/registrations/")).json()["results"]
    assert [(r["event"], r["key"], r["status"]) for r in mine] == [
        ({"id": collective["id"], "title": "Atelier CV"}, key, "confirmed")
    ]

    # One Monday cancelled, the next moved to the Tuesday afternoon.
    second, third = monday + timedelta(days=7), monday + timedelta(days=14)
    event_path = f"events/{drop_in['id']}/occurrences/"
    response = fac.post(
        net(network, f"{event_path}{occurrence_key(second)}/cancel/"),
        {"note": "Jour férié"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["cancelled"] is True and response.json()["note"] == "Jour férié"
    tuesday = third + timedelta(days=1, hours=5)
    response = fac.post(
        net(network, f"{event_path}{occurrence_key(third)}/move/"),
        {"starts_at": iso(tuesday), "ends_at": iso(tuesday + timedelta(hours=2))},
        format="json",
    )
    assert response.status_code == 200
    moved = response.json()
    assert moved["moved"] is True and moved["key"] == occurrence_key(third)
    assert parsed(moved["starts_at"]) == tuesday

    calendar = client_for().get(
        net(network, "occurrences/"),
        {
            "start": iso(monday - timedelta(hours=1)),
            "end": iso(monday + timedelta(days=20)),
            "event": drop_in["id"],
        },
    )
    assert calendar.status_code == 200, calendar.json()
    rows = {r["key"]: r for r in calendar.json()}
    assert list(rows) == [occurrence_key(d) for d in (monday, second, third)]
    assert [(r["cancelled"], r["moved"]) for r in rows.values()] == [
        (False, False),
        (True, False),
        (False, True),
    ]
    assert parsed(rows[occurrence_key(third)]["starts_at"]) == tuesday
    assert rows[occurrence_key(monday)]["seats_left"] is None  # public, and no limit

    restored = fac.post(net(network, f"{event_path}{occurrence_key(second)}/restore/"))
    assert restored.status_code == 200 and restored.json()["cancelled"] is False
    assert parsed(restored.json()["starts_at"]) == second

    # Cancelling the whole event takes it off the public calendar.
    assert fac.post(net(network, f"events/{drop_in['id']}/cancel/")).status_code == 200
    assert client_for().get(net(network, f"events/{drop_in['id']}/")).status_code == 404
    seen = fac.get(net(network, f"events/{drop_in['id']}/")).json()
    assert seen["cancelled_at"] is not None


def test_edit_event_and_its_people_in_charge(network, facilitator):
    other_facilitator = FacilitatorFactory(network=network)
    event = make_event(network, facilitator)
    client = client_for(facilitator)
    url = net(network, f"events/{event.pk}/")
    response = client.patch(
        url,
        {
            "title": "Atelier lettre de motivation",
            "facilitators": [other_facilitator.pk, facilitator.pk],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Atelier lettre de motivation"
    assert {p["id"] for p in response.json()["facilitators"]} == {
        facilitator.pk,
        other_facilitator.pk,
    }
    # A rule added later is checked against the start already stored.
    assert_error(
        client.patch(url, {"rrule": "FREQ=WEEKLY;UNTIL=20200101T000000Z"}, format="json"),
        400,
        field="rrule",
    )
    ok = client.patch(url, {"rrule": "FREQ=MONTHLY;COUNT=3"}, format="json")
    assert ok.status_code == 200 and ok.json()["rrule"] == "FREQ=MONTHLY;COUNT=3"
    plain = MemberFactory(network=network)
    assert_error(
        client.patch(url, {"facilitators": [plain.pk]}, format="json"), 400, field="facilitators"
    )
    assert_error(
        client.patch(url, {"facilitators": [987654]}, format="json"), 400, field="facilitators"
    )
    event.refresh_from_db()
    assert list(event.facilitators.order_by("pk")) == sorted(
        [facilitator, other_facilitator], key=lambda m: m.pk
    )


def test_who_sees_what_of_the_calendar(network, facilitator, member):
    event = make_event(network, facilitator, facilitators=[facilitator])
    cancelled = make_event(network, facilitator, title="Annulé")
    svc.event_cancel(event=cancelled, acting=facilitator.user)
    visitor = MemberFactory(network=network, status="visitor")
    url = net(network, "events/")
    anonymous = client_for().get(url).json()["results"]
    assert [(e["id"], e["facilitators"]) for e in anonymous] == [(event.pk, [])]
    as_member = client_for(member).get(url).json()["results"]
    assert {e["id"] for e in as_member} == {event.pk, cancelled.pk}
    named = next(e for e in as_member if e["id"] == event.pk)["facilitators"]
    assert named == [{"id": facilitator.pk, "display_name": facilitator.display_name}]
    # Visitors see only their own data: not the names of the people in charge.
    as_visitor = client_for(visitor).get(url).json()["results"]
    assert all(e["facilitators"] == [] for e in as_visitor)
    text = str(as_member)
    assert facilitator.email not in text and facilitator.phone not in text


def test_facilitator_registers_a_visitor(network, facilitator):
    event = make_event(network, facilitator)
    visitor = MemberFactory(network=network, status="visitor")
    url = occurrence_url(network, event, event.starts_at, "registrations/")
    response = client_for(facilitator).post(url, {"member": visitor.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["member"]["id"] == visitor.pk
    assert Registration.objects.get().registered_by == facilitator.user
    # A member cannot register someone else.
    member = MemberFactory(network=network)
    assert_error(
        client_for(member).post(url, {"member": visitor.pk}, format="json"), 403, "not_allowed"
    )


def test_closed_or_cancelled_sittings_refuse_registrations(network, facilitator, member):
    event = make_event(network, facilitator, registration_open=False)
    url = occurrence_url(network, event, event.starts_at, "registrations/")
    assert_error(client_for(member).post(url, {}, format="json"), 400, "domain_error")
    svc.event_update(event=event, acting=facilitator.user, registration_open=True)
    svc.occurrence_cancel(event=event, original_start=event.starts_at, acting=facilitator.user)
    assert_error(client_for(member).post(url, {}, format="json"), 400, "domain_error")
    assert not Registration.objects.exists()


# --- testimonies ---------------------------------------------------------------------


def test_testimonies_are_published_only_with_consent(network, facilitator, member):
    fac, author = client_for(facilitator), client_for(member)
    response = fac.post(
        net(network, "testimonies/"),
        {"author": member.pk, "text": "Le réseau m'a redonné confiance."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    testimony = response.json()
    assert testimony["publication"] == "private" and testimony["author"]["id"] == member.pk
    url = f"testimonies/{testimony['id']}/"
    public = net(network, "testimonies/")
    assert client_for().get(public).json()["results"] == []

    # Not without the author's consent.
    assert_error(
        fac.post(net(network, f"{url}feature/"), {"featured": True}, format="json"),
        400,
        "domain_error",
    )
    assert_error(
        author.post(
            net(network, f"{url}publication/"), {"publication": "first_name"}, format="json"
        ),
        400,
        field="first_name",
    )
    response = author.post(
        net(network, f"{url}publication/"),
        {"publication": "first_name", "first_name": "Camille"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["signature"] == "Camille"
    # Someone else cannot change it, nor choose what is shown.
    stranger = client_for(MemberFactory(network=network))
    assert_error(
        stranger.post(
            net(network, f"{url}publication/"), {"publication": "private"}, format="json"
        ),
        404,
    )
    assert_error(
        author.post(net(network, f"{url}feature/"), {"featured": True}, format="json"), 403
    )
    featured = fac.post(net(network, f"{url}feature/"), {"featured": True}, format="json")
    assert featured.status_code == 200 and featured.json()["is_public"] is True

    shown = client_for().get(public).json()["results"]
    assert [(t["id"], t["signature"]) for t in shown] == [(testimony["id"], "Camille")]
    assert set(shown[0]) == {"id", "text", "signature", "event", "created_at"}

    # Consent withdrawn: off the public page at once.
    author.post(net(network, f"{url}publication/"), {"publication": "private"}, format="json")
    assert client_for().get(public).json()["results"] == []
    assert_error(author.get(public, {"all": "true"}), 403, "not_allowed")
    everything = fac.get(public, {"all": "true"}).json()["results"]
    assert [(t["id"], t["publication"], t["featured"]) for t in everything] == [
        (testimony["id"], "private", True)
    ]


def test_a_member_records_their_own_testimony(network, facilitator, member):
    event = make_event(
        network, facilitator, kind="retrospective", title="Échanges sur les échanges"
    )
    client = client_for(member)
    response = client.post(
        net(network, "testimonies/"),
        {"text": "J'ai osé parler en groupe.", "event": event.pk, "publication": "anonymous"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["author"]["id"] == member.pk
    assert response.json()["event"] == {"id": event.pk, "title": event.title}
    assert response.json()["signature"] == ""
    other = MemberFactory(network=network)
    assert_error(
        client.post(
            net(network, "testimonies/"),
            {"text": "Pour un autre", "author": other.pk},
            format="json",
        ),
        403,
        "not_allowed",
    )
    assert models.Testimony.objects.count() == 1


# --- news ----------------------------------------------------------------------------


def test_news_publish_schedule_edit_delete(network, facilitator, other_network):
    client = client_for(facilitator)
    event = make_event(network, facilitator)
    response = client.post(
        net(network, "news/"),
        {"title": "Nouvel atelier", "text": "Inscrivez-vous !", "event": event.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    post = response.json()
    assert post["event"] == {"id": event.pk, "title": event.title}
    later = timezone.now() + timedelta(days=2)
    scheduled = client.post(
        net(network, "news/"),
        {"title": "Bientôt", "text": "À venir", "published_at": iso(later)},
        format="json",
    ).json()
    public = client_for().get(net(network, "news/")).json()["results"]
    assert [p["id"] for p in public] == [post["id"]]
    assert client_for().get(net(network, f"news/{scheduled['id']}/")).status_code == 404
    # Facilitators can still edit what is scheduled.
    edited = client.patch(
        net(network, f"news/{scheduled['id']}/"), {"title": "Demain"}, format="json"
    )
    assert edited.status_code == 200 and edited.json()["title"] == "Demain"
    assert client.delete(net(network, f"news/{post['id']}/")).status_code == 204
    assert client_for().get(net(network, "news/")).json()["results"] == []
    other_event = make_event(other_network, FacilitatorFactory(network=other_network))
    assert_error(
        client.post(
            net(network, "news/"),
            {"title": "X", "text": "Y", "event": other_event.pk},
            format="json",
        ),
        400,
        field="event",
    )


# --- figures -------------------------------------------------------------------------


def test_figures_of_a_month_and_series(network, facilitator, coordinator, member):
    ListingFactory(member=member, direction="offer")
    ListingFactory(member=member, direction="request", title="Jouer du violon", description="")
    this_month = Month.of(timezone.now().astimezone(PARIS))
    response = client_for(facilitator).get(net(network, "figures/"), {"month": str(this_month)})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["month"] == str(this_month)
    assert list(body["figures"]) == [key for key, _label in FIGURES]
    assert body["figures"]["new_offers"] == 1 and body["figures"]["new_requests"] == 1
    default = client_for(facilitator).get(net(network, "figures/")).json()
    assert default == body

    first = this_month.previous().previous()
    series = client_for(coordinator).get(
        net(network, "figures/series/"), {"from": str(first), "to": str(this_month)}
    )
    assert series.status_code == 200, series.json()
    rows = series.json()
    assert [r["month"] for r in rows] == [str(first), str(first.next()), str(this_month)]
    assert [r["figures"]["new_offers"] for r in rows] == [0, 0, 1]
    assert_error(
        client_for(facilitator).get(
            net(network, "figures/series/"), {"from": str(first), "to": str(this_month)}
        ),
        403,
    )


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("figures/", {"month": "2026-13"}, "month"),
        ("figures/", {"month": "mars"}, "month"),
        ("figures/", {"month": "2026-03-01"}, "month"),
        ("figures/", {"month": "1999-12"}, "month"),
        ("figures/", {"month": HUGE}, "month"),
        ("figures/series/", {"to": "2026-03"}, "from"),
        ("figures/series/", {"from": "2026-03", "to": "2026-01"}, "to"),
        ("figures/series/", {"from": "2023-01", "to": "2026-01"}, "to"),
        ("figures/series/", {"from": "2026-03", "to": "2026-3x"}, "to"),
    ],
)
def test_bad_figure_months(network, coordinator, path, query, field):
    assert_error(client_for(coordinator).get(net(network, path), query), 400, "invalid", field)


def test_series_of_36_months_is_accepted(network, coordinator):
    response = client_for(coordinator).get(
        net(network, "figures/series/"), {"from": "2023-01", "to": "2025-12"}
    )
    assert response.status_code == 200 and len(response.json()) == 36


# --- permissions ---------------------------------------------------------------------


@pytest.fixture
def world(network, other_network):
    world = build_world(network, other_network)
    facilitator = world.people["facilitator"]
    outsider = world.people["outsider"]
    world.event = make_event(network, facilitator, facilitators=[facilitator])
    world.other_event = make_event(other_network, outsider)
    world.registration = register(world.event, world.target)
    world.other_registration = register(world.other_event, world.other_member)
    world.testimony = svc.testimony_record(
        network=network, author=world.target, text="Merci", acting=None
    )
    world.other_testimony = svc.testimony_record(
        network=other_network, author=world.other_member, text="Merci", acting=None
    )
    world.news = portal_svc.news_publish(network=network, title="A", text="B", acting=None)
    world.other_news = portal_svc.news_publish(
        network=other_network, title="A", text="B", acting=None
    )
    return world


def _sitting(w, suffix=""):
    return occurrence_url(w.network, w.event, w.event.starts_at, suffix)


def _other_sitting(w, suffix=""):
    return occurrence_url(w.network, w.other_event, w.other_event.starts_at, suffix)


def _event_body(w):
    start = soon(5)
    return {
        "kind": "information",
        "title": "Réunion d'information",
        "starts_at": iso(start),
        "ends_at": iso(start + timedelta(hours=1)),
    }


def _range(w):
    start = timezone.now()
    return {"start": iso(start), "end": iso(start + timedelta(days=30))}


def _move(w):
    start = w.event.starts_at + timedelta(days=1)
    return {"starts_at": iso(start), "ends_at": iso(start + timedelta(hours=1))}


ALL = (200, 200, 200, 200, 200, 200)
FACILITATORS = (403, 403, 403, 200, 200, 403)
FACILITATORS_404 = (403, 403, 403, 404, 404, 403)

# (name, method, url(world), body(world) or None, statuses in the order of ROLES)
CASES = [
    # events: a public calendar, facilitators' writes
    ("events-get", "get", lambda w: net(w.network, "events/"), None, ALL),
    (
        "events-post",
        "post",
        lambda w: net(w.network, "events/"),
        _event_body,
        (403, 403, 403, 201, 201, 403),
    ),
    ("event-get", "get", lambda w: net(w.network, f"events/{w.event.pk}/"), None, ALL),
    (
        "event-patch",
        "patch",
        lambda w: net(w.network, f"events/{w.event.pk}/"),
        lambda w: {"title": "Autre"},
        FACILITATORS,
    ),
    (
        "event-cancel",
        "post",
        lambda w: net(w.network, f"events/{w.event.pk}/cancel/"),
        None,
        FACILITATORS,
    ),
    (
        "other-event-get",
        "get",
        lambda w: net(w.network, f"events/{w.other_event.pk}/"),
        None,
        (404, 404, 404, 404, 404, 404),
    ),
    (
        "other-event-patch",
        "patch",
        lambda w: net(w.network, f"events/{w.other_event.pk}/"),
        lambda w: {"title": "Autre"},
        FACILITATORS_404,
    ),
    (
        "other-event-cancel",
        "post",
        lambda w: net(w.network, f"events/{w.other_event.pk}/cancel/"),
        None,
        FACILITATORS_404,
    ),
    # occurrences
    ("occurrences-get", "get", lambda w: net(w.network, "occurrences/"), _range, ALL),
    ("occurrence-get", "get", _sitting, None, ALL),
    ("other-occurrence-get", "get", _other_sitting, None, (404, 404, 404, 404, 404, 404)),
    ("occurrence-cancel", "post", lambda w: _sitting(w, "cancel/"), lambda w: {}, FACILITATORS),
    ("occurrence-move", "post", lambda w: _sitting(w, "move/"), _move, FACILITATORS),
    ("occurrence-restore", "post", lambda w: _sitting(w, "restore/"), None, FACILITATORS),
    (
        "other-occurrence-cancel",
        "post",
        lambda w: _other_sitting(w, "cancel/"),
        lambda w: {},
        FACILITATORS_404,
    ),
    (
        "other-occurrence-move",
        "post",
        lambda w: _other_sitting(w, "move/"),
        _move,
        FACILITATORS_404,
    ),
    # registrations
    (
        "registrations-get",
        "get",
        lambda w: _sitting(w, "registrations/"),
        None,
        (403, 200, 200, 200, 200, 403),
    ),
    (
        "registrations-post-own",
        "post",
        lambda w: _sitting(w, "registrations/"),
        lambda w: {},
        (403, 201, 201, 201, 201, 403),
    ),
    (
        "registrations-post-for-target",
        "post",
        lambda w: _sitting(w, "registrations/"),
        lambda w: {"member": w.target.pk},
        (403, 403, 403, 201, 201, 403),
    ),
    (
        "registrations-post-for-other-network-member",
        "post",
        lambda w: _sitting(w, "registrations/"),
        lambda w: {"member": w.other_member.pk},
        (403, 400, 400, 400, 400, 403),
    ),
    (
        "other-registrations-get",
        "get",
        lambda w: _other_sitting(w, "registrations/"),
        None,
        (403, 404, 404, 404, 404, 403),
    ),
    (
        "other-registrations-post",
        "post",
        lambda w: _other_sitting(w, "registrations/"),
        lambda w: {},
        (403, 404, 404, 404, 404, 403),
    ),
    (
        "registration-cancel",
        "post",
        lambda w: net(w.network, f"registrations/{w.registration.pk}/cancel/"),
        None,
        (403, 404, 404, 200, 200, 403),
    ),
    (
        "other-registration-cancel",
        "post",
        lambda w: net(w.network, f"registrations/{w.other_registration.pk}/cancel/"),
        None,
        (403, 404, 404, 404, 404, 403),
    ),
    (
        "registration-attendance",
        "post",
        lambda w: net(w.network, f"registrations/{w.registration.pk}/attendance/"),
        lambda w: {"attended": True},
        FACILITATORS,
    ),
    (
        "other-registration-attendance",
        "post",
        lambda w: net(w.network, f"registrations/{w.other_registration.pk}/attendance/"),
        lambda w: {"attended": True},
        FACILITATORS_404,
    ),
    (
        "me-registrations",
        "get",
        lambda w: net(w.network, "me/registrations/"),
        None,
        (403, 200, 200, 200, 200, 404),
    ),
    # testimonies
    ("testimonies-get", "get", lambda w: net(w.network, "testimonies/"), None, ALL),
    (
        "testimonies-get-all",
        "get",
        lambda w: net(w.network, "testimonies/?all=true"),
        None,
        FACILITATORS,
    ),
    (
        "testimonies-post-own",
        "post",
        lambda w: net(w.network, "testimonies/"),
        lambda w: {"text": "Merci à tous"},
        (403, 201, 201, 201, 201, 403),
    ),
    (
        "testimonies-post-for-target",
        "post",
        lambda w: net(w.network, "testimonies/"),
        lambda w: {"text": "Merci", "author": w.target.pk},
        (403, 403, 403, 201, 201, 403),
    ),
    (
        "testimonies-post-for-other-network-member",
        "post",
        lambda w: net(w.network, "testimonies/"),
        lambda w: {"text": "Merci", "author": w.other_member.pk},
        (403, 400, 400, 400, 400, 403),
    ),
    (
        "testimony-publication",
        "post",
        lambda w: net(w.network, f"testimonies/{w.testimony.pk}/publication/"),
        lambda w: {"publication": "anonymous"},
        (403, 404, 404, 200, 200, 403),
    ),
    (
        "other-testimony-publication",
        "post",
        lambda w: net(w.network, f"testimonies/{w.other_testimony.pk}/publication/"),
        lambda w: {"publication": "anonymous"},
        (403, 404, 404, 404, 404, 403),
    ),
    (
        "testimony-feature",
        "post",
        lambda w: net(w.network, f"testimonies/{w.testimony.pk}/feature/"),
        lambda w: {"featured": False},
        FACILITATORS,
    ),
    (
        "other-testimony-feature",
        "post",
        lambda w: net(w.network, f"testimonies/{w.other_testimony.pk}/feature/"),
        lambda w: {"featured": False},
        FACILITATORS_404,
    ),
    # news
    ("news-get", "get", lambda w: net(w.network, "news/"), None, ALL),
    (
        "news-post",
        "post",
        lambda w: net(w.network, "news/"),
        lambda w: {"title": "Fermeture", "text": "L'agence ferme lundi."},
        (403, 403, 403, 201, 201, 403),
    ),
    ("news-item-get", "get", lambda w: net(w.network, f"news/{w.news.pk}/"), None, ALL),
    (
        "news-item-patch",
        "patch",
        lambda w: net(w.network, f"news/{w.news.pk}/"),
        lambda w: {"title": "Autre"},
        FACILITATORS,
    ),
    (
        "news-item-delete",
        "delete",
        lambda w: net(w.network, f"news/{w.news.pk}/"),
        None,
        (403, 403, 403, 204, 204, 403),
    ),
    (
        "other-news-item-get",
        "get",
        lambda w: net(w.network, f"news/{w.other_news.pk}/"),
        None,
        (404, 404, 404, 404, 404, 404),
    ),
    (
        "other-news-item-patch",
        "patch",
        lambda w: net(w.network, f"news/{w.other_news.pk}/"),
        lambda w: {"title": "Autre"},
        FACILITATORS_404,
    ),
    (
        "other-news-item-delete",
        "delete",
        lambda w: net(w.network, f"news/{w.other_news.pk}/"),
        None,
        FACILITATORS_404,
    ),
    # figures
    ("figures", "get", lambda w: net(w.network, "figures/"), None, FACILITATORS),
    (
        "figures-series",
        "get",
        lambda w: net(w.network, "figures/series/?from=2026-01&to=2026-02"),
        None,
        (403, 403, 403, 403, 200, 403),
    ),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "statuses"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_permission_matrix(world, method, url, body, statuses):
    """Each role calls the endpoint in a transaction rolled back afterwards."""
    clients = {role: world.client(role) for role in ROLES}
    actual = {}
    for role in ROLES:
        with transaction.atomic():
            data = body(world) if body is not None else None
            kwargs = {"format": "json"} if body is not None and method != "get" else {}
            response = getattr(clients[role], method)(url(world), data, **kwargs)
            actual[role] = response.status_code
            if response.status_code >= 400:
                payload = response.json()
                assert payload["detail"] and payload["code"], (role, payload)
                if role == "anonymous" and response.status_code == 403:
                    assert payload["code"] == "not_authenticated", payload
            transaction.set_rollback(True)
    assert actual == dict(zip(ROLES, statuses, strict=True))


@pytest.mark.parametrize(
    "path",
    [
        "events/{event}/",
        "events/{event}/cancel/",
        "registrations/{registration}/cancel/",
        "registrations/{registration}/attendance/",
        "testimonies/{testimony}/feature/",
        "news/{news}/",
    ],
)
def test_outsider_cannot_reach_objects_through_own_network(world, path):
    """A facilitator of the other network, addressing our ids under their own network."""
    outsider = world.client("outsider")
    url = net(
        world.other,
        path.format(
            event=world.event.pk,
            registration=world.registration.pk,
            testimony=world.testimony.pk,
            news=world.news.pk,
        ),
    )
    if path.endswith("attendance/"):
        response = outsider.post(url, {"attended": False}, format="json")
    elif path.endswith("feature/"):
        response = outsider.post(url, {"featured": False}, format="json")
    elif path.endswith("cancel/"):
        response = outsider.post(url)
    elif path.startswith("events/"):
        response = outsider.patch(url, {"title": "Autre"}, format="json")
    else:
        response = outsider.delete(url)
    assert_error(response, 404, "not_found")
    world.event.refresh_from_db()
    world.registration.refresh_from_db()
    assert world.event.cancelled_at is None
    assert world.registration.status == "confirmed" and world.registration.attended is None
    assert world.news.__class__.objects.filter(pk=world.news.pk).exists()


# --- bad input -----------------------------------------------------------------------


def _event(**extra):
    start = soon(5)
    return {
        "kind": "drop_in",
        "title": "Permanence",
        "starts_at": iso(start),
        "ends_at": iso(start + timedelta(hours=3)),
        **extra,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "kind"),
        ({"kind": "party"}, "kind"),
        ({"title": ""}, "title"),
        ({"title": HUGE}, "title"),
        ({"starts_at": "2026-03-02T09:00:00"}, "starts_at"),
        ({"starts_at": "lundi"}, "starts_at"),
        ({"starts_at": "2026-02-30T09:00:00+01:00"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),
        ({"starts_at": "9999-12-31T23:59:59-14:00"}, "starts_at"),
        ({"starts_at": "1900-01-01T00:00:00Z"}, "starts_at"),
        ({"starts_at": 1767225600}, "starts_at"),
        ({"ends_at": None}, "ends_at"),
        ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
        ({"ends_at": iso(soon(20))}, "ends_at"),
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"rrule": "FREQ=DAILY;INTERVAL=0"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;INTERVAL=99999999999999999999"}, "rrule"),
        ({"rrule": "FREQ=MINUTELY"}, "rrule"),
        ({"rrule": "FREQ=DAILY;BYHOUR=9,10"}, "rrule"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rrule"),
        ({"rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"}, "rrule"),
        ({"rrule": "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20200101T000000Z"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;COUNT=0"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;COUNT=2;UNTIL=20300101"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;FREQ=DAILY"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;BYDAY"}, "rrule"),
        ({"rrule": "RRULE:FREQ=WEEKLY"}, "rrule"),
        ({"rrule": "DTSTART:20260101T000000Z\nRRULE:FREQ=WEEKLY"}, "rrule"),
        ({"rrule": HUGE}, "rrule"),
        ({"rrule": ["FREQ=WEEKLY"]}, "rrule"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"capacity": BIG_ID}, "capacity"),
        ({"online_url": "not a link"}, "online_url"),
        ({"visibility": "world"}, "visibility"),
        ({"registration_open": "perhaps"}, "registration_open"),
        ({"facilitators": "all"}, "facilitators"),
        ({"facilitators": [BIG_ID]}, "facilitators.0"),
        ({"facilitators": [987654]}, "facilitators"),
        ({"facilitators": list(range(1, 30))}, "facilitators"),
    ],
)
def test_invalid_event_fields(network, facilitator, body, field):
    payload = _event(**body) if body else {}
    response = client_for(facilitator).post(net(network, "events/"), payload, format="json")
    assert_error(response, 400, field=field)
    assert not Event.objects.exists()


def test_a_rule_that_never_ends_is_fine_and_fast(network, facilitator):
    """Daily sittings over a whole year: the calendar page stays bounded (366 rows)."""
    start = next_monday()
    client = client_for(facilitator)
    response = client.post(
        net(network, "events/"),
        _event(starts_at=iso(start), ends_at=iso(start + timedelta(hours=1)), rrule="FREQ=DAILY"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    rows = (
        client_for()
        .get(
            net(network, "occurrences/"),
            {"start": iso(start), "end": iso(start + timedelta(days=366))},
        )
        .json()
    )
    assert len(rows) == 366


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "start"),
        ({"start": "2026-03-01T00:00:00+01:00"}, "end"),
        ({"start": "2026-03-01T00:00:00", "end": "2026-03-08T00:00:00+01:00"}, "start"),
        ({"start": "2026-03-01T00:00:00+01:00", "end": "2027-03-03T00:00:00+01:00"}, "end"),
        ({"start": "2026-03-08T00:00:00+01:00", "end": "2026-03-01T00:00:00+01:00"}, "end"),
        ({"start": "2026-03-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"}, "end"),
        ({"start": "0001-01-01T00:00:00Z", "end": "0001-02-01T00:00:00Z"}, "start"),
        ({"start": "9999-12-01T00:00:00Z", "end": "9999-12-31T00:00:00Z"}, "start"),
        ({"start": HUGE, "end": "2026-03-01T00:00:00Z"}, "start"),
        ({"start": "2026-03-01T00:00:00Z", "end": "2026-03-08T00:00:00Z", "event": "x"}, "event"),
        (
            {"start": "2026-03-01T00:00:00Z", "end": "2026-03-08T00:00:00Z", "event": str(BIG_ID)},
            "event",
        ),
    ],
)
def test_invalid_occurrence_ranges(network, facilitator, query, field):
    make_event(network, facilitator, rrule="FREQ=WEEKLY")
    assert_error(client_for().get(net(network, "occurrences/"), query), 400, "invalid", field)


def test_an_unencoded_plus_in_the_range_is_explained(network):
    # "+01:00" typed into an address arrives as " 01:00".
    url = net(network, "occurrences/") + (
        "?start=2026-03-01T00:00:00+01:00&end=2026-03-08T00:00:00%2B01:00"
    )
    assert_error(client_for().get(url), 400, "invalid", "start")
    ok = client_for().get(
        net(network, "occurrences/")
        + ("?start=2026-03-01T00:00:00%2B01:00&end=2026-03-08T00:00:00Z")
    )
    assert ok.status_code == 200 and ok.json() == []


@pytest.mark.parametrize(
    "key",
    [
        "notakey",
        "20260230T090000Z",
        "00010101T000000Z",
        "99991231T235959Z",
        "2026-03-02T09:00:00Z",
        "x" * 5000,
    ],
)
def test_malformed_occurrence_keys(network, facilitator, key):
    event = make_event(network, facilitator, rrule="FREQ=WEEKLY")
    client = client_for(facilitator)
    base = net(network, f"events/{event.pk}/occurrences/{key}/")
    assert_error(client.get(base), 400, "invalid", "key")
    assert_error(client.post(f"{base}cancel/", {}, format="json"), 400, "invalid", "key")
    assert_error(client.get(f"{base}registrations/"), 400, "invalid", "key")


def test_a_time_the_event_never_had_is_not_found(network, facilitator, member):
    event = make_event(network, facilitator, rrule="FREQ=WEEKLY")
    wrong = event.starts_at + timedelta(days=1)
    fac = client_for(facilitator)
    assert_error(fac.get(occurrence_url(network, event, wrong)), 404, "not_found")
    for action in ("cancel/", "restore/"):
        assert_error(
            fac.post(occurrence_url(network, event, wrong, action), {}, format="json"),
            404,
            "not_found",
        )
    assert_error(
        client_for(member).post(
            occurrence_url(network, event, wrong, "registrations/"), {}, format="json"
        ),
        404,
        "not_found",
    )
    assert_error(fac.get(occurrence_url(network, event, wrong, "registrations/")), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "starts_at"),
        ({"starts_at": "2026-03-03T14:00:00", "ends_at": "2026-03-03T16:00:00+01:00"}, "starts_at"),
        (
            {"starts_at": "2026-03-03T14:00:00+01:00", "ends_at": "2026-03-03T13:00:00+01:00"},
            "ends_at",
        ),
        (
            {
                "starts_at": "2026-03-03T14:00:00+01:00",
                "ends_at": "2026-03-03T16:00:00+01:00",
                "note": HUGE,
            },
            "note",
        ),
    ],
)
def test_invalid_moves(network, facilitator, body, field):
    event = make_event(network, facilitator)
    response = client_for(facilitator).post(
        occurrence_url(network, event, event.starts_at, "move/"), body, format="json"
    )
    assert_error(response, 400, field=field)


def test_invalid_registration_inputs(network, facilitator, member):
    event = make_event(network, facilitator)
    url = occurrence_url(network, event, event.starts_at, "registrations/")
    client = client_for(facilitator)
    for value in ("me", BIG_ID, 987654, None):
        assert_error(client.post(url, {"member": value}, format="json"), 400, field="member")
    registration = register(event, member)
    attendance = net(network, f"registrations/{registration.pk}/attendance/")
    for body in ({}, {"attended": "maybe"}, {"attended": None}):
        assert_error(client.post(attendance, body, format="json"), 400, field="attended")
    for registration_id in (BIG_ID, 2**63):
        assert_error(
            client.post(net(network, f"registrations/{registration_id}/cancel/")), 404, "not_found"
        )
    assert Registration.objects.get().attended is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": "   "}, "text"),
        ({"text": HUGE}, "text"),
        ({"text": "Merci", "publication": "public"}, "publication"),
        ({"text": "Merci", "publication": "first_name"}, "first_name"),
        ({"text": "Merci", "publication": "first_name", "first_name": "x" * 61}, "first_name"),
        ({"text": "Merci", "author": "me"}, "author"),
        ({"text": "Merci", "author": 987654}, "author"),
        ({"text": "Merci", "event": 987654}, "event"),
        ({"text": "Merci", "event": "retro"}, "event"),
    ],
)
def test_invalid_testimony_fields(network, facilitator, body, field):
    response = client_for(facilitator).post(net(network, "testimonies/"), body, format="json")
    assert_error(response, 400, field=field)
    assert not models.Testimony.objects.exists()


def test_invalid_testimony_actions(network, facilitator, member):
    testimony = svc.testimony_record(network=network, author=member, text="Merci", acting=None)
    client = client_for(facilitator)
    url = net(network, f"testimonies/{testimony.pk}/")
    assert_error(client.post(f"{url}publication/", {}, format="json"), 400, field="publication")
    assert_error(
        client.post(f"{url}feature/", {"featured": "perhaps"}, format="json"), 400, field="featured"
    )
    assert_error(client.get(net(network, "testimonies/"), {"all": "maybe"}), 400, field="all")


@pytest.mark.parametrize(
    ("method", "body", "field"),
    [
        ("post", {}, "title"),
        ("post", {"title": "A", "text": HUGE}, "text"),
        (
            "post",
            {"title": "A", "text": "B", "published_at": "2026-03-02T09:00:00"},
            "published_at",
        ),
        ("post", {"title": "A", "text": "B", "published_at": "demain"}, "published_at"),
        ("post", {"title": "A", "text": "B", "event": "x"}, "event"),
        ("post", {"title": "A", "text": "B", "event": 987654}, "event"),
        ("patch", {"title": ""}, "title"),
        ("patch", {"published_at": None}, "published_at"),
    ],
)
def test_invalid_news_fields(network, facilitator, method, body, field):
    post = portal_svc.news_publish(network=network, title="A", text="B", acting=None)
    client = client_for(facilitator)
    url = net(network, "news/") if method == "post" else net(network, f"news/{post.pk}/")
    assert_error(getattr(client, method)(url, body, format="json"), 400, field=field)


def test_english_messages_on_request(network, facilitator):
    response = client_for(facilitator).post(
        net(network, "events/"),
        _event(rrule="FREQ=DAILY;INTERVAL=0"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    payload = assert_error(response, 400, "invalid", "rrule")
    assert payload["errors"]["rrule"] == ["INTERVAL must be a whole number from 1 to 100."]


# --- constant number of queries --------------------------------------------------------


def _count(client, url, params=None) -> int:
    client.get(url, params or {})  # warm per-process caches
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, {"page_size": 100, **(params or {})})
    assert response.status_code == 200, response.content[:300]
    return len(context)


def _assert_constant(client, url, add, django_assert_num_queries, params=None, rows=15):
    add(3)
    few = _count(client, url, params)
    add(rows - 3)
    with django_assert_num_queries(few):
        response = client.get(url, {"page_size": 100, **(params or {})})
    body = response.json()
    results = body["results"] if isinstance(body, dict) else body
    return results


def test_event_list_queries(network, facilitator, member, django_assert_num_queries):
    helpers = [FacilitatorFactory(network=network) for _ in range(2)]

    def add(count):
        for _ in range(count):
            make_event(network, facilitator, facilitators=helpers, rrule="FREQ=WEEKLY")

    for client in (client_for(member), client_for()):
        Event.objects.all().delete()
        results = _assert_constant(client, net(network, "events/"), add, django_assert_num_queries)
        assert len(results) == 15


def test_registration_list_queries(network, facilitator, django_assert_num_queries):
    event = make_event(network, facilitator)

    def add(count):
        for _ in range(count):
            register(event, MemberFactory(network=network))

    url = occurrence_url(network, event, event.starts_at, "registrations/")
    results = _assert_constant(client_for(facilitator), url, add, django_assert_num_queries)
    assert len(results) == 15


def test_own_registration_list_queries(network, facilitator, member, django_assert_num_queries):
    def add(count):
        for _ in range(count):
            register(make_event(network, facilitator), member)

    results = _assert_constant(
        client_for(member), net(network, "me/registrations/"), add, django_assert_num_queries
    )
    assert len(results) == 15


def test_testimony_list_queries(network, facilitator, django_assert_num_queries):
    event = make_event(network, facilitator)

    def add(count):
        for _ in range(count):
            testimony = svc.testimony_record(
                network=network,
                author=MemberFactory(network=network),
                text="Merci",
                event=event,
                publication="first_name",
                first_name="Sam",
                acting=None,
            )
            svc.testimony_feature(testimony=testimony, featured=True, acting=facilitator.user)

    results = _assert_constant(
        client_for(), net(network, "testimonies/"), add, django_assert_num_queries
    )
    assert len(results) == 15
    models.Testimony.objects.all().delete()
    results = _assert_constant(
        client_for(facilitator),
        net(network, "testimonies/"),
        add,
        django_assert_num_queries,
        params={"all": "true"},
    )
    assert len(results) == 15 and all(t["author"] for t in results)


def test_news_list_queries(network, facilitator, django_assert_num_queries):
    event = make_event(network, facilitator)

    def add(count):
        for _ in range(count):
            portal_svc.news_publish(network=network, title="A", text="B", event=event, acting=None)

    results = _assert_constant(client_for(), net(network, "news/"), add, django_assert_num_queries)
    assert len(results) == 15


def test_occurrence_list_queries(network, facilitator, member, django_assert_num_queries):
    def add(count):
        for _ in range(count):
            event = make_event(network, facilitator, rrule="FREQ=DAILY;COUNT=3", capacity=5)
            register(event, member)

    start = timezone.now()
    params = {"start": iso(start), "end": iso(start + timedelta(days=30))}
    results = _assert_constant(
        client_for(member),
        net(network, "occurrences/"),
        add,
        django_assert_num_queries,
        params=params,
    )
    assert len(results) == 45 and sum(r["confirmed"] for r in results) == 15

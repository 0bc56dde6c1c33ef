"""Shared calendars in the portal and the API: events of neighbouring networks mirrored
here, shown beside ours (or not, ``?from=``), labelled with their organiser and distance,
in the iCalendar feeds, registered for (the organiser answers), and participants from
neighbouring networks at our own events.

Mirrored events and remote registrations are made with the ORM, as the federation would
leave them; everything else goes through pages and the API.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime, timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rers_core.models import Event, EventException, Registration
from rers_core.selectors.events import occurrence_key, occurrences
from rers_core.selectors.figures import Month
from rers_core.services import events as event_services
from rers_core.testing.factories import MemberFactory
from rers_federation.models import MirroredObject, Peer
from tests.conftest import in_english, login
from tests.core.api_support import assert_error, client_for, net
from tests.core.neighbours_support import pretend_neighbours
from tests.core.page_checks import check_page

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
LONDON = zoneinfo.ZoneInfo("Europe/London")
ORIGIN = "https://voisin.example/voisin/calendar/events/7/"


def _browser(person=None) -> Client:
    client = in_english(Client())
    return login(client, person) if person is not None else client


def _url(name, network, *args):
    return reverse(f"rers_core:{name}", args=[network.slug, *args])


def _occ_url(name, event, start=None):
    return _url(name, event.network, event.pk, occurrence_key(start or event.starts_at))


def _in_days(days: int, hour: int) -> datetime:
    day = timezone.now().astimezone(PARIS).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def _month(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m")


def _mirror(network, **fields) -> Event:
    """An event of the neighbouring network "RERS voisin", as the federation mirrors it."""
    start = fields.pop("starts_at", None) or _in_days(3, 15)
    return Event.objects.create(
        **{
            "network": network,
            "kind": "collective_exchange",
            "title": "Atelier vélo",
            "place": "Garage solidaire, Voisinville",
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "capacity": 5,
            "visibility": Event.Visibility.FEDERATED,
            "origin_uri": ORIGIN,
            "origin_name": "RERS voisin",
            "origin_distance_km": 12,
            "origin_timezone": "Europe/Paris",
            **fields,
        }
    )


def _remote(event, *, name="", status=Registration.Status.CONFIRMED, uri="") -> Registration:
    """A person of a neighbouring network registered for one of our events."""
    return Registration.objects.create(
        event=event,
        occurrence_start=event.starts_at,
        status=status,
        remote_uri=uri or f"https://voisin.example/registrations/{uuid.uuid4()}",
        remote_name=name,
        remote_network_name="RERS voisin",
        remote_network_uri="https://voisin.example/voisin/",
    )


@pytest.fixture
def ours(network, facilitator):
    """Our own collective exchange in three days, shared with the neighbours, 8 seats."""
    start = _in_days(3, 14)
    return event_services.event_create(
        network=network,
        acting=facilitator.user,
        kind="collective_exchange",
        title="Atelier CV",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=8,
        visibility=Event.Visibility.FEDERATED,
    )


@pytest.fixture
def theirs(network):
    """A neighbour's event, with the peer it came from: registrations can reach it."""
    event = _mirror(network)
    peer = Peer.objects.create(
        network=network,
        document_url="https://voisin.example/voisin/",
        name="RERS voisin",
        inbox_url="https://voisin.example/voisin/inbox",
        fingerprint="test",
        status=Peer.Status.ACTIVE,
    )
    MirroredObject.objects.create(
        network=network, peer=peer, uri=ORIGIN, type="Event", version=timezone.now(), event=event
    )
    return event


# --- the calendar page -----------------------------------------------------------------


def test_calendar_shows_ours_theirs_or_both_with_organiser_and_distance(
    network, member, ours, theirs
):
    calendar = _url("calendar", network)
    month = _month(theirs.starts_at)  # the same day as ours

    both = check_page(_browser(member).get(calendar, {"month": month}))
    assert "Atelier CV" in both and "Atelier vélo" in both
    assert "Organised by RERS de Souday" in both
    assert "Organised by RERS voisin (12 km)" in both
    # The choice, as plain links keeping the month; "both" is the default.
    assert f'href="{calendar}?month={month}" aria-current="page">Both' in both
    assert f'href="{calendar}?month={month}&from=here">This network' in both
    assert f'href="{calendar}?month={month}&from=neighbours">Neighbouring networks' in both
    # Seats left are ours to count, not the neighbour's.
    assert "8 seats left" in both and "5 seats left" not in both

    here = check_page(_browser(member).get(calendar, {"month": month, "from": "here"}))
    assert "Atelier CV" in here and "Atelier vélo" not in here
    assert 'from=here" aria-current="page">This network' in here
    # Paging through months and switching views keep the choice.
    previous = Month.parse(month).previous()
    assert f'href="?month={previous}&from=here" rel="prev"' in here
    assert f'href="{calendar}?view=week&from=here"' in here
    assert f'href="{calendar}?view=list&from=here"' in here

    neighbours = check_page(_browser().get(calendar, {"month": month, "from": "neighbours"}))
    assert "Atelier vélo" in neighbours and "Atelier CV" not in neighbours

    week = theirs.starts_at.astimezone(PARIS).date().isoformat()
    for query in ({"view": "week", "week": week}, {"view": "list"}):
        page = check_page(_browser().get(calendar, {**query, "from": "neighbours"}))
        assert "Atelier vélo" in page and "Atelier CV" not in page
        assert "Organised by RERS voisin (12 km)" in page
        page = check_page(_browser().get(calendar, {**query, "from": "here"}))
        assert "Atelier CV" in page and "Atelier vélo" not in page

    # The network's home page lists both, a neighbour's event with its organiser.
    home = check_page(_browser().get(_url("network", network)))
    assert "Atelier CV" in home and "Atelier vélo" in home
    assert "Organised by RERS voisin (12 km)" in home and "Organised by RERS de Souday" not in home

    # Anything else shows both.
    odd = check_page(_browser().get(calendar, {"month": month, "from": "elsewhere"}))
    assert "Atelier CV" in odd and "Atelier vélo" in odd


def test_co_organised_events_say_so(network, ours, theirs):
    Event.objects.filter(pk__in=[ours.pk, theirs.pk]).update(co_organised=True)
    Event.objects.filter(pk=theirs.pk).update(origin_distance_km=None)
    page = check_page(_browser().get(_url("calendar", network), {"view": "list"}))
    assert "Co-organised by RERS de Souday and the neighbouring networks" in page
    assert "Co-organised by RERS voisin and RERS de Souday" in page
    assert "(12 km)" not in page  # distance unknown
    detail = check_page(_browser().get(_url("event_detail", network, theirs.pk)))
    assert "Co-organised by RERS voisin and RERS de Souday" in detail


def test_labels_are_french_first(network, ours, theirs):
    Event.objects.filter(pk=ours.pk).update(co_organised=True)
    page = check_page(Client().get(_url("calendar", network), {"view": "list"}))
    assert "Organisé par RERS voisin (à 12 km)" in page
    assert "Co-organisé par RERS de Souday et les réseaux voisins" in page
    assert "Réseaux voisins" in page


def test_calendar_links_both_feeds(network, member):
    page = check_page(_browser(member).get(_url("calendar", network)))
    feed = _url("network_feed", network)
    assert f'href="{feed}"' in page
    assert f'href="{feed}?from=all"' in page


# --- the iCalendar feeds ---------------------------------------------------------------


def _vevents(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_feeds_keep_ours_by_default_and_combine_on_request(network, ours, theirs):
    feed = _url("network_feed", network)
    (own,) = _vevents(_browser().get(feed))
    assert str(own["summary"]) == "Atelier CV"
    assert str(own["uid"]) == f"{ours.uid}@rers"

    combined = {str(v["summary"]): v for v in _vevents(_browser().get(feed, {"from": "all"}))}
    assert set(combined) == {"Atelier CV", "Atelier vélo"}
    mirrored = combined["Atelier vélo"]
    assert str(mirrored["description"]).startswith("Organised by RERS voisin (12 km).")
    assert str(combined["Atelier CV"]["uid"]) == f"{ours.uid}@rers"
    assert mirrored["dtstart"].dt == theirs.starts_at
    # Its UID comes from its address at the organiser, not from the copy here.
    uid = str(mirrored["uid"])
    assert uid == f"{uuid.uuid5(uuid.NAMESPACE_URL, ORIGIN)}@rers"
    assert uid != f"{theirs.uid}@rers"
    theirs.delete()
    again = _mirror(network)
    (remade,) = _vevents(_browser().get(feed, {"from": "neighbours"}))
    assert str(remade["uid"]) == uid and again.uid != theirs.uid

    response = _browser().get(feed, {"from": "all"})
    assert f'filename="{network.slug}-all.ics"' in response["Content-Disposition"]
    name = icalendar.Calendar.from_ical(response.content)["x-wr-calname"]
    assert str(name) == "RERS de Souday and neighbouring networks"
    # Anything else is the default.
    assert len(_vevents(_browser().get(feed, {"from": "?"}))) == 1


def test_a_neighbours_repetitions_follow_its_organisers_clock(network):
    """A drop-in at 9:00 in London stays at 9:00 in London, here and in the feed, however
    our own clock (Paris) reads it."""
    first = datetime(2031, 3, 10, 9, tzinfo=LONDON)  # a Monday, before the clocks change
    drop_in = _mirror(
        network,
        title="Permanence de Londres",
        starts_at=first,
        rrule="FREQ=WEEKLY;BYDAY=MO",
        origin_timezone="Europe/London",
    )
    found = occurrences([drop_in], first, first + timedelta(days=28))
    assert [o.starts_at.astimezone(LONDON).hour for o in found] == [9, 9, 9, 9]
    assert found[-1].starts_at.astimezone(LONDON).date() == date(2031, 3, 31)  # summer time
    EventException.objects.create(
        event=drop_in, original_start=found[1].original_start, cancelled=True
    )

    (master,) = _vevents(_browser().get(_url("network_feed", network), {"from": "neighbours"}))
    assert master["dtstart"].params["TZID"] == "Europe/London"
    assert master["dtstart"].dt.hour == 9
    assert master["rrule"]["FREQ"] == ["WEEKLY"]
    (exdate,) = master["exdate"].dts
    assert exdate.dt == found[1].original_start and exdate.dt.tzinfo.key == "Europe/London"


# --- a neighbour's event: its pages and registering ------------------------------------


def test_a_neighbours_event_cannot_be_changed_here(network, facilitator, theirs):
    staff = _browser(facilitator)
    detail = check_page(staff.get(_url("event_detail", network, theirs.pk)))
    assert "Organised by RERS voisin (12 km)" in detail
    assert "Only RERS voisin, which organises this event, can change it." in detail
    assert _url("event_edit", network, theirs.pk) not in detail
    assert _url("event_cancel", network, theirs.pk) not in detail
    assert "Seats" not in detail  # counted at the organiser

    occurrence = check_page(staff.get(_occ_url("occurrence_detail", theirs)))
    assert "Organised by RERS voisin (12 km)" in occurrence
    for action in ("occurrence_move", "occurrence_cancel", "occurrence_restore"):
        assert _occ_url(action, theirs) not in occurrence
    assert "Seats left" not in occurrence

    response = staff.get(_url("event_edit", network, theirs.pk))
    assert response.status_code == 302
    assert response["Location"] == _url("event_detail", network, theirs.pk)
    assert "Only RERS voisin" in check_page(staff.get(response["Location"]))


def test_members_register_and_see_the_organisers_answer(network, member, theirs):
    browser = _browser(member)
    page = check_page(browser.get(_occ_url("occurrence_detail", theirs)))
    assert "Your registration is sent to RERS voisin" in page
    assert "seats left" not in page.lower()

    response = browser.post(_occ_url("occurrence_register", theirs))
    assert response.status_code == 302
    registration = Registration.objects.get(event=theirs, member=member)
    # The service keeps it waiting for the organiser's answer.
    assert registration.status == Registration.Status.REQUESTED
    page = check_page(browser.get(_occ_url("occurrence_detail", theirs)))
    assert "waiting for the organiser's answer" in page
    mine = check_page(browser.get(_url("my_registrations", network)))
    assert "Atelier vélo" in mine and "Organised by RERS voisin (12 km)" in mine
    assert "Waiting for the organiser's answer" in mine

    # In the member's own feed: tentative until the organiser answers, with the UID of the
    # organiser's event.
    token = event_services.calendar_token_for(member).token
    member_feed = _url("member_feed", network, token)
    (vevent,) = _vevents(_browser().get(member_feed))
    assert vevent["status"] == "TENTATIVE"
    uid = f"{uuid.uuid5(uuid.NAMESPACE_URL, ORIGIN)}-{occurrence_key(theirs.starts_at)}@rers"
    assert str(vevent["uid"]) == uid

    Registration.objects.filter(pk=registration.pk).update(status="confirmed")
    assert (
        "You are registered." in browser.get(_occ_url("occurrence_detail", theirs)).content.decode()
    )
    Registration.objects.filter(pk=registration.pk).update(status="waitlisted")
    assert (
        "waiting list of RERS voisin"
        in browser.get(_occ_url("occurrence_detail", theirs)).content.decode()
    )

    Registration.objects.filter(pk=registration.pk).update(status="refused")
    page = check_page(browser.get(_occ_url("occurrence_detail", theirs)))
    assert "RERS voisin, which organises this event, refused your registration." in page
    assert _url("registration_cancel", network, registration.pk) not in page
    mine = check_page(browser.get(_url("my_registrations", network)))
    assert "Refused by the organiser" in mine
    (vevent,) = _vevents(_browser().get(member_feed))
    assert vevent["status"] == "CANCELLED"
    assert _url("registration_cancel", network, registration.pk) not in mine


# --- participants from neighbouring networks at our events ------------------------------


def test_facilitators_see_and_manage_remote_participants(network, facilitator, member, ours):
    camille = _remote(ours, name="Camille")
    anonymous = _remote(ours, status=Registration.Status.WAITLISTED)
    local = event_services.registration_create(
        event=ours, original_start=ours.starts_at, member=member, acting=member.user
    )
    staff = _browser(facilitator)
    page = check_page(staff.get(_occ_url("occurrence_detail", ours)))
    assert "Camille (RERS voisin)" in page
    assert "A member of RERS voisin" in page
    assert _url("manage_member", network, member.pk) in page  # our member: a link
    assert "/manage/members/None/" not in page
    assert "2 people registered" in page

    response = staff.post(
        _url("registration_attendance", network, camille.pk), {"attended": "present"}
    )
    assert response.status_code == 302
    camille.refresh_from_db()
    assert camille.attended is True
    # Someone else than a facilitator cannot touch them.
    assert (
        _browser(member).post(_url("registration_cancel", network, camille.pk)).status_code == 404
    )
    response = staff.post(_url("registration_cancel", network, anonymous.pk))
    assert response.status_code == 302
    assert Registration.objects.get(pk=anonymous.pk).status == "cancelled"
    assert Registration.objects.get(pk=local.pk).status == "confirmed"


# --- the event form ----------------------------------------------------------------------


def _form_data(**overrides):
    start = _in_days(5, 10)
    return {
        "kind": "collective_exchange",
        "title": "Forum des savoirs",
        "start_date": start.date().isoformat(),
        "start_time": "10:00",
        "end_time": "12:00",
        "repetition": "none",
        "registration_open": "on",
        "visibility": "federated",
        **overrides,
    }


def test_only_coordinators_mark_an_event_co_organised(
    network, facilitator, coordinator, monkeypatch
):
    pretend_neighbours(monkeypatch)
    assert 'name="co_organised"' not in check_page(
        _browser(facilitator).get(_url("event_new", network))
    )
    boss = _browser(coordinator)
    assert 'name="co_organised"' in check_page(boss.get(_url("event_new", network)))

    refused = check_page(
        boss.post(_url("event_new", network), _form_data(visibility="network", co_organised="on"))
    )
    assert "Only an event visible to the neighbouring networks" in refused
    response = boss.post(_url("event_new", network), _form_data(co_organised="on"))
    assert response.status_code == 302
    forum = Event.objects.get(title="Forum des savoirs")
    assert forum.co_organised is True

    # A facilitator editing it keeps what the coordinator decided.
    response = _browser(facilitator).post(
        _url("event_edit", network, forum.pk), _form_data(title="Forum des savoirs 2026")
    )
    assert response.status_code == 302
    forum.refresh_from_db()
    assert forum.title == "Forum des savoirs 2026" and forum.co_organised is True
    # The coordinator can undo it.
    boss.post(_url("event_edit", network, forum.pk), _form_data(title="Forum"))
    forum.refresh_from_db()
    assert forum.co_organised is False


# --- the API -----------------------------------------------------------------------------


def test_api_events_and_occurrences_tell_whose_they_are(network, member, ours, theirs):
    api = client_for(member)
    rows = {e["title"]: e for e in api.get(net(network, "events/")).json()["results"]}
    assert set(rows) == {"Atelier CV", "Atelier vélo"}  # both by default
    mirrored = rows["Atelier vélo"]
    assert mirrored["is_mirrored"] is True
    assert mirrored["origin_uri"] == ORIGIN
    assert (mirrored["origin_name"], mirrored["origin_distance_km"]) == ("RERS voisin", 12)
    assert mirrored["co_organised"] is False
    assert rows["Atelier CV"]["is_mirrored"] is False and rows["Atelier CV"]["origin_uri"] == ""

    def titles(path, **params):
        response = api.get(net(network, path), params)
        assert response.status_code == 200, response.json()
        body = response.json()
        return {row["title"] for row in (body["results"] if "results" in body else body)}

    assert titles("events/", **{"from": "here"}) == {"Atelier CV"}
    assert titles("events/", **{"from": "neighbours"}) == {"Atelier vélo"}
    assert_error(api.get(net(network, "events/"), {"from": "everywhere"}), 400, field="from")

    window = {
        "start": timezone.now().isoformat().replace("+00:00", "Z"),
        "end": (timezone.now() + timedelta(days=30)).isoformat().replace("+00:00", "Z"),
    }
    assert titles("occurrences/", **window) == {"Atelier CV", "Atelier vélo"}
    assert titles("occurrences/", **window, **{"from": "neighbours"}) == {"Atelier vélo"}
    sittings = {o["title"]: o for o in api.get(net(network, "occurrences/"), {**window}).json()}
    assert sittings["Atelier vélo"]["origin_name"] == "RERS voisin"
    assert sittings["Atelier vélo"]["seats_left"] is None  # counted at the organiser
    assert sittings["Atelier CV"]["seats_left"] == 8


def test_api_registrations_cope_with_remote_participants(network, facilitator, member, ours):
    camille = _remote(ours, name="Camille")
    event_services.registration_create(
        event=ours, original_start=ours.starts_at, member=member, acting=member.user
    )
    path = net(network, f"events/{ours.pk}/occurrences/{occurrence_key(ours.starts_at)}/")
    staff = client_for(facilitator)
    rows = staff.get(f"{path}registrations/").json()["results"]
    remote = next(r for r in rows if r["id"] == camille.pk)
    assert remote["member"] is None
    assert remote["participant_name"] == "Camille (RERS voisin)"
    assert remote["remote_network_name"] == "RERS voisin"
    local = next(r for r in rows if r["id"] != camille.pk)
    assert local["member"]["id"] == member.pk and local["remote_network_name"] == ""

    response = staff.post(
        net(network, f"registrations/{camille.pk}/attendance/"), {"attended": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["attended"] is True
    assert (
        client_for(member).post(net(network, f"registrations/{camille.pk}/cancel/")).status_code
        == 404
    )
    response = staff.post(net(network, f"registrations/{camille.pk}/cancel/"))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_api_own_registrations_show_the_organisers_answer(network, theirs):
    person = MemberFactory(network=network)
    registration = event_services.registration_create(
        event=theirs, original_start=theirs.starts_at, member=person, acting=person.user
    )
    assert registration.status == "requested"
    api = client_for(person)
    (row,) = api.get(net(network, "me/registrations/")).json()["results"]
    assert (row["status"], row["event"]["id"]) == ("requested", theirs.pk)
    Registration.objects.filter(pk=registration.pk).update(status="refused")
    (row,) = api.get(net(network, "me/registrations/")).json()["results"]
    assert row["status"] == "refused"


def test_without_neighbours_an_event_is_the_networks_own(network, coordinator):
    boss = _browser(coordinator)
    page = check_page(boss.get(_url("event_new", network)))
    assert 'name="co_organised"' not in page and 'value="federated"' not in page
    response = boss.post(_url("event_new", network), _form_data(visibility="federated"))
    assert response.status_code == 200 and not Event.objects.exists()

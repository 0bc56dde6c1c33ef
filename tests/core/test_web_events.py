"""The network's collective life through the portal: calendar, registrations and the waiting
list, feeds, testimonies, news, resources, the contact form, monthly figures, dashboard.

Journeys go through pages (GET to see, POST to act) and check the database, the emails and
the files people download. Pages are read in English where text is asserted.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zoneinfo
from datetime import date, datetime, timedelta
from xml.etree import ElementTree

import icalendar
import openpyxl
import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rers_core.models import (
    CalendarToken,
    ContactMessage,
    Event,
    EventException,
    NewsPost,
    Registration,
    Resource,
)
from rers_core.models import Testimony as SavedTestimony  # "Test…" names are for tests
from rers_core.selectors.events import occurrence_key
from rers_core.selectors.figures import FIGURES
from rers_core.services import events as event_services
from rers_core.services.portal import news_publish
from rers_core.testing.factories import (
    CoordinatorFactory,
    FacilitatorFactory,
    ListingFactory,
    MemberFactory,
)
from rers_core.web.forms import EventForm, repeat_choice, repeat_rule
from tests.conftest import login
from tests.core.page_checks import check_page

ATOM = "{http://www.w3.org/2005/Atom}"

# --- Helpers ---------------------------------------------------------------------------------


def _as(person=None, language: str = "en", **extra) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language, **extra)
    return login(client, person) if person is not None else client


def _url(name, network, *args):
    return reverse(f"rers_core:{name}", args=[network.slug, *args])


def _tz(network):
    return zoneinfo.ZoneInfo(network.timezone)


def _local_today(network) -> date:
    return timezone.now().astimezone(_tz(network)).date()


def _next_monday(network) -> date:
    today = _local_today(network)
    return today + timedelta(days=7 - today.weekday())


def _event_data(**overrides):
    data = {
        "kind": "drop_in",
        "title": "Permanence du lundi",
        "description": "Accueil libre.",
        "place": "Agence, salle 2",
        "online_url": "",
        "start_date": "",
        "start_time": "09:00",
        "end_time": "12:00",
        "end_date": "",
        "repetition": "none",
        "advanced_rule": "",
        "capacity": "",
        "registration_open": "on",
        "visibility": "network",
    }
    data.update(overrides)
    return data


def _occ_url(name, event, start):
    return _url(name, event.network, event.pk, occurrence_key(start))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The contact form's throttle lives in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def workshop(network, facilitator):
    """A collective exchange in three days, 8 seats."""
    day = _local_today(network) + timedelta(days=3)
    start = datetime.combine(day, datetime.min.time(), tzinfo=_tz(network)).replace(hour=14)
    return event_services.event_create(
        network=network,
        acting=facilitator.user,
        kind="collective_exchange",
        title="Atelier CV",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=8,
    )


# --- The journey -----------------------------------------------------------------------------


def test_drop_in_and_workshop_with_waiting_list_promotion_and_personal_feed(
    network, facilitator, django_capture_on_commit_callbacks
):
    staff = _as(facilitator)
    check_page(staff.get(_url("event_new", network)))

    # The weekly drop-in session: every Monday, 9:00 to 12:00, on the network's clock.
    monday = _next_monday(network)
    response = staff.post(
        _url("event_new", network),
        _event_data(
            start_date=monday.isoformat(),
            repetition="weekly",
        ),
    )
    drop_in = Event.objects.get(title="Permanence du lundi")
    assert response.status_code == 302
    assert response["Location"] == _url("event_detail", network, drop_in.pk)
    assert drop_in.rrule == "FREQ=WEEKLY;BYDAY=MO"
    local_start = drop_in.starts_at.astimezone(_tz(network))
    assert (local_start.date(), local_start.hour, local_start.minute) == (monday, 9, 0)
    assert drop_in.ends_at - drop_in.starts_at == timedelta(hours=3)
    detail = check_page(staff.get(_url("event_detail", network, drop_in.pk)))
    assert "Every week, on Monday" in detail
    # Its next Mondays are listed, each with its own page.
    second = datetime.combine(
        monday + timedelta(days=7), datetime.min.time(), tzinfo=_tz(network)
    ).replace(hour=9)
    assert _occ_url("occurrence_detail", drop_in, second) in detail

    # The collective exchange: 8 seats.
    day = _local_today(network) + timedelta(days=3)
    response = staff.post(
        _url("event_new", network),
        _event_data(
            kind="collective_exchange",
            title="Atelier CV",
            start_date=day.isoformat(),
            start_time="14:00",
            end_time="16:00",
            capacity="8",
            facilitators=[facilitator.pk],
        ),
    )
    assert response.status_code == 302
    workshop = Event.objects.get(title="Atelier CV")
    assert workshop.capacity == 8 and workshop.rrule == ""
    assert list(workshop.facilitators.all()) == [facilitator]
    start = workshop.starts_at

    # Ten people register through the occurrence page: eight seats, then the waiting list.
    people = [MemberFactory(network=network, display_name=f"Personne {n}") for n in range(10)]
    for person in people:
        browser = _as(person)
        page = check_page(browser.get(_occ_url("occurrence_detail", workshop, start)))
        assert _occ_url("occurrence_register", workshop, start) in page
        response = browser.post(_occ_url("occurrence_register", workshop, start))
        assert response.status_code == 302
        assert response["Location"] == _occ_url("occurrence_detail", workshop, start)
    statuses = [Registration.objects.get(member=p, event=workshop).status for p in people]
    assert statuses == ["confirmed"] * 8 + ["waitlisted"] * 2
    ninth = check_page(_as(people[8]).get(_occ_url("occurrence_detail", workshop, start)))
    assert "You are on the waiting list (number 1)" in ninth
    assert "0 of 8" in ninth

    # Facilitators see who registered, then the waiting list in order.
    staff_page = check_page(staff.get(_occ_url("occurrence_detail", workshop, start)))
    assert "8 people registered" in staff_page
    waiting_part = staff_page.split("Waiting list</h3>")[1]
    assert waiting_part.index("Personne 8") < waiting_part.index("Personne 9")

    # One registered person cancels: the first waiting gets the seat and an email.
    cancelled = Registration.objects.get(member=people[2], event=workshop)
    with django_capture_on_commit_callbacks(execute=True):
        response = _as(people[2]).post(_url("registration_cancel", network, cancelled.pk))
    assert response.status_code == 302
    assert Registration.objects.get(pk=cancelled.pk).status == "cancelled"
    promoted = Registration.objects.get(member=people[8], event=workshop)
    assert promoted.status == "confirmed" and promoted.promoted_at is not None
    assert Registration.objects.get(member=people[9], event=workshop).status == "waitlisted"
    assert [m.to for m in mail.outbox] == [[people[8].email]]
    assert "Atelier CV" in mail.outbox[0].body

    # The promoted person's own calendar: their registrations, at a secret address.
    browser = _as(people[8])
    mine = check_page(browser.get(_url("my_registrations", network)))
    assert "Atelier CV" in mine
    token = CalendarToken.objects.get(member=people[8]).token
    feed_url = _url("member_feed", network, token)
    assert feed_url in mine
    feed = Client().get(feed_url)  # calendar applications do not log in
    assert feed.status_code == 200
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    (vevent,) = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(vevent["summary"]) == "Atelier CV"
    assert vevent["status"] == "CONFIRMED"
    assert vevent["dtstart"].dt == start

    # A new address: the old one stops working at once.
    response = browser.post(_url("calendar_token_regenerate", network))
    assert response.status_code == 302
    new_token = CalendarToken.objects.get(member=people[8]).token
    assert new_token != token
    assert Client().get(feed_url).status_code == 404
    assert Client().get(_url("member_feed", network, new_token)).status_code == 200

    # The network's public calendar has both events.
    public = Client().get(_url("network_feed", network))
    assert public["Content-Type"] == "text/calendar; charset=utf-8"
    summaries = {
        str(v["summary"]) for v in icalendar.Calendar.from_ical(public.content).walk("VEVENT")
    }
    assert summaries == {"Permanence du lundi", "Atelier CV"}


def test_calendar_month_week_and_list_views(network, facilitator, member, workshop):
    monday = _next_monday(network)
    start = datetime.combine(monday, datetime.min.time(), tzinfo=_tz(network)).replace(hour=9)
    drop_in = event_services.event_create(
        network=network,
        acting=facilitator.user,
        kind="drop_in",
        title="Permanence du lundi",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        rrule="FREQ=WEEKLY;BYDAY=MO",
    )
    month = f"{monday.year:04d}-{monday.month:02d}"
    anonymous = _as()
    page = check_page(anonymous.get(_url("calendar", network), {"month": month}))
    assert "<caption>" in page and "Permanence du lundi" in page
    assert _occ_url("occurrence_detail", drop_in, start) in page
    headers = re.findall(r'<th scope="col"><abbr title="([^"]+)"', page)
    assert headers == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    # Visitors of the site see times and places, members also the seats left.
    workshop_month = workshop.starts_at.astimezone(_tz(network)).strftime("%Y-%m")
    assert (
        "seats left"
        not in anonymous.get(_url("calendar", network), {"month": workshop_month}).content.decode()
    )
    assert (
        "8 seats left"
        in _as(member).get(_url("calendar", network), {"month": workshop_month}).content.decode()
    )

    week = check_page(
        anonymous.get(_url("calendar", network), {"view": "week", "week": monday.isoformat()})
    )
    assert "Permanence du lundi" in week
    assert f"week={(monday - timedelta(days=7)).isoformat()}" in week
    assert f"week={(monday + timedelta(days=7)).isoformat()}" in week
    listing = check_page(anonymous.get(_url("calendar", network), {"view": "list"}))
    assert "Atelier CV" in listing and listing.count("Permanence du lundi") >= 8

    # French by default, with French day and month names from the network's calendar.
    french = Client().get(_url("calendar", network), {"month": month}).content.decode()
    assert '<html lang="fr">' in french and 'title="Lundi"' in french

    # A cancelled date stays in the calendar, marked; a cancelled event disappears.
    event_services.occurrence_cancel(
        event=drop_in, original_start=start, acting=facilitator.user, note="Férié"
    )
    week = anonymous.get(
        _url("calendar", network), {"view": "week", "week": monday.isoformat()}
    ).content.decode()
    assert "occurrence--cancelled" in week
    event_services.event_cancel(event=workshop, acting=facilitator.user)
    assert (
        "Atelier CV"
        not in anonymous.get(_url("calendar", network), {"view": "list"}).content.decode()
    )
    assert anonymous.get(_url("event_detail", network, workshop.pk)).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"month": "2026-13"},
        {"month": "garbage"},
        {"month": "99999-01"},
        {"week": "0001-01-01"},
        {"view": "week", "week": "not-a-date"},
        {"view": "week", "week": "9999-12-31"},
        {"view": "year"},
    ],
)
def test_bad_calendar_addresses_show_the_current_period(client, network, query):
    assert client.get(_url("calendar", network), query).status_code == 200


def test_unknown_events_and_occurrences_are_not_found(client, network, facilitator, workshop):
    assert client.get(_url("event_detail", network, 999999)).status_code == 404
    not_a_date = workshop.starts_at + timedelta(hours=1)
    assert client.get(_occ_url("occurrence_detail", workshop, not_a_date)).status_code == 404
    bad_key = f"/{network.slug}/calendar/events/{workshop.pk}/2026-01-01/"
    assert client.get(bad_key).status_code == 404
    assert client.get(_url("member_feed", network, "no-such-token")).status_code == 404


def test_facilitators_manage_one_occurrence_and_attendance(network, facilitator, workshop):
    staff = _as(facilitator)
    start = workshop.starts_at
    visitor = MemberFactory(network=network, status="visitor", display_name="Visiteuse")

    # Registering someone on their behalf (a visitor met at a drop-in).
    response = staff.post(_occ_url("occurrence_register", workshop, start), {"member": visitor.pk})
    assert response.status_code == 302
    registration = Registration.objects.get(member=visitor, event=workshop)
    assert registration.status == "confirmed"
    assert registration.registered_by == facilitator.user
    page = check_page(staff.get(_occ_url("occurrence_detail", workshop, start)))
    assert "Visiteuse" in page

    response = staff.post(
        _url("registration_attendance", network, registration.pk), {"attended": "present"}
    )
    assert response.status_code == 302
    assert Registration.objects.get(pk=registration.pk).attended is True
    staff.post(_url("registration_attendance", network, registration.pk), {"attended": "absent"})
    assert Registration.objects.get(pk=registration.pk).attended is False

    # Moving the date: an end before the start is refused on the form, nothing moves.
    day = (start + timedelta(days=1)).astimezone(_tz(network)).date().isoformat()
    refused = staff.post(
        _occ_url("occurrence_move", workshop, start),
        {
            "move-date": day,
            "move-start_time": "15:00",
            "move-end_time": "14:00",
        },
    )
    assert 'id="id_move-end_time_error"' in check_page(refused)
    assert not EventException.objects.exists()
    response = staff.post(
        _occ_url("occurrence_move", workshop, start),
        {
            "move-date": day,
            "move-start_time": "10:00",
            "move-end_time": "12:00",
            "move-note": "Salle prise",
        },
    )
    assert response.status_code == 302
    change = EventException.objects.get(event=workshop)
    assert change.starts_at.astimezone(_tz(network)).hour == 10 and change.note == "Salle prise"
    moved = check_page(staff.get(_occ_url("occurrence_detail", workshop, start)))
    assert "This date is moved" in moved and "Salle prise" in moved

    # Cancelling it, then restoring it.
    staff.post(_occ_url("occurrence_cancel", workshop, start), {"cancel-note": "Férié"})
    assert EventException.objects.get(event=workshop).cancelled
    member = MemberFactory(network=network)
    refused = _as(member).post(_occ_url("occurrence_register", workshop, start))
    assert refused.status_code == 302
    assert not Registration.objects.filter(member=member).exists()
    staff.post(_occ_url("occurrence_restore", workshop, start))
    assert not EventException.objects.exists()

    # Only people of this network can be chosen: back to the date's page, which says so.
    outsider = MemberFactory(network=MemberFactory().network)
    refused = staff.post(
        _occ_url("occurrence_register", workshop, start), {"member": outsider.pk}, follow=True
    )
    assert refused.redirect_chain == [(_occ_url("occurrence_detail", workshop, start), 302)]
    assert "Choose the person to register." in check_page(refused)
    assert not Registration.objects.filter(member=outsider).exists()

    # Plain members cannot do any of this.
    member_browser = _as(member)
    assert member_browser.post(_occ_url("occurrence_cancel", workshop, start)).status_code == 403
    assert (
        member_browser.post(
            _url("registration_attendance", network, registration.pk), {"attended": "present"}
        ).status_code
        == 403
    )
    assert (
        member_browser.post(
            _occ_url("occurrence_register", workshop, start), {"member": visitor.pk}
        ).status_code
        == 403
    )
    assert (
        member_browser.post(_url("registration_cancel", network, registration.pk)).status_code
        == 404
    )
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"
    assert member_browser.get(_url("event_new", network)).status_code == 403

    # Cancelling the whole event.
    response = staff.post(_url("event_cancel", network, workshop.pk))
    assert response.status_code == 302
    assert Event.objects.get(pk=workshop.pk).cancelled_at is not None


def test_event_form_repetitions_errors_and_editing(network, facilitator):
    staff = _as(facilitator)
    # The first Thursday of the month.
    first_thursday = date(2030, 1, 3)
    response = staff.post(
        _url("event_new", network),
        _event_data(
            kind="monthly_meeting",
            title="Rencontre mensuelle",
            start_date=first_thursday.isoformat(),
            start_time="18:00",
            end_time="20:00",
            repetition="monthly_weekday",
        ),
    )
    assert response.status_code == 302
    meeting = Event.objects.get(title="Rencontre mensuelle")
    assert meeting.rrule == "FREQ=MONTHLY;BYDAY=1TH"
    edit = check_page(staff.get(_url("event_edit", network, meeting.pk)))
    assert re.search(r'value="monthly_weekday"[^>]*checked', edit)

    # A second Thursday is not "the first Thursday"; a wrong rule names its field.
    refused = staff.post(
        _url("event_new", network),
        _event_data(start_date="2030-01-10", repetition="monthly_weekday"),
    )
    assert 'id="id_repetition_error"' in check_page(refused)
    refused = staff.post(
        _url("event_new", network),
        _event_data(start_date="2030-01-10", repetition="advanced", advanced_rule="FREQ=SOMETIMES"),
    )
    assert 'id="id_advanced_rule_error"' in check_page(refused)
    refused = staff.post(
        _url("event_new", network),
        _event_data(start_date="2030-01-10", start_time="12:00", end_time="09:00"),
    )
    assert 'id="id_end_time_error"' in check_page(refused)
    refused = staff.post(_url("event_new", network), _event_data(start_date="someday"))
    assert 'id="id_start_date_error"' in check_page(refused)
    assert Event.objects.count() == 1

    # Editing: every six months, in a room with 12 seats.
    response = staff.post(
        _url("event_edit", network, meeting.pk),
        _event_data(
            kind="retrospective",
            title="Échanges sur les échanges",
            start_date=first_thursday.isoformat(),
            start_time="14:00",
            end_time="17:00",
            repetition="six_monthly",
            capacity="12",
        ),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.rrule, meeting.capacity, meeting.kind) == (
        "FREQ=MONTHLY;INTERVAL=6",
        12,
        "retrospective",
    )
    assert meeting.starts_at.astimezone(_tz(network)).hour == 14


@pytest.mark.parametrize(
    ("choice", "rule"),
    [
        ("none", ""),
        ("weekly", "FREQ=WEEKLY;BYDAY=WE"),
        ("fortnightly", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"),
        ("monthly_weekday", "FREQ=MONTHLY;BYDAY=1WE"),
        ("monthly", "FREQ=MONTHLY"),
        ("six_monthly", "FREQ=MONTHLY;INTERVAL=6"),
    ],
)
def test_plain_repetitions_round_trip(choice, rule):
    wednesday = date(2030, 1, 2)
    assert repeat_rule(choice, wednesday) == rule
    assert repeat_choice(rule, wednesday) == (choice, "")
    assert repeat_choice("FREQ=DAILY;COUNT=3", wednesday) == ("advanced", "FREQ=DAILY;COUNT=3")


def test_event_form_reads_back_an_event(network, facilitator, workshop):
    initial = EventForm.initial_from(workshop)
    assert initial["repetition"] == "none" and initial["capacity"] == 8
    assert initial["start_time"].hour == 14 and initial["end_time"].hour == 16


# --- Testimonies -----------------------------------------------------------------------------


def test_testimonies_are_public_only_with_consent_and_a_facilitators_choice(
    network, facilitator, member
):
    staff = _as(facilitator)
    check_page(staff.get(_url("manage_testimonies", network)))
    response = staff.post(
        _url("manage_testimonies", network),
        {
            "author": member.pk,
            "text": "Le réseau m'a redonné confiance.",
            "publication": "first_name",
            "first_name": "Camille",
        },
    )
    assert response.status_code == 302
    public = SavedTestimony.objects.get(text__startswith="Le réseau")
    assert public.recorded_by == facilitator.user
    staff.post(
        _url("manage_testimonies", network),
        {
            "author": member.pk,
            "text": "Ce que je dis ici reste entre nous.",
            "publication": "private",
        },
    )
    private = SavedTestimony.objects.get(publication="private")
    # Asking for a first name without giving one is refused on the form.
    refused = staff.post(
        _url("manage_testimonies", network),
        {
            "author": member.pk,
            "text": "Sans prénom",
            "publication": "first_name",
        },
    )
    assert 'id="id_first_name_error"' in check_page(refused)

    staff.post(_url("testimony_feature", network, public.pk), {"featured": "1"})
    staff.post(_url("testimony_feature", network, private.pk), {"featured": "1"})
    assert SavedTestimony.objects.get(pk=public.pk).featured
    assert not SavedTestimony.objects.get(pk=private.pk).featured

    page = check_page(_as().get(_url("testimonies", network)))
    assert "Le réseau m'a redonné confiance." in page and "— Camille" in page
    assert "reste entre nous" not in page

    # The author changes their mind: anonymous, then not published at all.
    author = _as(member)
    mine = check_page(author.get(_url("my_testimonies", network)))
    assert "reste entre nous" in mine
    author.post(
        _url("testimony_publication", network, public.pk),
        {f"t{public.pk}-publication": "anonymous"},
    )
    page = _as().get(_url("testimonies", network)).content.decode()
    assert "Anonymous" in page and "Camille" not in page
    author.post(
        _url("testimony_publication", network, public.pk), {f"t{public.pk}-publication": "private"}
    )
    assert "redonné confiance" not in html.unescape(
        _as().get(_url("testimonies", network)).content.decode()
    )

    # Members write their own; someone else cannot change their choice.
    response = author.post(
        _url("my_testimonies", network),
        {
            "new-text": "J'ai appris à faire un budget.",
            "new-publication": "anonymous",
        },
    )
    assert response.status_code == 302
    assert SavedTestimony.objects.filter(author=member, recorded_by=member.user).count() == 1
    other = MemberFactory(network=network)
    assert (
        _as(other)
        .post(
            _url("testimony_publication", network, public.pk),
            {f"t{public.pk}-publication": "anonymous"},
        )
        .status_code
        == 404
    )
    assert _as(other).get(_url("manage_testimonies", network)).status_code == 403


# --- News ------------------------------------------------------------------------------------


def test_news_pages_home_page_and_feeds(network, facilitator, member):
    staff = _as(facilitator)
    check_page(staff.get(_url("news_new", network)))
    response = staff.post(
        _url("news_new", network),
        {
            "title": "Nouvel atelier",
            "text": "Un atelier CV chaque mois.",
            "published_at": "",
        },
    )
    assert response.status_code == 302
    post = NewsPost.objects.get(title="Nouvel atelier")
    assert post.author == facilitator.user
    news_publish(
        network=network,
        title="Plus tard",
        text="Bientôt.",
        acting=facilitator.user,
        published_at=timezone.now() + timedelta(days=2),
    )

    page = check_page(_as().get(_url("news", network)))
    assert "Nouvel atelier" in page and "Plus tard" not in page
    home = check_page(_as().get(_url("network", network)))
    assert "Nouvel atelier" in home and _url("testimonies", network) in home
    assert "Plus tard" in _as(facilitator).get(_url("news", network)).content.decode()

    rss = Client().get(_url("news_rss", network))
    assert rss.status_code == 200 and "rss" in rss["Content-Type"]
    channel = ElementTree.fromstring(rss.content).find("channel")
    assert [item.findtext("title") for item in channel.findall("item")] == ["Nouvel atelier"]
    assert channel.find("item").findtext("link").endswith(f"/news/#news-{post.pk}")
    atom = Client().get(_url("news_atom", network))
    feed = ElementTree.fromstring(atom.content)
    assert feed.tag == f"{ATOM}feed"
    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == ["Nouvel atelier"]
    assert Client().get("/no-such-network/news/rss/").status_code == 404

    response = staff.post(
        _url("news_edit", network, post.pk),
        {
            "title": "Atelier CV mensuel",
            "text": "Chaque premier jeudi.",
            "published_at": "",
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Atelier CV mensuel"
    assert _as(member).post(_url("news_delete", network, post.pk)).status_code == 403
    assert _as(member).get(_url("news_new", network)).status_code == 403
    staff.post(_url("news_delete", network, post.pk))
    assert not NewsPost.objects.filter(pk=post.pk).exists()


# --- Resources -------------------------------------------------------------------------------


def test_resources_members_only_documents_and_uploads(
    network, facilitator, member, other_network, media
):
    staff = _as(facilitator)
    check_page(staff.get(_url("resource_new", network)))
    response = staff.post(
        _url("resource_new", network),
        {
            "title": "Guide du membre",
            "description": "Pour bien commencer.",
            "audience": "members",
            "document": SimpleUploadedFile("guide.pdf", b"%PDF-1.4 guide", "application/pdf"),
        },
    )
    assert response.status_code == 302
    guide = Resource.objects.get(title="Guide du membre")
    staff.post(
        _url("resource_new", network),
        {
            "title": "Site de l'agence",
            "url": "https://example.org/agence",
            "audience": "public",
        },
    )
    staff.post(
        _url("resource_new", network),
        {
            "title": "Affiche",
            "audience": "public",
            "document": SimpleUploadedFile("affiche.txt", b"Venez !", "text/plain"),
        },
    )
    poster = Resource.objects.get(title="Affiche")
    # Neither link nor document; a document over 10 MB.
    refused = staff.post(_url("resource_new", network), {"title": "Vide", "audience": "public"})
    assert 'id="id_url_error"' in check_page(refused)
    big = SimpleUploadedFile("big.bin", b"0" * (10 * 1024 * 1024 + 1))
    refused = staff.post(
        _url("resource_new", network), {"title": "Trop gros", "audience": "public", "document": big}
    )
    assert 'id="id_document_error"' in check_page(refused)
    assert Resource.objects.count() == 3

    anonymous_page = check_page(_as().get(_url("resources", network)))
    assert "Site de l'agence" in anonymous_page and "Affiche" in anonymous_page
    assert "Guide du membre" not in anonymous_page
    assert "Guide du membre" in _as(member).get(_url("resources", network)).content.decode()

    download = _url("resource_download", network, guide.pk)
    assert Client().get(download).status_code == 404
    outsider = MemberFactory(network=other_network)
    assert _as(outsider).get(download).status_code == 404
    assert _as(outsider).get(_url("resource_download", other_network, guide.pk)).status_code == 404
    response = _as(member).get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 guide"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    public = Client().get(_url("resource_download", network, poster.pk))
    assert public.status_code == 200 and b"".join(public.streaming_content) == b"Venez !"

    assert _as(member).post(_url("resource_delete", network, guide.pk)).status_code == 403
    staff.post(_url("resource_delete", network, guide.pk))
    assert not Resource.objects.filter(pk=guide.pk).exists()


# --- Contact ---------------------------------------------------------------------------------


def _message(**overrides):
    data = {
        "name": "Alex",
        "email": "alex@example.org",
        "subject": "Découvrir le réseau",
        "message": "Bonjour, comment venir à la permanence ?",
        "website": "",
    }
    data.update(overrides)
    return data


def test_contact_form_stores_forwards_and_ignores_robots(
    network, facilitator, member, django_capture_on_commit_callbacks
):
    visitor = _as()
    page = check_page(visitor.get(_url("contact", network)))
    assert 'class="field trap-field"' in page and "Leave this field empty" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(_url("contact", network), _message())
    assert response.status_code == 302
    received = ContactMessage.objects.get()
    assert (received.name, received.subject) == ("Alex", "Découvrir le réseau")
    assert [m.to for m in mail.outbox] == [[network.contact_email]]

    # A robot fills the trap: it is thanked the same way, and nothing is kept or sent.
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(_url("contact", network), _message(website="http://spam"))
    assert response.status_code == 302
    assert ContactMessage.objects.count() == 1 and len(mail.outbox) == 1

    invalid = visitor.post(_url("contact", network), _message(email="not-an-email"))
    assert 'id="id_email_error"' in check_page(invalid)
    assert ContactMessage.objects.count() == 1

    # Facilitators read it and mark it handled.
    staff = _as(facilitator)
    inbox = check_page(staff.get(_url("manage_messages", network)))
    assert "Découvrir le réseau" in inbox and "alex@example.org" in inbox
    response = staff.post(_url("contact_message_handled", network, received.pk))
    assert response.status_code == 302
    received.refresh_from_db()
    assert received.handled_at is not None and received.handled_by == facilitator.user
    assert "Découvrir le réseau" not in staff.get(_url("manage_messages", network)).content.decode()
    assert "Découvrir le réseau" in html.unescape(
        staff.get(_url("manage_messages", network), {"show": "all"}).content.decode()
    )
    assert _as(member).get(_url("manage_messages", network)).status_code == 403


def test_contact_form_accepts_five_messages_an_hour_per_address(network, other_network):
    visitor = _as(REMOTE_ADDR="203.0.113.7")
    for n in range(5):
        assert visitor.post(_url("contact", network), _message(subject=f"n{n}")).status_code == 302
    refused = visitor.post(_url("contact", network), _message(subject="sixth"))
    assert refused.status_code == 429
    assert "error-summary" in refused.content.decode()
    assert ContactMessage.objects.filter(network=network).count() == 5
    # Someone else, and the same person writing to another network, are not held back.
    assert (
        _as(REMOTE_ADDR="203.0.113.8").post(_url("contact", network), _message()).status_code == 302
    )
    assert visitor.post(_url("contact", other_network), _message()).status_code == 302
    assert ContactMessage.objects.count() == 7


# --- Figures and dashboard -------------------------------------------------------------------


def test_figures_of_the_month_page_and_csv(network, facilitator, member, workshop):
    ListingFactory(member=member, direction="offer")
    ListingFactory(member=member, direction="request", title="Jouer du violon", description="")
    event_services.registration_create(
        event=workshop, original_start=workshop.starts_at, member=member, acting=member.user
    )
    month = workshop.starts_at.astimezone(_tz(network)).strftime("%Y-%m")
    staff = _as(facilitator)
    page = check_page(staff.get(_url("figures", network), {"month": month}))
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="number">(\d+)</td>', page))
    assert rows["Event registrations"] == "1"
    current = _local_today(network).strftime("%Y-%m")
    page = check_page(staff.get(_url("figures", network), {"month": current}))
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="number">(\d+)</td>', page))
    assert (rows["New offers"], rows["New requests"], rows["Unmet requests"]) == ("1", "1", "1")
    assert rows["New members"] == "2"  # the member and the facilitator joined this month
    assert len(rows) == len(FIGURES)
    assert staff.get(_url("figures", network), {"month": "nonsense"}).status_code == 200

    response = staff.get(_url("figures_csv", network), {"month": current})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    # For people, in their language (French: test_portal_usability); scripts use the API.
    header, values = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:3] == ["Month", "New members", "Withdrawals"]
    assert len(header) == len(FIGURES) + 1
    data = dict(zip(header, values, strict=True))
    assert data["Month"] == _local_today(network).strftime("%B %Y")
    assert (data["New offers"], data["New requests"]) == ("1", "1")
    assert _as(member).get(_url("figures", network)).status_code == 403
    assert _as(member).get(_url("figures_csv", network)).status_code == 403


def test_coordinators_dashboard_charts_and_exports(network, facilitator, coordinator, member):
    ListingFactory(member=member, direction="offer")
    boss = _as(coordinator)
    page = check_page(boss.get(_url("dashboard", network)))
    assert page.count("<svg") == len(FIGURES)
    assert page.count("<desc") == len(FIGURES) and 'role="img"' in page
    # Coordinates are written with dots whatever the language (SVG needs them).
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    login(french, coordinator)
    svg = french.get(_url("dashboard", network)).content.decode()
    assert not re.search(r'(x|y|width|height)="\d+,\d', svg)
    table_rows = re.findall(r'<tr><th scope="row">', page)
    assert len(table_rows) == 12

    response = boss.get(_url("dashboard_csv", network))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Month", "New members", "Withdrawals"]
    assert len(rows) == 13
    this_month = _local_today(network).strftime("%B %Y")
    assert rows[-1][0] == this_month and rows[-1][rows[0].index("New offers")] == "1"
    current = _local_today(network).strftime("%Y-%m")

    response = boss.get(_url("dashboard_xlsx", network))
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("Month", "New members", "Withdrawals")
    assert len(values[0]) == len(FIGURES) + 1 and len(values) == 13
    assert values[-1][0] == current and values[-1][values[0].index("New offers")] == 1

    for name in ("dashboard", "dashboard_csv", "dashboard_xlsx"):
        assert _as(facilitator).get(_url(name, network)).status_code == 403
        assert _as(member).get(_url(name, network)).status_code == 403


# --- Isolation and pages ---------------------------------------------------------------------


def test_nothing_crosses_from_one_network_to_another(
    network, other_network, facilitator, member, workshop, media
):
    start = workshop.starts_at
    registration = event_services.registration_create(
        event=workshop, original_start=start, member=member, acting=member.user
    )
    testimony = event_services.testimony_record(
        network=network,
        author=member,
        text="Merci",
        acting=facilitator.user,
        publication="anonymous",
    )
    post = news_publish(network=network, title="Chez nous", text="…", acting=facilitator.user)
    received = ContactMessage.objects.create(
        network=network, name="A", email="a@example.org", subject="S", message="M"
    )
    token = event_services.calendar_token_for(member).token
    other_staff = _as(FacilitatorFactory(network=other_network))
    other_boss = _as(CoordinatorFactory(network=other_network))
    slug_b = other_network

    # Ids of network A through network B's addresses: not found.
    assert other_staff.get(_url("event_detail", slug_b, workshop.pk)).status_code == 404
    assert other_staff.get(_url("event_edit", slug_b, workshop.pk)).status_code == 404
    key = occurrence_key(start)
    assert other_staff.get(_url("occurrence_detail", slug_b, workshop.pk, key)).status_code == 404
    for name, obj_id, data in [
        ("registration_cancel", registration.pk, {}),
        ("registration_attendance", registration.pk, {"attended": "present"}),
        ("testimony_feature", testimony.pk, {"featured": "1"}),
        ("news_delete", post.pk, {}),
        ("contact_message_handled", received.pk, {}),
    ]:
        assert other_staff.post(_url(name, slug_b, obj_id), data).status_code == 404, name
    assert other_staff.get(_url("news_edit", slug_b, post.pk)).status_code == 404
    assert Client().get(_url("member_feed", slug_b, token)).status_code == 404

    # Network A's pages to B's facilitators and coordinators: refused.
    assert other_staff.get(_url("event_edit", network, workshop.pk)).status_code == 403
    assert other_staff.post(_occ_url("occurrence_cancel", workshop, start)).status_code == 403
    assert other_staff.get(_url("manage_testimonies", network)).status_code == 403
    assert other_staff.get(_url("manage_messages", network)).status_code == 403
    assert other_staff.get(_url("figures", network)).status_code == 403
    assert other_boss.get(_url("dashboard", network)).status_code == 403
    assert (
        other_staff.post(_url("registration_cancel", network, registration.pk)).status_code == 404
    )
    # An outsider who tries to register is sent to join the network first.
    response = other_staff.post(_occ_url("occurrence_register", workshop, start))
    assert response.status_code == 302 and response["Location"] == _url("join", network)

    # Nothing changed.
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"
    assert Registration.objects.get(pk=registration.pk).attended is None
    assert not SavedTestimony.objects.get(pk=testimony.pk).featured
    assert NewsPost.objects.filter(pk=post.pk).exists()
    assert ContactMessage.objects.get(pk=received.pk).handled_at is None
    assert not EventException.objects.exists()
    # B's public pages show nothing of A.
    assert (
        "Atelier CV"
        not in Client().get(_url("calendar", slug_b), {"view": "list"}).content.decode()
    )
    assert "Chez nous" not in Client().get(_url("news", slug_b)).content.decode()


def test_anonymous_people_are_asked_to_log_in_for_personal_pages(client, network, workshop):
    key = occurrence_key(workshop.starts_at)
    for name, args, method in [
        ("my_registrations", [], "get"),
        ("my_testimonies", [], "get"),
        ("calendar_token_regenerate", [], "post"),
        ("event_new", [], "get"),
        ("occurrence_register", [workshop.pk, key], "post"),
        ("manage_messages", [], "get"),
        ("figures", [], "get"),
        ("dashboard", [], "get"),
    ]:
        response = getattr(client, method)(_url(name, network, *args))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("rers_core:login")), name
    assert not Registration.objects.exists()


def test_every_new_page_has_the_accessibility_basics(
    network, facilitator, coordinator, member, workshop, media
):
    start = workshop.starts_at
    event_services.registration_create(
        event=workshop, original_start=start, member=member, acting=member.user
    )
    testimony = event_services.testimony_record(
        network=network,
        author=member,
        text="Merci",
        acting=member.user,
        publication="first_name",
        first_name="Camille",
    )
    event_services.testimony_feature(testimony=testimony, featured=True, acting=facilitator.user)
    post = news_publish(network=network, title="Nouvelle", text="…", acting=facilitator.user)
    ContactMessage.objects.create(
        network=network, name="A", email="a@example.org", subject="S", message="M"
    )
    pages = {
        None: ["calendar", "testimonies", "news", "resources", "contact", "network"],
        member: ["my_registrations", "my_testimonies", "me"],
        facilitator: [
            "event_new",
            "manage_testimonies",
            "news_new",
            "resource_new",
            "manage_messages",
            "figures",
        ],
        coordinator: ["dashboard"],
    }
    checked = 0
    for person, names in pages.items():
        for language in ("en", "fr"):
            browser = _as(person, language)
            for name in names:
                check_page(browser.get(_url(name, network)))
                checked += 1
            for query in ({"view": "week"}, {"view": "list"}):
                check_page(browser.get(_url("calendar", network), query))
            for url in (
                _url("event_detail", network, workshop.pk),
                _occ_url("occurrence_detail", workshop, start),
            ):
                check_page(browser.get(url))
    staff = _as(facilitator)
    check_page(staff.get(_url("event_edit", network, workshop.pk)))
    check_page(staff.get(_url("news_edit", network, post.pk)))
    assert checked == 2 * sum(len(names) for names in pages.values())


def _queries(browser, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url, params).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_number_of_events(network, facilitator, member):
    day = _local_today(network) + timedelta(days=2)
    start = datetime.combine(day, datetime.min.time(), tzinfo=_tz(network)).replace(hour=10)

    def add_events(count):
        for n in range(count):
            event = event_services.event_create(
                network=network,
                acting=facilitator.user,
                kind="information",
                title=f"Réunion {n}",
                starts_at=start + timedelta(hours=n % 5),
                ends_at=start + timedelta(hours=n % 5, minutes=45),
                rrule="FREQ=WEEKLY" if n % 2 else "",
                capacity=5,
            )
            event_services.registration_create(
                event=event, original_start=event.starts_at, member=member, acting=member.user
            )
            event_services.testimony_record(
                network=network,
                author=member,
                text=f"Merci {n}",
                acting=member.user,
                event=event,
                publication="anonymous",
            )
            news_publish(
                network=network,
                title=f"Nouvelle {n}",
                text="…",
                acting=facilitator.user,
                event=event,
            )

    browser, staff = _as(member), _as(facilitator)
    urls = [
        (browser, _url("calendar", network), {"month": day.strftime("%Y-%m")}),
        (browser, _url("calendar", network), {"view": "list"}),
        (browser, _url("my_registrations", network), {}),
        (browser, _url("my_testimonies", network), {}),
        (browser, _url("news", network), {}),
        (browser, _url("network", network), {}),
        (staff, _url("manage_testimonies", network), {}),
        (Client(), _url("news_rss", network), {}),
    ]
    add_events(2)
    for who, url, params in urls:  # first visits create the feed token, open sessions
        _queries(who, url, **params)
    before = [_queries(who, url, **params) for who, url, params in urls]
    add_events(4)
    after = [_queries(who, url, **params) for who, url, params in urls]
    assert after == before

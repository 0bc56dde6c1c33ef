import threading
import zoneinfo
from datetime import datetime, timedelta

import icalendar
import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from rers_core import models
from rers_core.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from rers_core.models import ContactMessage, Registration
from rers_core.selectors import events as event_selectors
from rers_core.selectors.events import occurrence_get, occurrences
from rers_core.selectors.feeds import member_calendar, network_calendar
from rers_core.selectors.figures import Month, monthly_figures
from rers_core.services import events as svc
from rers_core.services.members import member_withdraw
from rers_core.services.portal import contact_message_receive
from rers_core.testing.factories import MemberFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = zoneinfo.ZoneInfo("UTC")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def make_event(network, facilitator, **kw):
    fields = {
        "kind": "drop_in",
        "title": "Permanence du lundi",
        "starts_at": paris(2026, 3, 2, 9),
        "ends_at": paris(2026, 3, 2, 12),
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
    } | kw
    return svc.event_create(network=network, acting=facilitator.user, **fields)


def test_weekly_drop_in_keeps_wall_clock_across_dst(network, facilitator):
    event = make_event(network, facilitator)
    occ = occurrences([event], paris(2026, 3, 20), paris(2026, 4, 10))
    local = [
        (o.starts_at.astimezone(PARIS).date().isoformat(), o.starts_at.astimezone(PARIS).hour)
        for o in occ
    ]
    # Summer time starts on 29 March 2026: still 9:00 local, an hour earlier in UTC.
    assert local == [("2026-03-23", 9), ("2026-03-30", 9), ("2026-04-06", 9)]
    assert occ[0].starts_at.astimezone(UTC).hour == 8 and occ[1].starts_at.astimezone(UTC).hour == 7


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        (
            "FREQ=MONTHLY;BYDAY=1TH",
            paris(2026, 1, 1, 18),
            ["2026-01-01", "2026-02-05", "2026-03-05", "2026-04-02"],
        ),
        ("FREQ=MONTHLY;INTERVAL=6", paris(2026, 1, 15, 14), ["2026-01-15", "2026-07-15"]),
        ("FREQ=WEEKLY;BYDAY=MO;COUNT=2", paris(2026, 1, 5, 9), ["2026-01-05", "2026-01-12"]),
        ("", paris(2026, 2, 10, 9), ["2026-02-10"]),
    ],
)
def test_recurrence_rules(network, facilitator, rule, start, expected):
    event = make_event(
        network, facilitator, starts_at=start, ends_at=start + timedelta(hours=2), rrule=rule
    )
    found = occurrences(
        [event],
        paris(2026, 1, 1),
        paris(2026, 4, 30) if rule != "FREQ=MONTHLY;INTERVAL=6" else paris(2026, 8, 1),
    )
    assert [o.starts_at.astimezone(PARIS).date().isoformat() for o in found] == expected


def test_bad_rules_and_times_are_refused(network, facilitator):
    with pytest.raises(ValidationFailed) as exc:
        make_event(network, facilitator, rrule="FREQ=SOMETIMES")
    assert exc.value.field == "rrule"
    with pytest.raises(ValidationFailed):
        make_event(network, facilitator, ends_at=paris(2026, 3, 2, 8))
    with pytest.raises(NotAllowed):
        make_event(network, MemberFactory(network=network))


def test_cancel_and_move_one_occurrence(network, facilitator):
    event = make_event(network, facilitator)
    cancelled, moved = paris(2026, 3, 9, 9), paris(2026, 3, 16, 9)
    svc.occurrence_cancel(
        event=event, original_start=cancelled, acting=facilitator.user, note="Férié"
    )
    svc.occurrence_move(
        event=event,
        original_start=moved,
        starts_at=paris(2026, 3, 17, 14),
        ends_at=paris(2026, 3, 17, 17),
        acting=facilitator.user,
    )
    found = {
        o.original_start: o for o in occurrences([event], paris(2026, 3, 1), paris(2026, 3, 24))
    }
    assert found[cancelled].cancelled and found[cancelled].note == "Férié"
    assert found[moved].moved and found[moved].starts_at == paris(2026, 3, 17, 14)
    assert not found[paris(2026, 3, 23, 9)].cancelled
    with pytest.raises(NotFound):
        svc.occurrence_cancel(
            event=event, original_start=paris(2026, 3, 10, 9), acting=facilitator.user
        )
    # A moved occurrence is found in the range it moved to.
    only_tuesday = occurrences([event], paris(2026, 3, 17), paris(2026, 3, 18))
    assert [o.original_start for o in only_tuesday] == [moved]


@pytest.fixture
def collective(network, facilitator):
    start = timezone.now().astimezone(PARIS).replace(microsecond=0) + timedelta(days=3)
    return make_event(
        network,
        facilitator,
        kind="collective_exchange",
        title="Atelier CV",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rrule="",
        capacity=2,
    )


def test_capacity_waitlist_and_promotion(collective, network, django_capture_on_commit_callbacks):
    start = collective.starts_at
    people = [MemberFactory(network=network) for _ in range(4)]
    regs = [
        svc.registration_create(event=collective, original_start=start, member=p, acting=p.user)
        for p in people
    ]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    again = svc.registration_create(
        event=collective, original_start=start, member=people[0], acting=people[0].user
    )
    assert again.pk == regs[0].pk
    with django_capture_on_commit_callbacks(execute=True):
        svc.registration_cancel(registration=regs[1], acting=people[1].user)
    regs[2].refresh_from_db()
    regs[3].refresh_from_db()
    assert regs[2].status == "confirmed" and regs[2].promoted_at
    assert regs[3].status == "waitlisted"
    assert [m.to for m in mail.outbox] == [[people[2].email]]
    occ = occurrence_get(collective, start)
    assert (occ.confirmed, occ.waitlisted, occ.seats_left) == (2, 1, 0)
    svc.registration_cancel(registration=regs[1], acting=people[1].user)  # harmless twice


def test_facilitator_registers_on_behalf_and_marks_attendance(collective, network, facilitator):
    visitor = MemberFactory(network=network, status="visitor")
    reg = svc.registration_create(
        event=collective,
        original_start=collective.starts_at,
        member=visitor,
        acting=facilitator.user,
    )
    assert reg.registered_by == facilitator.user
    svc.attendance_record(registration=reg, attended=True, acting=facilitator.user)
    with pytest.raises(NotAllowed):
        svc.attendance_record(registration=reg, attended=False, acting=visitor.user)


def test_cannot_register_for_cancelled_or_other_network(
    collective, network, facilitator, other_network
):
    svc.occurrence_cancel(
        event=collective, original_start=collective.starts_at, acting=facilitator.user
    )
    member = MemberFactory(network=network)
    with pytest.raises(DomainError, match="cancelled"):
        svc.registration_create(
            event=collective, original_start=collective.starts_at, member=member, acting=member.user
        )
    outsider = MemberFactory(network=other_network)
    with pytest.raises(NotAllowed):
        svc.registration_create(
            event=collective,
            original_start=collective.starts_at,
            member=outsider,
            acting=outsider.user,
        )


def test_reminders_once_only(network, facilitator, django_capture_on_commit_callbacks):
    start = timezone.now() + timedelta(hours=24)
    event = make_event(
        network, facilitator, starts_at=start, ends_at=start + timedelta(hours=1), rrule=""
    )
    member = MemberFactory(network=network)
    svc.registration_create(
        event=event, original_start=event.starts_at, member=member, acting=member.user
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.reminders_send_due() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.reminders_send_due() == 0
    assert [m.to for m in mail.outbox] == [[member.email]]


def test_network_feed_is_valid_rfc5545(network, facilitator):
    event = make_event(network, facilitator)
    svc.occurrence_cancel(event=event, original_start=paris(2026, 3, 9, 9), acting=facilitator.user)
    svc.occurrence_move(
        event=event,
        original_start=paris(2026, 3, 16, 9),
        starts_at=paris(2026, 3, 17, 14),
        ends_at=paris(2026, 3, 17, 17),
        acting=facilitator.user,
    )
    raw = network_calendar(network)
    cal = icalendar.Calendar.from_ical(raw)
    vevents = [c for c in cal.walk("VEVENT")]
    assert {str(v["uid"]) for v in vevents} == {f"{event.uid}@rers"}
    master = next(v for v in vevents if "RRULE" in v)
    assert master["rrule"]["FREQ"] == ["WEEKLY"] and master["rrule"]["BYDAY"] == ["MO"]
    assert master["dtstart"].dt == paris(2026, 3, 2, 9)
    assert master["dtstart"].params["TZID"] == "Europe/Paris"
    exdates = [d.dt for d in master["exdate"].dts]
    assert exdates == [paris(2026, 3, 9, 9)]
    moved = next(v for v in vevents if "RECURRENCE-ID" in v)
    assert moved["recurrence-id"].dt == paris(2026, 3, 16, 9)
    assert moved["dtstart"].dt == paris(2026, 3, 17, 14)
    assert [t["tzid"] for t in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    again = icalendar.Calendar.from_ical(network_calendar(network))
    assert {str(v["uid"]) for v in again.walk("VEVENT")} == {str(master["uid"])}


def test_member_feed_and_token_regeneration(collective, network):
    member = MemberFactory(network=network)
    svc.registration_create(
        event=collective, original_start=collective.starts_at, member=member, acting=member.user
    )
    cal = icalendar.Calendar.from_ical(member_calendar(member))
    (vevent,) = cal.walk("VEVENT")
    assert vevent["status"] == "CONFIRMED" and vevent["summary"] == "Atelier CV"
    first = svc.calendar_token_for(member).token
    second = svc.calendar_token_regenerate(member=member, acting=member.user).token
    assert first != second


def test_testimonies_need_consent_to_be_published(network, facilitator, member):
    testimony = svc.testimony_record(
        network=network,
        author=member,
        acting=facilitator.user,
        text="Le réseau m'a redonné confiance.",
    )
    with pytest.raises(DomainError):
        svc.testimony_feature(testimony=testimony, featured=True, acting=facilitator.user)
    with pytest.raises(ValidationFailed):
        svc.testimony_set_publication(
            testimony=testimony, publication="first_name", acting=member.user
        )
    svc.testimony_set_publication(
        testimony=testimony, publication="first_name", first_name="Camille", acting=member.user
    )
    svc.testimony_feature(testimony=testimony, featured=True, acting=facilitator.user)
    assert [t.signature for t in event_selectors.testimonies_public(network)] == ["Camille"]
    svc.testimony_set_publication(testimony=testimony, publication="private", acting=member.user)
    assert not event_selectors.testimonies_public(network).exists()


def test_withdrawal_frees_seats_and_deletes_testimonies(collective, network, facilitator):
    first, second = MemberFactory(network=network), MemberFactory(network=network)
    third = MemberFactory(network=network)
    for person in (first, second, third):
        svc.registration_create(
            event=collective, original_start=collective.starts_at, member=person, acting=person.user
        )
    svc.testimony_record(network=network, author=first, acting=first.user, text="Merci")
    member_withdraw(member=first, acting=first.user)
    assert not models.Testimony.objects.exists()
    assert Registration.objects.get(member=third).status == "confirmed"


def test_monthly_figures(network, member):
    from rers_core.testing.factories import ListingFactory

    ListingFactory(member=member, direction="offer")
    ListingFactory(member=member, direction="request", title="Jouer du violon", description="")
    month = Month.of(timezone.now().astimezone(PARIS))
    figures = monthly_figures(network, month)
    assert figures["new_offers"] == 1 and figures["new_requests"] == 1
    assert figures["new_members"] == 1 and figures["unmet_requests"] == 1
    assert monthly_figures(network, month.previous())["new_offers"] == 0
    assert str(Month.parse("2026-02")) == "2026-02" and Month(2026, 12).next() == Month(2027, 1)


def test_contact_message_is_stored_then_forwarded(network, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        received = contact_message_receive(
            network=network,
            name="Alex",
            email="alex@example.org",
            subject="Découvrir le réseau",
            message="Bonjour !",
        )
    received.refresh_from_db()
    assert received.emailed_at is not None
    assert mail.outbox[0].to == [network.contact_email]
    with pytest.raises(ValidationFailed):
        contact_message_receive(network=network, name="", email="nope", subject="", message="")
    assert ContactMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_racing_for_the_last_seat(network, facilitator):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is tested; SQLite serialises every write anyway")
    start = timezone.now() + timedelta(days=2)
    event = make_event(
        network,
        facilitator,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        rrule="",
        capacity=1,
    )
    racers = [MemberFactory(network=network) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def register(person):
        try:
            barrier.wait()
            outcomes.append(
                svc.registration_create(
                    event=event, original_start=event.starts_at, member=person, acting=None
                ).status
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(p,)) for p in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(outcomes) == ["confirmed", "waitlisted"]
    assert Registration.objects.filter(status="confirmed").count() == 1


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=HOURLY",
        "FREQ=WEEKLY;BYHOUR=9",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;COUNT=2;UNTIL=20270101",
        "FREQ=WEEKLY;UNTIL=20200101",
    ],
)
def test_rules_that_could_hang_or_never_occur_are_refused(network, facilitator, rule):
    with pytest.raises(ValidationFailed) as exc:
        make_event(network, facilitator, rrule=rule)
    assert exc.value.field == "rrule"


def test_an_ended_rule_stops_quickly(network, facilitator):
    event = make_event(network, facilitator, rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20260331")
    assert len(occurrences([event], paris(2026, 1, 1), paris(2030, 1, 1))) == 5


def test_reminder_follows_a_moved_occurrence(
    network, facilitator, django_capture_on_commit_callbacks
):
    planned = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
    event = make_event(
        network, facilitator, starts_at=planned, ends_at=planned + timedelta(hours=1), rrule=""
    )
    member = MemberFactory(network=network)
    svc.registration_create(event=event, original_start=planned, member=member, acting=member.user)
    tomorrow = timezone.now() + timedelta(hours=24)
    svc.occurrence_move(
        event=event,
        original_start=planned,
        starts_at=tomorrow,
        ends_at=tomorrow + timedelta(hours=1),
        acting=facilitator.user,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.reminders_send_due() == 1
    local = timezone.localtime(tomorrow, PARIS)
    assert f"{local:%H:%M}" in mail.outbox[0].body


def test_plain_text_emails_are_not_html_escaped(
    collective, network, django_capture_on_commit_callbacks
):
    network.name = "RERS d'Hérouville"
    network.save(update_fields=["name"])
    start = collective.starts_at
    first, second, third = (MemberFactory(network=network, display_name="Zoé & Lou") for _ in "abc")
    registrations = [
        svc.registration_create(event=collective, original_start=start, member=p, acting=p.user)
        for p in (first, second, third)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        svc.registration_cancel(registration=registrations[0], acting=first.user)
    email = mail.outbox[0]
    assert "RERS d'Hérouville" in email.subject and "RERS d'Hérouville" in email.body
    assert "Zoé & Lou" in email.body
    assert "&#x27;" not in email.body + email.subject and "&amp;" not in email.body

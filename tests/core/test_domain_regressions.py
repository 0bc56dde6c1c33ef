"""Review of the domain layer: each test demonstrates one defect (they fail until fixed)."""

import zoneinfo
from datetime import datetime, timedelta

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from rers_core.errors import DomainError, ValidationFailed
from rers_core.models import Connection, Exchange, Listing, Member
from rers_core.search import search_listings
from rers_core.selectors.events import (
    occurrence_get,
    occurrences,
    parse_occurrence_key,
    planned_starts,
)
from rers_core.selectors.feeds import network_calendar
from rers_core.services import connections as con
from rers_core.services import events as svc
from rers_core.services import exchanges as ex
from rers_core.services.imports import listings_export_csv, listings_import
from rers_core.services.listings import listing_close
from rers_core.services.members import member_withdraw
from rers_core.services.networks import domain_update
from rers_core.testing.factories import ListingFactory, MemberFactory

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


def upcoming(network, facilitator, *, capacity, days=3, rrule=""):
    start = timezone.now().astimezone(PARIS).replace(microsecond=0) + timedelta(days=days)
    return make_event(
        network,
        facilitator,
        kind="collective_exchange",
        title="Atelier CV",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rrule=rrule,
        capacity=capacity,
    )


def register(event, start, person):
    return svc.registration_create(
        event=event, original_start=start, member=person, acting=person.user
    )


# --- Waiting list ---------------------------------------------------------------------------


def test_raising_capacity_lets_the_waiting_list_in_before_newcomers(network, facilitator):
    event = upcoming(network, facilitator, capacity=1)
    start = event.starts_at
    first, waiting, newcomer = (MemberFactory(network=network) for _ in range(3))
    register(event, start, first)
    queued = register(event, start, waiting)
    assert queued.status == "waitlisted"
    svc.event_update(event=event, acting=facilitator.user, capacity=2)
    late = register(event, start, newcomer)
    queued.refresh_from_db()
    # The person who queued gets the new seat; the newcomer must not jump the queue.
    assert queued.status == "confirmed"
    assert late.status == "waitlisted"


def test_no_seat_freed_email_for_a_cancelled_occurrence(
    network, facilitator, django_capture_on_commit_callbacks
):
    event = upcoming(network, facilitator, capacity=1)
    start = event.starts_at
    holder, waiting = MemberFactory(network=network), MemberFactory(network=network)
    held = register(event, start, holder)
    queued = register(event, start, waiting)
    svc.occurrence_cancel(event=event, original_start=start, acting=facilitator.user)
    with django_capture_on_commit_callbacks(execute=True):
        svc.registration_cancel(registration=held, acting=holder.user)
    queued.refresh_from_db()
    # Nobody is told "a seat is free for you" for a sitting that will not take place.
    assert mail.outbox == []
    assert queued.status == "waitlisted"


def test_no_seat_freed_email_for_a_cancelled_event(
    network, facilitator, django_capture_on_commit_callbacks
):
    event = upcoming(network, facilitator, capacity=1)
    start = event.starts_at
    holder, waiting = MemberFactory(network=network), MemberFactory(network=network)
    held = register(event, start, holder)
    register(event, start, waiting)
    svc.event_cancel(event=event, acting=facilitator.user)
    with django_capture_on_commit_callbacks(execute=True):
        svc.registration_cancel(registration=held, acting=holder.user)
    assert mail.outbox == []


# --- Occurrences, reminders, feeds ----------------------------------------------------------


def test_rescheduling_an_event_does_not_break_the_reminder_run(
    network, facilitator, django_capture_on_commit_callbacks
):
    """Registrations stay keyed to the old planned start after ``event_update`` moves the
    event; ``reminders_send_due`` then meets ``occurrence_get`` raising NotFound and the whole
    Celery beat run dies (and every following run), so nobody gets a reminder any more."""
    start = (timezone.now() + timedelta(hours=24)).replace(microsecond=0)
    event = make_event(
        network, facilitator, starts_at=start, ends_at=start + timedelta(hours=1), rrule=""
    )
    other = make_event(
        network,
        facilitator,
        title="Autre atelier",
        starts_at=start + timedelta(hours=2),
        ends_at=start + timedelta(hours=3),
        rrule="",
    )
    moved_person, other_person = MemberFactory(network=network), MemberFactory(network=network)
    register(event, start, moved_person)
    register(other, other.starts_at, other_person)
    svc.event_update(
        event=event,
        acting=facilitator.user,
        starts_at=start + timedelta(minutes=30),
        ends_at=start + timedelta(minutes=90),
    )
    with django_capture_on_commit_callbacks(execute=True):
        svc.reminders_send_due()
    assert [other_person.email] in [m.to for m in mail.outbox]


def test_occurrence_key_round_trips_when_start_has_microseconds(network, facilitator):
    """The API/forms accept a start with fractions of a second; the URL key drops them,
    so the occurrence can never be found again (registration, cancel, move all 404)."""
    event = make_event(
        network,
        facilitator,
        starts_at=paris(2026, 3, 2, 9, 0, 0, 500000),
        ends_at=paris(2026, 3, 2, 12),
        rrule="",
    )
    (occ,) = occurrences([event], paris(2026, 3, 2), paris(2026, 3, 3))
    found = occurrence_get(event, parse_occurrence_key(occ.key))
    assert found.original_start == occ.original_start


def test_until_in_utc_is_read_as_utc(network, facilitator):
    """RFC 5545: with a DTSTART in a time zone, UNTIL is a UTC time (trailing Z). The feed
    publishes the rule as is, so calendar apps show Monday 2 March at 9:00 Paris (08:00Z,
    before UNTIL 08:30Z); the site reads UNTIL as 08:30 Paris wall-clock and drops it."""
    event = make_event(
        network,
        facilitator,
        starts_at=paris(2026, 2, 23, 9),
        ends_at=paris(2026, 2, 23, 10),
        rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20260302T083000Z",
    )
    starts = planned_starts(event, paris(2026, 2, 1), paris(2026, 4, 1))
    assert starts == [paris(2026, 2, 23, 9), paris(2026, 3, 2, 9)]


def test_network_feed_shows_a_cancelled_single_event_as_cancelled(network, facilitator):
    """``occurrence_cancel`` works on a one-off event (the site shows it cancelled) but the
    feed has no RRULE to hang an EXDATE on, so subscribers still see it as taking place."""
    event = make_event(
        network,
        facilitator,
        starts_at=paris(2026, 3, 2, 9),
        ends_at=paris(2026, 3, 2, 12),
        rrule="",
    )
    svc.occurrence_cancel(event=event, original_start=event.starts_at, acting=facilitator.user)
    (occ,) = occurrences([event], paris(2026, 3, 1), paris(2026, 3, 3))
    assert occ.cancelled
    cal = icalendar.Calendar.from_ical(network_calendar(network))
    vevents = list(cal.walk("VEVENT"))
    assert all(str(v.get("status", "")).upper() == "CANCELLED" for v in vevents)


# --- Import and export ----------------------------------------------------------------------

HEADER = "member_ref,member_name,email,direction,ref,title,description,domain"


def export_bytes(network) -> bytes:
    import io

    out = io.StringIO()
    listings_export_csv(network, out)
    return out.getvalue().encode()


def test_export_imported_into_another_network_twice_does_not_duplicate(network, other_network):
    """An export writes ``#N`` refs for rows without an external ref; imported elsewhere they
    match nothing, are dropped, and a second run creates everything again."""
    author = MemberFactory(network=network, user=None, email="")
    ListingFactory(member=author, title="Cuisine du monde")
    ListingFactory(member=author, direction="request", title="Couture")
    data = export_bytes(network)
    first = listings_import(network=other_network, data=data)
    assert first.errors == [] and first.created == 2
    second = listings_import(network=other_network, data=data)
    assert second.errors == []
    assert Listing.objects.filter(network=other_network).count() == 2
    assert second.created == 0


def test_one_author_stays_one_member_when_an_export_is_imported_elsewhere(network, other_network):
    author = MemberFactory(network=network, user=None, email="")
    ListingFactory(member=author, title="Cuisine du monde")
    ListingFactory(member=author, direction="request", title="Couture")
    report = listings_import(network=other_network, data=export_bytes(network))
    assert report.errors == []
    # Both rows carry the same member_ref: they are one person, not two.
    assert Member.objects.filter(network=other_network).count() == 1


def test_unknown_hash_member_ref_is_a_line_error_not_a_nameless_member(network):
    """``#N`` rows may leave member_name empty (it designates an existing member); when N is
    not a member of this network the import silently creates a member with no name."""
    data = (HEADER + "\n#424242,,,offre,L1,Un titre,,\n").encode()
    report = listings_import(network=network, data=data)
    assert not Member.objects.filter(network=network, display_name="").exists()
    assert report.errors and "line 2" in report.errors[0]


def test_import_does_not_reopen_a_closed_listing(network, member):
    listing = ListingFactory(
        member=member, title="Cuisine", description="Plats du jour", external_ref="L1"
    )
    listing_close(listing=listing, acting=member.user)
    data = (
        HEADER
        + ",kind,status\n"
        + f"#{member.pk},,,offre,L1,Cuisine,Plats du jour,{listing.domain.slug},know_how,open\n"
    ).encode()
    report = listings_import(network=network, data=data)
    assert report.errors == [] or not report.updated
    listing.refresh_from_db()
    # Closed is final (Listing.TRANSITIONS); the import must refuse or skip, not reopen.
    assert listing.status == "closed"


def test_export_with_apostrophes_can_be_imported_back(network, member):
    """The delimiter sniffer picks ' as the quote character for ordinary French text
    quoted by the export (a comma inside the description), and the file is refused."""
    ListingFactory(
        member=member,
        title="'Excel' et 'Word' pour débuter",
        description="J'explique 'pas à pas', tranquillement",
    )
    report = listings_import(network=network, data=export_bytes(network))
    assert report.errors == []
    assert report.unchanged == 1


# --- Search index ---------------------------------------------------------------------------


def test_renaming_a_domain_updates_the_search_index(network, member, coordinator):
    domain = network.domains.order_by("position").first()
    listing = ListingFactory(member=member, domain=domain, title="Atelier", description="")
    domain_update(domain=domain, name="Jardinage", acting=coordinator.user)
    found = search_listings(Listing.objects.filter(network=network), "jardinage")
    assert list(found) == [listing]


# --- Withdrawal -----------------------------------------------------------------------------


def test_withdrawal_stops_the_exchange_of_a_cancelled_connection(network):
    requester = MemberFactory(network=network)
    offerer = MemberFactory(network=network)
    request = ListingFactory(member=requester, direction="request", title="Apprendre Excel")
    offer = ListingFactory(member=offerer, direction="offer", title="Formules du tableur")
    connection = con.connection_propose(request=request, offer=offer, acting=requester.user)
    con.connection_answer(connection=connection, accept=True, acting=offerer.user)
    exchange = ex.exchange_from_connection(connection=connection, acting=requester.user)
    member_withdraw(member=offerer, acting=offerer.user)
    connection.refresh_from_db()
    exchange.refresh_from_db()
    assert connection.status == Connection.Status.CANCELLED
    # connection_cancel() stops the exchange with it; withdrawal must do the same.
    assert exchange.status == Exchange.Status.CANCELLED


# --- Connections ----------------------------------------------------------------------------


def test_same_two_people_same_offer_not_put_in_contact_twice(network):
    """A requester first asks an offer's author directly (no request), then proposes the
    same offer for their request: ``earlier`` is filtered on ``request=`` so the first,
    still active, connection is not seen, and the DB constraint ignores the NULL request."""
    requester = MemberFactory(network=network)
    offerer = MemberFactory(network=network)
    request = ListingFactory(member=requester, direction="request", title="Apprendre Excel")
    offer = ListingFactory(member=offerer, direction="offer", title="Formules du tableur")
    con.connection_propose(offer=offer, acting=requester.user)
    with pytest.raises(DomainError):
        con.connection_propose(request=request, offer=offer, acting=requester.user)
    assert Connection.objects.filter(status__in=Connection.ACTIVE).count() == 1


def test_no_seat_freed_email_after_the_occurrence_is_over(
    network, facilitator, django_capture_on_commit_callbacks
):
    event = upcoming(network, facilitator, capacity=1)
    start = event.starts_at
    holder, waiting = MemberFactory(network=network), MemberFactory(network=network)
    held = register(event, start, holder)
    register(event, start, waiting)
    # The sitting took place; the holder tidies up their registrations afterwards.
    later = start + timedelta(days=1)
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=later):
        with django_capture_on_commit_callbacks(execute=True):
            svc.registration_cancel(registration=held, acting=holder.user)
    assert mail.outbox == []


# --- Repetition rules -----------------------------------------------------------------------


def test_out_of_range_nth_weekday_is_a_validation_error_not_a_crash(network, facilitator):
    """``BYDAY=+9MO`` parses, then dateutil raises IndexError while ``check_rule_occurs``
    iterates; only ValueError/TypeError/OverflowError are caught, so the API/form 500s."""
    with pytest.raises(ValidationFailed) as exc:
        make_event(network, facilitator, rrule="FREQ=MONTHLY;BYDAY=+9MO")
    assert exc.value.field == "rrule"


def test_bymonthday_zero_is_refused(network, facilitator):
    """RFC 5545 allows BYMONTHDAY in 1..31 and -31..-1; dateutil ignores 0 and the
    "monthly" rule silently becomes a daily one on the site."""
    with pytest.raises(ValidationFailed):
        event = make_event(network, facilitator, rrule="FREQ=MONTHLY;BYMONTHDAY=0")
        assert len(occurrences([event], paris(2026, 3, 1), paris(2026, 4, 1))) <= 1

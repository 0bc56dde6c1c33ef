"""What people met in the portal and found misleading: sharing with neighbouring networks a
network does not have, acts that cannot be taken back done in one click, French that reads
wrong ("annulé·e", "Sam M..", "au nom de Odile", a colon without its space), the unmet
requests' closest offer without its name, spreadsheets Excel opens in one column, an email
that does not say which offer, an error that changed the people offered, a demo with nothing
to suggest.

Pages are read in English where the checks are about behaviour, in French where the French
itself is the subject.
"""

from __future__ import annotations

import csv
import io
import re
import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from rers_core.models import (
    Connection,
    Event,
    EventException,
    Exchange,
    Listing,
    Network,
    Registration,
)
from rers_core.selectors.events import occurrence_key
from rers_core.selectors.networks import network_has_neighbours
from rers_core.selectors.suggestions import suggested_connections
from rers_core.services import connections as connection_services
from rers_core.services import events as event_services
from rers_core.services import exchanges as exchange_services
from rers_core.testing.factories import (
    CoordinatorFactory,
    ListingFactory,
    MemberFactory,
)
from rers_federation.models import Peer
from tests.conftest import login
from tests.core.api_support import make_event
from tests.core.neighbours_support import pretend_neighbours
from tests.core.page_checks import check_page

NBSP = "\u00a0"
ASK = "Ask the neighbouring networks"


def _as(member, language: str = "en") -> Client:
    return login(Client(HTTP_ACCEPT_LANGUAGE=language), member)


def _url(name, network, *args):
    return reverse(f"rers_core:{name}", args=[network.slug, *args])


def _occ_url(name, event, start):
    return _url(name, event.network, event.pk, occurrence_key(start))


def _post_forms_to(page: str, url: str) -> int:
    return len(re.findall(rf'<form method="post" action="{re.escape(url)}"', page))


@pytest.fixture
def lonely(network):
    """An open request no offer of the network answers."""
    return ListingFactory(
        member=MemberFactory(network=network, display_name="Camille"),
        direction="request",
        title="Jouer du violon baroque",
        description="",
    )


@pytest.fixture
def workshop(network, facilitator):
    """A collective exchange in three days."""
    return make_event(network, facilitator, capacity=8)


def _agreed_exchange(network, facilitator, giver, receiver) -> Exchange:
    exchange = exchange_services.exchange_create(
        network=network,
        kind="collective",
        title="Atelier tricot",
        givers=[giver],
        receivers=[receiver],
        acting=facilitator.user,
    )
    exchange_services.agreement_update(
        exchange=exchange, acting=facilitator.user, place="Salle 2", content="Une écharpe."
    )
    for person in (giver, receiver):
        exchange_services.agreement_confirm(
            exchange=exchange, acting=facilitator.user, member=person
        )
    exchange.refresh_from_db()
    assert exchange.status == Exchange.Status.AGREED
    return exchange


# --- 1. Neighbouring networks, only when there are some --------------------------------------


def test_the_federation_tells_core_whether_a_network_has_active_neighbours(network, other_network):
    assert not network_has_neighbours(network)
    peer = Peer.objects.create(
        network=network,
        document_url="https://b.example/federation/b/",
        name="RERS B",
        inbox_url="https://b.example/federation/b/inbox/",
        fingerprint="SHA256:test",
        status=Peer.Status.REQUESTED,
    )
    assert not network_has_neighbours(network)  # asked, not agreed yet
    peer.status = Peer.Status.ACTIVE
    peer.save()
    assert network_has_neighbours(network)
    assert not network_has_neighbours(other_network)
    peer.status = Peer.Status.SUSPENDED
    peer.save()
    assert not network_has_neighbours(network)


def test_without_neighbours_the_unmet_report_offers_no_sharing(network, facilitator, lonely):
    page = check_page(_as(facilitator).get(_url("unmet_requests", network)))
    assert lonely.title in page
    assert ASK not in page and _url("listing_ask_neighbours", network, lonely.pk) not in page
    assert "neighbouring networks this network federates with" not in page
    assert '<th scope="col">Neighbouring networks</th>' not in page
    assert "Neighbouring networks’ unmet requests" not in page


def test_asking_anyway_says_nothing_was_shared(network, facilitator, lonely):
    response = _as(facilitator, "fr").post(
        _url("listing_ask_neighbours", network, lonely.pk), follow=True
    )
    page = check_page(response)
    assert f"Ce réseau n’a pas encore de réseau voisin{NBSP}: rien n’a été partagé." in page
    assert "est partagée avec les réseaux voisins" not in page
    lonely.refresh_from_db()
    assert lonely.visibility == Listing.Visibility.NETWORK


def test_with_neighbours_the_report_offers_to_ask_them(network, facilitator, lonely, monkeypatch):
    pretend_neighbours(monkeypatch)
    page = check_page(_as(facilitator).get(_url("unmet_requests", network)))
    assert _post_forms_to(page, _url("listing_ask_neighbours", network, lonely.pk)) == 1
    assert "Neighbouring networks’ unmet requests" in page


def test_posting_and_browsing_offer_neighbours_only_when_there_are(network, member, monkeypatch):
    browser = _as(member)
    form = check_page(browser.get(_url("listing_create", network)))
    assert 'name="visibility"' not in form
    filters = check_page(browser.get(_url("listings", network)))
    assert 'name="scope"' not in filters and 'name="within_km"' not in filters
    response = browser.post(
        _url("listing_create", network),
        {
            "direction": "offer",
            "kind": "know_how",
            "domain": network.domains.first().pk,
            "title": "Tricoter une écharpe",
            "modalities": ["one_to_one"],
            "setting": "in_person",
        },
    )
    assert response.status_code == 302
    posted = Listing.objects.get(title="Tricoter une écharpe")
    assert posted.visibility == Listing.Visibility.NETWORK
    # A listing already shared (a peering since ended) keeps its choice, to take it back.
    shared = ListingFactory(member=member, visibility=Listing.Visibility.FEDERATED)
    edit = check_page(browser.get(_url("listing_edit", network, shared.pk)))
    assert 'name="visibility"' in edit

    pretend_neighbours(monkeypatch)
    assert 'name="visibility"' in check_page(browser.get(_url("listing_create", network)))
    filters = check_page(browser.get(_url("listings", network)))
    assert 'name="scope"' in filters and 'name="within_km"' in filters


# --- 2. Acts that cannot be taken back ask first -----------------------------------------------


def test_closing_a_listing_for_good_asks_first(network, member):
    listing = ListingFactory(member=member, title="Tricot")
    detail_url = _url("listing_detail", network, listing.pk)
    close_url = _url("listing_close", network, listing.pk)
    detail = check_page(_as(member).get(detail_url))
    assert _post_forms_to(detail, close_url) == 0
    assert f'href="{close_url}?next=' in detail

    question = check_page(_as(member, "fr").get(close_url, {"next": detail_url}))
    assert f"Clôturer définitivement «{NBSP}Tricot{NBSP}»{NBSP}?" in question
    assert "Vous ne pourrez plus la rouvrir." in question
    assert _post_forms_to(question, close_url) == 1
    assert "Oui, clôturer" in question and f'href="{detail_url}">Non, revenir</a>' in question
    assert "script" not in question.split("<main", 1)[-1].lower()
    listing.refresh_from_db()
    assert listing.status == Listing.Status.OPEN  # asking changed nothing

    response = _as(member).post(close_url, {"next": detail_url})
    assert response.status_code == 302 and response["Location"] == detail_url
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CLOSED
    # Once closed, the address only says so.
    again = _as(member).get(close_url, follow=True)
    assert "This listing is closed." in check_page(again)


def test_closing_someone_elses_listing_is_not_even_asked(network, member):
    listing = ListingFactory(member=MemberFactory(network=network))
    assert _as(member).get(_url("listing_close", network, listing.pk)).status_code == 403


def test_cancelling_a_connection_asks_first(network, member):
    offer = ListingFactory(member=MemberFactory(network=network, display_name="Paul C."))
    connection = connection_services.connection_propose(offer=offer, acting=member.user)
    detail_url = _url("connection_detail", network, connection.pk)
    cancel_url = _url("connection_cancel", network, connection.pk)
    detail = check_page(_as(member).get(detail_url))
    assert _post_forms_to(detail, cancel_url) == 0 and f'href="{cancel_url}"' in detail

    question = check_page(_as(member).get(cancel_url))
    assert f"Cancel the connection between {member.display_name} and Paul C.?" in question
    assert "Yes, cancel the connection" in question and f'href="{detail_url}"' in question
    connection.refresh_from_db()
    assert connection.status == Connection.Status.PROPOSED

    assert _as(member).post(cancel_url)["Location"] == detail_url
    connection.refresh_from_db()
    assert connection.status == Connection.Status.CANCELLED
    assert "can no longer be cancelled" in check_page(_as(member).get(cancel_url, follow=True))


def test_cancelling_a_date_asks_first_with_the_reason_to_show(network, facilitator, workshop):
    start = workshop.starts_at
    date_url = _occ_url("occurrence_detail", workshop, start)
    cancel_url = _occ_url("occurrence_cancel", workshop, start)
    page = check_page(_as(facilitator).get(date_url))
    assert _post_forms_to(page, cancel_url) == 0 and f'href="{cancel_url}"' in page

    question = check_page(_as(facilitator, "fr").get(cancel_url))
    assert re.search(rf"Annuler la date du [^<]+{NBSP}\?", question)
    assert 'name="cancel-note"' in question and "Oui, annuler cette date" in question
    assert not EventException.objects.exists()
    # A member is not even asked.
    assert _as(MemberFactory(network=network)).get(cancel_url).status_code == 403

    response = _as(facilitator).post(cancel_url, {"cancel-note": "Férié"})
    assert response["Location"] == date_url
    change = EventException.objects.get(event=workshop)
    assert change.cancelled and change.note == "Férié"


def test_cancelling_an_exchange_or_a_whole_event_asks_first(network, facilitator, workshop):
    giver, receiver = MemberFactory(network=network), MemberFactory(network=network)
    exchange = _agreed_exchange(network, facilitator, giver, receiver)
    cancel_url = _url("exchange_cancel", network, exchange.pk)
    page = check_page(_as(giver).get(_url("exchange_detail", network, exchange.pk)))
    assert _post_forms_to(page, cancel_url) == 0 and f'href="{cancel_url}"' in page
    question = check_page(_as(giver).get(cancel_url))
    assert "Cancel the exchange “Atelier tricot”?" in question
    exchange.refresh_from_db()
    assert exchange.status == Exchange.Status.AGREED
    _as(giver).post(cancel_url)
    exchange.refresh_from_db()
    assert exchange.status == Exchange.Status.CANCELLED

    cancel_url = _url("event_cancel", network, workshop.pk)
    page = check_page(_as(facilitator).get(_url("event_detail", network, workshop.pk)))
    assert _post_forms_to(page, cancel_url) == 0 and f'href="{cancel_url}"' in page
    question = check_page(_as(facilitator).get(cancel_url))
    assert "Cancel “Atelier CV”, with all its dates?" in question
    assert Event.objects.get(pk=workshop.pk).cancelled_at is None
    _as(facilitator).post(cancel_url)
    assert Event.objects.get(pk=workshop.pk).cancelled_at is not None


# --- 3. "Cancelled" agrees with what was cancelled ---------------------------------------------


def test_cancelled_agrees_in_french_with_what_was_cancelled():
    with translation.override("fr"):
        assert str(Connection.Status.CANCELLED.label) == "annulée"  # la mise en relation
        assert str(Registration.Status.CANCELLED.label) == "annulée"  # l'inscription
        assert str(Exchange.Status.CANCELLED.label) == "annulé"  # l'échange
        assert str(EventException._meta.get_field("cancelled").verbose_name) == "annulée"


def test_cancelled_badges_agree_in_french(network, facilitator, workshop):
    event_services.occurrence_cancel(
        event=workshop, original_start=workshop.starts_at, acting=facilitator.user
    )
    date_page = check_page(
        _as(facilitator, "fr").get(_occ_url("occurrence_detail", workshop, workshop.starts_at))
    )
    assert '<span class="badge badge--cancelled">annulée</span>' in date_page  # la date
    event_services.event_cancel(event=workshop, acting=facilitator.user)
    event_page = check_page(_as(facilitator, "fr").get(_url("event_detail", network, workshop.pk)))
    assert '<span class="badge badge--cancelled">annulé</span>' in event_page  # l'événement


# --- 4 and 5. Names ending with a full stop, colons in French ----------------------------------


def test_a_name_ending_with_a_full_stop_never_gets_a_second_one(network, facilitator):
    paul = MemberFactory(network=network, display_name="Paul C.")
    sam = MemberFactory(network=network, display_name="Sam M.")
    offer = ListingFactory(member=paul, title="Tricot")
    request = ListingFactory(member=paul, direction="request", title="Vélo")
    browser = _as(sam, "fr")
    for listing in (offer, request):
        page = check_page(browser.get(_url("listing_detail", network, listing.pk)))
        assert f"Paul C.{NBSP}: rien n’est partagé" in page and "C.." not in page
    response = browser.post(
        _url("connection_propose", network), {"offer": offer.pk, "message": ""}, follow=True
    )
    page = check_page(response)
    assert f"Votre demande est envoyée à Paul C.{NBSP}: rien" in page and "C.." not in page

    odile = MemberFactory(network=network, display_name="Odile M.")
    staff = _as(facilitator, "fr")
    page = check_page(staff.get(_url("manage_listing_create", network, odile.pk)))
    assert "Vous publiez pour Odile M., en son nom." in page and "de Odile" not in page
    theirs = ListingFactory(member=odile)
    page = check_page(staff.get(_url("listing_edit", network, theirs.pk)))
    assert "pour Odile M., en son nom." in page and "de Odile" not in page


def test_french_colons_have_their_no_break_space(network, facilitator, coordinator):
    giver = MemberFactory(network=network, display_name="Sam M.")
    receiver = MemberFactory(network=network, display_name="Odile M.")
    exchange = _agreed_exchange(network, facilitator, giver, receiver)
    exchange_services.session_add(
        exchange=exchange,
        starts_at=timezone.now() - timedelta(days=1),
        acting=facilitator.user,
        note="première séance",
    )
    page = check_page(_as(giver, "fr").get(_url("exchange_detail", network, exchange.pk)))
    assert f"</time>{NBSP}: première séance" in page
    exchange_services.exchange_complete(exchange=exchange, acting=facilitator.user)
    page = check_page(_as(facilitator, "fr").get(_url("manage_reviews", network)))
    assert f"<li>Sam M.{NBSP}: <a href" in page
    page = _as(coordinator, "fr").get(_url("dashboard", network)).content.decode()
    assert re.search(rf"<title>[a-zéû]+ \d{{4}}{NBSP}: \d+</title>", page)
    assert not re.search(r"<title>[^<]*\d: ", page)


# --- 6. Whose profile it is --------------------------------------------------------------------


def test_the_profile_speaks_to_its_reader(network, member, facilitator):
    own = check_page(_as(member, "fr").get(_url("me", network)))
    assert "seuls vous et l’équipe d’animation du réseau y avez accès" in own
    assert "Votre présentation, avec vos propres mots" in own
    theirs = check_page(_as(facilitator, "fr").get(_url("manage_member", network, member.pk)))
    assert "seules cette personne et l’équipe d’animation" in theirs
    assert "Sa présentation, avec ses propres mots" in theirs
    assert "Votre présentation" not in theirs and "Personne ne vous demande" not in theirs


# --- 7. The closest offer, by name ------------------------------------------------------------


def test_the_unmet_report_names_the_closest_offer(network, facilitator, settings):
    # Anything below a demanding bar is unmet: the spreadsheet offer is only "closest".
    settings.RERS_CORE = {**settings.RERS_CORE, "SUGGESTION_MIN_SCORE": 0.99}
    wanted = ListingFactory(
        member=MemberFactory(network=network),
        direction="request",
        title="Apprendre le tableur Excel",
        description="Faire mon budget avec des formules.",
    )
    offer = ListingFactory(
        member=MemberFactory(network=network, display_name="Dominique"),
        title="Formules du tableur Excel",
        description="Les formules de base et les tableaux.",
    )
    page = check_page(_as(facilitator).get(_url("unmet_requests", network)))
    row = page.split(wanted.title, 1)[1].split("</tr>", 1)[0]
    offer_link = f'<a href="{_url("listing_detail", network, offer.pk)}">{offer.title}</a>'
    assert offer_link in row
    assert re.search(r"\(Dominique, \d+ % relevant\)", row)


# --- 8. Spreadsheets that open in columns -------------------------------------------------------


def _french_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8, said so
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_csv_files_open_in_columns_in_french_excel(network, facilitator, coordinator, settings):
    settings.RERS_CORE = {**settings.RERS_CORE, "SUGGESTION_MIN_SCORE": 0.99}
    wanted = ListingFactory(
        member=MemberFactory(network=network),
        direction="request",
        title="Apprendre le tableur Excel",
        description="Faire mon budget avec des formules.",
    )
    ListingFactory(
        member=MemberFactory(network=network),
        title="Formules du tableur Excel",
        description="Les formules de base et les tableaux.",
    )
    staff = _as(facilitator, "fr")
    rows = _french_rows(staff.get(_url("unmet_requests_csv", network)))
    assert rows[0] == [
        "Numéro",
        "Référence",
        "Demande",
        "Domaine",
        "En attente depuis (jours)",
        "Publiée le",
        "Offre la plus proche",
        "Pertinence de l’offre la plus proche, en pourcentage",
    ]
    [row] = rows[1:]
    assert row[2] == wanted.title and row[6] == "Formules du tableur Excel"
    assert re.fullmatch(r"\d{1,2},\d", row[7])  # a decimal comma
    local = wanted.created_at.astimezone(zoneinfo.ZoneInfo(network.timezone))
    assert row[5] == local.strftime("%d/%m/%Y")

    rows = _french_rows(staff.get(_url("neighbours_unmet_requests_csv", network)))
    assert rows[0][:4] == ["Numéro", "Demande", "Domaine", "Réseau"]

    rows = _french_rows(staff.get(_url("figures_csv", network)))
    assert rows[0][:3] == ["Mois", "Nouveaux membres", "Départs"]
    assert re.fullmatch(r"[A-ZÉÛ][a-zéû]+ \d{4}", rows[1][0])
    assert all(value.isdigit() for value in rows[1][1:])

    rows = _french_rows(_as(coordinator, "fr").get(_url("dashboard_csv", network)))
    assert rows[0][0] == "Mois" and len(rows) == 13


# --- 10. The email names the listing ----------------------------------------------------------


def test_the_proposal_email_names_the_listing(network, django_capture_on_commit_callbacks):
    offerer = MemberFactory(network=network, display_name="Paul C.")
    asker = MemberFactory(network=network)
    offer = ListingFactory(member=offerer, title="Tricot pour débutants")
    with django_capture_on_commit_callbacks(execute=True):
        connection_services.connection_propose(offer=offer, acting=asker.user)
    [email] = [m for m in mail.outbox if offerer.email in m.to]
    assert (
        "Un ou une membre aimerait échanger avec vous au sujet de votre offre "
        f"«{NBSP}Tricot pour débutants{NBSP}»."
    ) in email.body

    requester = MemberFactory(network=network)
    request = ListingFactory(member=requester, direction="request", title="Réparer mon vélo")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        connection_services.connection_propose(request=request, acting=asker.user)
    [email] = [m for m in mail.outbox if requester.email in m.to]
    assert (
        f"Un ou une membre propose son aide pour votre demande «{NBSP}Réparer mon vélo{NBSP}»."
    ) in email.body


# --- 11. Registering no one keeps the people offered -------------------------------------------


def test_registering_no_one_goes_back_to_the_same_choices(network, facilitator, workshop):
    registered = MemberFactory(network=network, display_name="Déjà inscrite")
    event_services.registration_create(
        event=workshop,
        original_start=workshop.starts_at,
        member=registered,
        acting=registered.user,
    )
    date_url = _occ_url("occurrence_detail", workshop, workshop.starts_at)
    staff = _as(facilitator)
    response = staff.post(
        _occ_url("occurrence_register", workshop, workshop.starts_at), {"member": ""}, follow=True
    )
    assert response.redirect_chain == [(date_url, 302)]
    page = check_page(response)
    assert "Choose the person to register." in page
    form = page.split("Register someone", 1)[1]
    assert f'<option value="{registered.pk}"' not in form
    assert f'<option value="{facilitator.pk}"' in form
    assert Registration.objects.filter(event=workshop).count() == 1


# --- 12. The demo has connections to suggest -------------------------------------------------


def test_the_demo_leaves_requests_to_put_in_contact(db):
    call_command("seed_demo", verbosity=0)
    network = Network.objects.get(slug="demo")
    suggested = suggested_connections(network)
    assert len(suggested) >= 2
    for request, _offers in suggested:
        assert not Connection.objects.filter(request=request).exists()


def test_facilitators_do_not_get_the_coordinators_dashboard_link(network, facilitator):
    page = check_page(_as(facilitator).get(_url("figures", network)))
    assert _url("dashboard", network) not in page  # the guide says it is the coordinators'
    assert _as(facilitator).get(_url("dashboard", network)).status_code == 403
    page = check_page(_as(CoordinatorFactory(network=network)).get(_url("figures", network)))
    assert _url("dashboard", network) in page


def test_the_waiting_list_position_reads_well_in_french(network, workshop):
    workshop.capacity = 1
    workshop.save()
    first, second = MemberFactory(network=network), MemberFactory(network=network)
    for person in (first, second):
        event_services.registration_create(
            event=workshop, original_start=workshop.starts_at, member=person, acting=person.user
        )
    page = check_page(
        _as(second, "fr").get(_occ_url("occurrence_detail", workshop, workshop.starts_at))
    )
    assert f"Vous êtes sur la liste d’attente (n°{NBSP}1)." in page

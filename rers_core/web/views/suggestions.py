"""Facilitators' tools for matching: suggested connections, unmet requests (ours and those
neighbouring networks shared with us, each with its CSV) and asking the neighbours."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rers_core.errors import DomainError
from rers_core.models import Listing, Network
from rers_core.selectors.listings import listing_get
from rers_core.selectors.networks import network_has_neighbours
from rers_core.selectors.suggestions import (
    UNMET_ORDERINGS,
    UnmetRequest,
    neighbours_unmet_requests,
    suggested_connections,
    unmet_requests,
)
from rers_core.services.listings import request_ask_neighbours
from rers_core.web.views._common import (
    get_network,
    portal_view,
    render_page,
    require_facilitator,
    safe_next,
)
from rers_core.web.views._spreadsheets import (
    spreadsheet_cell,
    spreadsheet_csv,
    spreadsheet_number,
)

PAGE_SIZE = 20
# The reports' columns, for people reading them in a spreadsheet (scripts use the API).
UNMET_CSV_COLUMNS = [
    _("Number"),
    _("Reference"),
    _("Request"),
    _("Domain"),
    _("Waiting for (days)"),
    _("Posted on"),
    _("Closest offer"),
    _("Relevance of the closest offer, in percent"),
]
# A neighbour's request has no reference of ours; its network and distance say whose it is,
# and its age counts from the day it reached us.
NEIGHBOURS_UNMET_CSV_COLUMNS = [
    _("Number"),
    _("Request"),
    _("Domain"),
    _("Network"),
    _("Distance (km)"),
    _("Shared with us for (days)"),
    _("Shared with us on"),
    _("Closest offer here"),
    _("Relevance of the closest offer, in percent"),
]
# Sort links of the unmet-requests report, in the order shown.
UNMET_SORTS = [
    ("age", _("oldest first")),
    ("-age", _("newest first")),
    ("domain", _("by domain")),
    ("title", _("by title")),
]


@login_required
@portal_view
def suggested_connections_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Each open request with the offers that may answer it, to propose connections."""
    network = get_network(slug)
    require_facilitator(request, network)
    rows = suggested_connections(network)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "rers_core/suggestions/suggested.html",
        {
            "page": page,
            "next": request.get_full_path(),
        },
        network=network,
    )


def _order(request: HttpRequest) -> str:
    order = request.GET.get("order", "age")
    return order if order in UNMET_ORDERINGS else "age"


@login_required
@portal_view
def unmet_requests_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Open requests no offer of the network answers: a signal for facilitators, who may
    ask the neighbouring networks; then, apart, the neighbours' requests none of our offers
    answers either."""
    network = get_network(slug)
    require_facilitator(request, network)
    order = _order(request)
    rows = unmet_requests(network, order=order)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render_page(
        request,
        "rers_core/suggestions/unmet.html",
        {
            "page": page,
            "count": len(rows),
            # Usually a handful: shown whole on every page of ours.
            "neighbours_unmet": neighbours_unmet_requests(network, order=order),
            # Without any neighbouring network, nobody to ask: the page does not offer it.
            "has_neighbours": network_has_neighbours(network),
            "order": order,
            "sorts": UNMET_SORTS,
            "next": request.get_full_path(),
        },
        network=network,
    )


@login_required
@require_POST
@portal_view
def ask_neighbours_view(request: HttpRequest, slug: str, listing_id: int) -> HttpResponse:
    """Share an open request with the neighbouring networks, then back to the report."""
    network = get_network(slug)
    require_facilitator(request, network)
    listing = listing_get(network, request.user, listing_id)
    try:
        request_ask_neighbours(listing=listing, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("“%(title)s” is shared with the neighbouring networks.")
            % {"title": listing.title},
        )
    return redirect(safe_next(request, reverse("rers_core:unmet_requests", args=[network.slug])))


def _day(listing: Listing, time_zone: zoneinfo.ZoneInfo) -> str:
    return date_format(listing.created_at.astimezone(time_zone), "SHORT_DATE_FORMAT")


def _closest(unmet: UnmetRequest) -> list[str]:
    """The closest offer's title and relevance in percent ("" when there is none)."""
    if unmet.best_offer is None:
        return ["", ""]
    return [
        spreadsheet_cell(unmet.best_offer.title),
        spreadsheet_number(unmet.best_score * 100, 1),
    ]


def _unmet_row(unmet: UnmetRequest, time_zone: zoneinfo.ZoneInfo) -> list[str | int]:
    listing = unmet.request
    return [
        listing.pk,
        spreadsheet_cell(listing.external_ref),
        spreadsheet_cell(listing.title),
        spreadsheet_cell(unmet.domain),
        unmet.age_days,
        _day(listing, time_zone),
        *_closest(unmet),
    ]


def _neighbours_unmet_row(unmet: UnmetRequest, time_zone: zoneinfo.ZoneInfo) -> list[str | int]:
    listing = unmet.request
    return [
        listing.pk,
        spreadsheet_cell(listing.title),
        spreadsheet_cell(unmet.domain),
        spreadsheet_cell(listing.origin_name),
        "" if listing.origin_distance_km is None else listing.origin_distance_km,
        unmet.age_days,
        _day(listing, time_zone),
        *_closest(unmet),
    ]


def _csv_response(
    network: Network,
    filename: str,
    columns: list[Promise],
    rows: list[UnmetRequest],
    row: Callable[[UnmetRequest, zoneinfo.ZoneInfo], list[str | int]],
) -> HttpResponse:
    """A report as a CSV file for spreadsheets (see ``_spreadsheets``)."""
    time_zone = zoneinfo.ZoneInfo(network.timezone)
    return spreadsheet_csv(
        f"{filename}-{network.slug}.csv", columns, (row(unmet, time_zone) for unmet in rows)
    )


@login_required
@portal_view
def unmet_requests_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Our unmet requests as a CSV file."""
    network = get_network(slug)
    require_facilitator(request, network)
    rows = unmet_requests(network, order=_order(request))
    return _csv_response(network, "unmet-requests", UNMET_CSV_COLUMNS, rows, _unmet_row)


@login_required
@portal_view
def neighbours_unmet_requests_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The neighbouring networks' requests none of our offers answers, as a CSV file of
    their own (never mixed with ours)."""
    network = get_network(slug)
    require_facilitator(request, network)
    rows = neighbours_unmet_requests(network, order=_order(request))
    return _csv_response(
        network,
        "neighbours-unmet-requests",
        NEIGHBOURS_UNMET_CSV_COLUMNS,
        rows,
        _neighbours_unmet_row,
    )

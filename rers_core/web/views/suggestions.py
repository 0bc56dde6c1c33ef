"""Facilitators' tools for matching: suggested connections, unmet requests (ours and those
neighbouring networks shared with us, each with its CSV) and asking the neighbours."""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rers_core.errors import DomainError
from rers_core.models import Network
from rers_core.selectors.listings import listing_get
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

PAGE_SIZE = 20
UNMET_CSV_COLUMNS = ["request_id", "ref", "title", "domain", "age_days", "created_at", "best_score"]
# A neighbour's request has no reference of ours; its network and distance say whose it is,
# and its age counts from the day it reached us.
NEIGHBOURS_UNMET_CSV_COLUMNS = [
    "request_id",
    "title",
    "domain",
    "network",
    "distance_km",
    "age_days",
    "created_at",
    "best_score",
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


def _cell(value: str) -> str:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _unmet_row(unmet: UnmetRequest, time_zone: zoneinfo.ZoneInfo) -> list[str | int]:
    listing = unmet.request
    return [
        listing.pk,
        _cell(listing.external_ref),
        _cell(listing.title),
        _cell(unmet.domain),
        unmet.age_days,
        listing.created_at.astimezone(time_zone).isoformat(timespec="seconds"),
        f"{unmet.best_score:.3f}",
    ]


def _neighbours_unmet_row(unmet: UnmetRequest, time_zone: zoneinfo.ZoneInfo) -> list[str | int]:
    listing = unmet.request
    return [
        listing.pk,
        _cell(listing.title),
        _cell(unmet.domain),
        _cell(listing.origin_name),
        "" if listing.origin_distance_km is None else listing.origin_distance_km,
        unmet.age_days,
        listing.created_at.astimezone(time_zone).isoformat(timespec="seconds"),
        f"{unmet.best_score:.3f}",
    ]


def _csv_response(
    network: Network,
    filename: str,
    columns: list[str],
    rows: list[UnmetRequest],
    row: Callable[[UnmetRequest, zoneinfo.ZoneInfo], list[str | int]],
) -> HttpResponse:
    """A report as a CSV file; the BOM lets spreadsheets read accents as UTF-8."""
    time_zone = zoneinfo.ZoneInfo(network.timezone)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{network.slug}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(columns)
    for unmet in rows:
        writer.writerow(row(unmet, time_zone))
    return response


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

"""Facilitators' tools for matching: suggested connections and unmet requests (with CSV)."""

from __future__ import annotations

import csv
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from rers_core.selectors.suggestions import (
    UNMET_ORDERINGS,
    UnmetRequest,
    suggested_connections,
    unmet_requests,
)
from rers_core.web.views._common import (
    get_network,
    portal_view,
    render_page,
    require_facilitator,
)

PAGE_SIZE = 20
UNMET_CSV_COLUMNS = ["request_id", "ref", "title", "domain", "age_days", "created_at", "best_score"]
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
    """Open requests no offer of the network answers: a signal for facilitators."""
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
            "order": order,
            "sorts": UNMET_SORTS,
        },
        network=network,
    )


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


@login_required
@portal_view
def unmet_requests_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The same report as a CSV file; the BOM lets spreadsheets read accents as UTF-8."""
    network = get_network(slug)
    require_facilitator(request, network)
    time_zone = zoneinfo.ZoneInfo(network.timezone)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="unmet-requests-{network.slug}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(UNMET_CSV_COLUMNS)
    for unmet in unmet_requests(network, order=_order(request)):
        writer.writerow(_unmet_row(unmet, time_zone))
    return response

"""The network's figures: one month for the facilitators' regulation meeting (printable,
CSV), and the coordinators' dashboard of the last twelve months (SVG charts drawn on the
server, CSV and XLSX exports)."""

from __future__ import annotations

import io
import zoneinfo
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from rers_core import permissions
from rers_core.models import Network
from rers_core.selectors.figures import FIGURES, Month, figures_series, monthly_figures
from rers_core.web.views._common import (
    get_network,
    portal_view,
    render_page,
    require_facilitator,
)
from rers_core.web.views._spreadsheets import spreadsheet_csv

DASHBOARD_MONTHS = 12
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The selector keeps its labels as plain msgids; naming them here lets makemessages find them.
FIGURE_LABELS = {
    "new_members": gettext_lazy("new members"),
    "withdrawals": gettext_lazy("withdrawals"),
    "new_offers": gettext_lazy("new offers"),
    "new_requests": gettext_lazy("new requests"),
    "connections": gettext_lazy("connections proposed"),
    "exchanges_done": gettext_lazy("exchanges done"),
    "reviews": gettext_lazy("reviews received"),
    "registrations": gettext_lazy("event registrations"),
    "unmet_requests": gettext_lazy("unmet requests"),
}

# Chart geometry, in SVG user units (the drawing scales to the width of the page).
CHART_WIDTH, CHART_HEIGHT = 360, 150
CHART_TOP, CHART_BOTTOM, CHART_LEFT = 18, 22, 4


def figure_labels() -> list[tuple[str, str]]:
    """(key, translated label) of every figure, in display order."""
    return [(key, capfirst(str(FIGURE_LABELS.get(key) or _(msgid)))) for key, msgid in FIGURES]


def _month_start(month: Month) -> date:
    return date(month.year, month.month, 1)


def _current_month(network: Network) -> Month:
    return Month.of(timezone.now().astimezone(zoneinfo.ZoneInfo(network.timezone)))


def _chosen_month(request: HttpRequest, network: Network) -> Month:
    """``?month=YYYY-MM``; anything else means the current month."""
    try:
        return Month.parse(request.GET.get("month", ""))
    except ValueError:
        return _current_month(network)


def _csv_response(filename: str, series: list[tuple[Month, dict[str, int]]]) -> HttpResponse:
    """One row per month, one column per figure, named in the reader's language, as their
    spreadsheet opens it (see ``_spreadsheets``; scripts read the API's figures)."""
    labels = figure_labels()
    return spreadsheet_csv(
        filename,
        [_("Month"), *(label for _key, label in labels)],
        (
            [capfirst(date_format(_month_start(month), "F Y")), *(values[k] for k, _l in labels)]
            for month, values in series
        ),
    )


# --- One month (facilitators) ----------------------------------------------------------------


@login_required
@portal_view
def figures_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The month's figures, on a page made to be printed for the regulation meeting."""
    network = get_network(slug)
    require_facilitator(request, network)
    month = _chosen_month(request, network)
    values = monthly_figures(network, month)
    return render_page(
        request,
        "rers_core/figures/month.html",
        {
            "month": month,
            "month_start": _month_start(month),
            "rows": [(key, label, values[key]) for key, label in figure_labels()],
            "previous": month.previous(),
            "following": month.next(),
            "is_current": month == _current_month(network),
        },
        network=network,
    )


@login_required
@portal_view
def figures_csv(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    require_facilitator(request, network)
    month = _chosen_month(request, network)
    return _csv_response(
        f"figures-{network.slug}-{month}.csv", [(month, monthly_figures(network, month))]
    )


# --- Dashboard (coordinators) ----------------------------------------------------------------


def _require_coordinator(request: HttpRequest, network: Network) -> None:
    if not permissions.is_coordinator(request.user, network):
        raise PermissionDenied(_("Only the coordinators of this network can see this page."))


def _last_months(network: Network) -> list[tuple[Month, dict[str, int]]]:
    last = _current_month(network)
    first = last
    for _step in range(DASHBOARD_MONTHS - 1):
        first = first.previous()
    return figures_series(network, first, last)


@dataclass(frozen=True)
class Bar:
    month: date
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass(frozen=True)
class Chart:
    key: str
    label: str
    bars: list[Bar]
    highest: int
    lowest: int
    latest: int
    first: date
    last: date


def build_chart(key: str, label: str, series: list[tuple[Month, dict[str, int]]]) -> Chart:
    """Bar geometry for one figure; the template only draws it."""
    values = [values[key] for _month, values in series]
    highest = max(values, default=0)
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = (CHART_WIDTH - CHART_LEFT) / max(len(values), 1)
    bars = []
    for index, (month, figures) in enumerate(series):
        value = figures[key]
        height = round(plot_height * value / highest, 1) if highest else 0
        x = round(CHART_LEFT + index * slot + slot * 0.15, 1)
        bars.append(
            Bar(
                month=_month_start(month),
                value=value,
                x=x,
                y=round(CHART_TOP + plot_height - height, 1),
                width=round(slot * 0.7, 1),
                height=height,
                label_x=round(CHART_LEFT + index * slot + slot / 2, 1),
            )
        )
    return Chart(
        key=key,
        label=label,
        bars=bars,
        highest=highest,
        lowest=min(values, default=0),
        latest=values[-1] if values else 0,
        first=_month_start(series[0][0]),
        last=_month_start(series[-1][0]),
    )


@login_required
@portal_view
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The last twelve months, one small chart per figure, with the numbers in a table."""
    network = get_network(slug)
    _require_coordinator(request, network)
    series = _last_months(network)
    labels = figure_labels()
    return render_page(
        request,
        "rers_core/figures/dashboard.html",
        {
            "charts": [build_chart(key, label, series) for key, label in labels],
            "labels": labels,
            "table": [
                (_month_start(month), [values[key] for key, _l in labels])
                for month, values in series
            ],
            "chart": {
                "width": CHART_WIDTH,
                "height": CHART_HEIGHT,
                "baseline": CHART_HEIGHT - CHART_BOTTOM,
                "label_y": CHART_HEIGHT - 6,
                "left": CHART_LEFT,
            },
        },
        network=network,
    )


@login_required
@portal_view
def dashboard_csv(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    _require_coordinator(request, network)
    series = _last_months(network)
    return _csv_response(f"figures-{network.slug}-{series[0][0]}-to-{series[-1][0]}.csv", series)


@login_required
@portal_view
def dashboard_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    """The same months as a spreadsheet; its header row gives the figures' names in the
    reader's language."""
    network = get_network(slug)
    _require_coordinator(request, network)
    series = _last_months(network)
    labels = figure_labels()
    book = Workbook()
    sheet = book.active
    sheet.title = _("Figures")[:31]
    sheet.append([_("Month"), *(label for _key, label in labels)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for month, values in series:
        sheet.append([str(month), *(values[key] for key, _label in labels)])
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="figures-{network.slug}-{series[0][0]}-to-{series[-1][0]}.xlsx"'
    )
    return response

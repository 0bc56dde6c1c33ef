"""CSV files that the reader's spreadsheet opens in columns at the first click.

A spreadsheet (Excel above all) reads a CSV with the separators of the computer's locale:
in French, ";" between columns and a comma before decimals; in English, "," and a point.
The files follow the language the page is shown in, with French headers in French, and
start with a BOM so that accents are read as UTF-8. They are for people: scripts use the
API, whose CSV and JSON do not change with the language.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from django.utils.formats import get_format, number_format


def _comma_decimals() -> bool:
    return get_format("DECIMAL_SEPARATOR") == ","


def spreadsheet_cell(value: str) -> str:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def spreadsheet_number(value: float, decimals: int) -> str:
    """``value`` written as the reader's spreadsheet expects it ("24,3" in French)."""
    return number_format(value, decimals, use_l10n=True, force_grouping=False)


def spreadsheet_csv(
    filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]
) -> HttpResponse:
    """The attachment ``filename``: ``header`` (translated labels) then ``rows``."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    separator = ";" if _comma_decimals() else ","
    writer = csv.writer(response, delimiter=separator, lineterminator="\r\n")
    writer.writerow([str(label) for label in header])
    writer.writerows(rows)
    return response

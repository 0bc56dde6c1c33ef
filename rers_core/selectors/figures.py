"""The network's figures, month by month: for the monthly meeting, the facilitators'
regulation meetings and the coordinators' quality reporting."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_noop

from rers_core.models import (
    Connection,
    Exchange,
    Listing,
    Member,
    Network,
    Registration,
    Review,
    WithdrawalRecord,
)
from rers_core.selectors.suggestions import unmet_requests

# (key, label msgid) in display order; labels are translated by the pages.
FIGURES = (
    ("new_members", gettext_noop("new members")),
    ("withdrawals", gettext_noop("withdrawals")),
    ("new_offers", gettext_noop("new offers")),
    ("new_requests", gettext_noop("new requests")),
    ("connections", gettext_noop("connections proposed")),
    ("exchanges_done", gettext_noop("exchanges done")),
    ("reviews", gettext_noop("reviews received")),
    ("registrations", gettext_noop("event registrations")),
    ("unmet_requests", gettext_noop("unmet requests")),
)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> Month:
        """``YYYY-MM``; raises ValueError on anything else."""
        year, month = value.split("-")
        parsed = cls(int(year), int(month))
        if not (1 <= parsed.month <= 12 and 2000 <= parsed.year <= 2200):
            raise ValueError(value)
        return parsed

    @classmethod
    def of(cls, moment: datetime | date) -> Month:
        return cls(moment.year, moment.month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def start(self, tz: zoneinfo.ZoneInfo) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=tz)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _counts(qs: QuerySet, field: str, tz, first: Month, last: Month) -> dict[Month, int]:
    rows = (
        qs.filter(**{f"{field}__gte": first.start(tz), f"{field}__lt": last.next().start(tz)})
        .annotate(month=TruncMonth(field, tzinfo=tz))
        .values("month")
        .annotate(n=Count("pk"))
    )
    return {Month.of(r["month"].astimezone(tz)): r["n"] for r in rows}


def figures_series(
    network: Network, first: Month, last: Month
) -> list[tuple[Month, dict[str, int]]]:
    """Every figure for each month from ``first`` to ``last`` (network time zone).

    "unmet requests" is the number of requests posted up to the end of the month that
    are still open and answered by no offer today: the past cannot be re-matched.
    """
    tz = zoneinfo.ZoneInfo(network.timezone)
    # Neighbours' listings mirrored here are theirs: they count at their own network.
    listings = Listing.objects.filter(network=network, origin_uri="")
    counters = {
        "new_members": _counts(
            Member.objects.filter(network=network), "joined_at", tz, first, last
        ),
        "withdrawals": _counts(
            WithdrawalRecord.objects.filter(network=network), "withdrawn_at", tz, first, last
        ),
        "new_offers": _counts(listings.filter(direction="offer"), "created_at", tz, first, last),
        "new_requests": _counts(
            listings.filter(direction="request"), "created_at", tz, first, last
        ),
        "connections": _counts(
            Connection.objects.filter(network=network), "created_at", tz, first, last
        ),
        "exchanges_done": _counts(
            Exchange.objects.filter(network=network), "done_at", tz, first, last
        ),
        "reviews": _counts(
            Review.objects.filter(exchange__network=network, submitted_at__isnull=False),
            "submitted_at",
            tz,
            first,
            last,
        ),
        "registrations": _counts(
            Registration.objects.filter(event__network=network, status="confirmed"),
            "occurrence_start",
            tz,
            first,
            last,
        ),
    }
    unmet_dates = [u.created_at for u in unmet_requests(network)]
    series = []
    month = first
    while True:
        values = {key: counters[key].get(month, 0) for key in counters}
        end = month.next().start(tz)
        values["unmet_requests"] = sum(1 for created in unmet_dates if created < end)
        series.append((month, values))
        if month == last:
            return series
        month = month.next()


def monthly_figures(network: Network, month: Month) -> dict[str, int]:
    return figures_series(network, month, month)[0][1]

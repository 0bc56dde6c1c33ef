"""Query-string filters of the matching endpoints: connections, exchanges, reviews.

As in :mod:`rers_core.api.filters`: they narrow what a selector already scoped to the
reader, never widen it; unknown choices and non-numeric ids answer 400.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rers_core.api.filters import IdFilter
from rers_core.models import Connection, Exchange, Review


class ConnectionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Connection.Status.choices)

    class Meta:
        model = Connection
        fields: list[str] = []


class ExchangeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Exchange.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Exchange.Kind.choices)

    class Meta:
        model = Exchange
        fields: list[str] = []


class ReviewFilter(django_filters.FilterSet):
    exchange = IdFilter(field_name="exchange_id", label=_("Exchange id"))
    submitted = django_filters.BooleanFilter(
        method="filter_submitted",
        label=_("true: reviews given; false: reviews still awaited"),
    )

    class Meta:
        model = Review
        fields: list[str] = []

    def filter_submitted(
        self, queryset: QuerySet[Review], name: str, value: bool | None
    ) -> QuerySet[Review]:
        if value is None:
            return queryset
        return queryset.filter(submitted_at__isnull=not value)

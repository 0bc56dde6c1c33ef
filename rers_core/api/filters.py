"""Query-string filters of list endpoints (django-filter).

Filters narrow a queryset that a selector already scoped to what the reader may see;
they never widen it. Unknown choices, non-numeric ids and over-long texts answer 400.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from rers_core.api.serializers import MAX_ID
from rers_core.models import AuditEntry, Listing, Member
from rers_core.selectors.listings import (
    MAX_RADIUS_KM,
    Scope,
    listing_text_filter,
    listings_from,
    listings_within,
)

MAX_QUERY_TEXT = 200


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (NumberFilter accepts decimals such as ``1.5`` or ``1e400``).

    The schema reads its type from the hint of the filter's method, if any."""

    field_class = forms.IntegerField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(IntegerFilter):
    """An integer id."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ListingFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=Listing.Direction.choices)
    kind = django_filters.ChoiceFilter(choices=Listing.Kind.choices)
    domain = django_filters.CharFilter(
        field_name="domain__slug", max_length=60, label=_("Domain (short name)")
    )
    status = django_filters.ChoiceFilter(choices=Listing.Status.choices)
    visibility = django_filters.ChoiceFilter(choices=Listing.Visibility.choices)
    setting = django_filters.ChoiceFilter(choices=Listing.Setting.choices)
    member = IdFilter(
        field_name="member_id",
        label=_("Member id (facilitators: one person's listings; others see what they may)"),
    )
    scope = django_filters.ChoiceFilter(
        choices=Scope.choices,
        method="filter_scope",
        label=_(
            "here (default): this network's own listings; neighbours: those of the "
            "neighbouring networks mirrored here; all: both."
        ),
    )
    within_km = IntegerFilter(
        method="filter_within",
        min_value=0,
        max_value=MAX_RADIUS_KM,
        label=_(
            "Neighbouring networks' listings at most this many km away (those of unknown "
            "distance are left out); this network's own are at 0 km."
        ),
    )
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=MAX_QUERY_TEXT,
        label=_("Words to look for in the title, description or domain"),
    )

    class Meta:
        model = Listing
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs) -> None:
        # Neighbours' listings are shown when asked for: without ``scope``, ours only.
        if data is not None and not data.get("scope"):
            data = data.copy()
            data["scope"] = Scope.HERE
        super().__init__(data, *args, **kwargs)

    def filter_scope(self, queryset: QuerySet[Listing], name: str, value: str) -> QuerySet[Listing]:
        return listings_from(queryset, value)

    def filter_within(
        self, queryset: QuerySet[Listing], name: str, value: int
    ) -> QuerySet[Listing]:
        return listings_within(queryset, value)

    def filter_text(self, queryset: QuerySet[Listing], name: str, value: str) -> QuerySet[Listing]:
        return listing_text_filter(
            queryset, value, self.form.cleaned_data.get("scope") or Scope.HERE
        )


class MemberFilter(django_filters.FilterSet):
    # Withdrawn members are not listed at all: their data is gone.
    status = django_filters.ChoiceFilter(
        choices=[
            (Member.Status.VISITOR, Member.Status.VISITOR.label),
            (Member.Status.MEMBER, Member.Status.MEMBER.label),
        ]
    )
    role = django_filters.ChoiceFilter(choices=Member.Role.choices)
    q = django_filters.CharFilter(
        field_name="display_name",
        lookup_expr="icontains",
        max_length=MAX_QUERY_TEXT,
        label=_("Part of the display name"),
    )

    class Meta:
        model = Member
        fields: list[str] = []


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=AuditEntry.Action.choices)

    class Meta:
        model = AuditEntry
        fields: list[str] = []

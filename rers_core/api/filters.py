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
from rers_core.models import Listing, Member
from rers_core.selectors.listings import listing_text_filter

MAX_QUERY_TEXT = 200


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An integer id (NumberFilter accepts decimals such as ``1.5`` or ``1e400``)."""

    field_class = forms.IntegerField

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
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=MAX_QUERY_TEXT,
        label=_("Words to look for in the title, description or domain"),
    )

    class Meta:
        model = Listing
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet[Listing], name: str, value: str) -> QuerySet[Listing]:
        return listing_text_filter(queryset, value)


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

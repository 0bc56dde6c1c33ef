"""Page-number pagination for every list endpoint of the API."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination

from rers_core.conf import core_settings


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M``, sized by ``RERS_CORE`` ``PAGE_SIZE`` and ``MAX_PAGE_SIZE``.

    A page number past the end, or not a number, answers 404; an unusable ``page_size``
    falls back to the default size.
    """

    page_size_query_param = "page_size"

    @property
    def page_size(self) -> int:  # type: ignore[override]
        return core_settings.PAGE_SIZE

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return core_settings.MAX_PAGE_SIZE

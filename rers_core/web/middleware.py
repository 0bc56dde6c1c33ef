"""What people see while the database cannot be reached (PostgreSQL restarting, a failover,
a network cut): a short "try again in a few minutes" answer with status 503, instead of
Django's bare "Server Error (500)".
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from rers_core.api.errors import error_body

logger = logging.getLogger(__name__)

# Errors of a database that cannot be reached or answered too late; Django raises them
# wherever the first query happens (often loading the session to know who is asking).
UNAVAILABLE = (OperationalError, InterfaceError)
# Seconds clients (and polite crawlers) wait before trying again.
RETRY_AFTER_SECONDS = 60


class DatabaseUnavailableMiddleware:
    """Answer 503 when a view (or the authentication it triggers) cannot reach the database.

    The session and authentication middleware load nothing until a view asks who the
    visitor is, so the error is raised inside the view and reaches ``process_exception``.
    Browsers get a page, other clients the API's JSON error shape. The page is rendered
    without a request: context processors would query the database again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # With DEBUG, the developer wants Django's page (an unmigrated database raises
        # OperationalError too).
        if not isinstance(exception, UNAVAILABLE) or settings.DEBUG:
            return None
        logger.error("Database unavailable, answering 503 to %s: %s", request.path, exception)
        detail = _("The service is temporarily unavailable. Please try again in a few minutes.")
        if request.get_preferred_type(["application/json", "text/html"]) == "text/html":
            response: HttpResponse = HttpResponse(
                render_to_string("rers_core/unavailable.html", {"detail": detail}), status=503
            )
        else:
            response = JsonResponse(error_body(detail, "unavailable"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

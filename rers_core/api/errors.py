"""One JSON shape for every error of the API.

``{"detail": "...", "code": "...", "errors": {"field": ["message", ...]}}``; ``errors``
is present only when particular inputs are at fault. Domain errors raised by services
are mapped to HTTP statuses here, once, so that views never catch them:

=========================================  ======
``ValidationFailed``, ``DomainError``      400
``NotFound`` naming an input ``field``     400 (the request referred to something missing)
``NotAllowed``                             403
``NotFound``                               404
``InvalidTransition``                      409
Django ``ValidationError``                 400
=========================================  ======
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from rers_core.errors import DomainError, InvalidTransition, NotAllowed, NotFound

NON_FIELD = "non_field_errors"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _status_for(exc: DomainError) -> int:
    if isinstance(exc, NotAllowed):
        return status.HTTP_403_FORBIDDEN
    if isinstance(exc, NotFound):
        # ``field`` set: an input named something that does not exist (an unknown domain
        # in a listing): the request is wrong, the addressed resource exists.
        return status.HTTP_400_BAD_REQUEST if exc.field else status.HTTP_404_NOT_FOUND
    if isinstance(exc, InvalidTransition):
        return status.HTTP_409_CONFLICT
    return status.HTTP_400_BAD_REQUEST


def _domain_errors(exc: DomainError) -> dict[str, list[str]] | None:
    errors = getattr(exc, "errors", None)
    if errors:
        return {
            (NON_FIELD if key == "__all__" else key): [str(m) for m in messages]
            for key, messages in errors.items()
        }
    if exc.field:
        return {exc.field: [str(exc.message)]}
    return None


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as ``{"field" or "field.sub": ["message", ...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for sub, messages in flatten_errors(value, name).items():
                flat.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list | tuple):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list | tuple):
                name = f"{prefix}.{index}" if prefix else str(index)
                for sub, messages in flatten_errors(value, name).items():
                    flat.setdefault(sub, []).extend(messages)
            else:
                flat.setdefault(prefix or NON_FIELD, []).append(str(value))
    else:
        flat.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return flat


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def error_body(
    detail: str, code: str, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The API's error shape: ``detail``, ``code`` and, for invalid fields, ``errors``."""
    body: dict[str, Any] = {"detail": str(detail), "code": code}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: domain and Django errors become JSON 4xx responses.

    Anything else (a bug) is left to Django, which logs it and answers 500.
    """
    if isinstance(exc, DomainError):
        set_rollback()
        body = error_body(exc.message, exc.code, _domain_errors(exc))
        return Response(body, status=_status_for(exc))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            _("The request body is too large (at most %(limit)d bytes).")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(_("The request could not be read."))

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        messages = [m for field_messages in errors.values() for m in field_messages]
        detail = messages[0] if len(messages) == 1 else _("Some fields are not valid.")
        response.data = error_body(detail, "invalid", errors)
    elif isinstance(exc, exceptions.APIException):
        response.data = error_body(str(exc.detail), _code_of(exc), None)
    return response


# Exempt: it changes nothing, and a POST to an unknown address must get this JSON 404,
# not the CSRF check's HTML 403 (API clients send tokens, not CSRF cookies).
@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """JSON 404 for addresses under ``/api/`` that match no endpoint."""
    detail = _("There is nothing at this address.")
    if not request.path.endswith("/"):
        detail = _("There is nothing at this address; API addresses end with a slash.")
    return JsonResponse(error_body(detail, "not_found"), status=404)

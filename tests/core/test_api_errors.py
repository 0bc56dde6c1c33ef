"""The exception handler maps every kind of error to one JSON shape and a 4xx status."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions

from rers_core.api.errors import exception_handler, flatten_errors
from rers_core.errors import (
    DomainError,
    InvalidTransition,
    NotAllowed,
    NotFound,
    ValidationFailed,
)


@pytest.mark.parametrize(
    ("exc", "status", "code", "errors"),
    [
        (DomainError("Refused."), 400, "domain_error", None),
        (
            ValidationFailed("Give a title.", field="title"),
            400,
            "invalid",
            {"title": ["Give a title."]},
        ),
        (NotAllowed("No."), 403, "not_allowed", None),
        (NotFound("No such listing."), 404, "not_found", None),
        (
            NotFound("No such domain.", field="domain"),
            400,
            "not_found",
            {"domain": ["No such domain."]},
        ),
        (InvalidTransition("Closed."), 409, "invalid_transition", None),
        (
            DjangoValidationError({"email": ["Enter a valid email address."]}),
            400,
            "invalid",
            {"email": ["Enter a valid email address."]},
        ),
        (DjangoValidationError("Wrong."), 400, "invalid", {"non_field_errors": ["Wrong."]}),
        (exceptions.NotAuthenticated(), 401, "not_authenticated", None),
        (exceptions.MethodNotAllowed("PUT"), 405, "method_not_allowed", None),
    ],
)
def test_mapping(exc, status, code, errors):
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert response.data["code"] == code
    assert response.data["detail"]
    assert response.data.get("errors") == errors


def test_validation_failed_with_several_fields():
    exc = ValidationFailed("Name missing.", field="name")
    exc.errors = {"name": ["Name missing."], "__all__": ["Inconsistent."]}
    response = exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data["errors"] == {
        "name": ["Name missing."],
        "non_field_errors": ["Inconsistent."],
    }


def test_single_message_becomes_the_detail():
    response = exception_handler(exceptions.ValidationError({"title": ["Too long."]}), {})
    assert response.data["detail"] == "Too long."
    response = exception_handler(
        exceptions.ValidationError({"title": ["Too long."], "kind": ["Unknown."]}), {}
    )
    assert response.data["detail"] != "Too long."
    assert set(response.data["errors"]) == {"title", "kind"}


def test_nested_errors_are_flattened():
    assert flatten_errors({"a": {"b": ["x"]}, "c": [{"d": ["y"]}], "e": "z"}) == {
        "a.b": ["x"],
        "c.0.d": ["y"],
        "e": ["z"],
    }


def test_bugs_are_left_to_django():
    assert exception_handler(ZeroDivisionError(), {}) is None

"""Domain errors raised by services; each carries a message a person can read."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the operation.

    ``message`` is shown to people as is; ``field`` names the input at fault, if any.
    """

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(DomainError):
    code = "not_allowed"


class NotFound(DomainError):
    code = "not_found"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class ValidationFailed(DomainError):
    code = "invalid"

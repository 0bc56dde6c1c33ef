"""Helpers shared by the project's commands (not a command: the name starts with “_”)."""

from __future__ import annotations

from django.core.management.base import CommandError

from rers_core.errors import DomainError


def domain_error(error: DomainError, options: dict[str, str]) -> CommandError:
    """A service's refusal as a command error naming the option at fault.

    ``options`` maps a field name to its command-line option, e.g. ``{"latitude": "--lat"}``.
    """
    detailed = getattr(error, "errors", None) or {error.field: [error.message]}
    parts = []
    for field, messages in detailed.items():
        text = " ".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
        option = options.get(field) if field else None
        parts.append(f"{option}: {text}" if option else text)
    return CommandError(" ".join(parts))

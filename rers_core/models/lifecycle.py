"""Declared state transitions for stateful models.

A model lists its allowed moves once, in ``TRANSITIONS``; ``transition()`` refuses any
other move with a message a person can read. Services call it, then save.
"""

from __future__ import annotations

from typing import ClassVar

from django.utils.translation import gettext as _

from rers_core.errors import InvalidTransition


class Stateful:
    """Mixin for a model whose ``state_field`` follows a declared transition table."""

    state_field: ClassVar[str] = "status"
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {}

    def _state_label(self, value: str) -> str:
        field = self._meta.get_field(self.state_field)  # type: ignore[attr-defined]
        return str(dict(field.flatchoices).get(value, value))

    def can_transition(self, to: str) -> bool:
        current = getattr(self, self.state_field)
        return to in self.TRANSITIONS.get(current, frozenset())

    def transition(self, to: str) -> None:
        """Move to state ``to`` or raise :class:`InvalidTransition`; the caller saves."""
        current = getattr(self, self.state_field)
        if not self.can_transition(to):
            raise InvalidTransition(
                _("Cannot go from “%(current)s” to “%(target)s”.")
                % {"current": self._state_label(current), "target": self._state_label(to)}
            )
        setattr(self, self.state_field, to)

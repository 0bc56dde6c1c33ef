from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from rers_core import permissions
from rers_core.errors import NotAllowed, ValidationFailed
from rers_core.models import Member, Network


def full_clean(instance: models.Model, *, exclude: Iterable[str] | None = None) -> None:
    """Validate a model instance, turning Django's error into a field-aware domain error."""
    try:
        instance.full_clean(exclude=list(exclude or []), validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
        field, messages = next(iter(errors.items()))
        error = ValidationFailed(" ".join(messages), field=None if field == "__all__" else field)
        error.errors = errors  # type: ignore[attr-defined]
        raise error from exc


def is_instance_admin(acting) -> bool:
    """An active superuser: the person who runs this instance may do what a coordinator may,
    in every network (the admin site passes them as ``acting`` so that records name them)."""
    return acting is not None and bool(getattr(acting, "is_superuser", False)) and acting.is_active


def require_facilitator(acting, network: Network) -> None:
    if is_instance_admin(acting):
        return
    if acting is not None and not permissions.is_facilitator(acting, network):
        raise NotAllowed(_("Only a facilitator of this network can do this."))


def require_coordinator(acting, network: Network) -> None:
    if is_instance_admin(acting):
        return
    if acting is not None and not permissions.is_coordinator(acting, network):
        raise NotAllowed(_("Only a coordinator of this network can do this."))


def require_can_act_for(acting, member: Member) -> None:
    """``acting=None`` means the system itself (commands, tasks, migrations)."""
    if is_instance_admin(acting):
        return
    if acting is not None and not permissions.can_act_for(acting, member):
        raise NotAllowed(
            _("You can only do this for yourself, or as a facilitator of this network.")
        )

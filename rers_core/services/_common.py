from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnreachable

from rers_core import permissions
from rers_core.errors import NotAllowed, ValidationFailed
from rers_core.models import Member, Network

logger = logging.getLogger(__name__)


def queue_for_rows(task, row_ids: Iterable[int]) -> None:
    """Queue ``task`` for each committed row (call it after commit). When the broker cannot
    be reached (Redis restarting), the rows wait in the database for the periodic sweep
    that looks for unsent ones: what the person did stands, and they get no error page."""
    row_ids = list(row_ids)
    try:
        for row_id in row_ids:
            task.delay(row_id)
    except BrokerUnreachable as exc:
        logger.warning(
            "%s %s left to the sweep, the broker is unreachable: %s", task.name, row_ids, exc
        )


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

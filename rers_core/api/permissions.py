"""DRF permission classes: thin wrappers over :mod:`rers_core.permissions`.

Views under ``networks/{slug}/`` expose the network as ``view.network`` (an unknown slug
answers 404). Scoping rules of the API, applied consistently:

* a network-wide collection you may not use (``members/``, ``listings/``) answers 403;
* an object that is not in that network, or that you may not see, answers 404, so that
  ids of other networks' members, listings, consents and domains do not leak;
* ``me/...`` when you have not joined the network answers 404 (there is no "you" there).

Anonymous requests to a protected endpoint get ``code: "not_authenticated"``.
Services check the same rules again when they write.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from rers_core import permissions


def _network(view: Any):
    return view.network


class IsParticipant(BasePermission):
    """Anyone who joined the network and has not left it: visitors, members, facilitators."""

    message = _("Only people who joined this network can do this.")
    code = "not_allowed"

    def has_permission(self, request, view) -> bool:
        return permissions.membership(request.user, _network(view)) is not None


class IsFacilitator(BasePermission):
    """Facilitators (and coordinators) of the network."""

    message = _("Only a facilitator of this network can do this.")
    code = "not_allowed"

    def has_permission(self, request, view) -> bool:
        return permissions.is_facilitator(request.user, _network(view))


class IsCoordinator(BasePermission):
    """Coordinators of the network."""

    message = _("Only a coordinator of this network can do this.")
    code = "not_allowed"

    def has_permission(self, request, view) -> bool:
        return permissions.is_coordinator(request.user, _network(view))


class ReadOnlyOrCoordinator(IsCoordinator):
    """Anyone may read (public information); coordinators of the network may change it."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or super().has_permission(request, view)

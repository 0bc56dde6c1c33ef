from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rers_core.errors import NotFound
from rers_core.models import Charter, Domain, Network


def network_list() -> QuerySet[Network]:
    return Network.objects.all()


def network_get(slug: str) -> Network:
    network = Network.objects.filter(slug=slug).first()
    if network is None:
        raise NotFound(_("There is no network “%s” here.") % slug)
    return network


def charter_current(network: Network) -> Charter | None:
    return network.charters.order_by("-version").first()


def domain_list(network: Network, *, include_inactive: bool = False) -> QuerySet[Domain]:
    qs = Domain.objects.filter(network=network)
    return qs if include_inactive else qs.filter(is_active=True)


def domain_for(network: Network, domain: Domain | int | str) -> Domain:
    """The network's active domain given as object, id or slug; anything else is refused."""
    qs = Domain.objects.filter(network=network, is_active=True)
    if isinstance(domain, Domain):
        found = qs.filter(pk=domain.pk).first()
    elif isinstance(domain, int) or (
        isinstance(domain, str) and domain.isascii() and domain.isdigit()
    ):
        found = qs.filter(pk=int(domain)).first()
    else:
        found = qs.filter(slug=domain).first()
    if found is None:
        raise NotFound(_("This domain does not exist in this network."), field="domain")
    return found


# Whether a network federates with others is the federation app's to know, and core never
# imports it: that app registers here, when it is installed, a function telling whether a
# network has at least one active neighbouring network (rers_federation/apps.py).
NeighboursCheck = Callable[[Network], bool]
_neighbours_checks: dict[str, NeighboursCheck] = {}


def register_neighbours_check(name: str, check: NeighboursCheck) -> None:
    """Let an app tell whether a network has neighbours; registering a name again replaces
    its function (``AppConfig.ready`` may run more than once)."""
    _neighbours_checks[name] = check


def network_has_neighbours(network: Network) -> bool:
    """Whether ``network`` federates with at least one active neighbouring network. Without
    one, nothing offers to share with "neighbouring networks": there is nobody to share with.
    Always false on a site without a federation app."""
    return any(check(network) for check in _neighbours_checks.values())

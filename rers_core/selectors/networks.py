from __future__ import annotations

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

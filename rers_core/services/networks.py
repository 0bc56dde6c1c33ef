"""Writes on networks, their charter and their domains."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rers_core import search
from rers_core.conf import core_settings
from rers_core.errors import NotAllowed, ValidationFailed
from rers_core.models import Charter, CharterAcceptance, Domain, Listing, Network
from rers_core.services._common import full_clean, is_instance_admin, require_coordinator
from rers_core.signals import network_changed

# First path segments the site uses itself (admin, API, portal-wide pages).
RESERVED_SLUGS = frozenset(
    {"admin", "api", "i18n", "static", "media", "accounts", "me", "goodbye", "federation"}
)

NETWORK_EDITABLE_FIELDS = (
    "name",
    "agency_code",
    "city",
    "postcode",
    "latitude",
    "longitude",
    "timezone",
    "contact_email",
    "description",
)


@transaction.atomic
def network_create_or_update(
    *, slug: str, name: str, acting=None, **fields: Any
) -> tuple[Network, bool]:
    """Create the network ``slug`` or update the given fields of an existing one.

    Idempotent: calling it twice with the same values changes nothing the second time.
    A new network starts with the default domains and version 1 of the default charter.
    Returns ``(network, created)``.
    """
    unknown = set(fields) - set(NETWORK_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown network fields: %s.") % ", ".join(sorted(unknown)))
    fields = {k: v for k, v in fields.items() if v is not None}
    for coordinate in ("latitude", "longitude"):
        if coordinate in fields:
            fields[coordinate] = _decimal(fields[coordinate], coordinate)
    if slug in RESERVED_SLUGS:
        raise ValidationFailed(
            _("“%s” is reserved by the site's own pages; choose another short name.") % slug,
            field="slug",
        )
    network = Network.objects.select_for_update().filter(slug=slug).first()
    created = network is None
    if created:
        network = Network(slug=slug, name=name, timezone=core_settings.DEFAULT_TIMEZONE)
    else:
        require_coordinator(acting, network)
        network.name = name
    for key, value in fields.items():
        setattr(network, key, value)
    full_clean(network, exclude=[] if created else ["slug"])
    network.save()
    if created:
        _seed(network)
    return network, created


@transaction.atomic
def network_update(*, network: Network, acting, **fields: Any) -> Network:
    """Change a network's settings (coordinators). Unlike creation, a field given as
    ``None`` or empty is cleared (coordinates, for instance)."""
    require_coordinator(acting, network)
    unknown = set(fields) - set(NETWORK_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown network fields: %s.") % ", ".join(sorted(unknown)))
    network = Network.objects.select_for_update().get(pk=network.pk)
    for key, value in fields.items():
        if key in ("latitude", "longitude"):
            value = None if value in (None, "") else _decimal(value, key)
        elif value is None:
            value = ""
        setattr(network, key, value.strip() if isinstance(value, str) else value)
    full_clean(network, exclude=["slug"])
    network.save()
    network_changed.send(sender=Network, network=network)
    return network


def _decimal(value: Any, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (ArithmeticError, ValueError) as exc:
        raise ValidationFailed(_("Enter a number."), field=field) from exc


def _seed(network: Network) -> None:
    Domain.objects.bulk_create(
        Domain(network=network, slug=slug, name=label, position=index)
        for index, (slug, label) in enumerate(core_settings.DEFAULT_DOMAINS)
    )
    Charter.objects.create(network=network, version=1, text=core_settings.DEFAULT_CHARTER)


@transaction.atomic
def charter_publish(*, network: Network, text: str, acting) -> Charter:
    """Publish a new version of the charter; members accept it when they next join or renew."""
    require_coordinator(acting, network)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("The charter cannot be empty."), field="text")
    Network.objects.select_for_update().filter(pk=network.pk).first()
    latest = network.charters.aggregate(v=Max("version"))["v"] or 0
    return Charter.objects.create(
        network=network,
        version=latest + 1,
        text=text,
        published_by=acting if acting is not None and acting.is_authenticated else None,
    )


@transaction.atomic
def domain_create(
    *, network: Network, name: str, slug: str = "", position: int | None = None, acting
) -> Domain:
    """Add a knowledge area to the network's taxonomy (coordinators)."""
    require_coordinator(acting, network)
    name = (name or "").strip()
    slug = slugify(slug or name)[:60]
    if not name or not slug:
        raise ValidationFailed(_("Give the domain a name."), field="name")
    if network.domains.filter(slug=slug).exists():
        raise ValidationFailed(_("This network already has a domain “%s”.") % slug, field="slug")
    if position is None:
        position = (network.domains.aggregate(p=Max("position"))["p"] or 0) + 1
    domain = Domain(network=network, name=name, slug=slug, position=position)
    full_clean(domain)
    domain.save()
    return domain


@transaction.atomic
def domain_update(
    *,
    domain: Domain,
    acting,
    name: str | None = None,
    position: int | None = None,
    is_active: bool | None = None,
) -> Domain:
    """Rename, reorder or retire a domain; retired domains stay on existing listings."""
    require_coordinator(acting, domain.network)
    if name is not None:
        domain.name = name.strip()
    if position is not None:
        domain.position = position
    if is_active is not None:
        domain.is_active = is_active
    renamed = name is not None and Domain.objects.get(pk=domain.pk).name != domain.name
    full_clean(domain)
    domain.save()
    if renamed:  # the domain's name is searchable text of its listings
        search.index_listings(domain.listings.exclude(title="").select_related("domain"))
    return domain


@transaction.atomic
def network_delete(*, network: Network, acting=None) -> dict[str, int]:
    """Delete a network and everything recorded in it; there is no undo.

    For the instance's administrator only (``acting=None`` from a command, or a
    superuser): resetting the demo network, or removing a network created by mistake.
    User accounts left without any network (and not staff) are deleted too, as on
    withdrawal. Returns how many members and listings were deleted.
    """
    if acting is not None and not is_instance_admin(acting):
        raise NotAllowed(_("Only the administrator of this instance can delete a network."))
    network = Network.objects.select_for_update().get(pk=network.pk)
    user_ids = set(network.members.exclude(user=None).values_list("user_id", flat=True))
    listing_ids = list(network.listings.values_list("pk", flat=True))
    counts = {"members": network.members.count(), "listings": len(listing_ids)}
    search.backend().remove(listing_ids)
    # Rows that PROTECT what they point to go first; the rest cascades from the network.
    Listing.objects.filter(network=network).delete()
    CharterAcceptance.objects.filter(charter__network=network).delete()
    network.delete()
    get_user_model().objects.filter(
        pk__in=user_ids, is_staff=False, is_superuser=False, memberships__isnull=True
    ).delete()
    return counts

"""``rers create-network SLUG --name NAME [...]``: create or update one network."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from rers_core.errors import DomainError, NotFound
from rers_core.management.commands._common import domain_error
from rers_core.selectors.networks import network_get
from rers_core.services.networks import NETWORK_EDITABLE_FIELDS, network_create_or_update

# Command-line option of each network field, to name it in error messages.
OPTIONS = {
    "slug": "SLUG",
    "name": "--name",
    "city": "--city",
    "postcode": "--postcode",
    "latitude": "--lat",
    "longitude": "--lon",
    "timezone": "--timezone",
    "contact_email": "--email",
    "agency_code": "--agency-code",
    "description": "--description",
}


class Command(BaseCommand):
    help = (
        "Create a network, or update the settings of an existing one (idempotent). "
        "A new network starts with the default knowledge domains and charter."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="short name used in addresses, e.g. souday")
        parser.add_argument("--name", help="full name, e.g. “RERS de Souday” (required to create)")
        parser.add_argument("--city")
        parser.add_argument("--postcode")
        parser.add_argument(
            "--lat", dest="latitude", help="latitude in degrees, e.g. 49.4944 (6 decimals kept)"
        )
        parser.add_argument(
            "--lon", dest="longitude", help="longitude in degrees, e.g. 0.1079 (6 decimals kept)"
        )
        parser.add_argument("--timezone", help="e.g. Europe/Paris (the default)")
        parser.add_argument("--email", dest="contact_email", help="the network's contact email")
        parser.add_argument("--agency-code", dest="agency_code")
        parser.add_argument("--description")

    @no_translations  # one language on the terminal, Django's messages included
    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"].strip()
        fields = {
            name: options[name]
            for name in NETWORK_EDITABLE_FIELDS
            if name != "name" and options.get(name) is not None
        }
        for coordinate in ("latitude", "longitude"):
            if coordinate in fields:
                fields[coordinate] = _six_decimals(fields[coordinate])
        try:
            before = network_get(slug)
        except NotFound:
            before = None
        name = options["name"]
        if name is None:
            if before is None:
                raise CommandError("--name: give the name of the new network.")
            name = before.name
        if not name.strip():
            raise CommandError("--name: the name cannot be empty.")
        snapshot = _values(before)
        try:
            network, created = network_create_or_update(
                slug=slug, name=name.strip(), acting=None, **fields
            )
        except DomainError as error:
            raise domain_error(error, OPTIONS) from error
        if created:
            verb = "created"
        elif _values(network) != snapshot:
            verb = "updated"
        else:
            verb = "unchanged"
        self.stdout.write(self.style.SUCCESS(f"Network “{network.name}” ({network.slug}) {verb}."))


def _values(network) -> dict[str, Any] | None:
    if network is None:
        return None
    return {name: getattr(network, name) for name in NETWORK_EDITABLE_FIELDS}


def _six_decimals(value: str) -> str:
    """Coordinates are stored to 6 decimals (about 10 cm); round finer ones from GPS tools."""
    try:
        return str(Decimal(value.strip()).quantize(Decimal("0.000001")))
    except (InvalidOperation, ValueError):
        return value  # not a usable number: the service explains what is wrong

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from rers_core.errors import DomainError
from rers_core.selectors.networks import network_get
from rers_core.services.imports import listings_export_csv


class Command(BaseCommand):
    help = "Write the network's offers and requests in the import format (CSV, UTF-8)."

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="Slug of the network.")
        parser.add_argument("--output", help="File to write; standard output when omitted.")

    def handle(self, *args, network: str, output: str | None, **options):
        try:
            target = network_get(network)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if output:
            with open(output, "w", encoding="utf-8", newline="") as out:
                count = listings_export_csv(target, out)
            self.stderr.write(f"{count} listing(s) written to {output}.")
        else:
            listings_export_csv(target, self.stdout)

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rers_core.errors import DomainError
from rers_core.selectors.networks import network_get
from rers_core.services import imports


class Command(BaseCommand):
    help = (
        "Import offers and requests from a UTF-8 CSV with the header "
        + ",".join(imports.REQUIRED_COLUMNS)
        + ". Every row is checked first; if any is wrong, nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8).")
        parser.add_argument("--network", required=True, help="Slug of the network.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file, write nothing.")

    def handle(self, *args, file: str, network: str, dry_run: bool, **options):
        try:
            target = network_get(network)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if path.stat().st_size > imports.MAX_BYTES:
            raise CommandError(
                f"{imports.too_big_message(path.stat().st_size)} Nothing was imported."
            )
        report = imports.listings_import(network=target, data=path.read_bytes(), dry_run=dry_run)
        if report.errors:
            for error in report.errors:
                self.stderr.write(error)
            self.stderr.write(f"{len(report.errors)} error(s): nothing was imported.")
            raise SystemExit(1)
        if dry_run:
            self.stdout.write("The file is valid; nothing was written (--dry-run).")
            return
        self.stdout.write(
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged; "
            f"{report.members_created} new member(s)."
        )

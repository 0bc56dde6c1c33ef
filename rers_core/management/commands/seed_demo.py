"""``rers seed-demo [--network SLUG] [--reset]``: a demo network with fictional members,
offers and requests, connections, exchanges and reviews, events and testimonies.

Everything goes through the services, as a facilitator's work would. Running it again
reuses what exists (accounts by email, listings by external reference); ``--reset``
deletes the demo network and its accounts first. The people are fictional. Without
``--network`` it seeds the stand-alone demo network; ``make demo`` seeds the three
neighbouring ones (le-havre, montivilliers, harfleur), each on its own instance.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.test.utils import override_settings

from rers_core.demo.seeding import seed_town
from rers_core.demo.towns import DEMO_ACCOUNTS, PASSWORD, TOWNS


class Command(BaseCommand):
    help = (
        "Create a demo network (fictional people, offers and requests, collective life) "
        "with demo accounts. Idempotent; --reset deletes that demo network first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--network",
            choices=sorted(TOWNS),
            default="demo",
            help="which demo network (default: demo, the stand-alone one)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo network, its members and their accounts first",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="address of the portal, to print (default http://127.0.0.1:8000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        town = TOWNS[options["network"]]
        # The demo people are fictional: their notification emails go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            seeded = seed_town(town, reset=options["reset"])
        if options["verbosity"] < 1:
            return
        if seeded.deleted is not None:
            self.stdout.write(
                f"Deleted the demo network: {seeded.deleted['members']} members, "
                f"{seeded.deleted['listings']} listings."
            )
        verb = "created" if seeded.created else "reused"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network “{seeded.network.name}” {verb}: {seeded.people} people "
                f"({seeded.new_people} new), {seeded.listings} offers and requests "
                f"({seeded.new_listings} new)."
            )
        )
        base_url = options["base_url"].rstrip("/")
        write = self.stdout.write
        write("")
        write(f"Portal:         {base_url}/")
        write(f"Demo network:   {base_url}/{town.slug}/")
        write(f"Administration: {base_url}/admin/ (facilitators and coordinators)")
        write(f"Demo accounts (password “{PASSWORD}”):")
        for key, role in DEMO_ACCOUNTS:
            write(f"  {town.email(key):<44} {role}")

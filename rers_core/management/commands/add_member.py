"""``rers add-member --network SLUG --email E --role R``: enrol someone, e.g. a facilitator."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from rers_core.errors import DomainError, NotFound
from rers_core.management.commands._common import domain_error
from rers_core.models import Member
from rers_core.selectors.networks import network_get
from rers_core.services.members import member_enrol

OPTIONS = {
    "email": "--email",
    "role": "--role",
    "display_name": "--name",
    "password": "password",
}


class Command(BaseCommand):
    help = (
        "Make a person a member of a network with a role (member, facilitator or coordinator), "
        "creating their account if needed. You attest that they accepted the network's charter. "
        "Running it again changes nothing, or only the role, name or password given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--network", required=True, help="the network's short name (slug)")
        parser.add_argument("--email", required=True, help="the person's email (their login)")
        parser.add_argument(
            "--role",
            required=True,
            help="member, facilitator or coordinator",
        )
        parser.add_argument(
            "--name", dest="display_name", default="", help="name other members will see"
        )
        parser.add_argument(
            "--password-prompt",
            action="store_true",
            help="type a password for the account now (otherwise it has none yet)",
        )

    @no_translations  # one language on the terminal, Django's messages included
    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"].strip().lower()
        if role not in Member.Role.values:
            raise CommandError(
                f"--role: unknown role “{options['role']}”; "
                f"choose one of {', '.join(Member.Role.values)}."
            )
        try:
            network = network_get(options["network"])
        except NotFound as error:
            raise CommandError(
                f"--network: there is no network “{options['network']}”; "
                "create it first with `rers create-network`."
            ) from error
        password = self._ask_password() if options["password_prompt"] else None
        try:
            enrolment = member_enrol(
                network=network,
                email=options["email"],
                role=role,
                display_name=options["display_name"],
                password=password,
                acting=None,
            )
        except DomainError as error:
            raise domain_error(error, OPTIONS) from error

        member = enrolment.member
        user = member.user
        login = user.get_username()
        out = self.stdout
        if enrolment.account_created:
            out.write(f"Account {login} created.")
        if enrolment.joined:
            out.write(f"{member.display_name} joined “{network.name}”.")
        if enrolment.charter_accepted:
            out.write(f"Charter acceptance recorded for {member.display_name}.")
        if enrolment.profile_changed:
            out.write(f"Display name set to “{member.display_name}”.")
        if enrolment.password_set:
            out.write("Password set.")
        if enrolment.changed:
            out.write(
                self.style.SUCCESS(
                    f"{login} is {member.role} of “{network.name}” ({network.slug})."
                )
            )
        else:
            out.write(f"Nothing to change: {login} is already {member.role} of “{network.name}”.")
        if not user.has_usable_password():
            out.write(
                f"This account has no password yet: set one with `rers changepassword {login}`, "
                "or use “forgotten password” on the portal."
            )

    def _ask_password(self) -> str:
        for _attempt in range(3):
            first = getpass.getpass("Password: ")
            second = getpass.getpass("Password (again): ")
            if first != second:
                self.stderr.write("The passwords do not match; try again.")
                continue
            if not first:
                raise CommandError("The password cannot be empty.")
            return first
        raise CommandError("The passwords did not match three times; nothing was changed.")

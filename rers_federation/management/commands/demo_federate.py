"""``rers demo-federate --network SLUG --neighbour SLUG=URL ...``: federate one of the demo's
neighbouring networks (``make demo``) with the others, through the real federation.

Run on each of the three instances at the same time, once their web servers answer. The
network peers with each neighbour (the one first in ``NEIGHBOURS`` asks, the other's
coordinator accepts), asks each peer for what it published before they peered, then plays
its part across networks: its members ask for neighbours' offers and register for their
shared events, its offerers accept the requests the demo expects them to. Each step waits
for what it needs to arrive from the neighbours, so the command returns once the
federation carried everything. Running it again only does what is missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import get_text_list

from rers_core.demo.towns import CROSS_ASKS, CROSS_VISITS, NEIGHBOURS, TOWNS, Town
from rers_core.errors import DomainError
from rers_core.models import Connection, Event, Listing, Member, Registration
from rers_core.selectors.listings import listing_by_external_ref
from rers_core.selectors.networks import network_get
from rers_core.services import connections as connection_services
from rers_core.services import events as event_services
from rers_federation.models import Peer
from rers_federation.services import peering
from rers_federation.tasks import pull_from

Step = Callable[[], bool]  # True once done; may raise DomainError to be tried again


class Command(BaseCommand):
    help = (
        "Federate one demo network with its neighbours (make demo): peering, then the "
        "connections and registrations the demo shows across networks. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--network", required=True, choices=NEIGHBOURS)
        parser.add_argument(
            "--neighbour",
            action="append",
            default=[],
            metavar="SLUG=URL",
            help="a neighbouring demo network and the address of its instance",
        )
        parser.add_argument(
            "--timeout", type=float, default=120.0, help="seconds to wait (default 120)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        town = TOWNS[options["network"]]
        neighbours = {}
        for given in options["neighbour"]:
            slug, _sep, url = given.partition("=")
            if slug not in NEIGHBOURS or slug == town.slug or not url:
                raise CommandError(f"--neighbour {given!r}: expected SLUG=URL of a neighbour.")
            neighbours[slug] = f"{url.rstrip('/')}/federation/{slug}/"
        self.town, self.verbosity = town, options["verbosity"]
        self.network = network_get(town.slug)
        steps: dict[str, Step] = {}
        for slug, document_url in neighbours.items():
            steps[f"peering with {TOWNS[slug].name}"] = self._peering(slug, document_url)
        for ask in CROSS_ASKS:
            if ask.town == town.slug and ask.offer_town in neighbours:
                title = TOWNS[ask.offer_town].listing(ask.offer)[5]
                steps[f"asking {TOWNS[ask.offer_town].name} for “{title}”"] = self._ask(
                    ask, neighbours[ask.offer_town]
                )
            elif ask.offer_town == town.slug and ask.town in neighbours and ask.accepted:
                steps[f"accepting a request from {TOWNS[ask.town].name}"] = self._accept(
                    ask, neighbours[ask.town]
                )
        for visit in CROSS_VISITS:
            if visit.town == town.slug and visit.event_town in neighbours:
                steps[f"registering for “{visit.event}”"] = self._visit(
                    visit, neighbours[visit.event_town]
                )
        self._run(steps, options["timeout"])

    def _run(self, steps: dict[str, Step], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        errors: dict[str, str] = {}
        while steps:
            for name, step in list(steps.items()):
                try:
                    done = step()
                except DomainError as exc:
                    errors[name], done = str(exc), False
                if done:
                    del steps[name]
                    errors.pop(name, None)
                    if self.verbosity >= 1:
                        self.stdout.write(f"{self.town.name}: {name}: done.")
            if not steps:
                break
            if time.monotonic() > deadline:
                unfinished = [f"{n} ({errors[n]})" if n in errors else n for n in steps]
                raise CommandError(
                    f"{self.town.name}: not finished after {timeout:.0f} s: "
                    + get_text_list(unfinished, "and")
                )
            time.sleep(0.5)

    # --- people ---------------------------------------------------------------------------

    def _member(self, town: Town, key: str) -> Member:
        return Member.objects.select_related("user").get(
            network=self.network, user__email=town.email(key)
        )

    def _peer(self, document_url: str) -> Peer | None:
        return Peer.objects.filter(network=self.network, document_url=document_url).first()

    # --- steps ----------------------------------------------------------------------------

    def _peering(self, slug: str, document_url: str) -> Step:
        """Peer with the neighbour; once active, catch up with what it published before."""
        asks = NEIGHBOURS.index(self.town.slug) < NEIGHBOURS.index(slug)
        coordinator = self._member(self.town, "coordination").user

        def step() -> bool:
            peer = self._peer(document_url)
            if peer is not None and peer.status == Peer.Status.ACTIVE:
                # Listings and events published before the peering are in its log only.
                pull_from.delay(peer.pk)
                return True
            if peer is not None and peer.status == Peer.Status.SUSPENDED:
                return True  # a coordinator's choice, made in the portal: kept
            if asks and (peer is None or peer.status in (Peer.Status.REJECTED, Peer.Status.ENDED)):
                peering.peer_request(network=self.network, url=document_url, acting=coordinator)
            elif not asks and peer is not None and peer.status == Peer.Status.PENDING:
                # What a coordinator reads over the phone: the neighbour's own fingerprint.
                seen = peering.document_fingerprint(peering.fetch_document(document_url))
                peering.peer_accept(peer=peer, acting=coordinator, fingerprint=seen)
            return False

        return step

    def _ask(self, ask, document_url: str) -> Step:
        """Our member asks for the neighbour's offer, once its copy is in our catalogue."""
        member = self._member(self.town, ask.member)
        title = TOWNS[ask.offer_town].listing(ask.offer)[5]

        def step() -> bool:
            copy = Listing.objects.filter(
                network=self.network, origin_uri__startswith=document_url, title=title
            ).first()
            if copy is None:
                return False
            if Connection.objects.filter(requester=member, offer=copy).exists():
                return True
            connection_services.connection_propose(
                acting=member.user, offer=copy, message=ask.message
            )
            return True

        return step

    def _accept(self, ask, document_url: str) -> Step:
        """Our offerer accepts the neighbour's request, once it has arrived."""
        offer = listing_by_external_ref(self.network, ask.offer)
        if offer is None:
            raise CommandError(f"{self.town.name} has no listing {ask.offer}: seed it first.")

        def step() -> bool:
            received = Connection.objects.filter(
                network=self.network, offer=offer, remote_network_uri=document_url
            ).order_by("pk")
            if received.exclude(offerer_answer=Connection.Answer.PENDING).exists():
                return True  # answered on an earlier run, or by the person themselves
            first = received.first()
            if first is None:
                return False
            connection_services.connection_answer(
                connection=first, accept=True, acting=offer.member.user
            )
            return True

        return step

    def _visit(self, visit, document_url: str) -> Step:
        """Our member registers for the neighbour's shared event, once its copy is here."""
        member = self._member(self.town, visit.member)

        def step() -> bool:
            copy = Event.objects.filter(
                network=self.network, origin_uri__startswith=document_url, title=visit.event
            ).first()
            if copy is None:
                return False
            if not Registration.objects.filter(event=copy, member=member).exists():
                event_services.registration_create(
                    event=copy, original_start=copy.starts_at, member=member, acting=member.user
                )
            return True

        return step

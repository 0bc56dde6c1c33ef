"""Federated catalogue benchmark: searching a network's own listings together with those
of 50 neighbouring networks mirrored on its instance, and the volume a day of typical
changes sends to and brings from the neighbours.

Usage (from the repository root, with the project's virtual environment; PostgreSQL at
127.0.0.1:5432):

    python bench/catalogue.py            # the figures of docs/performance.md (~10 minutes)
    python bench/catalogue.py --quick    # 10 peers × 2,000 listings, about a minute

Everything runs in this process on the PostgreSQL database ``rers_bench_catalogue`` (or
BENCH_CATALOGUE_DATABASE_URL), rebuilt at the start and dropped at the end. The listings
come from the generator of bench/dataset.py and the queries are those of bench/search.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search import (  # noqa: E402
    memory_gib,
    neighbour_address,
    percentile,
    setup,
    timed,
    verdict,
)

DATABASE_URL = os.environ.get(
    "BENCH_CATALOGUE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rers_bench_catalogue"
)
# The instance's public address, so that addresses, key ids and signed URLs are as long as
# in production (localhost:8000 would make every activity shorter).
SITE_URL = "https://rers.agence-exemple.fr"
SIZES = {
    "full": {"peers": 50, "per_peer": 10_000, "local": 10_000},
    "quick": {"peers": 10, "per_peer": 2_000, "local": 2_000},
}
TARGET_MS = 30.0
# Neighbours' distances, spread evenly over this range (km).
NEAREST_KM, FURTHEST_KM = 3, 80
RADIUS_KM = 25
# The search figures also count apart the queries matching fewer rows than this: about as
# many as the commonest query of the 100,000-listing benchmark ("cv", 11,949).
FEW_MATCHES = 10_000
# Experiments: how many matches are ranked when their number is capped.
RANKED_CAP = 2_000

# --- a day of one network, 300 members: what changes and reaches the neighbours ---------
DAY = {
    "new listings": 10,
    "edited listings": 15,
    "paused listings": 4,
    "closed listings": 4,
    "withdrawn members (2 shared listings each)": 2,
    "event changes": 5,  # 1 new event, 2 edits, 1 sitting cancelled, 1 sitting moved
    "our members registering for neighbours' events": 10,
    "neighbours' members registering for our events": 10,
}
DAY_MEMBERS = 300
SHARED_BEFORE = 100  # listings already shared with the neighbours when the day starts
PULL_SECONDS = 300  # FEDERATION_PULL_SECONDS's default: every peer pulls every 5 minutes
PULLS_PER_DAY = 86_400 // PULL_SECONDS


def machine_facts() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        found = []
        for setting in ("server_version", "shared_buffers", "work_mem", "jit"):
            cursor.execute(f"SHOW {setting}")
            found.append(cursor.fetchone()[0])
    memory = memory_gib()
    return (
        f"machine: {os.cpu_count()} cores, {memory} GiB; Python {platform.python_version()}; "
        f"PostgreSQL {found[0]} (shared_buffers {found[1]}, work_mem {found[2]}, jit {found[3]});"
        f" load average {os.getloadavg()[0]:.1f} at the start"
    )


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    base, name = DATABASE_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def distances(peers: int) -> list[int]:
    if peers == 1:
        return [NEAREST_KM]
    step = (FURTHEST_KM - NEAREST_KM) / (peers - 1)
    return [round(NEAREST_KM + number * step) for number in range(peers)]


# --- 1. the catalogue ---------------------------------------------------------------------


def build_catalogue(sizes: dict[str, int]) -> dict[str, Any]:
    """Our network with its own listings, and every neighbour's listings stored as
    ``listing_receive`` stores them: no member, their address, their network's name and
    distance, open, visible to our network only."""
    from django.db import connection, transaction

    from bench.dataset import build, generated_listings
    from rers_core.models import Listing
    from rers_core.search import rebuild_index
    from rers_core.search.backends import TABLE

    began = time.perf_counter()
    network = build(slug="catalogue", listings=sizes["local"])
    domains = {d.slug: d for d in network.domains.all()}
    for number, km in enumerate(distances(sizes["peers"])):
        address, name = neighbour_address(number), f"Réseau voisin {number + 1}"
        rng = random.Random(1000 + number)
        batch = []
        with transaction.atomic():
            for index, (_owner, fields) in enumerate(
                generated_listings(rng, sizes["per_peer"], domains, 1)
            ):
                fields["status"] = Listing.Status.OPEN  # only open listings are mirrored
                batch.append(
                    Listing(
                        network=network,
                        member=None,
                        origin_uri=f"{address}listings/{index + 1}",
                        origin_name=name,
                        origin_distance_km=km,
                        visibility=Listing.Visibility.NETWORK,
                        **fields,
                    )
                )
                if len(batch) == 5000:
                    Listing.objects.bulk_create(batch)
                    batch = []
            Listing.objects.bulk_create(batch)
    generated = time.perf_counter() - began
    began = time.perf_counter()
    indexed = rebuild_index()
    index_seconds = time.perf_counter() - began
    with connection.cursor() as cursor:
        # The state autovacuum keeps a live database in (visibility map, statistics).
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(
            "SELECT pg_total_relation_size(%s), pg_total_relation_size(%s)",
            [Listing._meta.db_table, TABLE],
        )
        sizes_on_disk = cursor.fetchone()
    return {
        "network": network,
        "rows": Listing.objects.filter(network=network).count(),
        "generated": generated,
        "indexed": indexed,
        "index_seconds": index_seconds,
        "on_disk": sizes_on_disk,
    }


# --- 2. search ----------------------------------------------------------------------------

SCOPES = (
    ("here", "here", None),
    ("neighbours", "neighbours", None),
    ("all", "all", None),
    (f"all, within {RADIUS_KM} km", "all", RADIUS_KM),
)


def portal_search(network, user, scope: str, within_km: int | None, text: str):
    """The listings page's query (rers_core.web.views.listings.listing_browse; the API's
    ListingFilter applies the same selectors)."""
    from rers_core.models import Listing
    from rers_core.selectors.listings import (
        listing_list,
        listing_text_filter,
        listings_from,
        listings_within,
    )

    qs = listing_list(network, user).filter(status=Listing.Status.OPEN)
    qs = listings_from(qs, scope)
    if within_km is not None:
        qs = listings_within(qs, within_km)
    return listing_text_filter(qs, text, scope)


def measure_search(network, rounds: int) -> dict[str, Any]:
    from django.core.paginator import Paginator

    from bench.dataset import QUERIES
    from rers_core.models import Member
    from rers_core.web.views.listings import PAGE_SIZE

    user = Member.objects.filter(network=network, status=Member.Status.MEMBER).first().user
    results = {}
    for label, scope, within in SCOPES:

        def page(q, scope=scope, within=within):
            return list(portal_search(network, user, scope, within, q)[:PAGE_SIZE])

        def paginated(q, scope=scope, within=within):
            found = Paginator(portal_search(network, user, scope, within, q), PAGE_SIZE)
            return list(found.get_page(1)), found.count

        matches = {q: paginated(q)[1] for q in QUERIES}  # also warms the caches
        for q in QUERIES:
            page(q)
        samples = {"page": defaultdict(list), "page and count": defaultdict(list)}
        for _ in range(rounds):
            for q in QUERIES:
                samples["page"][q] += timed(lambda q=q: page(q), 1)
                samples["page and count"][q] += timed(lambda q=q: paginated(q), 1)
        results[label] = {"matches": matches, "samples": samples, "scope": (scope, within)}
    return {"user": user, "page_size": PAGE_SIZE, "rounds": rounds, "scopes": results}


def flat(per_query: dict[str, list[float]]) -> list[float]:
    return [value for values in per_query.values() for value in values]


def explain(qs) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a queryset, indented for the report."""
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(f"    {row[0]}" for row in cursor.fetchall())


def report_search(
    found: dict[str, Any], built: dict[str, Any], sizes: dict[str, int]
) -> dict[str, str]:
    """The table of the search figures; the slowest query of scope "here" (the default)
    and of scope "all"."""
    from bench.dataset import QUERIES

    scopes = found["scopes"]
    print(
        f"\nSearch: our {sizes['local']:,} listings and {sizes['peers']} neighbours × "
        f"{sizes['per_peer']:,} mirrored = {built['rows']:,} listings rows; "
        f"{len(QUERIES)} queries × {found['rounds']} rounds; best {found['page_size']}"
    )
    print(
        "| scope | median matches | most matches | page p50 | page p95 | page + count p50 |"
        f" page + count p95 | target p95 < 30 ms | page p95, < {FEW_MATCHES:,} matches in all |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, row in scopes.items():
        page, counted = flat(row["samples"]["page"]), flat(row["samples"]["page and count"])
        p95 = percentile(page, 95)
        most = max(row["matches"], key=row["matches"].get)
        # Rare words: those that match few rows whatever their origin.
        few = [q for q, count in scopes["all"]["matches"].items() if count < FEW_MATCHES]
        few_p95 = percentile(flat({q: row["samples"]["page"][q] for q in few}), 95)
        print(
            f"| {label} | {statistics.median(row['matches'].values()):,.0f} | "
            f"{row['matches'][most]:,} ({most}) | {statistics.median(page):.1f} ms | "
            f"{p95:.1f} ms | {statistics.median(counted):.1f} ms | "
            f"{percentile(counted, 95):.1f} ms | {verdict(p95 < TARGET_MS)} | "
            f"{few_p95:.1f} ms ({len(few)} queries) |"
        )
    slowest = {}
    for label in ("here", "all"):
        per_query = scopes[label]["samples"]["page"]
        ranked = sorted(per_query, key=lambda q: statistics.median(per_query[q]), reverse=True)
        print(
            f"\nslowest queries of scope {label} (median of the page, matches): "
            + "; ".join(
                f"{q!r} {statistics.median(per_query[q]):.1f} ms, {scopes[label]['matches'][q]:,}"
                for q in ranked[:6]
            )
        )
        slowest[label] = ranked[0]
    return slowest


# --- 2b. experiments: the same search, other SQL (not the application's) -----------------


def experiments(network, user, page_size: int, rounds: int) -> None:
    """An option sized on this database: the application's text condition, wrapped as
    labelled; the application itself is as measured above."""
    from django.db import connection

    from bench.dataset import QUERIES
    from rers_core.models import Listing
    from rers_core.search import search_listings
    from rers_core.search.backends import TABLE

    def best(q: str) -> list[float]:
        found = portal_search(network, user, "all", None, q)[:page_size]
        return [listing.search_rank for listing in found]

    def capped(q: str) -> list[float]:
        # The application's text condition (its rank's query), over the first RANKED_CAP
        # index rows of the network that match, then ranked; status filtered after.
        rank, params = search_listings(Listing.objects.none(), q).query.extra["search_rank"]
        tsquery = rank.removeprefix(f"ts_rank({TABLE}.vector, ").removesuffix(")")
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH found AS MATERIALIZED (SELECT listing_id, vector FROM {TABLE}"
                f" WHERE network_id = %s AND vector @@ {tsquery} LIMIT {RANKED_CAP})"
                f" SELECT {rank.replace(f'{TABLE}.vector', 'found.vector')} AS rank, l.id"
                f" FROM found JOIN {Listing._meta.db_table} l ON l.id = found.listing_id"
                f" WHERE l.status = 'open' ORDER BY rank DESC, l.id DESC LIMIT {page_size}",
                [network.pk, *params, *params],
            )
            return [row[0] for row in cursor.fetchall()]

    def kept(q: str) -> float:
        """The share of the capped page that ranks as high as the true page's last."""
        true = best(q)
        if not true:
            return 1.0
        floor = true[-1]
        return sum(rank >= floor - 1e-6 for rank in capped(q)) / page_size

    quality = [kept(q) for q in QUERIES]
    cases = ((f"all, the first {RANKED_CAP:,} matches ranked (ids only)", capped),)
    print("\nExperiment: the application's text condition, wrapped")
    print("| option | page p50 | page p95 |")
    print("| --- | --- | --- |")
    for label, fn in cases:
        for q in QUERIES:
            fn(q)
        samples = []
        for _ in range(rounds):
            for q in QUERIES:
                samples += timed(lambda q=q, fn=fn: fn(q), 1)
        p50, p95 = statistics.median(samples), percentile(samples, 95)
        print(f"| {label} | {p50:.1f} ms | {p95:.1f} ms |")
    print(
        f"capped ranking: on average {statistics.mean(quality):.0%} of its page ranks as "
        f"high as the true best {page_size}; {min(quality):.0%} at worst "
        f"({sum(k == 1 for k in quality)} of {len(quality)} queries as good)"
    )


# --- 3. a day of changes ------------------------------------------------------------------


class RecordingTransport:
    """Stands for the network: answers 202 and notes the bytes requests would send."""

    sent: list[dict[str, Any]] = []

    def request(self, method: str, url: str, *, body: bytes = b"", headers: dict[str, str]):
        from rers_federation.transport import Response

        RecordingTransport.sent.append(
            {"body": len(body), **header_bytes(method, url, body, headers)}
        )
        return Response(202, b"{}", {})


SIGNATURE_HEADERS = ("content-digest", "signature-input", "signature")


def header_bytes(method: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, int]:
    """Bytes of the signature headers, and of the whole request head as requests sends it
    over HTTP/1.1 (request line, Host, its default headers, ours, Content-Length)."""
    import requests

    prepared = requests.Session().prepare_request(
        requests.Request(method, url, data=body or None, headers=headers)
    )
    lines = [f"{method} {prepared.path_url} HTTP/1.1", f"Host: {urlsplit(url).netloc}"]
    lines += [f"{name}: {value}" for name, value in prepared.headers.items()]
    signature = sum(
        len(f"{name}: {value}\r\n".encode())
        for name, value in headers.items()
        if name.lower() in SIGNATURE_HEADERS
    )
    return {"signature": signature, "head": len("\r\n".join(lines).encode()) + 4}


def listing_fields(rng: random.Random, domains, count: int, owners: int):
    """(author index, fields) of generated listings, as a service takes them: the service
    sets their status."""
    from bench.dataset import generated_listings

    for owner, fields in generated_listings(rng, count, domains, owners):
        fields.pop("status")
        yield owner, fields


def prepare_day(peers: int) -> dict[str, Any]:
    """A network of DAY_MEMBERS members with ``peers`` active peers (each with a key of
    its own, so that it can pull our log), SHARED_BEFORE listings and four events already
    shared, and one event of each of the first neighbours mirrored here."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from rers_core.models import Member
    from rers_core.services.events import event_create
    from rers_core.services.listings import listing_create
    from rers_core.services.networks import network_create_or_update
    from rers_federation.keys import current_key
    from rers_federation.models import Peer
    from rers_federation.services.calendar import event_object, event_receive
    from rers_federation.signing import public_key_to_text

    network, _ = network_create_or_update(
        slug="rers-de-la-vallee",
        name="Réseau d'échanges réciproques de savoirs de la Vallée",
        latitude="45.7640",
        longitude="4.8357",
    )
    current_key(network)
    User = get_user_model()
    now = timezone.now()
    users = User.objects.bulk_create(
        User(username=f"vallee-{i}@bench.example", email=f"vallee-{i}@bench.example")
        for i in range(DAY_MEMBERS)
    )
    members = Member.objects.bulk_create(
        Member(
            network=network,
            user=user,
            display_name=f"Membre {i}",
            status=Member.Status.MEMBER,
            role=Member.Role.COORDINATOR if i == 0 else Member.Role.MEMBER,
            joined_at=now,
        )
        for i, user in enumerate(users)
    )
    coordinator = members[0]
    neighbours = []
    for number in range(peers):
        address = neighbour_address(number)
        private = Ed25519PrivateKey.generate()
        public = public_key_to_text(private.public_key())
        key_id = f"{address}#key-{public[:12]}"
        peer = Peer.objects.create(
            network=network, document_url=address, name=f"Réseau voisin {number + 1}",
            inbox_url=f"{address}inbox/", outbox_url=f"{address}outbox/",
            keys=[{"id": key_id, "publicKey": public, "expires": None}],
            fingerprint="-", status=Peer.Status.ACTIVE,
            latitude="45.7640", longitude=f"{4.8357 + 0.05 * number:.4f}",
        )  # fmt: skip
        neighbours.append({"peer": peer, "key_id": key_id, "private": private})
    rng = random.Random(11)
    domains = {d.slug: d for d in network.domains.all()}
    shared = []
    withdrawing = DAY["withdrawn members (2 shared listings each)"]
    # Members 1 to ``withdrawing`` leave during the day: two shared listings each.
    first = 1 + withdrawing
    for index, (owner, fields) in enumerate(
        listing_fields(rng, domains, SHARED_BEFORE, DAY_MEMBERS - first)
    ):
        member = members[1 + index // 2] if index < 2 * withdrawing else members[first + owner]
        shared.append(
            listing_create(
                member=member,
                acting=member.user,
                visibility="federated",
                **fields,
            )
        )
    tuesday = (now + timedelta(days=(1 - now.weekday()) % 7 + 7)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    events = [
        event_create(
            network=network,
            acting=coordinator.user,
            kind=kind,
            title=title,
            description=description,
            place="Maison des associations, 12 rue de la République",
            starts_at=tuesday + timedelta(days=offset),
            ends_at=tuesday + timedelta(days=offset, hours=2),
            rrule=rrule,
            capacity=capacity,
            visibility="federated",
        )
        for offset, kind, title, description, rrule, capacity in EVENTS
    ]
    mirrored = []
    organisers = neighbours[: DAY["our members registering for neighbours' events"]]
    for number, neighbour in enumerate(organisers):
        obj = event_object(events[1])
        obj.update(
            id=f"{neighbour['peer'].document_url}events/{number + 1}",
            attributedTo=neighbour["peer"].document_url,
            name=f"Atelier d'échanges du réseau voisin {number + 1}",
            rrule="",
        )
        mirrored.append(event_receive(network=network, peer=neighbour["peer"], obj=obj))
    return {
        "network": network,
        "members": members,
        "withdrawing": members[1:first],
        "coordinator": coordinator,
        "neighbours": neighbours,
        "shared": shared,
        "events": events,
        "mirrored": mirrored,
        "rng": rng,
        "domains": domains,
    }


EVENTS = (
    (
        0,
        "drop_in",
        "Permanence des échanges de savoirs",
        "Venez proposer un savoir ou chercher quelqu'un pour vous l'apprendre : nous vous "
        "aidons à formuler votre offre ou votre demande et à rencontrer la bonne personne.",
        "FREQ=WEEKLY;BYDAY=TU",
        None,
    ),
    (
        2,
        "collective_exchange",
        "Atelier collectif : préparer un entretien d'embauche",
        "Trois membres partagent leur expérience des entretiens ; mises en situation en "
        "petit groupe, puis échange autour d'un café.",
        "",
        12,
    ),
    (
        9,
        "information",
        "Réunion d'information pour les nouveaux membres",
        "Découvrir le réseau, la charte et la manière dont se passent les échanges.",
        "FREQ=MONTHLY;BYDAY=2TH",
        30,
    ),
    (
        3,
        "monthly_meeting",
        "Rencontre mensuelle du réseau",
        "Bilan des échanges du mois, projets en cours et moment convivial.",
        "",
        None,
    ),
)


def run_day(world: dict[str, Any]) -> dict[str, Any]:
    """The day's changes, through the services: the log position before them and how
    long they took."""
    from rers_core.selectors.events import planned_starts
    from rers_core.services.events import (
        event_create,
        event_update,
        occurrence_cancel,
        occurrence_move,
        registration_create,
    )
    from rers_core.services.listings import (
        listing_close,
        listing_create,
        listing_pause,
        listing_update,
    )
    from rers_core.services.members import member_withdraw
    from rers_federation.models import OutboxActivity
    from rers_federation.services.calendar import event_uri, join_receive

    network, members, rng = world["network"], world["members"], world["rng"]
    coordinator = world["coordinator"].user
    withdrawing = world["withdrawing"]
    shared = [li for li in world["shared"] if li.member_id not in {m.pk for m in withdrawing}]
    rng.shuffle(shared)
    start = OutboxActivity.objects.order_by("-id").values_list("id", flat=True).first() or 0
    began = time.perf_counter()
    staying = members[1 + len(withdrawing) :]
    for owner, fields in listing_fields(rng, world["domains"], DAY["new listings"], len(staying)):
        member = staying[owner]
        listing_create(member=member, acting=member.user, visibility="federated", **fields)
    for listing in shared[: DAY["edited listings"]]:
        listing_update(
            listing=listing,
            acting=listing.member.user,
            description=f"{listing.description} Disponible le mercredi après-midi.",
        )
    rest = shared[DAY["edited listings"] :]
    for listing in rest[: DAY["paused listings"]]:
        listing_pause(listing=listing, acting=listing.member.user)
    rest = rest[DAY["paused listings"] :]
    for listing in rest[: DAY["closed listings"]]:
        listing_close(listing=listing, acting=listing.member.user)
    for member in withdrawing:
        member_withdraw(member=member, acting=member.user)
    weekly, workshop = world["events"][0], world["events"][1]
    event_create(
        network=network,
        acting=coordinator,
        kind="collective_exchange",
        title="Atelier : réparer son vélo",
        description="Apportez votre vélo : crevaison, freins et dérailleur, pas à pas.",
        place="Atelier du quartier, 3 place du Marché",
        starts_at=workshop.starts_at + timedelta(days=14),
        ends_at=workshop.ends_at + timedelta(days=14),
        capacity=8,
        visibility="federated",
    )
    event_update(event=workshop, acting=coordinator, capacity=15)
    event_update(
        event=world["events"][3],
        acting=coordinator,
        description=f"{world['events'][3].description} Pensez à apporter un plat à partager.",
    )
    sittings = planned_starts(weekly, weekly.starts_at, weekly.starts_at + timedelta(days=30))
    occurrence_cancel(event=weekly, original_start=sittings[1], acting=coordinator, note="Férié")
    occurrence_move(
        event=weekly,
        original_start=sittings[2],
        starts_at=sittings[2] + timedelta(days=1),
        ends_at=sittings[2] + timedelta(days=1, hours=2),
        acting=coordinator,
        note="Salle prise le mardi",
    )
    for number, event in enumerate(world["mirrored"]):
        member = members[len(members) - 1 - number]
        registration_create(
            event=event, original_start=event.starts_at, member=member, acting=member.user
        )
    neighbours = world["neighbours"]
    for number in range(DAY["neighbours' members registering for our events"]):
        peer = neighbours[number % len(neighbours)]["peer"]
        join_receive(
            network=network,
            peer=peer,
            obj={
                "type": "Registration",
                "id": f"{peer.document_url}registrations/{number + 1}",
                "event": event_uri(workshop),
                "occurrence": workshop.starts_at.isoformat(),
                "name": f"Participant {number + 1}",
            },
        )
    return {"start": start, "seconds": time.perf_counter() - began}


def measure_day(peers: int) -> dict[str, Any]:
    from rers_federation import tasks
    from rers_federation.models import Delivery, OutboxActivity
    from rers_federation.services.delivery import attempt

    began = time.perf_counter()
    # Deliveries are sent below, one by one through the recording transport, rather than
    # by workers when each service's transaction commits.
    with mock.patch.object(tasks.deliver, "delay"):
        world = prepare_day(peers)
        prepared = time.perf_counter() - began
        day = run_day(world)
    network = world["network"]
    activities = list(
        OutboxActivity.objects.filter(network=network, id__gt=day["start"]).order_by("id")
    )
    deliveries = list(
        Delivery.objects.filter(activity__in=activities).values_list("pk", "activity_id")
    )
    RecordingTransport.sent = []
    with mock.patch(
        "rers_federation.services.delivery.transport", return_value=RecordingTransport()
    ):
        for delivery_id, _activity in deliveries:
            status = attempt(delivery_id=delivery_id)
            assert status == Delivery.Status.DELIVERED, status
    per_activity = Counter(activity_id for _pk, activity_id in deliveries)
    return {
        "world": world,
        "prepared": prepared,
        "day_seconds": day["seconds"],
        "start": day["start"],
        "activities": activities,
        "per_activity": per_activity,
        "sent": list(RecordingTransport.sent),
        "pulls": measure_pulls(world, day["start"]),
    }


def measure_pulls(world: dict[str, Any], start: int) -> dict[str, Any]:
    """Each neighbour reads our log as pull_peer does (signed GET of the outbox after its
    cursor): the day's page, then the empty page it gets on every other pull."""
    from django.test import Client

    from rers_federation.keys import network_url
    from rers_federation.signing import sign

    outbox = f"{network_url(world['network'])}outbox/"
    rows = []
    for neighbour in world["neighbours"]:
        cursor, pages = start, []
        for _ in range(2):
            url = f"{outbox}?after={cursor}"
            headers = sign(
                method="GET", url=url, body=b"", key_id=neighbour["key_id"],
                private_key=neighbour["private"],
            )  # fmt: skip
            headers["Accept"] = "application/activity+json"
            # The test client, over "https" (rers_federation.testing's transport would
            # send it as http, and the signed address would not match).
            parts = urlsplit(url)
            reply = Client(HTTP_HOST=parts.netloc).get(
                f"{parts.path}?{parts.query}",
                secure=True,
                headers=headers,
            )
            assert reply.status_code == 200, reply.content[:300]
            page = json.loads(reply.content)
            response_head = len("HTTP/1.1 200 OK\r\n") + sum(
                len(f"{name}: {value}\r\n") for name, value in reply.headers.items()
            )
            pages.append(
                {
                    "items": len(page["orderedItems"]),
                    "body": len(reply.content),
                    "response_head": response_head + 2,
                    "request": header_bytes("GET", url, b"", headers)["head"],
                }
            )
            cursor = int(page["cursor"])
        rows.append({"day": pages[0], "empty": pages[1]})
    return {"rows": rows}


def describe(activity) -> str:
    obj = activity.payload.get("object")
    kind = obj.get("type", "") if isinstance(obj, dict) else ""
    if isinstance(obj, dict) and obj.get("withdrawn"):
        kind += " withdrawn"
    return f"{activity.type} {kind}".strip()


def report_day(found: dict[str, Any], peers: int) -> None:
    activities, per_activity, sent = found["activities"], found["per_activity"], found["sent"]
    body = {a.pk: len(json.dumps(a.payload, ensure_ascii=False).encode()) for a in activities}
    print(
        f"\nA day of one network ({DAY_MEMBERS} members, {peers} active peers; set up in "
        f"{found['prepared']:.0f} s, the day's services ran in {found['day_seconds']:.1f} s):"
    )
    print("; ".join(f"{name}: {count}" for name, count in DAY.items()))
    print("\n| activity | activities | deliveries | JSON body (mean) |")
    print("| --- | --- | --- | --- |")
    groups = defaultdict(list)
    for activity in activities:
        groups[describe(activity)].append(activity)
    for name, members in groups.items():
        print(
            f"| {name} | {len(members)} | {sum(per_activity[a.pk] for a in members)} | "
            f"{statistics.mean(body[a.pk] for a in members):,.0f} B |"
        )
    pushed_bodies = sum(item["body"] for item in sent)
    signatures = sum(item["signature"] for item in sent)
    heads = sum(item["head"] for item in sent)
    broadcast = [a for a in activities if a.recipient_id is None]
    addressed = [a for a in activities if a.recipient_id is not None]
    print(
        f"| total | {len(activities)} ({len(broadcast)} to every peer, {len(addressed)} to "
        f"one) | {len(sent):,} | {pushed_bodies / max(len(sent), 1):,.0f} B per delivery |"
    )
    rows = found["pulls"]["rows"]
    day_pages = sum(row["day"]["body"] - row["empty"]["body"] for row in rows)
    empty = statistics.mean(row["empty"]["body"] + row["empty"]["response_head"] for row in rows)
    get = statistics.mean(row["empty"]["request"] for row in rows)
    pulled_items = sum(row["day"]["items"] for row in rows)
    pull_total = peers * PULLS_PER_DAY * (get + empty) + day_pages
    push_total = pushed_bodies + heads
    print(
        f"\nSent by one network per day (push: one signed POST per delivery; pull: each peer "
        f"reads our log every {PULL_SECONDS} s, {PULLS_PER_DAY} times a day)"
    )
    print("| path | requests | activities carried | JSON | signature headers | all bytes |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(
        f"| push | {len(sent):,} | {len(sent):,} | {kb(pushed_bodies)} | {kb(signatures)} | "
        f"{kb(push_total)} |"
    )
    print(
        f"| pull (GET + page) | {peers * PULLS_PER_DAY:,} | {pulled_items:,} (again) | "
        f"{kb(day_pages)} + {kb(peers * PULLS_PER_DAY * empty)} of empty pages | "
        f"{kb(peers * PULLS_PER_DAY * get)} of requests | {kb(pull_total)} |"
    )
    print(f"| total | | | | | {kb(push_total + pull_total)} |")
    print(
        f"one empty pull: request {get:,.0f} B, answer {empty:,.0f} B; "
        f"the day's pages carry {day_pages / max(pulled_items, 1):,.0f} B per activity "
        f"(JSON escaped to ASCII) against {pushed_bodies / max(len(sent), 1):,.0f} B pushed"
    )
    # Every peer has a day like ours: one network receives what each of them sends it.
    received = peers * len(broadcast) + len(addressed)
    print(
        f"\nReceived by one network with {peers} peers that have days like this one: "
        f"{received:,} activities pushed ({peers} × {len(broadcast)} + {len(addressed)} "
        f"addressed to it), about {kb(push_total)} pushed and {kb(pull_total)} pulled: "
        f"{kb(push_total + pull_total)} a day, {mb((push_total + pull_total) * 30)} a month"
    )


def kb(value: float) -> str:
    return f"{value / 1000:,.0f} kB" if value >= 10_000 else f"{value / 1000:,.1f} kB"


def mb(value: float) -> str:
    return f"{value / 1e6:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10 peers × 2,000 listings.")
    parser.add_argument("--rounds", type=int, default=5, help="Passes over the query list.")
    parser.add_argument(
        "--keep", action="store_true", help="Keep the database (to run EXPLAIN by hand)."
    )
    args = parser.parse_args()
    sizes = SIZES["quick" if args.quick else "full"]
    os.environ.update(
        SITE_URL=SITE_URL,
        ALLOWED_HOSTS=urlsplit(SITE_URL).hostname,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEBUG="false",
    )
    os.environ.pop("CELERY_BROKER_URL", None)  # nothing is queued anywhere
    began = time.perf_counter()
    setup("postgresql", DATABASE_URL)
    try:
        print(machine_facts())
        built = build_catalogue(sizes)
        print(
            f"catalogue: {built['rows']:,} listings rows ({sizes['local']:,} ours, "
            f"{sizes['peers']} × {sizes['per_peer']:,} mirrored) generated in "
            f"{built['generated']:.0f} s; {built['indexed']:,} indexed in "
            f"{built['index_seconds']:.0f} s (rebuild_index); on disk: listings "
            f"{mb(built['on_disk'][0])}, search index {mb(built['on_disk'][1])}"
        )
        found = measure_search(built["network"], args.rounds)
        network, user, page_size = built["network"], found["user"], found["page_size"]
        slowest = report_search(found, built, sizes)
        for label, query in slowest.items():
            scope, within = found["scopes"][label]["scope"]
            print(f"\nEXPLAIN ANALYZE of {query!r}, scope {label}:")
            print(explain(portal_search(network, user, scope, within, query)[:page_size]))
        experiments(network, user, page_size, args.rounds)
        report_day(measure_day(sizes["peers"]), sizes["peers"])
    finally:
        if not args.keep:
            drop_database()
    print(
        f"\nwhole run: {time.perf_counter() - began:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    main()

"""Scale model: what 900 agencies and 500,000 members ask of each instance and of the
federation, extrapolated from measured costs (docs/performance.md).

Usage (from the repository root; no database, no network: arithmetic only):

    python bench/scale.py                        # the tables of docs/scaling.md
    python bench/scale.py --peers 20 --profile busy
    python bench/scale.py --from-load var/bench-load.json   # costs of a new bench/load.py run

Costs per unit of work come from MEASURED below — the run of ``bench/load.py`` quoted in
docs/performance.md ("Portal and API under load", "Federation burst") and the federation
and catalogue benchmarks — or from a JSON file written by ``bench/load.py --json``. Rates
of activity per member come from the domain (docs: /work/shared/DOMAIN.md and the account
of the RERS of Souday) and are parameters: the assumptions are written next to each one.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# --- measured costs -----------------------------------------------------------------------

# Processor milliseconds (web or worker process + PostgreSQL) per unit of work, bytes on
# disk per row, memory per process. Filled from the run of bench/load.py quoted in
# docs/performance.md; replaced by --from-load.
MEASURED: dict[str, Any] = {
    "source": "bench/load.py, run quoted in docs/performance.md (2 cores, Python 3.11.7, "
    "PostgreSQL 15.20, gunicorn 2 workers × 4 threads)",
    # Member-facing pages and API calls: web and PostgreSQL processor per request.
    "pages": {
        "portal: listings": (20.5, 8.7),
        "portal: search": (20.5, 6.5),
        "portal: calendar (month)": (45.7, 3.0),
        "API: listings": (18.8, 8.3),
        "API: search": (17.9, 6.1),
        "API: occurrences (31 days)": (27.3, 3.0),
    },
    "trivial": (1.6, 0.2),
    # An activity pushed to our inbox (signature, dedup, apply): the burst of 10,000 from
    # 20 peers.
    "inbox": (9.1, 2.7),
    # A peer's pull that finds nothing new (signed GET of our log), 20 peers.
    "pull_served": (5.8, 1.0),
    # Share of the inbox's and of the pull's processor time spent reading every peer's
    # keys (rers_federation.views._peer_keys), which grows with the number of peers
    # (cProfile, "Where the time goes").
    "keys_share": {"inbox": 0.20, "pull_served": 0.35},
    "measured_peers": 20,
    # One delivery sent by a Celery worker (prefork, production settings): publishing +
    # worker, and PostgreSQL. The worker opens a database connection for each task:
    # Celery's Django fixup closes it after every task.
    "delivery": (17.4, 10.1),
    # The same keeping its connections (CELERY_DB_REUSE_MAX=100, the production settings).
    "delivery_reused": (13.8, 2.8),
    # Applying a pulled activity (bench/federation.py's catch-up: 10,000 in 30.9 s of
    # processor; PostgreSQL's share not measured there, taken as the inbox's): pushed
    # activities come back once more by the pull.
    "pulled": (3.1, 2.7),
    # Bytes per row on disk, indexes included (bench/load.py, end of the run): the
    # outbox's row with the inbox's share of indexes (few outbox rows are written).
    "row_bytes": {
        "inbox": 1312,
        "outbox": 1515,
        "delivery": 339,
        "mirror": 462,
        # A listing with its search index row.
        "listing": 1060,
    },
    # Resident memory per process (MB).
    "rss_mb": {"web_worker": 125, "celery_main": 120, "celery_child": 110},
    # Activities a second the 2-core machine applied in the burst (20 peers at once).
    "inbox_per_second": 93,
}


def load_measured(path: Path) -> dict[str, Any]:
    """MEASURED, with the costs of a ``bench/load.py --json`` file."""
    found = json.loads(path.read_text())
    endpoints = found["endpoints"]

    def cost(name: str) -> tuple[float, float]:
        return (endpoints[name]["web_cpu_ms"], endpoints[name]["db_cpu_ms"])

    profile = {row["name"]: row for row in found.get("profile", [])}
    keys = dict(MEASURED["keys_share"])
    for part, name in (
        ("inbox", "inbox: signed Create"),
        ("pull_served", "outbox: a peer's pull, nothing new (signed GET)"),
    ):
        if name in profile:
            keys[part] = profile[name]["parts"]["peers' keys"]
    rows, heap = found.get("row_bytes", {}), found.get("heap_row_bytes", {})
    row_bytes = dict(MEASURED["row_bytes"])
    inbox = "rers_federation_inboxactivity"
    for part, table in (
        ("inbox", inbox),
        ("delivery", "rers_federation_delivery"),
        ("mirror", "rers_federation_mirroredobject"),
    ):
        if table in rows:
            row_bytes[part] = rows[table]
    if "rers_federation_outboxactivity" in heap and heap.get(inbox):
        # Few outbox rows are written: their row, with the inbox's share of indexes.
        row_bytes["outbox"] = heap["rers_federation_outboxactivity"] * rows[inbox] / heap[inbox]
    if "rers_core_listing" in rows:
        row_bytes["listing"] = rows["rers_core_listing"] + rows.get("rers_listing_search", 0)
    sending, burst = found["sending"], found["burst"]
    reused = (
        (sending["reuse_cpu_ms"], sending["reuse_db_cpu_ms"])
        if "reuse_cpu_ms" in sending
        else MEASURED["delivery_reused"]
    )
    return {
        **MEASURED,
        "source": str(path),
        "pages": {name: cost(name) for name in MEASURED["pages"] if name in endpoints},
        "trivial": cost("trivial: /.well-known/rers"),
        "inbox": (burst["web_cpu_ms"], burst["db_cpu_ms"]),
        "pull_served": cost("outbox: a peer's pull, nothing new (signed GET)"),
        "keys_share": keys,
        "delivery": (sending["cpu_ms"], sending["db_cpu_ms"]),
        "delivery_reused": reused,
        "row_bytes": row_bytes,
        "rss_mb": {
            "web_worker": max(burst["worker_rss_mb"]),
            "celery_main": sending["worker_rss_mb"][0],
            "celery_child": max(sending["worker_rss_mb"][1:] or [110]),
        },
        "inbox_per_second": burst["per_second"],
    }


# --- the domain: how much a network does in a day -----------------------------------------


@dataclass(frozen=True)
class Profile:
    """Activity of one network, per member and per day unless said otherwise."""

    name: str
    # Listings published to every peer (Create, Update, withdrawal Update, Delete).
    listing_activities: float
    # Events published to every peer, per network and per day.
    event_activities_per_network: float
    # Activities addressed to one peer: registrations for a neighbour's event (Join,
    # the organiser's answer, a Leave) and connections across networks.
    addressed_activities: float
    # Pages and API calls.
    page_views: float


def typical() -> Profile:
    """Rates derived from the domain (DOMAIN.md, the account of the RERS of Souday)."""
    # Every member both offers and requests: 3 open listings each; members come and go
    # (job seekers; many stay after finding a job): a year on average; 1 more listing a
    # year; each listing edited twice a year, paused and reopened once every two years;
    # every listing ends (closed, or its author leaves): as many Deletes as Creates.
    listings, tenure_days = 3, 365
    creates = listings / tenure_days + 1 / 365
    edits = listings * 2 / 365
    pauses = listings * 0.5 * 2 / 365  # the withdrawal, then the Update when reopened
    deletes = creates
    # Half the listings are shared with the neighbours (visibility "federated"; the
    # default is the network only).
    federated = 0.5
    # Events: a weekly drop-in, a monthly meeting, a retrospective every six months
    # (repeating events: an exception or an edit a month each, 2 a year for the
    # retrospective) and 8 workshops or collective exchanges a month (each created,
    # edited once, cancelled or moved one time in three); half of them shared.
    event_changes_a_month = 1 + 1 + 2 / 12 + 8 * (1 + 1 + 0.3)
    # Registrations: 1.5 a month per member, one in ten for a neighbour's event: a Join,
    # the organiser's answer, a Leave one time in five. Connections across networks: 4 a
    # year per member, one in ten with a neighbour's member: 5 activities each (proposal,
    # two answers, contact shared, closing).
    registrations = 1.5 * 12 / 365 * 0.1 * 2.2
    connections = 4 / 365 * 0.1 * 5
    return Profile(
        name="typical",
        listing_activities=(creates + edits + pauses + deletes) * federated,
        event_activities_per_network=event_changes_a_month * 12 / 365 * 0.5,
        addressed_activities=registrations + connections,
        # Members come to the Monday drop-in and look at the listings and the calendar a
        # few times a month; facilitators use it all day: half a page a member a day.
        page_views=0.5,
    )


def busy() -> Profile:
    """The upper bound of bench/catalogue.py's day (docs/performance.md, "Sync volume"):
    300 members, 42 activities to every peer, 20 addressed to one; every change concerns
    something shared. Four times the pages."""
    return Profile(
        name="busy",
        listing_activities=37 / 300,
        event_activities_per_network=5,
        addressed_activities=20 / 300,
        page_views=2.0,
    )


PROFILES = {"typical": typical, "busy": busy}
# Activity happens while agencies are open (8 hours, 5 days a week), twice the mean in
# the busiest hour: the busiest second is 8.4 times the mean of the day.
PEAK = 24 / 8 * 7 / 5 * 2
# Wall time of one delivery or one pull over the internet: a new TLS connection (the
# transport does not keep connections), the round trips and the peer's work.
WAN_REQUEST_SECONDS = 0.3
# Processor a process should use at the busiest second, at most (headroom).
UTILISATION = 0.6
# Local data that is not federated (registrations, notifications, sessions, connections,
# exchanges, reviews): an estimate, not measured.
LOCAL_BYTES_PER_MEMBER_YEAR = 20_000
LOG_RETENTION_DAYS = 90


# --- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    agencies: int
    members: int
    peers: int
    profile: Profile
    years: float
    hosted: int  # networks on one instance (1: every agency runs its own)
    pull_seconds: int = 300  # FEDERATION_PULL_SECONDS: every peer's log every 5 minutes
    reuse_connections: bool = False  # Celery keeps its database connections


def costs_at(measured: dict[str, Any], part: str, peers: int) -> tuple[float, float]:
    """A federation request's cost with ``peers`` peers: reading their keys grows with
    their number (measured at MEASURED_PEERS)."""
    web, db = measured[part]
    per_peer = web * measured["keys_share"][part] / measured["measured_peers"]
    return web + per_peer * (peers - measured["measured_peers"]), db


def per_network(world: World, measured: dict[str, Any]) -> dict[str, float]:
    """One network's day: work, processor, storage."""
    m = world.members / world.agencies
    k = min(world.peers, world.agencies - 1)
    p = world.profile
    broadcast = m * p.listing_activities + p.event_activities_per_network
    addressed = m * p.addressed_activities
    published = broadcast + addressed
    deliveries_out = broadcast * k + addressed
    deliveries_in = deliveries_out  # every network is someone's peer as often
    pulls = k * 86_400 / world.pull_seconds  # made, and as many served
    pulled_again = deliveries_in  # the pull brings every pushed activity once more
    page_views = m * p.page_views
    page_web = sum(w for w, _ in measured["pages"].values()) / len(measured["pages"])
    page_db = sum(d for _, d in measured["pages"].values()) / len(measured["pages"])
    inbox_web, inbox_db = costs_at(measured, "inbox", k)
    pull_web, pull_db = costs_at(measured, "pull_served", k)
    send_cpu, send_db = measured["delivery_reused" if world.reuse_connections else "delivery"]
    applied_cpu, applied_db = measured["pulled"]
    # Work that follows the members' day (it peaks with the agencies' opening hours) and
    # the pulls, every few minutes around the clock.
    ms = {
        "web": page_views * page_web + deliveries_in * inbox_web,
        "worker": deliveries_out * send_cpu + pulled_again * applied_cpu,
        "db": page_views * page_db
        + deliveries_in * inbox_db
        + deliveries_out * send_db
        + pulled_again * applied_db,
    }
    # A pull made costs about what a delivery sent does (a signed request, a reply).
    periodic = {
        "web": pulls * pull_web,
        "worker": pulls * send_cpu,
        "db": pulls * (pull_db + send_db),
    }
    rows = measured["row_bytes"]
    log_bytes_day = (
        deliveries_in * rows["inbox"]
        + published * rows["outbox"]
        + deliveries_out * rows["delivery"]
    )
    listings_own = m * 3
    mirrored = k * m * 3 * 0.5  # the neighbours' shared open listings
    data_bytes = (
        (listings_own + mirrored) * rows["listing"]
        + mirrored * rows["mirror"]
        + m * LOCAL_BYTES_PER_MEMBER_YEAR * world.years
    )
    return {
        "members": m,
        "peers": k,
        "broadcast": broadcast,
        "addressed": addressed,
        "published": published,
        "deliveries_out": deliveries_out,
        "deliveries_in": deliveries_in,
        "pulls": pulls,
        "page_views": page_views,
        "web_s": (ms["web"] + periodic["web"]) / 1000,
        "worker_s": (ms["worker"] + periodic["worker"]) / 1000,
        "db_s": (ms["db"] + periodic["db"]) / 1000,
        "pull_web_s": periodic["web"] / 1000,
        "pull_worker_s": periodic["worker"] / 1000,
        "pull_db_s": periodic["db"] / 1000,
        "log_bytes_day": log_bytes_day,
        "mirrored": mirrored,
        "listings_own": listings_own,
        "data_bytes": data_bytes,
        "db_bytes": data_bytes + log_bytes_day * 365 * world.years,
        "db_bytes_retained": data_bytes + log_bytes_day * LOG_RETENTION_DAYS,
        "inbox_ms": inbox_web + inbox_db,
        "pull_ms": pull_web + pull_db,
    }


def busiest_cores(day: dict[str, float], part: str) -> float:
    """Cores ``part`` (web, worker, db) of one network uses at the busiest second: the
    members' work at PEAK times its mean, the pulls at their steady rate."""
    pulls = day[f"pull_{part}_s"]
    return ((day[f"{part}_s"] - pulls) * PEAK + pulls) / 86_400


def total_busiest(day: dict[str, float]) -> float:
    return sum(busiest_cores(day, part) for part in ("web", "worker", "db"))


def instance(world: World, measured: dict[str, Any], day: dict[str, float]) -> dict[str, Any]:
    """Processes and machine for an instance hosting ``world.hosted`` networks."""
    h = world.hosted
    peak = PEAK / 86_400

    web_cores, worker_cores, db_cores = (
        h * busiest_cores(day, part) for part in ("web", "worker", "db")
    )
    web_workers = max(2, math.ceil(web_cores / UTILISATION))
    # Deliveries and pulls wait on the network: threads (Celery's threads pool), not
    # processes, carry them; processes only for the processor they need.
    sending = (day["deliveries_out"] * peak + day["pulls"] / 86_400) * h * WAN_REQUEST_SECONDS
    celery_processes = max(1, math.ceil(worker_cores / UTILISATION))
    threads = max(4, math.ceil(2 * sending / celery_processes))
    rss = measured["rss_mb"]
    memory_mb = web_workers * rss["web_worker"] + celery_processes * rss["celery_main"]
    return {
        "web_cores": web_cores,
        "worker_cores": worker_cores,
        "db_cores": db_cores,
        "web_workers": web_workers,
        "in_flight": sending,
        "celery_processes": celery_processes,
        "celery_threads": threads,
        "app_memory_mb": memory_mb,
        "db_bytes": day["db_bytes"] * h,
        "db_bytes_retained": day["db_bytes_retained"] * h,
        "working_set": (day["listings_own"] + day["mirrored"])
        * measured["row_bytes"]["listing"]
        * h,
        "inbox_peak": day["deliveries_in"] * h * peak,
    }


# --- report -------------------------------------------------------------------------------


def n(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 1 else f"{value:.2f}"


def size(value: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if value >= scale:
            return f"{value / scale:,.1f} {unit}"
    return f"{value / 1e3:,.0f} kB"


def report(world: World, measured: dict[str, Any], topologies: list[int]) -> dict[str, Any]:
    day = per_network(world, measured)
    total = {key: day[key] * world.agencies for key in day if key not in ("members", "peers")}
    p = world.profile
    print(f"costs: {measured['source']}")
    print(
        f"{world.agencies} agencies, {world.members:,} members ({n(day['members'])} per "
        f"network), {day['peers']} peers each, profile {p.name}, {world.years:g} years; "
        f"pull every {world.pull_seconds / 60:g} min"
        + ("; Celery keeps its database connections" if world.reuse_connections else "")
    )
    print(
        f"per member and day: {p.listing_activities:.4f} listing activities to every peer, "
        f"{p.addressed_activities:.4f} addressed to one, {p.page_views} pages; per network "
        f"and day: {p.event_activities_per_network:.2f} event activities to every peer"
    )
    print("\n| per day | one network | the federation |")
    print("| --- | --- | --- |")
    for label, key in (
        ("activities published", "published"),
        ("... to every peer", "broadcast"),
        ("... to one peer", "addressed"),
        ("deliveries (signed POSTs)", "deliveries_out"),
        ("pulls (signed GETs), made and served", "pulls"),
        ("pages and API calls", "page_views"),
        ("web processor-seconds", "web_s"),
        ("worker processor-seconds", "worker_s"),
        ("PostgreSQL processor-seconds", "db_s"),
    ):
        print(f"| {label} | {n(day[key])} | {n(total[key])} |")
    print(
        f"| log growth (inbox, outbox, deliveries) | {size(day['log_bytes_day'])} | "
        f"{size(total['log_bytes_day'])} |"
    )
    cpu = day["web_s"] + day["worker_s"] + day["db_s"]
    print(
        f"processor in all: {n(cpu)} s a day per network, {cpu / 86_400:.4f} cores on average, "
        f"{total_busiest(day):.3f} at the busiest second; the federation: "
        f"{cpu * world.agencies / 86_400:.1f} cores on average"
    )

    print(
        f"\nInstances (busiest second: the members' work at {PEAK:.1f} × the day's mean, "
        "the pulls steady):"
    )
    print(
        "| networks per instance | web cores | worker cores | PostgreSQL cores | gunicorn "
        "workers | requests in flight to peers | Celery processes × threads | app memory | "
        f"database after {world.years:g} years | with {LOG_RETENTION_DAYS}-day log retention "
        "| listings held |"
    )
    print("| --- " * 11 + "|")
    rows = {}
    for hosted in sorted({1, 10, 100, world.agencies, world.hosted}):
        found = instance(replace(world, hosted=hosted), measured, day)
        rows[hosted] = found
        print(
            f"| {hosted} | {found['web_cores']:.2f} | {found['worker_cores']:.2f} | "
            f"{found['db_cores']:.2f} | {found['web_workers']} | {found['in_flight']:.1f} | "
            f"{found['celery_processes']} × {found['celery_threads']} | "
            f"{n(found['app_memory_mb'])} MB | {size(found['db_bytes'])} | "
            f"{size(found['db_bytes_retained'])} | "
            f"{n((day['listings_own'] + day['mirrored']) * hosted)} |"
        )

    print("\nTopologies (per network and day):")
    print(
        "| peers | deliveries sent | pulls made | mirrored listings | inbox cost per "
        "activity | empty pull served | processor-seconds | busiest-second cores |"
    )
    print("| --- " * 8 + "|")
    for peers in topologies:
        other = per_network(replace(world, peers=peers), measured)
        cpu = other["web_s"] + other["worker_s"] + other["db_s"]
        mesh = " (full mesh)" if other["peers"] == world.agencies - 1 else ""
        print(
            f"| {other['peers']}{mesh} | {n(other['deliveries_out'])} | {n(other['pulls'])} | "
            f"{n(other['mirrored'])} | {other['inbox_ms']:.1f} ms | {other['pull_ms']:.1f} ms | "
            f"{n(cpu)} | {total_busiest(other):.3f} |"
        )

    print("\nLevers (per network and day, processor-seconds):")
    print("| variant | web | worker | PostgreSQL | total | share of the pulls |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, variant in (
        ("a connection per task (as measured)", world),
        ("pull every 30 min", replace(world, pull_seconds=1800)),
        ("Celery keeps its database connections", replace(world, reuse_connections=True)),
        ("both", replace(world, pull_seconds=1800, reuse_connections=True)),
    ):
        other = per_network(variant, measured)
        no_pull = per_network(replace(variant, pull_seconds=10**12), measured)
        cpu = other["web_s"] + other["worker_s"] + other["db_s"]
        rest = no_pull["web_s"] + no_pull["worker_s"] + no_pull["db_s"]
        print(
            f"| {label} | {n(other['web_s'])} | {n(other['worker_s'])} | {n(other['db_s'])} | "
            f"{n(cpu)} | {(cpu - rest) / cpu:.0%} |"
        )

    # One peer's pushes at the busiest second, against what an instance applies.
    per_peer = (day["broadcast"] + day["addressed"] / max(day["peers"], 1)) * PEAK / 86_400
    print(
        f"\nOne peer pushes {per_peer:.4f} activities a second at the busiest second; a "
        f"2-core instance applied {measured['inbox_per_second']:.0f} a second from 20 peers "
        "at once (the burst)."
    )
    return {"per_network": day, "federation": total, "instances": rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=900)
    parser.add_argument("--members", type=int, default=500_000)
    parser.add_argument("--peers", type=int, default=10, help="Peers per network.")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="typical")
    parser.add_argument("--years", type=float, default=5, help="Years of logs and local data.")
    parser.add_argument(
        "--hosted", type=int, default=900, help="Also size an instance hosting this many."
    )
    parser.add_argument(
        "--pull-minutes", type=float, default=5, help="Minutes between two pulls of a peer."
    )
    parser.add_argument(
        "--reuse-connections",
        action="store_true",
        help=(
            "Celery workers keep their database connections (the production settings since "
            "these costs were measured; the default model opens one per task)."
        ),
    )
    parser.add_argument("--from-load", type=Path, help="Costs from bench/load.py --json.")
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")
    args = parser.parse_args()
    measured = load_measured(args.from_load) if args.from_load else MEASURED
    world = World(
        agencies=args.agencies,
        members=args.members,
        peers=args.peers,
        profile=PROFILES[args.profile](),
        years=args.years,
        hosted=args.hosted,
        pull_seconds=round(args.pull_minutes * 60),
        reuse_connections=args.reuse_connections,
    )
    topologies = sorted({5, 10, 20, 50, args.peers, args.agencies - 1})
    found = report(world, measured, topologies)
    if args.json:
        args.json.write_text(json.dumps(found, indent=2, default=str))


if __name__ == "__main__":
    main()

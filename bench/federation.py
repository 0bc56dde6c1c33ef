"""Federation benchmark: latency, throughput and catch-up between two real instances on
loopback, and the cost of fan-out to many peers.

Usage (from the repository root, with the project's virtual environment; PostgreSQL at
127.0.0.1:5432 and Redis at 127.0.0.1:6379, as for the end-to-end tests):

    python bench/federation.py            # the figures of docs/performance.md
    python bench/federation.py --quick    # smaller counts, a few minutes

Instances A and B are those of the end-to-end tests (tests/e2e/harness.py: own database,
gunicorn over HTTPS, Celery worker and beat each), with the benchmark's own databases
(rers_bench_fed_a, rers_bench_fed_b) and Redis databases, and the production timings
except the periodic pull, pushed back so that only pushes count in the latency and
throughput figures. Fan-out runs in this process on the database rers_bench_fed, against
fake inboxes. Every process is stopped and every database dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402

from bench.search import memory_gib, verdict  # noqa: E402
from tests.e2e.client import Person  # noqa: E402
from tests.e2e.harness import (  # noqa: E402
    HOST,
    POSTGRES,
    REDIS,
    Instance,
    eventually,
    make_certificates,
    services_reachable,
)

ACTIONS = ROOT / "bench" / "federation_instance.py"
# Redis databases of A and B (the end-to-end tests use 10 to 12).
REDIS_FIRST_DB = 14
FAN_OUT_DATABASE = "rers_bench_fed"
# How often B's database is read to see a mirrored event appear.
POLL_SECONDS = 0.01
# Production timings (deployments/site/settings/base.py), but no periodic pull during the
# run: the catch-up calls it itself.
TIMINGS = {
    "FEDERATION_SWEEP_SECONDS": "60",
    "FEDERATION_PULL_SECONDS": "86400",
    "FEDERATION_SENDING_TIMEOUT_SECONDS": "300",
    "FEDERATION_RETRY_BASE_SECONDS": "60",
}
SIZES = {
    "full": {"latency": 100, "throughput": 500, "catch_up": 10_000, "fan_out_rounds": 5},
    "quick": {"latency": 30, "throughput": 100, "catch_up": 2_000, "fan_out_rounds": 2},
}
LATENCY_INTERVAL = 0.2  # seconds between two events: each one travels alone
FAN_OUT_PEERS = (1, 10, 25, 50)


class BenchInstance(Instance):
    """An instance of the end-to-end harness on the benchmark's databases."""

    def __init__(self, name: str, *, index: int, workdir: Path, certificates) -> None:
        super().__init__(name, index=index, workdir=workdir, certificates=certificates)
        self.database = f"rers_bench_fed_{name}"
        self.broker = f"{REDIS}/{REDIS_FIRST_DB + index}"
        self.env.update(
            {
                "DATABASE_URL": f"{POSTGRES}/{self.database}",
                "CELERY_BROKER_URL": self.broker,
                **TIMINGS,
            }
        )

    def act(self, *args: Any, timeout: float = 300) -> dict[str, Any]:
        """Run an action of bench/federation_instance.py here; its JSON result."""
        return json.loads(self.python(ACTIONS, *map(str, args), timeout=timeout))

    def drop(self) -> None:
        """Stop every process, drop the database and empty the Redis database."""
        self.stop()
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        redis.Redis.from_url(self.broker).flushdb()


class Mirrors(threading.Thread):
    """Reads B's database every POLL_SECONDS and notes when each mirrored event appears."""

    # Inbox requests commit out of the order of their ids: look back over the last ids.
    LOOK_BACK = 100

    def __init__(self, instance: Instance) -> None:
        super().__init__(daemon=True)
        self.connection = psycopg.connect(f"{POSTGRES}/{instance.database}", autocommit=True)
        self.floor = self.connection.execute(
            "SELECT coalesce(max(id), 0) FROM rers_core_event"
        ).fetchone()[0]
        self.last_id = self.floor
        self.seen: dict[str, float] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            rows = self.connection.execute(
                "SELECT id, origin_uri FROM rers_core_event WHERE id > %s AND origin_uri <> ''",
                (max(self.floor, self.last_id - self.LOOK_BACK),),
            ).fetchall()
            now = time.time()
            for pk, uri in rows:
                self.seen.setdefault(uri, now)
                self.last_id = max(self.last_id, pk)
            self.stopping.wait(POLL_SECONDS)

    def wait_for(self, uris: list[str], timeout: float) -> list[str]:
        """Wait until every address is mirrored; those still missing after ``timeout``."""
        deadline = time.monotonic() + timeout
        while any(uri not in self.seen for uri in uris) and time.monotonic() < deadline:
            time.sleep(0.05)
        return [uri for uri in uris if uri not in self.seen]

    def close(self) -> None:
        self.stopping.set()
        self.join()
        self.connection.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def machine_facts() -> str:
    with psycopg.connect(f"{POSTGRES}/postgres") as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    memory = memory_gib()
    return (
        f"machine: {os.cpu_count()} cores, {memory} GiB; Python {platform.python_version()}; "
        f"PostgreSQL {postgres}; Redis {redis.Redis.from_url(REDIS).info()['redis_version']}; "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )


# --- two instances ------------------------------------------------------------------------


def start(instances: tuple[BenchInstance, ...]) -> None:
    def prepare_and_start(instance: BenchInstance) -> None:
        instance.prepare()
        instance.start()

    with ThreadPoolExecutor(len(instances)) as pool:
        list(pool.map(prepare_and_start, instances))


def peer(a: BenchInstance, b: BenchInstance) -> None:
    """A asks B to peer and B accepts, through their coordinators' pages."""
    asking, asked = Person(a, a.coordinator).log_in(), Person(b, b.coordinator).log_in()
    asking.ask_to_peer(b, expected_fingerprint=asked.own_fingerprint())

    def request_arrived() -> None:
        assert "accept" in asked.peer_actions().get(a.network_name, set())

    eventually(request_arrived)
    asked.accept_peer(a)

    def active() -> None:
        assert "suspend" in asking.peer_actions().get(b.network_name, set())

    eventually(active)


def measure_latency(a: BenchInstance, b: BenchInstance, count: int) -> dict[str, Any]:
    mirrors = Mirrors(b)
    mirrors.start()
    try:
        published = a.act("publish", count, LATENCY_INTERVAL, "Latence")
        missing = mirrors.wait_for(list(published["events"]), timeout=60)
    finally:
        mirrors.close()
    latencies = [
        (mirrors.seen[uri] - committed) * 1000
        for uri, committed in published["events"].items()
        if uri in mirrors.seen
    ]
    return {"count": count, "missing": len(missing), "latencies": latencies}


def measure_throughput(a: BenchInstance, b: BenchInstance, count: int) -> dict[str, Any]:
    mirrors = Mirrors(b)
    mirrors.start()
    try:
        published = a.act("publish", count, 0, "Débit")
        missing = mirrors.wait_for(list(published["events"]), timeout=300)
    finally:
        mirrors.close()
    arrived = [mirrors.seen[uri] for uri in published["events"] if uri in mirrors.seen]
    bare = a.act("bare", count, "Boucle nue")
    accepted = bare["answers"].get("202", 0)
    undelivered = a.query(
        "SELECT count(*) FROM rers_federation_delivery WHERE status <> 'delivered'"
    )[0][0]
    return {
        "count": count,
        "missing": len(missing),
        "pipeline_seconds": max(arrived) - published["start"],
        "publish_seconds": published["end"] - published["start"],
        "undelivered": undelivered,
        "bare_seconds": bare["end"] - bare["start"],
        "bare_answers": bare["answers"],
        "bare_accepted": accepted,
    }


def measure_catch_up(a: BenchInstance, b: BenchInstance, count: int) -> dict[str, Any]:
    b.act("pull")  # B's position in A's log: its end, before B goes down
    b.stop()
    filled = a.act("fill-log", count, "Rattrapage")
    pulled = b.act("pull", timeout=900)
    held = b.query(
        "SELECT count(*) FROM rers_core_event WHERE origin_uri <> '' AND title LIKE 'Rattrapage %%'"
    )[0][0]
    return {
        "count": count,
        "fill_seconds": filled["end"] - filled["start"],
        "pull_seconds": pulled["end"] - pulled["start"],
        "pull_cpu_seconds": pulled["cpu"],
        "calls": pulled["calls"],
        "error": pulled["error"],
        "held": held,
    }


# --- fan-out, in this process -------------------------------------------------------------


class _Accepting(BaseHTTPRequestHandler):
    """A peer's inbox that accepts anything."""

    # Headers and body go out in two writes: without this, Nagle's algorithm holds the body
    # until the client's delayed acknowledgement, some 40 ms on Linux.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def fake_inboxes(count: int) -> list[ThreadingHTTPServer]:
    servers = [ThreadingHTTPServer((HOST, 0), _Accepting) for _ in range(count)]
    for server in servers:
        # A short poll interval: shutting the servers down then takes no time.
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return servers


def setup_django() -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{FAN_OUT_DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{FAN_OUT_DATABASE}"')
    os.environ["DATABASE_URL"] = f"{POSTGRES}/{FAN_OUT_DATABASE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "deployments.site.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks eager: none is queued anywhere
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def measure_fan_out(rounds: int) -> list[dict[str, Any]]:
    """For each number of peers, ``rounds`` activities published and delivered to every
    peer one delivery after the other, as workers would; time and queries of each step."""
    from datetime import timedelta
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from rers_core.models import Event
    from rers_core.services.networks import network_create_or_update
    from rers_federation import tasks
    from rers_federation.keys import current_key, network_url
    from rers_federation.models import Delivery, Peer
    from rers_federation.services.calendar import event_object, event_uri
    from rers_federation.services.delivery import attempt, publish
    from rers_federation.services.peering import ACTIVITY_CONTEXT, activity_id

    servers = fake_inboxes(max(FAN_OUT_PEERS))
    rows = []
    try:
        for size in FAN_OUT_PEERS:
            network, _ = network_create_or_update(
                slug=f"diffusion-{size}", name=f"Diffusion {size}"
            )
            current_key(network)  # a running network has its key
            for number, server in enumerate(servers[:size]):
                address = f"http://{HOST}:{server.server_port}/federation/voisin-{number}/"
                Peer.objects.create(
                    network=network, document_url=address, name=f"Voisin {number}",
                    inbox_url=f"{address}inbox/", fingerprint="-", status=Peer.Status.ACTIVE,
                )  # fmt: skip
            starts_at = timezone.now() + timedelta(days=7)
            event = Event.objects.create(
                network=network, kind="drop_in", title="Permanence", starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2), visibility="federated",
            )  # fmt: skip
            samples = []
            for _ in range(rounds):
                activity = {
                    "@context": ACTIVITY_CONTEXT,
                    "id": activity_id(network),
                    "type": "Update",
                    "actor": network_url(network),
                    "object": event_object(event),
                    "published": timezone.now().isoformat(),
                }
                # The deliveries are sent below, one by one, rather than queued at commit.
                with mock.patch.object(tasks.deliver, "delay"):
                    with CaptureQueriesContext(connection) as publishing:
                        began = time.perf_counter()
                        record = publish(
                            network=network, activity=activity, object_uri=event_uri(event)
                        )
                        publish_seconds = time.perf_counter() - began
                queries, statuses = [], set()
                began = time.perf_counter()
                for delivery_id in record.deliveries.values_list("pk", flat=True):
                    with CaptureQueriesContext(connection) as sending:
                        statuses.add(attempt(delivery_id=delivery_id))
                    queries.append(len(sending))
                samples.append(
                    {
                        "publish_seconds": publish_seconds,
                        "deliver_seconds": time.perf_counter() - began,
                        "publish_queries": len(publishing),
                        "attempt_queries": queries,
                        "statuses": statuses,
                    }
                )
            assert all(s["statuses"] == {Delivery.Status.DELIVERED} for s in samples), samples
            rows.append({"peers": size, "samples": samples})
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    return rows


def drop_fan_out_database() -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{FAN_OUT_DATABASE}" WITH (FORCE)')


# --- report -------------------------------------------------------------------------------


def report_latency(found: dict[str, Any]) -> None:
    values = found["latencies"]
    p95 = percentile(values, 95)
    print(f"\nLatency: {found['count']} events created on A, {LATENCY_INTERVAL} s apart")
    print("| events | p50 | p95 | max | missing |")
    print("| --- | --- | --- | --- | --- |")
    print(
        f"| {len(values)} | {statistics.median(values):.0f} ms | {p95:.0f} ms | "
        f"{max(values):.0f} ms | {found['missing']} |"
    )
    print(f"target p95 < 1 s: {verdict(p95 < 1000 and not found['missing'])}")


def report_throughput(found: dict[str, Any]) -> None:
    count = found["count"]
    pipeline = count / found["pipeline_seconds"]
    bare = found["bare_accepted"] / found["bare_seconds"]
    print(f"\nThroughput: {count} events created on A as fast as possible")
    print("| path | activities | seconds | activities/s |")
    print("| --- | --- | --- | --- |")
    print(
        f"| A's service → outbox → worker → B applied | {count - found['missing']} | "
        f"{found['pipeline_seconds']:.1f} | {pipeline:.1f} |"
    )
    print(
        f"| bare loop: sign + POST to B's inbox | {found['bare_accepted']} | "
        f"{found['bare_seconds']:.1f} | {bare:.1f} |"
    )
    print(
        f"A alone created its {count} events in {found['publish_seconds']:.1f} s "
        f"({count / found['publish_seconds']:.1f}/s); deliveries not delivered: "
        f"{found['undelivered']}; bare loop answers: {found['bare_answers']}"
    )
    ratio = pipeline / bare
    print(f"ratio {ratio:.0%}; target ≥ 50%: {verdict(ratio >= 0.5 and not found['missing'])}")


def report_catch_up(found: dict[str, Any]) -> None:
    calls = ", ".join(f"{applied} in {seconds:.1f} s" for applied, seconds in found["calls"])
    seconds = found["pull_seconds"]
    print(f"\nCatch-up: {found['count']} activities logged on A while B was down")
    print("| activities | written on A | B applied by pulling | per second | B holds |")
    print("| --- | --- | --- | --- | --- |")
    print(
        f"| {found['count']} | {found['fill_seconds']:.1f} s | {seconds:.1f} s | "
        f"{found['count'] / seconds:.0f} | {found['held']} |"
    )
    print(
        f"pull_peer calls: {calls}; processor time of B's pulling process: "
        f"{found['pull_cpu_seconds']:.1f} s"
        + (f"; error: {found['error']}" if found["error"] else "")
    )
    met = seconds < 60 and found["held"] == found["count"]
    print(f"target 10,000 under 60 s: {verdict(met) if found['count'] == 10_000 else 'n/a'}")


def report_fan_out(rows: list[dict[str, Any]], rounds: int) -> None:
    print(f"\nFan-out: one activity to N peers (fake inboxes), median of {rounds}")
    print("| peers | publish | publish queries | queries per delivery | deliveries | per peer |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        samples, size = row["samples"], row["peers"]
        per_attempt = sorted({q for s in samples for q in s["attempt_queries"]})
        deliver = statistics.median(s["deliver_seconds"] for s in samples)
        print(
            f"| {size} | {statistics.median(s['publish_seconds'] for s in samples) * 1000:.1f} ms"
            f" | {sorted({s['publish_queries'] for s in samples})} | {per_attempt} | "
            f"{deliver * 1000:.0f} ms | {deliver / size * 1000:.1f} ms |"
        )
    publish_queries = {s["publish_queries"] for row in rows for s in row["samples"]}
    attempt_queries = {q for row in rows for s in row["samples"] for q in s["attempt_queries"]}
    constant = len(publish_queries) == len(attempt_queries) == 1
    print(
        "target constant queries per delivery (so the total grows linearly with the peers): "
        + verdict(constant)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="Smaller counts (a few minutes).")
    parser.add_argument(
        "--keep", action="store_true", help="Keep the instances' logs (their directory)."
    )
    args = parser.parse_args()
    sizes = SIZES["quick" if args.quick else "full"]
    problem = services_reachable()
    if problem:
        raise SystemExit(problem)
    print(machine_facts())

    workdir = Path(tempfile.mkdtemp(prefix="rers-bench-federation-"))
    certificates = make_certificates(workdir)
    a, b = (
        BenchInstance(name, index=index, workdir=workdir, certificates=certificates)
        for index, name in enumerate("ab")
    )
    began = time.perf_counter()
    try:
        start((a, b))
        peer(a, b)
        print(f"instances A and B started and peered in {time.perf_counter() - began:.0f} s")
        report_latency(measure_latency(a, b, sizes["latency"]))
        report_throughput(measure_throughput(a, b, sizes["throughput"]))
        report_catch_up(measure_catch_up(a, b, sizes["catch_up"]))
    finally:
        for instance in (a, b):
            instance.drop()
        if args.keep:
            print(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    setup_django()
    try:
        report_fan_out(measure_fan_out(sizes["fan_out_rounds"]), sizes["fan_out_rounds"])
    finally:
        drop_fan_out_database()
    print(
        f"\nwhole run: {time.perf_counter() - began:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    main()

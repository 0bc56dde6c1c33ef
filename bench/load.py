"""Load benchmark: the portal, the API and the federation inbox of one instance under
concurrent requests, beside a trivial endpoint of the same stack as the ceiling; a burst of
signed activities from 20 neighbouring networks; and the cost of sending to peers.

Usage (from the repository root, with the project's virtual environment; PostgreSQL at
127.0.0.1:5432, Redis at 127.0.0.1:6379):

    python bench/load.py            # the figures of docs/performance.md (about 6½ minutes,
                                    # after waiting up to 10 minutes for a quiet machine)
    python bench/load.py --quick    # 2 s per endpoint, a burst of 500, no profile, one
                                    # Celery round: about a minute on a quiet machine
    python bench/load.py --json var/bench-load.json   # also write the figures (bench/scale.py)
    python bench/load.py --keep-alive   # clients keep their connections (see the docs)
    python bench/load.py --listings-only    # only the ceiling and the listings' four
                                    # endpoints (about 3 minutes); no burst, no sending
    python bench/load.py --listings-only --no-listings-cache   # every page computed

The instance's Django cache is in Redis (CACHE_URL, the broker's database), as the
deployment guide advises, so pages of listings are cached (RERS_CORE LISTINGS_CACHE_SECONDS);
``--no-listings-cache`` turns that off, ``--cache locmem`` gives each process its own cache
(no CACHE_URL: pages are then not cached). ``BENCH_LOAD_DATABASE`` names another database
(default rers_bench_load), ``BENCH_LOAD_REDIS`` another Redis database (default
redis://127.0.0.1:6379/13; emptied at the start and at the end).

What it measures, in order: each page and API endpoint in this process under cProfile
(where the time goes); the load table (8 clients, a fixed time per endpoint, the trivial
endpoint first and last as the ceiling); the federation's endpoints profiled; the burst of
signed activities from 20 peers (answers, what the database holds, memory of every
gunicorn process); sending through a Celery worker (production settings with
CELERY_DB_REUSE_MAX=0, then as they are: keeping its connections) and in this process;
bytes per row.

The instance is gunicorn (2 workers × 4 threads, as deployments/systemd/rers-web.service
but with 2 workers for the 2 cores) with the production settings
(deployments.site.settings.prod), on the PostgreSQL database ``rers_bench_load`` (rebuilt,
then dropped at the end; ``--keep`` keeps it) and Redis database 13 as Celery's broker.
It listens on plain HTTP on 127.0.0.1 only: every request carries ``X-Forwarded-Proto:
https``, as the reverse proxy in front of a production instance sends, so the production
settings (SECURE_PROXY_SSL_HEADER, SECURE_SSL_REDIRECT, secure cookies) apply unchanged.

Everything this script starts runs in its own process group and is stopped at the end,
on error or on Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import platform
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402

from bench.search import memory_gib, neighbour_address, percentile, verdict  # noqa: E402

HOST = "127.0.0.1"
POSTGRES = os.environ.get("BENCH_LOAD_POSTGRES", f"postgres://postgres@{HOST}:5432")
DATABASE = os.environ.get("BENCH_LOAD_DATABASE", "rers_bench_load")
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS", f"redis://{HOST}:6379/13")
BIN = Path(sys.executable).parent
SLUG = "souday"
# Le Havre; the neighbours are spread from 5 to 80 km around it.
LATITUDE, LONGITUDE = 49.4944, 0.1079
PEERS = 20
WEB_WORKERS, WEB_THREADS = 2, 4
CONCURRENCY = 8  # client connections of the load table: as many as the server's threads
SIZES = {
    # profile: requests per endpoint profiled in-process (0: none); reuse: also measure a
    # worker keeping its database connections.
    "full": {
        "seconds": 15.0,
        "warm_up": 2.0,
        "burst": 10_000,
        "deliveries": 50,
        "profile": 40,
        "reuse": True,
    },
    "quick": {
        "seconds": 2.0,
        "warm_up": 0.3,
        "burst": 500,
        "deliveries": 5,
        "profile": 0,
        "reuse": False,
    },
}
# The network: a large agency's network and the neighbours' listings mirrored here.
LISTINGS, MEMBERS, MIRRORED_PER_PEER = 3_000, 600, 100
TARGET_RATIO = 0.40
# A pre-signed request older than this is signed again before it goes (the inbox accepts
# CLOCK_SKEW_SECONDS, 300 s).
RESIGN_AFTER = 200.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- the machine, processes ---------------------------------------------------------------


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def wait_for_quiet(limit: float, below: float = 1.0) -> tuple[bool, float]:
    """Wait until the 1-minute load average is under ``below`` (at most ``limit`` s)."""
    began = time.monotonic()
    while os.getloadavg()[0] >= below and time.monotonic() - began < limit:
        time.sleep(10)
    return os.getloadavg()[0] < below, time.monotonic() - began


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def cpu_seconds(pid: int) -> float:
    """User + system processor time of a process (0 when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def reaped_cpu_seconds(pid: int) -> float:
    """Processor time of the children a process has reaped (cutime + cstime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / CLOCK_TICKS


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def stop_group(process: subprocess.Popen | None, timeout: float = 15) -> None:
    """SIGTERM the process group this script started, SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)
    except ProcessLookupError:
        pass


class Database:
    """Direct reads of the benchmark's database, and the CPU of its server processes."""

    def __init__(self) -> None:
        self.connection = psycopg.connect(f"{POSTGRES}/{DATABASE}", autocommit=True)

    def one(self, sql: str, params: tuple = ()) -> Any:
        return self.connection.execute(sql, params).fetchone()[0]

    def backends(self) -> dict[int, float]:
        """The server processes serving the benchmark's database (this connection
        excluded) and their processor time so far."""
        pids = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (DATABASE,),
        ).fetchall()
        return {pid: cpu_seconds(pid) for (pid,) in pids}

    def postmaster(self) -> int:
        """The PostgreSQL server's main process (it reaps the ended server processes)."""
        pid = self.one("SELECT pg_backend_pid()")
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])

    def close(self) -> None:
        self.connection.close()


def create_database() -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def machine_facts() -> dict[str, Any]:
    with psycopg.connect(f"{POSTGRES}/postgres") as connection:
        found = [
            connection.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "shared_buffers", "work_mem")
        ]
    memory = memory_gib()
    return {
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "postgresql": found[0],
        "shared_buffers": found[1],
        "work_mem": found[2],
        "redis": redis.Redis.from_url(REDIS_URL).info()["redis_version"],
        "gunicorn": subprocess.run(
            [str(BIN / "gunicorn"), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
    }


# --- the instance -------------------------------------------------------------------------


def instance_env(port: int, workdir: Path, cache: str, listings_cache: bool) -> dict[str, str]:
    """The production configuration (deployments/env.example) for this benchmark.

    ``cache``: "redis", Django's cache in the Redis database of the broker (shared by the
    web workers, as docs/deployment.md advises), or "locmem", each process its own;
    ``listings_cache``: False turns the cache of listing pages off (RERS_CORE
    LISTINGS_CACHE_SECONDS = 0), to measure what every page costs when it is computed."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DJANGO_SETTINGS_MODULE",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "LISTINGS_CACHE_SECONDS",
        )
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "deployments.site.settings.prod",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": HOST,
            "SITE_URL": f"https://{HOST}:{port}",
            "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
            "CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": REDIS_URL,
            "RERS_DATA_DIR": str(workdir / "data"),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "CACHE_URL": REDIS_URL if cache == "redis" else "locmemcache://",
            # Every client of the benchmark comes from one address, with one account and
            # 20 peers: the rates counted per address, account or peer are raised so that
            # they are still counted (their cost is measured) but never refuse. Per
            # second, so that the history DRF keeps for each counter stays short.
            **{
                name: "100000/second"
                for name in (
                    "THROTTLE_API_MEMBER",
                    "FEDERATION_PUBLIC_RATE_PER_ADDRESS",
                    "FEDERATION_INBOX_RATE_PER_ADDRESS",
                    "FEDERATION_INBOX_RATE_PER_PEER",
                )
            },
        }
    )
    if not listings_cache:
        env["LISTINGS_CACHE_SECONDS"] = "0"
    return env


def setup_django(env: dict[str, str]) -> None:
    """This process runs Django with the instance's configuration (to seed, to sign)."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def start_web(env: dict[str, str], port: int, workdir: Path) -> subprocess.Popen:
    log = (workdir / "web.log").open("ab")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"), "deployments.site.wsgi:application",
            "--bind", f"{HOST}:{port}", "--workers", str(WEB_WORKERS),
            "--threads", str(WEB_THREADS), "--timeout", "30", "--no-control-socket",
            "--access-logfile", str(workdir / "access.log"), "--error-logfile", "-",
        ],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {workdir / 'web.log'}")
        try:
            status, _ = request_once(port, "GET", "/.well-known/rers", b"", {})
            if status == 200 and len(children(process.pid)) == WEB_WORKERS:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    stop_group(process)
    raise SystemExit(f"gunicorn did not answer in 60 s: see {workdir / 'web.log'}")


def request_once(port: int, method: str, path: str, body: bytes, headers: dict[str, str]):
    """One request on a new connection, closed after (as the federation transport does)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers={**PROXY, **headers})
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


# What the HTTPS reverse proxy adds in production.
PROXY = {"X-Forwarded-Proto": "https"}


# --- the network --------------------------------------------------------------------------


def seed(port: int) -> dict[str, Any]:
    """A network of MEMBERS members and LISTINGS listings (bench/dataset.py), its events
    (weekly drop-in, monthly meeting, six-monthly retrospective, workshops with
    registrations), PEERS active peers with their keys, their listings and weekly drop-ins
    mirrored here; a member's session and API token."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from bench.dataset import build, generated_listings
    from rers_core.models import Event, Listing, Member, Registration
    from rers_core.search import rebuild_index
    from rers_core.services.networks import network_create_or_update
    from rers_federation.keys import current_key
    from rers_federation.models import Peer
    from rers_federation.signing import fingerprint, public_key_to_text

    began = time.perf_counter()
    network = build(slug=SLUG, listings=LISTINGS, members=MEMBERS)
    network, _ = network_create_or_update(
        slug=SLUG, name="RERS de Souday", city="Le Havre", latitude=LATITUDE, longitude=LONGITUDE
    )
    current_key(network)
    domains = {d.slug: d for d in network.domains.all()}
    people = list(Member.objects.filter(network=network).order_by("pk"))
    rng = random.Random(11)
    now = timezone.now()
    today = now.replace(hour=8, minute=0, second=0, microsecond=0)  # 9:00 or 10:00 in Paris
    peers, signing_keys = [], []
    with transaction.atomic():
        for number in range(PEERS):
            private = Ed25519PrivateKey.generate()
            address = neighbour_address(number)
            # 5 to 80 km away, in every direction.
            km, bearing = 5 + 75 * number / (PEERS - 1), rng.uniform(0, 6.283)
            peers.append(
                Peer.objects.create(
                    network=network, document_url=address, name=f"RERS voisin {number + 1}",
                    city=f"Ville {number + 1}",
                    latitude=round(LATITUDE + km / 111 * math.cos(bearing), 6),
                    longitude=round(LONGITUDE + km / 73 * math.sin(bearing), 6),
                    inbox_url=f"{address}inbox/", outbox_url=f"{address}outbox/",
                    keys=[{"id": f"{address}#key-1", "publicKey": public_key_to_text(
                        private.public_key()), "expires": None}],
                    fingerprint=fingerprint(private.public_key()), status=Peer.Status.ACTIVE,
                )
            )  # fmt: skip
            signing_keys.append(private)
        # The neighbours' listings and drop-ins, as listing_receive / event_receive store them.
        batch = []
        for number, peer in enumerate(peers):
            for index, (_owner, fields) in enumerate(
                generated_listings(random.Random(100 + number), MIRRORED_PER_PEER, domains, 1)
            ):
                fields["status"] = Listing.Status.OPEN
                batch.append(
                    Listing(
                        network=network, member=None,
                        origin_uri=f"{peer.document_url}listings/{index + 1}",
                        origin_name=peer.name, origin_distance_km=5 + 75 * number // (PEERS - 1),
                        visibility=Listing.Visibility.NETWORK, **fields,
                    )
                )  # fmt: skip
        Listing.objects.bulk_create(batch)
        events = []
        for kind, title, rrule, hours in (
            ("drop_in", "Permanence du lundi", "FREQ=WEEKLY;BYDAY=MO", 3),
            ("monthly_meeting", "Rencontre mensuelle", "FREQ=MONTHLY;BYDAY=1TH", 2),
            ("retrospective", "Échanges sur les échanges", "FREQ=MONTHLY;INTERVAL=6", 3),
        ):
            starts = today - timedelta(days=90)
            events.append(
                Event(
                    network=network, kind=kind, title=title, rrule=rrule, starts_at=starts,
                    ends_at=starts + timedelta(hours=hours), place="Agence, salle 2",
                    description="Ouvert à tous les membres et aux visiteurs.", capacity=30,
                )
            )  # fmt: skip
        workshops = []
        for day in range(-30, 60, 3):  # a workshop every three days, two months ahead
            starts = today + timedelta(days=day, hours=rng.choice([1, 5, 6]))
            workshops.append(
                Event(
                    network=network, kind=rng.choice(["collective_exchange", "information"]),
                    title=f"Atelier {rng.choice(['CV', 'Excel', 'entretien', 'potager'])}",
                    starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=12,
                    place="Agence, salle 1", description="Échange collectif de savoirs.",
                )
            )  # fmt: skip
        for number, peer in enumerate(peers):
            starts = today - timedelta(days=60 - number)
            events.append(
                Event(
                    network=network, kind="drop_in", title=f"Permanence de {peer.name}",
                    rrule="FREQ=WEEKLY", starts_at=starts, ends_at=starts + timedelta(hours=2),
                    origin_uri=f"{peer.document_url}events/permanence",
                    origin_name=peer.name, origin_distance_km=5 + 75 * number // (PEERS - 1),
                    visibility=Event.Visibility.NETWORK,
                )
            )  # fmt: skip
        Event.objects.bulk_create(events + workshops)
        Registration.objects.bulk_create(
            Registration(
                event=event,
                occurrence_start=event.starts_at,
                member=member,
                status=Registration.Status.CONFIRMED,
            )  # fmt: skip
            for event in workshops
            for member in rng.sample(people, 8)
        )
    indexed = rebuild_index()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    member = people[0]
    client = Client()
    client.force_login(member.user)
    token = Token.objects.create(user=member.user)
    return {
        "network": network,
        "peers": peers,
        "keys": signing_keys,
        "session": client.cookies["sessionid"].value,
        "token": token.key,
        "listings": Listing.objects.filter(network=network).count(),
        "own_listings": Listing.objects.filter(network=network, origin_uri="").count(),
        "indexed": indexed,
        "events": Event.objects.filter(network=network).count(),
        "seconds": time.perf_counter() - began,
    }


# --- signed activities --------------------------------------------------------------------


@dataclass
class Signed:
    body: bytes
    headers: dict[str, str]
    signed_at: float
    peer: int


class Activities:
    """Create activities of new Listing (four in five) and Event objects from the peers,
    signed as their transport signs them, for our inbox's address as Django rebuilds it
    behind the proxy (https, the host and port asked)."""

    def __init__(self, world: dict[str, Any], port: int, label: str) -> None:
        from rers_federation.services.catalogue import MODALITIES

        self.world, self.label = world, label
        self.path = f"/federation/{SLUG}/inbox/"
        self.port = port
        self.url = f"https://{HOST}:{port}{self.path}"
        self.modalities = MODALITIES
        self.rng = random.Random(label)
        self.domains = {d.slug: d for d in world["network"].domains.all()}
        self.counter = itertools.count()
        self.lock = threading.Lock()

    def activity(self, peer_number: int, number: int) -> dict[str, Any]:
        from bench.dataset import generated_listings

        address = neighbour_address(peer_number)
        now = datetime.now(UTC)
        if number % 5 == 4:
            starts = (now + timedelta(days=3 + number % 50)).replace(minute=0, second=0)
            obj = {
                "type": "Event",
                "id": f"{address}events/{self.label}-{number}",
                "attributedTo": address,
                "name": f"Atelier partagé {number}",
                "content": "Échange collectif ouvert aux réseaux voisins.",
                "location": "Maison des associations",
                "url": None,
                "startTime": starts.isoformat(),
                "endTime": (starts + timedelta(hours=2)).isoformat(),
                "rrule": "FREQ=WEEKLY;COUNT=6" if number % 2 else "",
                "timeZone": "Europe/Paris",
                "eventKind": "collective_exchange",
                "capacity": 12,
                "registrationOpen": True,
                "cancelled": None,
                "coOrganised": False,
                "exceptions": [],
                "updated": now.isoformat(),
            }
        else:
            with self.lock:
                _owner, fields = next(generated_listings(self.rng, 1, self.domains, 1))
            obj = {
                "type": "Listing",
                "id": f"{address}listings/{self.label}-{number}",
                "attributedTo": address,
                "direction": fields["direction"],
                "savoirKind": fields["kind"],
                "name": fields["title"],
                "content": fields["description"],
                "domain": {"slug": fields["domain"].slug, "name": fields["domain"].name},
                "modalities": ["one_to_one", "group"] if fields["group"] else ["one_to_one"],
                "setting": "either",
                "updated": now.isoformat(),
            }
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{address}activities/{self.label}-{number}",
            "type": "Create",
            "actor": address,
            "object": obj,
            "published": now.isoformat(),
        }

    def sign(self, activity: dict[str, Any], peer_number: int) -> Signed:
        from rers_federation.signing import sign

        body = json.dumps(activity, ensure_ascii=False).encode()
        headers = sign(
            method="POST", url=self.url, body=body,
            key_id=f"{neighbour_address(peer_number)}#key-1",
            private_key=self.world["keys"][peer_number],
        )  # fmt: skip
        headers["Content-Type"] = "application/activity+json"
        return Signed(body, headers, time.time(), peer_number)

    def sign_get(self, peer_number: int, path: str) -> tuple[str, dict[str, str]]:
        """A peer's signed GET of ``path`` (an empty body has its digest too)."""
        from rers_federation.signing import sign

        headers = sign(
            method="GET", url=f"https://{HOST}:{self.port}{path}", body=b"",
            key_id=f"{neighbour_address(peer_number)}#key-1",
            private_key=self.world["keys"][peer_number],
        )  # fmt: skip
        headers["Accept"] = "application/activity+json"
        return path, headers

    def next(self) -> Signed:
        """The next activity, from the peers in turn."""
        number = next(self.counter)
        return self.sign(self.activity(number % PEERS, number), number % PEERS)

    def fresh(self, signed: Signed) -> Signed:
        """Signed again if its signature is getting old."""
        if time.time() - signed.signed_at < RESIGN_AFTER:
            return signed
        return self.sign(json.loads(signed.body), signed.peer)


# --- load ---------------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    method: str
    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    expected: int = 200
    activities: Activities | None = None
    pool: list[Signed] = field(default_factory=list)
    # Signed GETs: one per peer, signed again just before the run (see measure_load).
    signed_gets: bool = False
    signed: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def request(self, n: int) -> tuple[str, bytes, dict[str, str]]:
        if self.signed_gets:
            path, headers = self.signed[n % len(self.signed)]
            return path, b"", {**self.headers, **headers}
        if self.activities is None:
            return self.paths[n % len(self.paths)], b"", self.headers
        with self.activities.lock:
            signed = self.pool.pop() if self.pool else None
        signed = self.activities.fresh(signed) if signed else self.activities.next()
        return self.activities.path, signed.body, {**self.headers, **signed.headers}


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)


def hammer(
    port: int, endpoint: Endpoint, seconds: float, concurrency: int, keep_alive: bool = False
) -> dict[str, Any]:
    """``concurrency`` clients sending requests one after the other for ``seconds``, each
    on a new connection (as nginx talks to its upstream by default) or, with
    ``keep_alive``, each on its own kept-alive connection; latencies of the expected
    answers, and the rest."""
    samples = [Sample() for _ in range(concurrency)]
    start = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        sample = samples[index]
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        n = index * 7919
        start.wait()
        while time.perf_counter() < deadline[0]:
            path, body, headers = endpoint.request(n)
            n += 1
            began = time.perf_counter()
            try:
                connection.request(
                    endpoint.method, path, body=body or None, headers={**PROXY, **headers}
                )
                reply = connection.getresponse()
                reply.read()
            except (OSError, http.client.HTTPException) as exc:
                sample.errors[type(exc).__name__] += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                continue
            elapsed = time.perf_counter() - began
            sample.statuses[reply.status] += 1
            if reply.status == endpoint.expected:
                sample.latencies.append(elapsed * 1000)
            if reply.will_close or not keep_alive:
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies = [value for sample in samples for value in sample.latencies]
    statuses = sum((sample.statuses for sample in samples), Counter())
    errors = sum((sample.errors for sample in samples), Counter())
    return {
        "seconds": elapsed,
        "ok": len(latencies),
        "statuses": dict(statuses),
        "errors": dict(errors),
        "latencies": latencies,
    }


class Meter:
    """Processor time of the web workers, of the database's server processes and of this
    process (the load generator) over a stretch of the run."""

    def __init__(self, web: subprocess.Popen, database: Database) -> None:
        self.web, self.database = web, database
        self.postmaster = database.postmaster()

    def snapshot(self) -> dict[str, Any]:
        workers = children(self.web.pid)
        return {
            "workers": {pid: cpu_seconds(pid) for pid in workers},
            "master": cpu_seconds(self.web.pid),
            "backends": self.database.backends(),
            # Server processes that ended (connections older than CONN_MAX_AGE are closed).
            "reaped": reaped_cpu_seconds(self.postmaster),
            "client": time.process_time(),
            "wall": time.perf_counter(),
        }

    @staticmethod
    def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
        def spent(key: str) -> float:
            return sum(after[key][pid] - before[key].get(pid, 0.0) for pid in after[key])

        per_worker = [after["workers"][p] - before["workers"].get(p, 0.0) for p in after["workers"]]
        return {
            "web_cpu": spent("workers") + after["master"] - before["master"],
            "per_worker_cpu": per_worker,
            # Server processes that ended meanwhile: all their time is in "reaped", the
            # time they had before the stretch began is not the stretch's.
            "db_cpu": spent("backends")
            + after["reaped"]
            - before["reaped"]
            - sum(cpu for pid, cpu in before["backends"].items() if pid not in after["backends"]),
            "client_cpu": after["client"] - before["client"],
            "wall": after["wall"] - before["wall"],
        }


def endpoints(world: dict[str, Any], activities: Activities) -> list[Endpoint]:
    from bench.dataset import QUERIES

    portal = {"Cookie": f"sessionid={world['session']}", "Accept-Language": "fr"}
    api = {"Authorization": f"Token {world['token']}", "Accept": "application/json"}
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    month = (
        f"start={quote(today.isoformat())}&end={quote((today + timedelta(days=31)).isoformat())}"
    )
    return [
        Endpoint("trivial: /.well-known/rers", "GET", ["/.well-known/rers"]),
        Endpoint("portal: listings", "GET", [f"/{SLUG}/listings/"], portal),
        Endpoint(
            "portal: search", "GET", [f"/{SLUG}/listings/?q={quote(q)}" for q in QUERIES], portal
        ),
        Endpoint("portal: calendar (month)", "GET", [f"/{SLUG}/calendar/"], portal),
        Endpoint("API: listings", "GET", [f"/api/v1/networks/{SLUG}/listings/"], api),
        Endpoint(
            "API: search",
            "GET",
            [f"/api/v1/networks/{SLUG}/listings/?q={quote(q)}" for q in QUERIES],
            api,
        ),
        Endpoint(
            "API: occurrences (31 days)",
            "GET",
            [f"/api/v1/networks/{SLUG}/occurrences/?{month}"],
            api,
        ),
        Endpoint("inbox: signed Create", "POST", [], expected=202, activities=activities),
        Endpoint(
            "outbox: a peer's pull, nothing new (signed GET)",
            "GET",
            [f"/federation/{SLUG}/outbox/?after=0"],
            activities=activities,
            signed_gets=True,
        ),
        Endpoint("trivial: /.well-known/rers (again)", "GET", ["/.well-known/rers"]),
    ]


# --listings-only: the ceiling and the endpoints of the 40% target.
LISTINGS_ONLY = (
    "trivial: /.well-known/rers",
    "portal: listings",
    "portal: search",
    "API: listings",
    "API: search",
    "trivial: /.well-known/rers (again)",
)


def check_pages(port: int, targets: list[Endpoint]) -> None:
    """Every endpoint answers as expected before anything is timed."""
    for target in targets:
        path, body, headers = target.request(0)
        status, content = request_once(port, target.method, path, body, headers)
        if status != target.expected:
            raise SystemExit(f"{target.name}: {path} answered {status}: {content[:300]!r}")


def measure_load(
    port: int, targets: list[Endpoint], meter: Meter, sizes: dict[str, Any], keep_alive: bool
) -> list[dict[str, Any]]:
    def sign_gets(target: Endpoint) -> None:
        target.signed = [target.activities.sign_get(peer, target.paths[0]) for peer in range(PEERS)]

    for target in targets:
        if target.signed_gets:
            sign_gets(target)
    check_pages(port, targets)
    rows = []
    for target in targets:
        if target.signed_gets:
            sign_gets(target)  # fresh signatures for the run
        elif target.activities is not None:
            # Enough activities for the run at up to 300 a second, signed beforehand.
            count = int(300 * (sizes["seconds"] + sizes["warm_up"] + 2))
            target.pool = [target.activities.next() for _ in range(count)][::-1]
        hammer(port, target, sizes["warm_up"], CONCURRENCY, keep_alive)
        before = meter.snapshot()
        found = hammer(port, target, sizes["seconds"], CONCURRENCY, keep_alive)
        used = Meter.delta(before, meter.snapshot())
        rows.append({"name": target.name, **found, **used})
        print(f"  {target.name}: {found['ok'] / found['seconds']:.0f}/s", flush=True)
    return rows


# --- where the time goes -------------------------------------------------------------------

# (file, function) whose cumulative time cProfile gives; the outermost call of each counts.
PROFILE_PARTS = {
    "templates": ("django/template/backends/django.py", "render"),
    "forms": ("django/forms/utils.py", "render"),
    "serializers": ("rest_framework/serializers.py", "to_representation"),
    "paginator count": ("django/core/paginator.py", "count"),
    "ORM and SQL": ("django/db/models/sql/compiler.py", "execute_sql"),
    "waiting for PostgreSQL": ("django/db/backends/utils.py", "_execute"),
    "model instances": ("django/db/models/base.py", "from_db"),
    "peers' keys": ("rers_federation/views.py", "_peer_keys"),
    "signature check": ("rers_federation/signing.py", "verify"),
    "applying": ("rers_federation/services/inbox.py", "receive"),
}
PROFILED = ("trivial: /.well-known/rers", "portal: listings", "portal: search", "API: listings",
            "API: search", "portal: calendar (month)", "inbox: signed Create",
            "outbox: a peer's pull, nothing new (signed GET)")  # fmt: skip


def profile_requests(
    world: dict[str, Any], targets: list[Endpoint], rounds: int, port: int
) -> list[dict]:
    """Each endpoint's requests in this process, through Django's test client (no HTTP
    server): time and processor per request, queries and their time, the share of the
    main parts of the work under cProfile, and PostgreSQL's own execution time of the
    queries of one request (EXPLAIN ANALYZE)."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # The host and port the signatures were made for.
    client = Client(HTTP_HOST=f"{HOST}:{port}", HTTP_X_FORWARDED_PROTO="https")
    rows = []
    for target in targets:
        if target.name not in PROFILED:
            continue
        if target.signed_gets:
            target.signed = [target.activities.sign_get(p, target.paths[0]) for p in range(PEERS)]

        def get(n: int, target=target):
            path, body, headers = target.request(n)
            headers = dict(headers)
            kind = headers.pop("Content-Type", "application/octet-stream")
            meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
            reply = client.generic(target.method, path, data=body, content_type=kind, **meta)
            assert reply.status_code == target.expected, (path, reply.status_code)

        for n in range(5):
            get(n)
        began, began_cpu = time.perf_counter(), time.process_time()
        for n in range(rounds):
            get(n)
        wall = (time.perf_counter() - began) / rounds * 1000
        cpu = (time.process_time() - began_cpu) / rounds * 1000
        sql = [0, 0.0]

        def timing(execute, statement, params, many, context, sql=sql):
            began = time.perf_counter()
            try:
                return execute(statement, params, many, context)
            finally:
                sql[0] += 1
                sql[1] += time.perf_counter() - began

        with connection.execute_wrapper(timing):
            for n in range(rounds):
                get(n)
        profile = cProfile.Profile()
        profile.enable()
        for n in range(rounds):
            get(n)
        profile.disable()
        stats = pstats.Stats(profile).stats
        total = sum(tt for (_cc, _nc, tt, _ct, _callers) in stats.values())
        parts = {}
        for part, (path, function) in PROFILE_PARTS.items():
            found = [
                ct
                for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
                if filename.endswith(path) and name == function
            ]
            parts[part] = max(found, default=0.0) / total
        with CaptureQueriesContext(connection) as captured:
            get(0)
        explained = []
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                if not query["sql"].startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                plan = cursor.fetchone()[0]
                plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
                explained.append((plan["Execution Time"], query["sql"]))
        rows.append(
            {
                "name": target.name,
                "wall_ms": wall,
                "cpu_ms": cpu,
                "queries": sql[0] / rounds,
                "sql_ms": sql[1] / rounds * 1000,
                "parts": parts,
                "explained": sorted(explained, reverse=True),
            }
        )
    return rows


def report_profile(rows: list[dict], rounds: int) -> None:
    print(
        f"\nWhere the time goes: {rounds} requests of each endpoint in this process (Django's "
        "test client, no HTTP server), then the same under cProfile; shares of the profiled "
        "time (templates include the queries they evaluate, and the forms they render)"
    )
    names = list(PROFILE_PARTS)
    heading = "| endpoint | ms per request | processor | queries | queries' time | "
    print(heading + " | ".join(names) + " |")
    print("| --- " * (5 + len(names)) + "|")
    for row in rows:
        print(
            f"| {row['name']} | {row['wall_ms']:.1f} | {row['cpu_ms']:.1f} ms | "
            f"{row['queries']:.0f} | {row['sql_ms']:.1f} ms | "
            + " | ".join(f"{row['parts'][name]:.0%}" for name in names)
            + " |"
        )
    for row in rows:
        if not row["explained"]:
            continue
        slowest_ms, slowest = row["explained"][0]
        print(
            f"{row['name']}: PostgreSQL executes its {len(row['explained'])} SELECTs in "
            f"{sum(ms for ms, _ in row['explained']):.1f} ms (EXPLAIN ANALYZE); the slowest, "
            f"{slowest_ms:.1f} ms: {slowest[:160]}…"
        )


# --- the burst ----------------------------------------------------------------------------


def measure_burst(
    port: int, world: dict[str, Any], meter: Meter, database: Database, count: int
) -> dict[str, Any]:
    """``count`` Create activities, a share from each of the PEERS peers, each peer sending
    its own one after the other on a new connection each time (as the transport does): the
    PEERS peers at once. Then: every answer, what the database holds, memory, processor."""
    activities = Activities(world, port, "burst")
    per_peer: list[list[Signed]] = [[] for _ in range(PEERS)]
    began = time.perf_counter()
    for number in range(count):
        peer = number % PEERS
        per_peer[peer].append(activities.sign(activities.activity(peer, number), peer))
    signing = time.perf_counter() - began
    inbox_before = database.one("SELECT count(*) FROM rers_federation_inboxactivity")
    mirrors_before = database.one("SELECT count(*) FROM rers_federation_mirroredobject")
    size_before = database.one("SELECT pg_database_size(current_database())")
    tables = (
        "rers_federation_inboxactivity",
        "rers_federation_mirroredobject",
        "rers_core_listing",
        "rers_listing_search",
        "rers_core_event",
    )
    table_sizes_before = {
        t: database.one("SELECT pg_total_relation_size(%s)", (t,)) for t in tables
    }
    workers = children(meter.web.pid)
    memory_before = {pid: proc_status(pid) for pid in [meter.web.pid, *workers]}
    statuses: list[Counter] = [Counter() for _ in range(PEERS)]
    errors: list[Counter] = [Counter() for _ in range(PEERS)]
    latencies: list[list[float]] = [[] for _ in range(PEERS)]
    resigned = [0] * PEERS
    peak = {pid: 0 for pid in workers}
    stop_sampling = threading.Event()

    def sample_memory() -> None:
        while not stop_sampling.wait(0.5):
            for pid in workers:
                peak[pid] = max(peak[pid], proc_status(pid).get("VmRSS", 0))

    def sender(peer: int) -> None:
        for signed in per_peer[peer]:
            fresh = activities.fresh(signed)
            resigned[peer] += fresh is not signed
            began = time.perf_counter()
            try:
                status, _ = request_once(port, "POST", activities.path, fresh.body, fresh.headers)
            except (OSError, http.client.HTTPException) as exc:
                errors[peer][type(exc).__name__] += 1
                continue
            latencies[peer].append((time.perf_counter() - began) * 1000)
            statuses[peer][status] += 1

    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    before = meter.snapshot()
    threads = [threading.Thread(target=sender, args=(peer,)) for peer in range(PEERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    used = Meter.delta(before, meter.snapshot())
    stop_sampling.set()
    sampler.join()
    memory_after = {pid: proc_status(pid) for pid in [meter.web.pid, *workers]}
    recorded = set(
        row[0]
        for row in database.connection.execute(
            "SELECT activity_id FROM rers_federation_inboxactivity WHERE activity_id LIKE %s",
            ("%/activities/burst-%",),
        ).fetchall()
    )
    sent = {json.loads(s.body)["id"] for signed in per_peer for s in signed}
    events = sum(1 for number in range(count) if number % 5 == 4)
    broker = redis.Redis.from_url(REDIS_URL)
    return {
        "count": count,
        "signing_seconds": signing,
        "statuses": dict(sum(statuses, Counter())),
        "errors": dict(sum(errors, Counter())),
        "latencies": [value for peer in latencies for value in peer],
        "resigned": sum(resigned),
        "lost": len(sent - recorded),
        "inbox_rows": database.one("SELECT count(*) FROM rers_federation_inboxactivity")
        - inbox_before,
        "mirror_rows": database.one("SELECT count(*) FROM rers_federation_mirroredobject")
        - mirrors_before,
        "listings_held": database.one(
            "SELECT count(*) FROM rers_core_listing WHERE origin_uri LIKE %s",
            ("%/listings/burst-%",),
        ),
        "listings_sent": count - events,
        "events_held": database.one(
            "SELECT count(*) FROM rers_core_event WHERE origin_uri LIKE %s", ("%/events/burst-%",)
        ),
        "events_sent": events,
        "queued_tasks": sum(broker.llen(q) for q in ("default", "delivery", "inbox", "email")),
        "database_growth": database.one("SELECT pg_database_size(current_database())")
        - size_before,
        "table_growth": {
            t: database.one("SELECT pg_total_relation_size(%s)", (t,)) - table_sizes_before[t]
            for t in tables
        },
        "memory_before": memory_before,
        "memory_after": memory_after,
        "peak_sampled": peak,
        "master": meter.web.pid,
        **used,
    }


# --- sending: what one delivery costs the sender --------------------------------------------

FAKE_INBOX = """
import sys, threading
from http.server import ThreadingHTTPServer
sys.path.insert(0, sys.argv[1])
from bench.federation import _Accepting
server = ThreadingHTTPServer(("127.0.0.1", 0), _Accepting)
print(server.server_port, flush=True)
server.serve_forever()
"""


def start_worker(env: dict[str, str], workdir: Path, reuse_max: int) -> subprocess.Popen:
    """A Celery worker for the delivery queue, as deployments/systemd/rers-worker.service
    starts it (prefork pool, 4 processes), keeping its database connection for up to
    ``reuse_max`` tasks (0: a new connection for each task)."""
    log_path = workdir / f"worker-reuse-{reuse_max}.log"
    with log_path.open("ab") as log:
        worker = subprocess.Popen(
            [
                str(BIN / "celery"), "-A", "deployments.site", "worker", "-Q", "delivery",
                "--concurrency", "4", "--hostname", "bench-load@%h", "--without-gossip",
                "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
            ],
            cwd=ROOT, env={**env, "CELERY_DB_REUSE_MAX": str(reuse_max)},
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the Celery worker exited: see {log_path}")
        if b" ready." in log_path.read_bytes():
            return worker
        time.sleep(0.3)
    stop_group(worker)
    raise SystemExit(f"the Celery worker was not ready in 60 s: see {log_path}")


def tree(pid: int) -> list[int]:
    return [pid, *children(pid)]


def publish_event_update(network, event):
    """Publish an Update of our federated ``event`` to the peers: the outbox row and one
    delivery per peer (what sending measures)."""
    from django.utils import timezone

    from rers_federation.keys import network_url
    from rers_federation.services.calendar import event_object, event_uri
    from rers_federation.services.delivery import publish
    from rers_federation.services.peering import ACTIVITY_CONTEXT, activity_id

    activity = {
        "@context": ACTIVITY_CONTEXT, "id": activity_id(network), "type": "Update",
        "actor": network_url(network), "object": event_object(event),
        "published": timezone.now().isoformat(),
    }  # fmt: skip
    return publish(network=network, activity=activity, object_uri=event_uri(event))


def in_process(world: dict[str, Any], rounds: int) -> dict[str, float]:
    """The same publishing and sending in this process, with ``delivery.attempt`` one
    delivery after the other on one database connection (as bench/federation.py's
    fan-out): processor time of this process and of its database server process."""
    from unittest import mock

    from django.db import connection

    from rers_core.models import Event
    from rers_federation import tasks
    from rers_federation.services.delivery import attempt

    network = world["network"]
    event = Event.objects.filter(network=network, visibility=Event.Visibility.FEDERATED)[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    count, began_cpu, began_db = 0, time.process_time(), cpu_seconds(backend)
    for _ in range(rounds):
        with mock.patch.object(tasks.deliver, "delay"):
            record = publish_event_update(network, event)
        for delivery_id in record.deliveries.values_list("pk", flat=True):
            attempt(delivery_id=delivery_id)
            count += 1
    return {
        "deliveries": count,
        "cpu": time.process_time() - began_cpu,
        "db_cpu": cpu_seconds(backend) - began_db,
    }


def celery_round(
    world: dict[str, Any], database: Database, env: dict[str, str], workdir: Path,
    rounds: int, reuse_max: int,
) -> dict[str, Any]:  # fmt: skip
    """``rounds`` updates of our federated event published to the PEERS peers and
    delivered by a Celery worker keeping its connection for ``reuse_max`` tasks: processor
    time of the publishing (this process), of the worker's processes and of the database's
    server processes; the worker's memory."""

    from rers_core.models import Event
    from rers_federation.models import Delivery

    network = world["network"]
    event = Event.objects.filter(network=network, visibility=Event.Visibility.FEDERATED)[0]
    worker = start_worker(env, workdir, reuse_max)
    try:
        time.sleep(2)  # the worker's processes settle
        processes = tree(worker.pid)
        memory_before = {pid: proc_status(pid) for pid in processes}
        before_cpu = {pid: cpu_seconds(pid) for pid in processes}
        before_db, postmaster = database.backends(), database.postmaster()
        before_reaped = reaped_cpu_seconds(postmaster)
        began, began_cpu = time.perf_counter(), time.process_time()
        for _ in range(rounds):
            publish_event_update(network, event)
        publish_cpu = time.process_time() - began_cpu
        pending = Delivery.objects.exclude(status=Delivery.Status.DELIVERED)
        deadline = time.monotonic() + 120
        while pending.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        wall = time.perf_counter() - began
        after_db = database.backends()
        # Server processes of connections closed during the round have ended: their
        # processor time is in the server's main process's reaped children (those of the
        # server's other databases that ended meanwhile too).
        reaped = reaped_cpu_seconds(postmaster) - before_reaped
        worker_cpu = sum(cpu_seconds(pid) - before_cpu.get(pid, 0.0) for pid in tree(worker.pid))
        memory_after = {pid: proc_status(pid) for pid in tree(worker.pid)}
    finally:
        stop_group(worker)
    return {
        "settings": f"production, CELERY_DB_REUSE_MAX={reuse_max}",
        "activities": rounds,
        "deliveries": rounds * PEERS,
        "undelivered": pending.count(),
        "wall": wall,
        "publish_cpu": publish_cpu,
        "worker_cpu": worker_cpu,
        "db_cpu": sum(after_db[pid] - before_db.get(pid, 0.0) for pid in after_db)
        + reaped
        - sum(cpu for pid, cpu in before_db.items() if pid not in after_db),
        "db_reaped_cpu": reaped,
        "cpu": publish_cpu + worker_cpu,
        "worker": worker.pid,
        "memory_before": memory_before,
        "memory_after": memory_after,
    }


def measure_sending(
    world: dict[str, Any],
    database: Database,
    env: dict[str, str],
    workdir: Path,
    rounds: int,
    *,
    reuse: bool,
) -> dict[str, Any]:
    """Sending to the PEERS peers (their inboxes: a small server in another process
    answering 202): a Celery worker opening a connection per task, then one that keeps its
    database connections (the production settings), then delivery.attempt in this process;
    and what the outbox and the deliveries take on disk."""
    from rers_core.models import Event
    from rers_federation.models import Peer

    tables = ("rers_federation_outboxactivity", "rers_federation_delivery")

    def sizes() -> dict[str, int]:
        found = {"database": database.one("SELECT pg_database_size(current_database())")}
        for table in tables:
            found[table] = database.one("SELECT pg_total_relation_size(%s)", (table,))
        return found

    fake = None
    try:
        fake = subprocess.Popen(
            [sys.executable, "-c", FAKE_INBOX, str(ROOT)],
            stdout=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        port = int(fake.stdout.readline())
        network = world["network"]
        Peer.objects.filter(network=network).update(
            inbox_url=f"http://{HOST}:{port}/federation/voisin/inbox/"
        )
        event = Event.objects.filter(network=network, origin_uri="", rrule__startswith="FREQ=W")[0]
        event.visibility = Event.Visibility.FEDERATED
        event.save(update_fields=["visibility"])
        sizes_before = sizes()
        found = celery_round(world, database, env, workdir, rounds, reuse_max=0)
        sizes_after = sizes()
        found["growth"] = {name: sizes_after[name] - sizes_before[name] for name in sizes_after}
        if reuse:
            found["reuse"] = celery_round(world, database, env, workdir, rounds, reuse_max=100)
        found["in_process"] = in_process(world, rounds)
        return found
    finally:
        stop_group(fake)


ROW_TABLES = (
    "rers_federation_inboxactivity",
    "rers_federation_mirroredobject",
    "rers_federation_outboxactivity",
    "rers_federation_delivery",
    "rers_core_listing",
    "rers_core_event",
)


def row_sizes(database: Database) -> dict[str, dict[str, float]]:
    """Rows and bytes per row (table, indexes and TOAST) of the tables that grow with
    federation, at the end of the run; the search index counted per listing."""
    database.connection.execute("VACUUM ANALYZE")
    found = {}
    for table in (*ROW_TABLES, "rers_listing_search"):
        rows = database.one(f'SELECT count(*) FROM "{table}"')
        size = database.one("SELECT pg_total_relation_size(%s)", (table,))
        heap = database.one(f'SELECT coalesce(avg(pg_column_size(t.*)), 0) FROM "{table}" t')
        found[table] = {
            "rows": rows,
            "bytes": size,
            "per_row": size / max(rows, 1),
            "heap_row": float(heap),
        }
    return found


# --- report -------------------------------------------------------------------------------


def mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def report_load(rows: list[dict[str, Any]], seconds: float, keep_alive: bool) -> dict[str, float]:
    ceiling_rows = [row for row in rows if row["name"].startswith("trivial")]
    ceiling = statistics.mean(row["ok"] / row["seconds"] for row in ceiling_rows)
    print(
        f"\nPortal and API under load: {CONCURRENCY} clients, "
        f"{'kept-alive connections' if keep_alive else 'a new connection per request'}, "
        f"{seconds:.0f} s per endpoint; gunicorn {WEB_WORKERS} workers × {WEB_THREADS} threads"
    )
    print(
        "| endpoint | requests | req/s | vs trivial | p50 | p95 | p99 | other answers | "
        "web CPU / req | DB CPU / req | CPU per worker |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    ratios = {}
    for row in rows:
        rate = row["ok"] / row["seconds"]
        ratios[row["name"]] = rate / ceiling
        values = row["latencies"] or [0.0]
        others = {k: v for k, v in row["statuses"].items() if k not in (200, 202)}
        others.update(row["errors"])
        print(
            f"| {row['name']} | {row['ok']:,} | {rate:.1f} | {rate / ceiling:.0%} | "
            f"{statistics.median(values):.1f} ms | {percentile(values, 95):.1f} ms | "
            f"{percentile(values, 99):.1f} ms | {others or 0} | "
            f"{row['web_cpu'] / max(row['ok'], 1) * 1000:.1f} ms | "
            f"{row['db_cpu'] / max(row['ok'], 1) * 1000:.1f} ms | "
            f"{' / '.join(f'{c:.1f} s' for c in row['per_worker_cpu'])} |"
        )
    client = sum(row["client_cpu"] for row in rows) / sum(row["wall"] for row in rows)
    print(f"ceiling (mean of the two trivial runs): {ceiling:.1f} req/s")
    print(f"load generator's processor use: {client:.2f} cores on average")
    for name in ("portal: listings", "portal: search", "API: listings", "API: search"):
        print(f"{name}: {ratios[name]:.0%} of the trivial endpoint; target ≥ 40%: "
              f"{verdict(ratios[name] >= TARGET_RATIO)}")  # fmt: skip
    return ratios


def report_burst(found: dict[str, Any]) -> None:
    values = found["latencies"] or [0.0]
    accepted = found["statuses"].get(202, 0)
    print(
        f"\nFederation burst: {found['count']:,} signed Create activities from {PEERS} peers "
        f"at once (one sender per peer, a new connection per request); signed beforehand in "
        f"{found['signing_seconds']:.1f} s ({found['resigned']} signed again)"
    )
    print("| activities | seconds | per second | p50 | p95 | max | answers | errors | lost |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(
        f"| {found['count']:,} | {found['wall']:.1f} | {found['count'] / found['wall']:.1f} | "
        f"{statistics.median(values):.0f} ms | {percentile(values, 95):.0f} ms | "
        f"{max(values):.0f} ms | {found['statuses']} | {found['errors'] or 0} | "
        f"{found['lost']} |"
    )
    print(
        f"database: {found['inbox_rows']:,} received activities, {found['mirror_rows']:,} "
        f"mirror records, {found['listings_held']:,} of {found['listings_sent']:,} listings "
        f"and {found['events_held']:,} of {found['events_sent']:,} events; tasks left in "
        f"Celery's queues: {found['queued_tasks']}"
    )
    print(
        f"processor: web {found['web_cpu'] / found['count'] * 1000:.1f} ms and PostgreSQL "
        f"{found['db_cpu'] / found['count'] * 1000:.1f} ms per activity; load generator "
        f"{found['client_cpu']:.1f} s"
    )
    growth = found["database_growth"]
    print(
        f"storage: database +{growth / 1024**2:.1f} MB "
        f"({growth / found['count']:.0f} B per activity); "
        + ", ".join(
            f"{table} +{size / 1024**2:.1f} MB" for table, size in found["table_growth"].items()
        )
    )
    print("| process | RSS before | RSS after | peak RSS seen (every 0.5 s) | VmHWM |")
    print("| --- | --- | --- | --- | --- |")
    for pid, before in found["memory_before"].items():
        after = found["memory_after"][pid]
        role = "master" if pid == found["master"] else f"worker {pid}"
        peak = found["peak_sampled"].get(pid)
        print(
            f"| {role} | {mb(before['VmRSS'])} | {mb(after['VmRSS'])} | "
            f"{mb(peak) if peak else '-'} | {mb(after['VmHWM'])} |"
        )
    clean = (
        accepted == found["count"]
        and not found["errors"]
        and not found["lost"]
        and found["inbox_rows"] == found["count"]
    )
    print(f"target zero errors, zero lost: {verdict(clean)}")


def report_sending(found: dict[str, Any]) -> None:
    print(
        f"\nSending: {found['activities']} activities published to {PEERS} peers, "
        f"{found['deliveries']} deliveries sent by a Celery worker (prefork, 4 processes, "
        "queue delivery) to inboxes answering 202"
    )
    print(
        "| worker's settings | seconds | undelivered | publishing | worker | PostgreSQL | "
        "of which ended server processes |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for run in (found, *([found["reuse"]] if "reuse" in found else [])):
        n = run["deliveries"]
        print(
            f"| {run['settings']} | {run['wall']:.1f} | {run['undelivered']} | "
            f"{run['publish_cpu'] / n * 1000:.1f} ms | {run['worker_cpu'] / n * 1000:.1f} ms | "
            f"{run['db_cpu'] / n * 1000:.1f} ms | {run['db_reaped_cpu'] / n * 1000:.1f} ms |"
        )
    alone = found["in_process"]
    print(
        f"the same in this process, delivery.attempt on one connection: processor per "
        f"delivery {alone['cpu'] / alone['deliveries'] * 1000:.1f} ms (publishing included) + "
        f"{alone['db_cpu'] / alone['deliveries'] * 1000:.1f} ms (PostgreSQL)"
    )
    print("| worker process | RSS before | RSS after | VmHWM |")
    print("| --- | --- | --- | --- |")
    for pid, after in found["memory_after"].items():
        before = found["memory_before"].get(pid, {"VmRSS": 0})
        role = "main" if pid == found["worker"] else f"child {pid}"
        print(f"| {role} | {mb(before['VmRSS'])} | {mb(after['VmRSS'])} | {mb(after['VmHWM'])} |")
    print(
        "storage: "
        + ", ".join(f"{name} +{size / 1024:.0f} kB" for name, size in found["growth"].items())
        + f" for {found['activities']} activities"
    )


def summary(
    facts, world, rows, burst, sending, ratios, loads, profiled, rows_on_disk
) -> dict[str, Any]:
    """The figures bench/scale.py reads."""

    def row(name: str) -> dict[str, Any]:
        found = next(r for r in rows if r["name"] == name)
        n = max(found["ok"], 1)
        return {
            "per_second": found["ok"] / found["seconds"],
            "p50_ms": statistics.median(found["latencies"] or [0.0]),
            "p95_ms": percentile(found["latencies"] or [0.0], 95),
            "web_cpu_ms": found["web_cpu"] / n * 1000,
            "db_cpu_ms": found["db_cpu"] / n * 1000,
            "ratio": ratios[name],
        }

    worker_rss = [burst["memory_after"][pid]["VmRSS"] for pid in burst["peak_sampled"]]
    return {
        "machine": facts,
        "load_average": loads,
        "network": {k: world[k] for k in ("listings", "own_listings", "events")},
        "endpoints": {r["name"]: row(r["name"]) for r in rows},
        "burst": {
            "activities": burst["count"],
            "seconds": burst["wall"],
            "per_second": burst["count"] / burst["wall"],
            "p95_ms": percentile(burst["latencies"] or [0.0], 95),
            "errors": sum(burst["errors"].values())
            + sum(v for k, v in burst["statuses"].items() if k != 202),
            "lost": burst["lost"],
            "web_cpu_ms": burst["web_cpu"] / burst["count"] * 1000,
            "db_cpu_ms": burst["db_cpu"] / burst["count"] * 1000,
            "bytes_per_activity": burst["database_growth"] / burst["count"],
            "worker_rss_mb": [kb / 1024 for kb in worker_rss],
        },
        "profile": [{k: v for k, v in row.items() if k != "explained"} for row in profiled],
        "row_bytes": {table: found["per_row"] for table, found in rows_on_disk.items()},
        "heap_row_bytes": {table: found["heap_row"] for table, found in rows_on_disk.items()},
        "sending": {
            "deliveries": sending["deliveries"],
            "wall_ms": sending["wall"] / sending["deliveries"] * 1000,
            "cpu_ms": sending["cpu"] / sending["deliveries"] * 1000,
            "worker_rss_mb": [
                status["VmRSS"] / 1024 for status in sending["memory_after"].values()
            ],
            "db_cpu_ms": sending["db_cpu"] / sending["deliveries"] * 1000,
            **(
                {
                    "reuse_cpu_ms": reuse["cpu"] / reuse["deliveries"] * 1000,
                    "reuse_db_cpu_ms": reuse["db_cpu"] / reuse["deliveries"] * 1000,
                }
                if (reuse := sending.get("reuse"))
                else {}
            ),
            "in_process_cpu_ms": sending["in_process"]["cpu"]
            / sending["in_process"]["deliveries"]
            * 1000,
            "in_process_db_cpu_ms": sending["in_process"]["db_cpu"]
            / sending["in_process"]["deliveries"]
            * 1000,
            "outbox_bytes_per_activity": sending["growth"]["rers_federation_outboxactivity"]
            / sending["activities"],
            "bytes_per_delivery": sending["growth"]["rers_federation_delivery"]
            / sending["deliveries"],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="Short runs (about a minute).")
    parser.add_argument("--keep", action="store_true", help="Keep the database and the logs.")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=None,
        help="Seconds to wait at most for a 1-minute load average under 1.0 before measuring "
        "(default 600, 0 with --quick).",
    )
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="Load clients keep their connection (default: a new connection per request).",
    )
    parser.add_argument(
        "--listings-only",
        action="store_true",
        help="Only the trivial endpoint and the listings' four (portal and API, list and "
        "search): no calendar, federation, burst or sending.",
    )
    parser.add_argument(
        "--cache",
        choices=["redis", "locmem"],
        default="redis",
        help="Django's cache: in Redis, shared by the web workers (default), or each "
        "process its own.",
    )
    parser.add_argument(
        "--no-listings-cache",
        action="store_true",
        help="Turn the cache of listing pages off (LISTINGS_CACHE_SECONDS=0): every page "
        "computed, as the first request of each address.",
    )
    args = parser.parse_args()
    if args.listings_only and args.json:
        parser.error("--json needs the whole run (bench/scale.py reads the burst and sending).")
    # Stopped with SIGTERM (or SIGINT in the background): clean up as on Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sizes = SIZES["quick" if args.quick else "full"]
    wait = args.wait_quiet if args.wait_quiet is not None else (0 if args.quick else 600)
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=3).close()
    except (redis.RedisError, psycopg.Error) as exc:
        raise SystemExit(f"PostgreSQL and Redis must be reachable: {exc}") from exc
    facts = machine_facts()
    print(f"machine: {facts}; load average {load_average()} at the start", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="rers-bench-load-"))
    port = free_port()
    env = instance_env(port, workdir, args.cache, not args.no_listings_cache)
    web = database = None
    began = time.perf_counter()
    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        create_database()
        setup_django(env)
        print(f"[{time.perf_counter() - began:.0f} s] database migrated", flush=True)
        world = seed(port)
        print(
            f"network: {world['own_listings']:,} own listings and "
            f"{world['listings'] - world['own_listings']:,} "
            f"mirrored ({world['indexed']:,} indexed), {world['events']} events, {PEERS} peers; "
            f"built in {world['seconds']:.0f} s",
            flush=True,
        )
        from django.db import connections

        connections.close_all()
        web = start_web(env, port, workdir)
        print(f"[{time.perf_counter() - began:.0f} s] gunicorn answering", flush=True)
        database = Database()
        meter = Meter(web, database)
        if wait:
            quiet, waited = wait_for_quiet(wait)
            print(
                f"waited {waited:.0f} s for a quiet machine: load average {load_average()}"
                + ("" if quiet else " (never under 1.0: measured anyway)"),
                flush=True,
            )
        loads = {"start": load_average()}
        print(f"load average {loads['start']} before measuring", flush=True)
        targets = endpoints(world, Activities(world, port, "load"))
        if args.listings_only:
            targets = [t for t in targets if t.name in LISTINGS_ONLY]
        # In this process: the pages on the data their rows of the load table read (the
        # inbox adds listings), the federation's endpoints after the load table.
        federation = [t for t in targets if t.activities is not None]
        pages = [t for t in targets if t not in federation]
        profiled = (
            profile_requests(world, pages, sizes["profile"], port) if sizes["profile"] else []
        )
        print(f"[{time.perf_counter() - began:.0f} s] pages profiled", flush=True)
        rows = measure_load(port, targets, meter, sizes, args.keep_alive)
        if sizes["profile"] and federation:
            profiled += profile_requests(world, federation, sizes["profile"], port)
        loads["after_load"] = load_average()
        print(f"[{time.perf_counter() - began:.0f} s] load table done", flush=True)
        burst = sending = rows_on_disk = None
        if not args.listings_only:
            burst = measure_burst(port, world, meter, database, sizes["burst"])
            loads["after_burst"] = load_average()
            print(f"[{time.perf_counter() - began:.0f} s] burst done", flush=True)
            sending = measure_sending(
                world, database, env, workdir, sizes["deliveries"], reuse=sizes["reuse"]
            )
            print(f"[{time.perf_counter() - began:.0f} s] sending done", flush=True)
            rows_on_disk = row_sizes(database)
        loads["end"] = load_average()
    except BaseException:
        print(f"stopped by an error; the instance's logs are in {workdir}", file=sys.stderr)
        raise
    finally:
        stop_group(web)
        if database is not None:
            database.close()
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not args.keep:
            drop_database()
        redis.Redis.from_url(REDIS_URL).flushdb()
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"load average {loads['start']} before measuring, {loads['end']} at the end")
    print(
        f"Django's cache: {args.cache}; cache of listing pages "
        f"{'off' if args.no_listings_cache else 'as configured (RERS_CORE)'}"
    )
    ratios = report_load(rows, sizes["seconds"], args.keep_alive)
    if profiled:
        report_profile(profiled, sizes["profile"])
    if args.listings_only:
        print(f"\nwhole run: {time.perf_counter() - began:.0f} s")
        return
    report_burst(burst)
    report_sending(sending)
    print("\nOn disk at the end: " + "; ".join(
        f"{table} {found['rows']:,} rows, {found['per_row']:.0f} B each "
        f"({found['heap_row']:.0f} B of row)"
        for table, found in rows_on_disk.items()
    ))  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                summary(facts, world, rows, burst, sending, ratios, loads, profiled, rows_on_disk),
                indent=2,
            )
        )
        print(f"\nfigures written to {args.json}")
    kept = f"; logs in {workdir}" if args.keep else ""
    print(f"\nwhole run: {time.perf_counter() - began:.0f} s{kept}")


if __name__ == "__main__":
    main()

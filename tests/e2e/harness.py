"""Real rers instances for the end-to-end tests: each with its own PostgreSQL database,
web server (gunicorn), Celery worker and Celery beat, all on loopback, sharing one Redis
(a database number each, so their queues stay apart). They run the production settings
and speak HTTPS, with a certificate of a certificate authority made for the session.
The fault tests give an instance a Redis of its own and a relay to PostgreSQL, which
they stop and start again without touching the services others use.

Every process runs in its own process group, so stopping it also stops its children;
logs go to files in the instance's directory, shown when a test fails.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
POSTGRES = os.environ.get("RERS_E2E_POSTGRES", f"postgres://postgres@{HOST}:5432")
REDIS = os.environ.get("RERS_E2E_REDIS", f"redis://{HOST}:6379")
# Redis database numbers: instance i uses REDIS_FIRST_DB + i.
REDIS_FIRST_DB = int(os.environ.get("RERS_E2E_REDIS_FIRST_DB", "10"))
# Short federation timings, so that retries, sweeps and pulls happen within a test.
TIMINGS = {
    "FEDERATION_SWEEP_SECONDS": "2",
    "FEDERATION_PULL_SECONDS": "3",
    "FEDERATION_SENDING_TIMEOUT_SECONDS": "5",
    "FEDERATION_RETRY_BASE_SECONDS": "1",
}
# Variables of the machine that would change what the instances read.
NOT_INHERITED = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "RERS_DATA_DIR")
T = TypeVar("T")


@dataclass(frozen=True)
class Town:
    slug: str
    name: str
    city: str
    postcode: str
    latitude: str
    longitude: str


# Neighbouring towns of Calvados, a few kilometres apart: a, b and c for the session's
# instances, d and e for the fault tests' own.
TOWNS = {
    "a": Town("caen", "RERS de Caen", "Caen", "14000", "49.182863", "-0.370679"),
    "b": Town("herouville", "RERS d'Hérouville", "Hérouville", "14200", "49.204400", "-0.325300"),
    "c": Town("ifs", "RERS d'Ifs", "Ifs", "14123", "49.138900", "-0.351500"),
    "d": Town("mondeville", "RERS de Mondeville", "Mondeville", "14120", "49.174700", "-0.322200"),
    "e": Town(
        "colombelles", "RERS de Colombelles", "Colombelles", "14460", "49.203600", "-0.297500"
    ),
}


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    display_name: str
    role: str


class ProcessFailed(RuntimeError):
    pass


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Certificates:
    authority: Path  # what clients trust
    certificate: Path  # what the web servers present, for 127.0.0.1
    key: Path


def make_certificates(directory: Path) -> Certificates:
    """A certificate authority of our own and a server certificate for 127.0.0.1."""
    now = datetime.datetime.now(datetime.UTC)

    def build(subject: str, key, issuer: str, signer, *, authority: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=authority, path_length=None), critical=True)
        )
        if not authority:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False,
            )
        return builder.sign(signer, hashes.SHA256())

    authority_key = ec.generate_private_key(ec.SECP256R1())
    server_key = ec.generate_private_key(ec.SECP256R1())
    authority = build("rers e2e CA", authority_key, "rers e2e CA", authority_key, authority=True)
    server = build(HOST, server_key, "rers e2e CA", authority_key, authority=False)
    found = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    found.authority.write_bytes(authority.public_bytes(serialization.Encoding.PEM))
    found.certificate.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    found.key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return found


def services_reachable() -> str | None:
    """Why the end-to-end tests cannot run here, or None when PostgreSQL and Redis answer."""
    try:
        psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {POSTGRES}: {exc}"
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {REDIS}: {exc}"
    return None


def eventually(check: Callable[[], T], *, timeout: float = 20.0, interval: float = 0.3) -> T:
    """Call ``check`` until it stops raising AssertionError (returns its result), or raise
    its last AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        time.sleep(interval)


class Instance:
    """One rers instance hosting one network, run as separate OS processes.

    ``broker`` (a Redis URL) and ``postgres`` (the server's URL, without database) replace
    the shared Redis database and the PostgreSQL server its processes use; the test itself
    still reaches the database directly (``prepare``, ``query``).
    """

    PROCESSES = ("web", "worker", "beat")

    def __init__(
        self,
        name: str,
        *,
        index: int,
        workdir: Path,
        certificates: Certificates,
        broker: str | None = None,
        postgres: str = POSTGRES,
    ) -> None:
        self.name = name
        self.town = TOWNS[name]
        self.certificates = certificates
        self.port = free_port()
        self.url = f"https://{HOST}:{self.port}"
        self.database = f"rers_e2e_{name}"
        self.broker = broker or f"{REDIS}/{REDIS_FIRST_DB + index}"
        self.dir = workdir / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.coordinator = Account(
            f"coordination@{self.town.slug}.e2e.test",
            secrets.token_urlsafe(16),
            f"Coordination {self.town.city}",
            "coordinator",
        )
        self.member = Account(
            f"membre@{self.town.slug}.e2e.test",
            secrets.token_urlsafe(16),
            f"Membre {self.town.city}",
            "member",
        )
        self.env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "deployments.site.settings.prod",
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "ALLOWED_HOSTS": HOST,
                # Outgoing requests to the other instances trust our authority.
                "REQUESTS_CA_BUNDLE": str(certificates.authority),
                # The instances are peers at 127.0.0.1, which production refuses to reach.
                "FEDERATION_ALLOW_LOCAL_PEERS": "true",
                "DATABASE_URL": f"{postgres}/{self.database}",
                "CELERY_BROKER_URL": self.broker,
                "SITE_URL": self.url,
                "RERS_DATA_DIR": str(self.dir / "data"),
                "LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
                **TIMINGS,
            }
        )
        self.processes: dict[str, subprocess.Popen] = {}

    def __repr__(self) -> str:
        return f"<Instance {self.name} {self.url}>"

    # --- addresses ----------------------------------------------------------------------

    @property
    def slug(self) -> str:
        return self.town.slug

    @property
    def network_name(self) -> str:
        return self.town.name

    @property
    def document_url(self) -> str:
        """The network document's address, which a coordinator gives to a neighbour."""
        return f"{self.url}/federation/{self.slug}/"

    def api(self, path: str) -> str:
        return f"{self.url}/api/v1/networks/{self.slug}/{path}"

    # --- setting up -----------------------------------------------------------------------

    def prepare(self) -> None:
        """A fresh database with the network and its two people, and an empty queue."""
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{self.database}"')
        redis.Redis.from_url(self.broker).flushdb()
        self.rers("migrate", "--noinput", "-v0")
        town = self.town
        self.rers(
            "create-network", town.slug, "--name", town.name, "--city", town.city,
            "--postcode", town.postcode, "--lat", town.latitude, "--lon", town.longitude,
            "--email", f"contact@{town.slug}.e2e.test",
        )  # fmt: skip
        for account in (self.coordinator, self.member):
            self.enrol(account)

    def enrol(self, account: Account) -> None:
        """Make the person a member of the network, with a password, as an administrator
        does with the ``rers`` command."""
        # Without a terminal, the password prompt reads standard input.
        self.rers(
            "add-member", "--network", self.slug, "--email", account.email,
            "--role", account.role, "--name", account.display_name, "--password-prompt",
            input=f"{account.password}\n{account.password}\n",
        )  # fmt: skip

    def rers(self, *args: str, input: str | None = None, timeout: float = 120) -> str:
        """Run the ``rers`` command in this instance's environment; its output."""
        done = subprocess.run(
            [str(BIN / "rers"), *args],
            cwd=REPO,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            start_new_session=True,
        )
        if done.returncode != 0:
            raise ProcessFailed(
                f"{self.name}: rers {' '.join(args[:2])} exited {done.returncode}:\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def python(self, script: Path, *args: str, timeout: float = 120) -> str:
        """Run a Python script in this instance's environment (Django set up by it)."""
        done = subprocess.run(
            [sys.executable, str(script), *args],
            cwd=REPO,
            env={**self.env, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise ProcessFailed(
                f"{self.name}: {script.name} exited {done.returncode}:\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read this instance's database directly (to see what no page shows)."""
        with psycopg.connect(f"{POSTGRES}/{self.database}", autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def deliveries(self, since: datetime.datetime) -> dict[str, int]:
        """How many deliveries of activities published since ``since`` are in each status."""
        return dict(
            self.query(
                "SELECT d.status, count(*) FROM rers_federation_delivery d "
                "JOIN rers_federation_outboxactivity o ON o.id = d.activity_id "
                "WHERE o.created_at >= %s GROUP BY d.status",
                (since,),
            )
        )

    def tables_holding(self, text: str) -> list[str]:
        """The tables of this instance's database with a row whose text (any column, JSON
        included) holds ``text``, ignoring case."""
        public = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        tables = [table for (table,) in self.query(public)]
        any_row = " UNION ALL ".join(
            f"SELECT '{table}' WHERE EXISTS (SELECT FROM \"{table}\" r WHERE r::text ILIKE %s)"
            for table in tables
        )
        return [t for (t,) in self.query(any_row, (f"%{text}%",) * len(tables))]

    # --- processes --------------------------------------------------------------------------

    def _commands(self) -> dict[str, list[str]]:
        celery = [str(BIN / "celery"), "-A", "deployments.site"]
        return {
            "web": [
                str(BIN / "gunicorn"), "deployments.site.wsgi:application",
                "--bind", f"{HOST}:{self.port}", "--workers", "1", "--threads", "4",
                "--timeout", "30", "--graceful-timeout", "5", "--no-control-socket",
                "--certfile", str(self.certificates.certificate),
                "--keyfile", str(self.certificates.key),
                "--access-logfile", "-", "--error-logfile", "-",
            ],
            "worker": [
                *celery, "worker", "--pool", "threads", "--concurrency", "2",
                "--hostname", f"{self.name}@e2e", "--without-gossip", "--without-mingle",
                "--without-heartbeat", "--loglevel", "INFO",
            ],
            "beat": [
                *celery, "beat", "--schedule", str(self.dir / "beat-schedule"),
                "--pidfile", str(self.dir / "beat.pid"), "--loglevel", "INFO",
            ],
        }  # fmt: skip

    def log(self, process: str) -> Path:
        return self.dir / f"{process}.log"

    def _spawn(self, process: str) -> int:
        """Start one process in its own group; the size of its log before it started."""
        running = self.processes.get(process)
        if running is not None and running.poll() is None:
            raise RuntimeError(f"{self.name}: the {process} is already running")
        log = self.log(process)
        offset = log.stat().st_size if log.exists() else 0
        with log.open("ab") as out:
            out.write(f"\n==== {process} starting at {time.strftime('%H:%M:%S')}\n".encode())
            out.flush()
            self.processes[process] = subprocess.Popen(
                self._commands()[process],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return offset

    def _wait(self, process: str, ready: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[process].poll() is not None:
                raise ProcessFailed(
                    f"{self.name}: the {process} exited with "
                    f"{self.processes[process].returncode}:\n{self.tail(process)}"
                )
            if ready():
                return
            time.sleep(0.2)
        raise ProcessFailed(f"{self.name}: the {process} was not ready in {timeout} s")

    def _web_ready(self) -> bool:
        try:
            reply = requests.get(
                f"{self.url}/.well-known/rers", timeout=2, verify=self.certificates.authority
            )
            return reply.status_code == 200
        except requests.RequestException:
            return False

    def _logged_since(self, process: str, offset: int, text: str) -> bool:
        with self.log(process).open("rb") as log:
            log.seek(offset)
            return text.encode() in log.read()

    def _ready(self, process: str, offset: int) -> Callable[[], bool]:
        if process == "web":
            return self._web_ready
        text = " ready." if process == "worker" else "beat: Starting"
        return lambda: self._logged_since(process, offset, text)

    def _start(self, *processes: str) -> None:
        """Start the processes together, then wait until each is ready."""
        offsets = {process: self._spawn(process) for process in processes}
        for process, offset in offsets.items():
            self._wait(process, self._ready(process, offset))

    def start_web(self) -> None:
        self._start("web")

    def start_worker(self) -> None:
        self._start("worker")

    def start(self) -> None:
        self._start(*self.PROCESSES)

    def start_stopped(self) -> None:
        """Start again those of its processes that are not running."""
        running = {p for p, process in self.processes.items() if process.poll() is None}
        self._start(*(p for p in self.PROCESSES if p not in running))

    def _signal(self, process: str, signum: int, timeout: float = 15) -> None:
        running = self.processes.pop(process, None)
        if running is None or running.poll() is not None:
            return
        try:
            os.killpg(running.pid, signum)
            running.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(running.pid, signal.SIGKILL)
            running.wait(timeout)
        except ProcessLookupError:
            pass

    def stop_web(self) -> None:
        self._signal("web", signal.SIGTERM)

    def stop_worker(self) -> None:
        """A warm shutdown: the worker finishes what it is doing."""
        self._signal("worker", signal.SIGTERM)

    def kill_worker(self) -> None:
        """As a crash would: SIGKILL, whatever it was doing."""
        self._signal("worker", signal.SIGKILL)

    def stop_beat(self) -> None:
        self._signal("beat", signal.SIGTERM)

    def stop(self) -> None:
        for process in reversed(self.PROCESSES):
            self._signal(process, signal.SIGTERM)

    def tail(self, process: str, lines: int = 40) -> str:
        log = self.log(process)
        if not log.exists():
            return "(no log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def tails(self, lines: int = 40) -> str:
        return "\n".join(
            f"---- {self.name} {process} ({self.log(process)})\n{self.tail(process, lines)}"
            for process in self.PROCESSES
        )


class RedisServer:
    """A Redis of one test's own, on a loopback port, keeping nothing on disk: killed and
    started again, it comes back empty, its queues lost, as a crashed Redis would."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        with (self.dir / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--bind", HOST, "--port", str(self.port), "--save", "",
                 "--appendonly", "no", "--dir", str(self.dir)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

        def answers() -> None:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
            except redis.ConnectionError as exc:
                raise AssertionError(f"Redis does not answer on {self.url}") from exc

        eventually(answers, timeout=10, interval=0.1)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()


class TcpProxy:
    """A relay on a loopback port to the server of ``url`` (scheme://[user@]host:port),
    which a test cuts (connections refused, open ones broken) and restores, as a server
    that goes away and comes back; ``self.url`` is ``url`` through the relay."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.upstream = (parts.hostname or HOST, parts.port)
        self.port = free_port()
        user, at, _ = parts.netloc.rpartition("@")
        self.url = urlunsplit(parts._replace(netloc=f"{user}{at}{HOST}:{self.port}"))
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def open(self) -> None:
        if self._listener is not None:
            return
        self._listener = socket.create_server((HOST, self.port))
        self._listener.settimeout(0.1)  # to notice a close() soon
        self._accepting = threading.Thread(target=self._accept, args=(self._listener,), daemon=True)
        self._accepting.start()

    def close(self) -> None:
        """Refuse new connections and break the open ones."""
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._accepting.join()
        listener.close()
        with self._lock:
            for connection in self._connections:
                self._shut(connection)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            server.settimeout(None)
            with self._lock:
                self._connections.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass  # broken by close(), or by the other side
        with self._lock:
            for connection in (source, target):
                self._shut(connection)
                self._connections.discard(connection)

    @staticmethod
    def _shut(connection: socket.socket) -> None:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed
        connection.close()

    def __enter__(self) -> TcpProxy:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

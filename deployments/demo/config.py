"""The demo's three instances: where each one listens, keeps its data and queues its tasks,
and the environment its processes run in."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from rers_core.demo.towns import DEMO_ACCOUNTS, NEIGHBOURS, PASSWORD, TOWNS

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROCFILE = Path(__file__).with_name("Procfile")
DEFAULT_DIR = REPO / "var" / "demo"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORTS = (8001, 8002, 8003)
# Host addresses meaning every interface (the person's choice; loopback is one of them).
EVERY_INTERFACE = ("0.0.0.0", "::")  # noqa: S104
# Variables of the calling shell that would change what the instances read.
NOT_INHERITED = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "RERS_DATA_DIR",
    "SITE_URL",
    "FEDERATION_BASE_URL",
    "ALLOWED_HOSTS",
    "MEDIA_ROOT",
    "STATIC_ROOT",
)
# federate.py's exit status when the demo cannot go on (it stops the launcher first).
FATAL = 3
# Quick federation, so that what one network shares shows at its neighbours within seconds.
TIMINGS = {
    "FEDERATION_SWEEP_SECONDS": "10",
    "FEDERATION_PULL_SECONDS": "60",
    "FEDERATION_RETRY_BASE_SECONDS": "5",
    "FEDERATION_SENDING_TIMEOUT_SECONDS": "60",
}
# Several processes write to each SQLite file: wait for the lock rather than fail, take it
# when a transaction starts (no deadlock upgrading a read), let readers read meanwhile.
SQLITE_OPTIONS = {
    "timeout": "30",
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL",
}


def say(text: str) -> None:
    print(text, flush=True)


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    """What the person chose; kept in the demo folder, since data made for some addresses
    cannot simply move to others (peers know each other by address)."""

    host: str
    ports: tuple[int, int, int]
    broker: str  # "" for Kombu's filesystem transport, or a Redis address

    def save(self, directory: Path) -> None:
        (directory / "demo.json").write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> Settings | None:
        try:
            saved = json.loads((directory / "demo.json").read_text())
            return cls(saved["host"], tuple(saved["ports"]), saved["broker"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{directory / 'demo.json'} is not readable: {exc}") from exc

    @property
    def reach_host(self) -> str:
        """The host people and the other instances reach (listening on every interface
        includes loopback)."""
        return "127.0.0.1" if self.host in EVERY_INTERFACE else self.host

    def same_place(self, other: Settings) -> bool:
        return (self.reach_host, self.ports, self.broker) == (
            other.reach_host,
            other.ports,
            other.broker,
        )


def broker_from_environment() -> str:
    """The Redis of CELERY_BROKER_URL, if it names one; "" for the filesystem transport."""
    url = os.environ.get("CELERY_BROKER_URL", "").strip()
    if not url or url.startswith("filesystem://"):
        return ""
    if not url.startswith(("redis://", "rediss://")):
        raise ConfigError(
            "The demo runs without a broker server, or on Redis: unset CELERY_BROKER_URL "
            f"or make it a redis:// address (it is {url!r})."
        )
    return url


@dataclass(frozen=True)
class Instance:
    """One of the three instances, hosting one network."""

    slug: str
    index: int
    settings: Settings
    directory: Path  # the demo folder; this instance's data is in a subfolder

    @property
    def name(self) -> str:
        return TOWNS[self.slug].name

    @property
    def port(self) -> int:
        return self.settings.ports[self.index]

    @property
    def bind(self) -> str:
        host = self.settings.host
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """Where people and the other instances reach it."""
        host = self.settings.reach_host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def portal(self) -> str:
        return f"{self.url}/{self.slug}/"

    @property
    def data(self) -> Path:
        return self.directory / self.slug

    def accounts(self) -> list[tuple[str, str]]:
        return [(TOWNS[self.slug].email(key), role) for key, role in DEMO_ACCOUNTS]

    def _broker_url(self) -> str:
        if not self.settings.broker:
            return "filesystem://localhost/"
        # A Redis database of its own for each instance keeps their queues apart.
        parts = urlsplit(self.settings.broker)
        first = int(parts.path.strip("/") or 0)
        return urlunsplit(parts._replace(path=f"/{first + self.index}"))

    def env(self, *, eager: bool = False) -> dict[str, str]:
        """The environment of this instance's processes; ``eager`` runs Celery tasks in the
        calling process instead (no worker needed)."""
        env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        database = self.data / "rers.sqlite3"
        host = self.settings.host
        hosts = "*" if host in EVERY_INTERFACE else f"localhost,127.0.0.1,[::1],{host}"
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "deployments.site.settings.dev",
                "RERS_DATA_DIR": str(self.data),
                "DATABASE_URL": f"sqlite:///{quote(str(database))}?{urlencode(SQLITE_OPTIONS)}",
                "SITE_URL": self.url,
                # One host, three instances: browsers would share one session cookie.
                "SESSION_COOKIE_NAME": f"sessionid_{self.slug}",
                "CSRF_COOKIE_NAME": f"csrftoken_{self.slug}",
                "ALLOWED_HOSTS": hosts,
                "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
                "PYTHONUNBUFFERED": "1",
                "DEMO_BIND": self.bind,
                "DEMO_NAME": self.slug,
                # The three instances federate over http:// on this machine or its network,
                # which production refuses.
                "FEDERATION_ALLOW_LOCAL_PEERS": "true",
                **TIMINGS,
            }
        )
        if not eager:
            env["CELERY_BROKER_URL"] = self._broker_url()
        return env


def instances(settings: Settings, directory: Path) -> list[Instance]:
    return [Instance(slug, index, settings, directory) for index, slug in enumerate(NEIGHBOURS)]


def banner(running: list[Instance], *, log: str) -> str:
    """What the person needs to start: the three portals and their accounts."""
    lines = ["", "The demo is ready: three neighbouring networks, federated with each other.", ""]
    for instance in running:
        lines.append(f"  {instance.name:<24} {instance.portal}")
        for email, role in instance.accounts():
            lines.append(f"    {email:<44} {role}")
        lines.append("")
    lines += [
        f"Every account's password is “{PASSWORD}”; the other people are fictional.",
        f"Administration: /admin/ on each portal. Logs of the nine processes: {log}",
        "Ctrl-C stops everything; `make demo` again reuses the data, `make demo-reset` "
        "starts afresh.",
        "",
    ]
    return "\n".join(lines)

"""``make demo`` as a newcomer runs it: the launcher starts three federated networks (nine
processes, SQLite and the filesystem broker: no PostgreSQL, no Redis), prints where they
are, and stops them all on Ctrl-C; run again, it reuses their data.

The launcher runs on free loopback ports with its data in a temporary folder, so a demo the
developer left in var/demo/ is neither used nor touched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from rers_core.demo.towns import (
    CROSS_ASKS,
    CROSS_VISITS,
    DEMO_ACCOUNTS,
    NEIGHBOURS,
    PASSWORD,
)
from rers_core.demo.towns import TOWNS as DEMO_TOWNS
from tests.e2e.harness import HOST, NOT_INHERITED, REPO, eventually, free_port

pytestmark = pytest.mark.e2e(services=False)

# What the demo seeds (rers_core/demo/towns.py), by network: its name.
TOWNS = {slug: DEMO_TOWNS[slug].name for slug in NEIGHBOURS}
SHARED_EVENT = CROSS_VISITS[0].event  # Le Havre's, open to neighbours
READY = "Ready in "
# A first run migrates and seeds three databases on a small machine: generous, but bounded.
STARTUP_SECONDS = 240


class Demo:
    """The launcher, as ``make demo`` runs it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.data = workdir / "demo"
        self.ports = [free_port() for _ in TOWNS]
        self.output = workdir / "launcher.out"
        self.process: subprocess.Popen | None = None

    def url(self, slug: str) -> str:
        return f"http://{HOST}:{self.ports[list(TOWNS).index(slug)]}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        with self.output.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "deployments.demo", "--dir", str(self.data)]
                + ["--ports", ",".join(map(str, self.ports)), "--timeout", "120"],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def printed(self) -> str:
        return self.output.read_text(errors="replace")

    def logs(self) -> str:
        found = [self.data / "demo.log", *sorted(self.data.glob("*/*.log"))]
        return "\n".join(
            f"---- {log}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            for log in found
            if log.exists()
        )

    def wait_ready(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while READY not in self.printed():
            assert self.process.poll() is None, (
                f"The launcher exited {self.process.returncode}:\n{self.printed()}\n{self.logs()}"
            )
            assert time.monotonic() < deadline, (
                f"Not ready in {STARTUP_SECONDS} s:\n{self.printed()}\n{self.logs()}"
            )
            time.sleep(0.5)
        return self.printed()

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the launcher, as the terminal sends it."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def leftovers(self) -> list[str]:
        """Processes still running with this demo's data folder in their environment."""
        marker = f"RERS_DATA_DIR={self.data}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue  # gone meanwhile, or not ours to read
            if any(v.startswith(marker) for v in environ.split(b"\0")):
                found.append(f"{entry.name}: {command}")
        return found


class Visitor:
    """Someone with a demo account, using the API of one portal."""

    def __init__(self, demo: Demo, slug: str, email: str) -> None:
        self.base = demo.url(slug)
        self.slug = slug
        self.http = requests.Session()
        self.http.trust_env = False
        token = self.http.post(
            f"{self.base}/api/v1/auth/token/",
            json={"username": email, "password": PASSWORD},
            timeout=15,
        )
        assert token.status_code == 200, token.text
        self.http.headers["Authorization"] = f"Token {token.json()['token']}"

    def all(self, path: str) -> list[dict]:
        page = self.http.get(
            f"{self.base}/api/v1/networks/{self.slug}/{path}?page_size=200", timeout=15
        )
        assert page.status_code == 200, page.text
        return page.json()["results"]


def cross_network(connections: list[dict], neighbour: str) -> list[dict]:
    return [c for c in connections if neighbour in json.dumps(c.get("remote_network"))]


def check_the_three_networks(demo: Demo, printed: str) -> None:
    for slug, name in TOWNS.items():
        assert f"{demo.url(slug)}/{slug}/" in printed
        for account, _role in DEMO_ACCOUNTS:
            assert f"{account}@{slug}.demo.rers.test" in printed
        page = requests.get(f"{demo.url(slug)}/{slug}/", timeout=15)
        assert page.status_code == 200 and name in page.text.replace("&#x27;", "'")

    # Le Havre's shared event is on its neighbours' calendars: the public page and the API.
    for slug in ("montivilliers", "harfleur"):
        calendar = requests.get(f"{demo.url(slug)}/{slug}/calendar/", timeout=15)
        assert SHARED_EVENT in calendar.text
    events = Visitor(demo, "harfleur", "membre@harfleur.demo.rers.test").all("events/")
    assert [e for e in events if e["title"] == SHARED_EVENT]

    # Montivilliers' member asked for an offer of Le Havre, whose author accepted it there.
    asker = Visitor(demo, "montivilliers", "membre@montivilliers.demo.rers.test")
    (asked,) = cross_network(asker.all("connections/"), TOWNS["le-havre"])
    assert (asked["status"], asked["remote_side"]) == ("accepted", "offerer")
    facilitator = Visitor(demo, "le-havre", "animatrice@le-havre.demo.rers.test")
    (held,) = cross_network(facilitator.all("connections/"), TOWNS["montivilliers"])
    assert (held["status"], held["remote_side"]) == ("accepted", "requester")
    ask = CROSS_ASKS[0]  # Montivilliers' member asks for an offer of Le Havre
    title = DEMO_TOWNS[ask.offer_town].listing(ask.offer)[5]
    assert held["offer"]["title"] == asked["remote_listing_title"] == title


def test_make_demo_runs_three_federated_networks_and_stops_on_ctrl_c_twice(tmp_path):
    demo = Demo(tmp_path)
    for run in ("first", "second"):
        demo.start()
        try:
            printed = demo.wait_ready()
            assert "Warning" not in printed, f"{printed}\n{demo.logs()}"
            check_the_three_networks(demo, printed)
        finally:
            status = demo.interrupt()
        assert status == 0, f"The {run} run ended with {status}:\n{demo.printed()}"
        assert "Stopped" in demo.printed()
        # honcho waits for its processes; their shells may take a moment to be reaped.
        eventually(lambda: _none_left(demo), timeout=15)


def _none_left(demo: Demo) -> None:
    left = demo.leftovers()
    assert not left, "Still running after Ctrl-C:\n" + "\n".join(left)

"""End to end: the services an instance relies on fail, then come back. Redis restarted
(its queues lost) or PostgreSQL out of reach for a while: every offer published still
reaches the neighbour exactly once, people are asked to come back in a few minutes rather
than shown an error, and the processes carry on without being restarted.

Two instances of their own, D publishing and E receiving, so that the session's three
are not disturbed. D's Celery uses a redis-server of this module, which the test kills
and starts again, and D reaches PostgreSQL through a relay in this process, which the
test cuts and restores: the machine's Redis and PostgreSQL, which others use, are never
touched.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from tests.e2e.client import Person, assert_active_peer, peer
from tests.e2e.conftest import running
from tests.e2e.harness import (
    POSTGRES,
    Instance,
    RedisServer,
    TcpProxy,
    eventually,
    make_certificates,
)

pytestmark = pytest.mark.e2e

# What a browser asks for, in French.
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "fr",
}
HELD_TASK = "held-by-the-worker"
HOLD_A_TASK = (
    "from rers_federation.tasks import deliver; "
    f"deliver.apply_async((0,), countdown=3600, task_id={HELD_TASK!r})"
)


@dataclass
class Faults:
    d: Person  # D's coordinator, who publishes
    e: Person  # E's coordinator, who reads
    redis: RedisServer  # D's broker
    postgres: TcpProxy  # D's way to PostgreSQL
    published: list[str] = field(default_factory=list)  # D's offers, all of which E must list

    def offer(self, title: str) -> None:
        self.d.offer(title, visibility="federated")
        self.published.append(title)


@pytest.fixture(scope="module")
def faults(tmp_path_factory) -> Iterator[Faults]:
    workdir = tmp_path_factory.mktemp("faults")
    certificates = make_certificates(workdir)
    with RedisServer(workdir / "redis") as redis, TcpProxy(POSTGRES) as postgres:
        d = Instance(
            "d",
            index=3,
            workdir=workdir,
            certificates=certificates,
            broker=redis.url,
            postgres=postgres.url,
        )
        e = Instance("e", index=4, workdir=workdir, certificates=certificates)
        with running(d, e):
            people = [Person(instance, instance.coordinator).log_in() for instance in (d, e)]
            peer(*people)
            eventually(lambda: assert_active_peer(*people))
            yield Faults(*people, redis, postgres)


def e_lists_exactly_what_d_published(faults: Faults) -> None:
    origin = faults.d.instance.network_name
    held = Counter(
        listing["title"]
        for listing in faults.e.listings(scope="neighbours")
        if listing["origin_name"] == origin
    )
    expected = Counter(faults.published)
    assert held == expected, f"E lacks {expected - held}, has extra {held - expected}"


def all_delivered(instance: Instance, since: datetime) -> None:
    statuses = instance.deliveries(since)
    assert set(statuses) == {"delivered"}, statuses


def logged(instance: Instance, process: str, text: str) -> int:
    """How many times ``text`` is in the process's log."""
    return instance.log(process).read_text(errors="replace").count(text)


def test_a_redis_restart_loses_no_delivery(faults):
    d = faults.d.instance
    (since,) = d.query("SELECT now()")[0]
    connections = logged(d, "worker", "Connected to ")
    titles = [f"Atelier vélo n°{n}" for n in range(1, 25)]
    start = len(faults.published)

    def published_some():
        assert len(faults.published) >= start + 6

    # A task waiting for its time, as a retry does, stays unacknowledged in the worker: as
    # in any busy instance, the worker holds messages when Redis goes, which used to stop
    # it for good (deployments/site/broker.py). Delivery 0 does not exist: the task itself
    # would do nothing.
    d.rers("shell", "-c", HOLD_A_TASK)
    eventually(lambda: logged(d, "worker", f"[{HELD_TASK}] received") == 1)
    try:
        with ThreadPoolExecutor(1) as pool:
            publishing = pool.submit(lambda: [faults.offer(title) for title in titles])
            eventually(published_some, interval=0.05)
            # A crash: without persistence, every queued and unacknowledged task is lost.
            faults.redis.kill()
            killed_at = len(faults.published)
            time.sleep(3)  # D's coordinator goes on publishing, without a broker
            faults.redis.start()
            restarted_at = len(faults.published)
            publishing.result()  # every offer was accepted (201), Redis down or not
    finally:
        faults.redis.start()
    assert restarted_at > killed_at, "Nothing was published while Redis was down"

    eventually(lambda: e_lists_exactly_what_d_published(faults), timeout=60)
    # Sent by D's deliveries (the sweep finds those whose task Redis lost), not only
    # pulled by E from D's log.
    eventually(lambda: all_delivered(d, since), timeout=30)
    # The worker and beat reconnected by themselves: nobody restarted them.
    assert all(d.processes[p].poll() is None for p in d.PROCESSES), d.processes
    assert logged(d, "worker", "Connected to ") > connections


def test_postgresql_out_of_reach_a_while(faults):
    d, coordinator = faults.d.instance, faults.d
    (since,) = d.query("SELECT now()")[0]
    network_page = f"{d.url}/{d.slug}/"
    retries = logged(d, "worker", "retry: Retry in")
    # Nothing but the worker's own retries sends D's deliveries: no beat, no sweep.
    d.stop_beat()
    d.stop_worker()
    try:
        for n in range(1, 6):
            faults.offer(f"Cours de cuisine n°{n}")  # their tasks wait in Redis
        faults.postgres.close()
        try:
            page = coordinator.http.get(network_page, headers=BROWSER, timeout=15)
            assert page.status_code == 503, page.text[:2000]
            assert page.headers["Retry-After"] == "60"
            assert page.headers["Content-Type"].startswith("text/html")
            assert "<h1>Service temporairement indisponible</h1>" in page.text
            assert "Merci de réessayer dans quelques minutes." in page.text
            assert "Traceback" not in page.text and "Server Error" not in page.text

            api = coordinator.http.get(d.api("listings/"), timeout=15)
            assert api.status_code == 503, api.text[:2000]
            assert api.headers["Retry-After"] == "60"
            assert api.json()["code"] == "unavailable", api.text

            d.start_worker()  # takes the waiting tasks, which meet the outage

            def retried():
                assert logged(d, "worker", "retry: Retry in") >= retries + 5

            eventually(retried, timeout=30)
        finally:
            faults.postgres.open()
        eventually(lambda: all_delivered(d, since), timeout=60)
    finally:
        d.start_stopped()

    eventually(lambda: e_lists_exactly_what_d_published(faults))
    assert coordinator.http.get(network_page, headers=BROWSER, timeout=15).status_code == 200
    assert coordinator.all("listings/")

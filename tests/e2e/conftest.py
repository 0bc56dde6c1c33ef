"""Three real instances (a, b, c) for the whole session, peered through their coordinators'
pages. Skipped unless RERS_E2E=1 and PostgreSQL and Redis answer (``make e2e``); tests
marked ``e2e(services=False)`` (the demo's) need neither."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

import pytest

from tests.e2e.client import Person, assert_active_peer, peer
from tests.e2e.harness import Instance, eventually, make_certificates, services_reachable

NAMES = ("a", "b", "c")
# Instances of this session, for the logs shown when a test fails.
_running: list[Instance] = []


def pytest_collection_modifyitems(config, items):
    e2e = [item for item in items if item.get_closest_marker("e2e")]
    if not e2e:
        return
    if os.environ.get("RERS_E2E") != "1":
        reason = "end-to-end tests run with RERS_E2E=1 (make e2e)"
    else:
        e2e = [item for item in e2e if item.get_closest_marker("e2e").kwargs.get("services", True)]
        reason = services_reachable() if e2e else None
    if reason:
        for item in e2e:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and _running:
        report.sections.append(
            ("instances' logs", "\n".join(instance.tails() for instance in _running))
        )
    return report


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _start(instance: Instance) -> Instance:
    instance.prepare()
    instance.start()
    return instance


@contextmanager
def running(*instances: Instance) -> Iterator[None]:
    """Prepare and start the instances together; stop them all in the end, whatever
    happened (their logs are shown when a test fails meanwhile)."""
    _running.extend(instances)
    # Stopped from outside (a CI time limit), pytest still tears down and stops them.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with ThreadPoolExecutor(len(instances)) as pool:
            list(pool.map(_start, instances))
        yield
    finally:
        with ThreadPoolExecutor(len(instances)) as pool:
            list(pool.map(Instance.stop, instances))
        for instance in instances:
            _running.remove(instance)
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def instances(tmp_path_factory) -> dict[str, Instance]:
    workdir = tmp_path_factory.mktemp("e2e")
    certificates = make_certificates(workdir)
    created = {
        name: Instance(name, index=index, workdir=workdir, certificates=certificates)
        for index, name in enumerate(NAMES)
    }
    with running(*created.values()):
        yield created


@pytest.fixture(scope="session")
def coordinators(instances) -> dict[str, Person]:
    return {name: Person(i, i.coordinator).log_in() for name, i in instances.items()}


@pytest.fixture(scope="session")
def members(instances) -> dict[str, Person]:
    return {name: Person(i, i.member).log_in() for name, i in instances.items()}


PAIRS = (("a", "b"), ("b", "c"), ("a", "c"))


@pytest.fixture(scope="session")
def peered(instances, coordinators) -> dict[str, Instance]:
    """A–B, B–C and A–C peered as coordinators do it (``peer``)."""
    for asking, asked in PAIRS:
        peer(coordinators[asking], coordinators[asked])
    for asking, asked in PAIRS:
        eventually(partial(assert_active_peer, coordinators[asking], coordinators[asked]))
    return instances

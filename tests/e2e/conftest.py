"""Three real instances (a, b, c) for the whole session, peered through their coordinators'
pages. Skipped unless RERS_E2E=1 and PostgreSQL and Redis answer (``make e2e``); tests
marked ``e2e(services=False)`` (the demo's) need neither."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.client import Person
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


@pytest.fixture(scope="session")
def instances(tmp_path_factory) -> dict[str, Instance]:
    workdir = tmp_path_factory.mktemp("e2e")
    certificates = make_certificates(workdir)
    created = {
        name: Instance(name, index=index, workdir=workdir, certificates=certificates)
        for index, name in enumerate(NAMES)
    }
    _running.extend(created.values())
    # Stopped from outside (a CI time limit), pytest still tears down and stops them.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with ThreadPoolExecutor(len(created)) as pool:
            list(pool.map(_start, created.values()))
        yield created
    finally:
        with ThreadPoolExecutor(len(created)) as pool:
            list(pool.map(Instance.stop, created.values()))
        _running.clear()
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def coordinators(instances) -> dict[str, Person]:
    return {name: Person(i, i.coordinator).log_in() for name, i in instances.items()}


@pytest.fixture(scope="session")
def members(instances) -> dict[str, Person]:
    return {name: Person(i, i.member).log_in() for name, i in instances.items()}


PAIRS = (("a", "b"), ("b", "c"), ("a", "c"))


@pytest.fixture(scope="session")
def peered(instances, coordinators) -> dict[str, Instance]:
    """A–B, B–C and A–C peered as coordinators do it: the first one enters the other's
    address and checks the fingerprint the other reads to them, the other accepts."""
    for asking, asked in PAIRS:
        fingerprint = coordinators[asked].own_fingerprint()
        coordinators[asking].ask_to_peer(instances[asked], expected_fingerprint=fingerprint)

        def request_arrived(asking=asking, asked=asked):
            actions = coordinators[asked].peer_actions()
            assert "accept" in actions.get(instances[asking].network_name, set()), actions

        eventually(request_arrived)
        coordinators[asked].accept_peer(instances[asking])
    for asking, asked in PAIRS:

        def active(asking=asking, asked=asked):
            actions = coordinators[asking].peer_actions()
            assert "suspend" in actions.get(instances[asked].network_name, set()), actions

        eventually(active)
    return instances

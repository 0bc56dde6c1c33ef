"""Started by the demo's launcher beside the nine processes: wait for the three web servers,
federate the networks (``rers demo-federate`` on each instance at once), then print the
portals and the demo accounts.

If the web servers never answer, it stops the launcher; if the federation does not finish,
it says so and the demo goes on (each portal works on its own).
"""

# ruff: noqa: S603 - commands built here from the venv's own programs.

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from deployments.demo.config import (
    BIN,
    FATAL,
    REPO,
    Instance,
    Settings,
    banner,
    instances,
    say,
)


def answers(instance: Instance) -> bool:
    try:
        reply = requests.get(f"{instance.url}/.well-known/rers", timeout=2)
    except requests.RequestException:
        return False
    return reply.status_code == 200


def wait_for_webs(running: list[Instance], timeout: float) -> list[Instance]:
    """The instances whose web server still does not answer after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    waiting = list(running)
    while waiting and time.monotonic() < deadline:
        waiting = [instance for instance in waiting if not answers(instance)]
        if waiting:
            time.sleep(0.3)
    return waiting


def federate(running: list[Instance], timeout: float) -> list[str]:
    """Run ``rers demo-federate`` on the three instances at once; the failures."""
    started = {}
    for instance in running:
        neighbours = [f"{i.slug}={i.url}" for i in running if i is not instance]
        log = instance.data / "federate.log"
        with log.open("a") as out:
            started[instance] = subprocess.Popen(
                [str(BIN / "rers"), "demo-federate", "--network", instance.slug]
                + [arg for n in neighbours for arg in ("--neighbour", n)]
                + ["--timeout", str(timeout)],
                cwd=REPO,
                env={**instance.env(), "LOG_LEVEL": "WARNING"},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
    failures = []
    for instance, process in started.items():
        if process.wait() != 0:
            log = instance.data / "federate.log"
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-5:])
            failures.append(f"{instance.name} ({log}):\n{tail}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployments.demo.federate")
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--log", required=True, help="where the processes' output is, to say")
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args(argv)
    started = time.monotonic()
    settings = Settings.load(args.dir)
    if settings is None:
        say(f"demo: no demo.json in {args.dir}")
        return FATAL
    running = instances(settings, args.dir)
    silent = wait_for_webs(running, timeout=90)
    if silent:
        names = ", ".join(f"{i.name} ({i.url})" for i in silent)
        say(f"demo: no answer from {names} after 90 s; see {args.log}. Stopping.")
        os.kill(os.getppid(), signal.SIGTERM)
        return FATAL
    say("The three portals answer; federating the networks (peering, shared events, a "
        "request across networks)…")  # fmt: skip
    failures = federate(running, args.timeout)
    say(banner(running, log=args.log))
    if failures:
        say("Warning: the federation did not finish; each portal works on its own meanwhile.")
        for failure in failures:
            say(f"  {failure}")
        return 2
    say(f"Ready in {time.monotonic() - started:.0f} s after the processes started.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

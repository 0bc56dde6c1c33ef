"""``python -m deployments.demo`` (``make demo``): three neighbouring networks, federated.

Le Havre, Montivilliers and Harfleur each run their own instance on loopback: a web server,
a Celery worker and Celery beat (``Procfile``), an SQLite database and a broker that needs
no server (Kombu's filesystem transport; a Redis when CELERY_BROKER_URL names one), all
under ``var/demo/``. The launcher migrates and seeds the three databases, starts the nine
processes with honcho, and ``federate.py`` peers the networks through the real
federation once their web servers answer, then prints the portals and demo accounts.
Ctrl-C stops everything. Run again, it reuses the data; ``--reset`` deletes it first.
"""

# ruff: noqa: S603 - commands built here from the venv's own programs.

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Printer

from deployments.demo.config import (
    BIN,
    DEFAULT_DIR,
    DEFAULT_HOST,
    DEFAULT_PORTS,
    FATAL,
    PROCFILE,
    REPO,
    ConfigError,
    Instance,
    Settings,
    broker_from_environment,
    instances,
    say,
)
from rers_core.demo.towns import NEIGHBOURS

# What the demo folder holds; --reset deletes nothing else.
OWN_ENTRIES = {"demo.json", "demo.log", *NEIGHBOURS}


def _ports(value: str) -> tuple[int, int, int]:
    try:
        ports = tuple(int(port) for port in value.split(","))
    except ValueError:
        ports = ()
    if len(ports) != 3 or len(set(ports)) != 3 or not all(0 < p < 65536 for p in ports):
        raise argparse.ArgumentTypeError("three different ports, comma-separated")
    return ports  # type: ignore[return-value]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m deployments.demo",
        description="Three neighbouring rers networks on this machine, federated.",
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("DEMO_HOST") or DEFAULT_HOST,
        help="address to listen on (DEMO_HOST; default 127.0.0.1, 0.0.0.0 for every one)",
    )
    parser.add_argument(
        "--ports",
        type=_ports,
        default=os.environ.get("DEMO_PORTS") or ",".join(map(str, DEFAULT_PORTS)),
        help="the three instances' ports (DEMO_PORTS; default 8001,8002,8003)",
    )
    parser.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help="where the data lives (var/demo/)"
    )
    parser.add_argument("--reset", action="store_true", help="delete the demo's data first")
    parser.add_argument(
        "--log-file",
        default="",
        help="where the nine processes' output goes (default DIR/demo.log; - for here)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=180.0,
        help="seconds to wait for the federation to carry everything (default 180)",
    )
    # argparse checks a default given as text (DEMO_PORTS) as it checks the command line.
    return parser.parse_args(argv)


# --- before starting -------------------------------------------------------------------


def reset(directory: Path) -> None:
    if not directory.exists():
        return
    strangers = {entry.name for entry in directory.iterdir()} - OWN_ENTRIES
    if strangers:
        raise ConfigError(
            f"{directory} holds more than the demo's data ({', '.join(sorted(strangers))}): "
            "delete it yourself if you mean it."
        )
    shutil.rmtree(directory)
    say(f"Deleted the demo's data ({directory}).")


def check_ports(running: list[Instance]) -> None:
    for instance in running:
        family = socket.AF_INET6 if ":" in instance.settings.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As the web server will: a port in TIME_WAIT is free, one listened on is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((instance.settings.host, instance.port))
            except OSError as exc:
                raise ConfigError(
                    f"Cannot listen on {instance.bind} ({exc.strerror}): is a demo already "
                    "running? Choose other ports with DEMO_PORTS=9001,9002,9003."
                ) from exc


class PrepareFailed(Exception):
    pass


def _run_all(running: list[Instance], arguments: Callable[[Instance], list[str]]) -> None:
    """Run ``rers`` with ``arguments(instance)`` for each instance at once."""
    started = {}
    for instance in running:
        log = instance.data / "prepare.log"
        with log.open("a") as out:
            started[instance] = (
                subprocess.Popen(
                    [str(BIN / "rers"), *arguments(instance)],
                    cwd=REPO,
                    # Seeding sends nothing to neighbours yet: tasks run in-process.
                    env={**instance.env(eager=True), "LOG_LEVEL": "WARNING"},
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
    try:
        for process, _log in started.values():
            process.wait()
    finally:
        for process, _log in started.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    for instance, (process, log) in started.items():
        if process.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            raise PrepareFailed(
                f"{instance.name}: rers {process.args[1]} exited {process.returncode} "
                f"({log}):\n{tail}"
            )


def prepare(running: list[Instance]) -> None:
    """Migrate the three databases and seed (or complete) their demo data."""
    started = time.monotonic()
    say("Preparing the three networks' databases and demo data…")
    for instance in running:
        instance.data.mkdir(parents=True, exist_ok=True)
    _run_all(running, lambda instance: ["migrate", "--noinput", "-v0"])
    _run_all(running, lambda instance: ["seed-demo", "--network", instance.slug, "-v0"])
    say(f"  done in {time.monotonic() - started:.0f} s.")


# --- running ---------------------------------------------------------------------------


def _printer(log_file: str) -> Printer:
    if log_file == "-":
        return Printer(sys.stdout)
    output = open(log_file, "a", encoding="utf-8", buffering=1)  # kept open for honcho
    output.write(f"\n==== demo starting at {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    return Printer(output)


def _tail(log_file: str, lines: int = 25) -> str:
    if log_file == "-":
        return ""
    text = Path(log_file).read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _stop(process: subprocess.Popen) -> None:
    """Stop a process started in a session of its own, and everything it started."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def serve(running: list[Instance], directory: Path, log_file: str, timeout: float) -> int:
    """Run the nine processes until Ctrl-C (or one of them stops); federate meanwhile."""
    manager = Manager(_printer(log_file))
    processes = parse_procfile(PROCFILE.read_text()).processes
    for instance in running:
        env = instance.env()
        for kind, command in processes.items():
            manager.add_process(f"{instance.slug}-{kind}", command, env=env, cwd=str(REPO))
    shown = "this terminal" if log_file == "-" else log_file
    # A process of its own, not a thread: honcho forks its process watchers.
    federate = subprocess.Popen(
        [sys.executable, "-m", "deployments.demo.federate", "--dir", str(directory)]
        + ["--log", shown, "--timeout", str(timeout)],
        cwd=REPO,
        start_new_session=True,  # stopped with its own children below
    )
    try:
        say("Starting the web server, Celery worker and beat of each network…")
        manager.loop()  # until Ctrl-C (SIGINT) or SIGTERM, or one process stops
    finally:
        _stop(federate)
    if federate.returncode != FATAL and manager.returncode in (130, 143):
        say("Stopped the demo's nine processes.")
        return 0
    say(f"The demo stopped: a process ended (exit status {manager.returncode}).")
    tail = _tail(log_file)
    if tail:
        say(f"The end of {log_file}:\n{tail}")
    return 1


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    directory = args.dir.resolve()
    try:
        settings = Settings(args.host, args.ports, broker_from_environment())
        if args.reset:
            reset(directory)
        saved = Settings.load(directory)
        if saved is not None and not saved.same_place(settings):
            raise ConfigError(
                f"The demo in {directory} was made for {saved.reach_host}, ports "
                f"{','.join(map(str, saved.ports))} and "
                f"{saved.broker or 'the filesystem broker'}: the networks know each other "
                "by address. Run it with the same ones, or start afresh with --reset "
                "(make demo-reset)."
            )
        running = instances(settings, directory)
        check_ports(running)
    except ConfigError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    directory.mkdir(parents=True, exist_ok=True)
    log_file = args.log_file or str(directory / "demo.log")
    # Until honcho handles them, SIGTERM stops the launcher as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    # Saved first: what seeding records already carries the instances' addresses.
    settings.save(directory)
    try:
        prepare(running)
        return serve(running, directory, log_file, args.timeout)
    except PrepareFailed as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        say("Interrupted.")
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Search and suggestion benchmark: rers' text search against a naive icontains scan.

Usage (from the repository root, with the project's virtual environment):

    python bench/search.py --db sqlite --listings 100000
    python bench/search.py --db postgresql --listings 100000

SQLite uses var/bench.sqlite3; PostgreSQL the database ``rers_bench`` on
127.0.0.1:5432 (or BENCH_DATABASE_URL). Both are rebuilt on each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup(db: str, url: str = "") -> None:
    """Rebuild the benchmark database (``url``, else BENCH_DATABASE_URL or ``rers_bench``
    for PostgreSQL) and set Django up on it."""
    if db == "sqlite":
        path = ROOT / "var" / "bench.sqlite3"
        path.parent.mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        url = url or os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rers_bench"
        )
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "deployments.site.settings.dev"
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def memory_gib() -> int:
    """The machine's memory, as the benchmarks report it."""
    return next(
        int(line.split()[1]) // 1024**2
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )


def neighbour_address(number: int) -> str:
    """The federation address of the benchmarks' fake neighbouring network ``number``."""
    return f"https://rers-voisin-{number:02d}.exemple.fr/federation/reseau-{number:02d}/"


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="Passes over the query list.")
    parser.add_argument(
        "--suggest-requests",
        type=int,
        default=0,
        help="Limit the suggestion run to N requests (0 = every open request).",
    )
    args = parser.parse_args()
    setup(args.db)

    from django.db import connection
    from django.db.models import Q

    from bench.dataset import QUERIES, build
    from rers_core.models import Listing
    from rers_core.search import rebuild_index, search_listings
    from rers_core.selectors.suggestions import NetworkMatcher, _open

    start = time.perf_counter()
    network = build(slug="bench", listings=args.listings)
    generated = time.perf_counter() - start
    start = time.perf_counter()
    indexed = rebuild_index()
    index_seconds = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    base = Listing.objects.filter(network=network, status="open")

    def rers(q):
        return list(search_listings(base, q).values_list("pk", flat=True)[:20])

    def naive(q):
        qs = base
        for word in q.split():
            qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word))
        return list(qs.order_by("-created_at").values_list("pk", flat=True)[:20])

    for q in QUERIES:  # warm caches
        rers(q)
        naive(q)
    results = {}
    for name, fn in (("rers search", rers), ("naive icontains", naive)):
        samples = []
        for _ in range(args.rounds):
            for q in QUERIES:
                samples += timed(lambda q=q, fn=fn: fn(q), 1)
        results[name] = samples

    start = time.perf_counter()
    matcher = NetworkMatcher(network)
    build_seconds = time.perf_counter() - start
    requests = list(_open(network, "request"))
    if args.suggest_requests:
        requests = requests[: args.suggest_requests]
    start = time.perf_counter()
    suggested = sum(len(matcher.suggest(r)) for r in requests)
    suggest_seconds = time.perf_counter() - start

    print(
        f"database: {connection.vendor}; listings: {args.listings} (indexed {indexed}); "
        f"generated in {generated:.1f} s, indexed in {index_seconds:.1f} s"
    )
    for name, samples in results.items():
        print(
            f"{name:16s} n={len(samples)} p50={statistics.median(samples):.2f} ms "
            f"p95={percentile(samples, 95):.2f} ms max={max(samples):.2f} ms"
        )
    ratio = percentile(results["naive icontains"], 95) / percentile(results["rers search"], 95)
    print(f"p95 speed-up over naive: {ratio:.1f}x")
    print(
        f"suggestions: offer index of {len(matcher.offers)} offers built in {build_seconds:.2f} s; "
        f"{len(requests)} open requests ranked in {suggest_seconds:.2f} s "
        f"({suggest_seconds / max(len(requests), 1) * 1000:.2f} ms each), {suggested} suggestions"
    )


if __name__ == "__main__":
    main()

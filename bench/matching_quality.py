"""Suggestion quality on the evaluation set (tests/data/matching_eval.json).

Reports recall@5 and MRR of rers' suggestions, next to a naive word-overlap baseline
measured in the same run, and how many suggestions requests with no answer receive.

    python bench/matching_quality.py
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVAL = json.loads((ROOT / "tests" / "data" / "matching_eval.json").read_text())


def naive_rank(request: dict, offers: list[dict], limit: int = 5) -> list[str]:
    """Offers sharing the most lower-cased words with the request (no stemming, accents kept)."""
    words = set(re.findall(r"\w+", f"{request['title']} {request['description']}".lower()))
    scored = []
    for offer in offers:
        other = set(re.findall(r"\w+", f"{offer['title']} {offer['description']}".lower()))
        shared = len(words & other)
        if shared:
            scored.append((-shared, offer["ref"]))
    return [ref for _, ref in sorted(scored)[:limit]]


def measure(rank) -> dict[str, float]:
    answered = [r for r in EVAL["requests"] if r["answers"]]
    unanswerable = [r for r in EVAL["requests"] if not r["answers"]]
    hits, reciprocal = 0, 0.0
    for request in answered:
        ranked = rank(request)
        positions = [i for i, ref in enumerate(ranked) if ref in request["answers"]]
        if positions:
            hits += 1
            reciprocal += 1 / (positions[0] + 1)
    noise = [len(rank(r)) for r in unanswerable]
    return {
        "requests": len(answered),
        "recall@5": hits / len(answered),
        "mrr": reciprocal / len(answered),
        "unanswerable": len(unanswerable),
        "suggestions per unanswerable request": sum(noise) / len(noise),
        "unanswerable with no suggestion": noise.count(0) / len(noise),
    }


def main() -> None:
    path = ROOT / "var" / "bench-quality.sqlite3"
    path.parent.mkdir(exist_ok=True)
    path.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "deployments.site.settings.dev"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from rers_core.models import Listing
    from rers_core.search import rebuild_index
    from rers_core.selectors.suggestions import NetworkMatcher
    from rers_core.services.members import member_import
    from rers_core.services.networks import network_create_or_update

    network, _ = network_create_or_update(slug="eval", name="Évaluation")
    domains = {d.slug: d for d in network.domains.all()}
    offerer, _ = member_import(network=network, external_ref="offerer", display_name="Offreur")
    requester, _ = member_import(
        network=network, external_ref="requester", display_name="Demandeur"
    )
    listings = {}
    for direction, member, items in (
        ("offer", offerer, EVAL["offers"]),
        ("request", requester, EVAL["requests"]),
    ):
        for item in items:
            listings[item["ref"]] = Listing.objects.create(
                network=network,
                member=member,
                direction=direction,
                kind=item["kind"],
                domain=domains[item["domain"]],
                title=item["title"],
                description=item["description"],
                external_ref=item["ref"],
            )
    rebuild_index()
    matcher = NetworkMatcher(network)

    def rers_rank(request: dict) -> list[str]:
        return [s.offer.external_ref for s in matcher.suggest(listings[request["ref"]], limit=5)]

    print(
        "| engine | recall@5 | MRR | suggestions per unanswerable request"
        " | unanswerable with none |"
    )
    print("| --- | --- | --- | --- | --- |")
    for name, rank in (
        ("rers suggestions", rers_rank),
        ("naive word overlap", lambda r: naive_rank(r, EVAL["offers"])),
    ):
        m = measure(rank)
        print(
            f"| {name} | {m['recall@5']:.3f} | {m['mrr']:.3f} | "
            f"{m['suggestions per unanswerable request']:.2f} | "
            f"{m['unanswerable with no suggestion']:.0%} |"
        )
    print(
        f"\n{m['requests']} answerable requests, {m['unanswerable']} with no answer, "
        f"{len(EVAL['offers'])} offers."
    )


if __name__ == "__main__":
    main()

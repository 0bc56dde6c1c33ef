"""Generate a network with many listings of realistic French text, for benchmarks.

Titles and descriptions are assembled from phrases members actually write (savoirs,
know-how, lived experience); the mix of accents, plurals and synonyms is what the search
must cope with.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from rers_core.models import Domain, Listing, Member, Network
from rers_core.services.networks import network_create_or_update

TOPICS = {
    "recherche-emploi": [
        "rédiger un CV",
        "refaire son curriculum vitae",
        "préparer un entretien d'embauche",
        "écrire une lettre de motivation",
        "trouver un stage",
        "utiliser LinkedIn",
        "candidature spontanée",
        "se présenter au téléphone",
        "répondre à une offre d'emploi",
    ],
    "numerique": [
        "les formules du tableur",
        "faire un tableau Excel",
        "envoyer un courriel",
        "créer une adresse mail",
        "utiliser son smartphone",
        "traitement de texte",
        "classer ses fichiers",
        "sauvegarder ses photos",
        "la programmation en Python",
        "protéger son ordinateur des virus",
        "faire une visioconférence",
    ],
    "metiers": [
        "le métier d'aide-soignante",
        "travailler à l'hôpital",
        "le métier de cariste",
        "travailler dans la restauration",
        "le métier d'auxiliaire de vie",
        "l'intérim",
        "la vente en magasin",
        "le métier de boulanger",
        "la logistique en entrepôt",
        "le nettoyage industriel",
        "le métier d'électricien",
        "la maçonnerie",
    ],
    "langues": [
        "conversation en anglais",
        "les bases de l'espagnol",
        "lire et écrire l'arabe",
        "le français écrit",
        "l'orthographe",
        "l'allemand pour voyager",
    ],
    "demarches": [
        "dossier de retraite",
        "déclarer ses revenus",
        "demande de logement social",
        "les papiers de la CAF",
        "faire une carte grise",
        "la mutuelle",
    ],
    "cuisine": [
        "cuisine du quotidien à petit prix",
        "pâtisserie maison",
        "cuisiner les légumes",
        "recettes du monde",
        "faire son pain",
    ],
    "bricolage-jardinage": [
        "jardiner sur un balcon",
        "petites réparations",
        "fabriquer un meuble",
        "peindre une pièce",
        "le potager",
        "réparer un vélo",
    ],
    "sante-bien-etre": [
        "gestes de premiers secours",
        "gérer le stress",
        "relaxation",
        "marcher en groupe",
    ],
    "vie-quotidienne": [
        "tenir son budget",
        "couture et retouches",
        "s'organiser avec des enfants",
        "faire ses courses malin",
    ],
    "formation": [
        "reprendre une formation",
        "prise de parole en public",
        "réussir un concours",
        "apprendre à apprendre",
        "se reconvertir",
    ],
    "mobilite": ["réviser le code de la route", "prendre le bus et le tramway", "le covoiturage"],
    "arts-culture": ["photographie", "dessin et croquis", "tricot", "chant", "théâtre"],
}
OPENERS_OFFER = [
    "Je peux vous montrer",
    "J'ai l'habitude de",
    "Vingt ans d'expérience :",
    "Je partage volontiers",
    "Ancienne professionnelle, je connais bien",
    "Je transmets",
    "On peut voir ensemble",
]
OPENERS_REQUEST = [
    "je cherche quelqu'un pour",
    "j'aimerais apprendre",
    "besoin d'aide pour",
    "je voudrais connaître",
    "je n'y arrive pas seul :",
    "qui pourrait m'expliquer",
    "je souhaite découvrir",
]
DETAILS = [
    "pas à pas",
    "avec des exemples concrets",
    "à mon rythme",
    "le lundi matin à l'agence",
    "en petit groupe",
    "à distance si besoin",
    "avec patience",
    "pour débutants",
    "pour un projet professionnel",
    "après une longue pause",
    "avec mes propres outils",
    "en partant de zéro",
    "en échangeant nos pratiques",
    "autour d'un café",
]


def generated_listings(
    rng: random.Random, count: int, domains: dict[str, Domain], owners: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``count`` listings' fields, half offers, each with the index of its author among
    ``owners``: pairs (author index, fields of ``Listing``)."""
    topics = [(d, t) for d, ts in TOPICS.items() for t in ts]
    for i in range(count):
        domain_slug, topic = rng.choice(topics)
        offer = i % 2 == 0
        opener = rng.choice(OPENERS_OFFER if offer else OPENERS_REQUEST)
        detail, detail2 = rng.sample(DETAILS, 2)
        title = topic[0].upper() + topic[1:] if offer else f"{opener} {topic}"
        description = f"{opener} {topic}, {detail}. {detail2[0].upper()}{detail2[1:]}."
        owner = rng.randrange(owners)
        yield (
            owner,
            {
                "direction": "offer" if offer else "request",
                "kind": rng.choice(["knowledge", "know_how", "experience"]),
                "domain": domains[domain_slug],
                "title": title[:160],
                "description": description,
                "group": rng.random() < 0.3,
                "status": "open" if rng.random() < 0.9 else "closed",
            },
        )


def build(*, slug: str, listings: int, members: int = 2000, seed: int = 7) -> Network:
    """Create (or recreate) network ``slug`` with ``listings`` listings; half offers."""
    rng = random.Random(seed)
    Network.objects.filter(slug=slug).delete()
    network, _ = network_create_or_update(slug=slug, name=f"Banc d'essai {slug}")
    domains = {d.slug: d for d in network.domains.all()}
    User = get_user_model()
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"{slug}-{i}@bench.example", email=f"{slug}-{i}@bench.example")
            for i in range(members)
        )
        people = Member.objects.bulk_create(
            Member(
                network=network, user=u, display_name=f"Membre {i}", status="member", joined_at=now
            )
            for i, u in enumerate(users)
        )
        batch = []
        for owner, fields in generated_listings(rng, listings, domains, members):
            batch.append(Listing(network=network, member=people[owner], **fields))
            if len(batch) == 5000:
                Listing.objects.bulk_create(batch)
                batch = []
        Listing.objects.bulk_create(batch)
    return network


QUERIES = [
    "cv",
    "curriculum",
    "entretien",
    "lettre motivation",
    "excel",
    "tableur",
    "mail",
    "courriel",
    "smartphone",
    "hopital",
    "aide soignante",
    "cariste",
    "anglais",
    "espagnol",
    "retraite",
    "impots",
    "logement",
    "cuisine",
    "patisserie",
    "jardinage",
    "balcon",
    "reparer velo",
    "secourisme",
    "stress",
    "budget",
    "couture",
    "formation",
    "parler en public",
    "code de la route",
    "tram",
    "photo",
    "dessin",
    "python",
    "virus ordinateur",
    "boulangerie",
    "electricien",
    "magasin vente",
    "orthographe",
    "carte grise",
    "theatre",
]

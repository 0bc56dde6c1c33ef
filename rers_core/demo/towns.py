"""The demo's fictional networks: three neighbouring towns of the Le Havre area, and the
stand-alone demo network of ``rers seed-demo`` (the Le Havre data under another name).

Everything here is fictional: people, places and stories. Each network's people cover
every consent there is (none at all, one channel, several, only through a facilitator
with a scope, everything), its listings every status and many domains, its connections
the stages they go through, and its calendar the network's collective life.

Values are those of the models' choices, spelled out: the demo's launcher reads this
module without Django.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

PASSWORD = "demo-rers-2026"
# Each network's address book: membre@, animatrice@ and coordination@ are the demo accounts.
DEMO_ACCOUNTS = (
    ("membre", "member"),
    ("animatrice", "facilitator"),
    ("coordination", "coordinator"),
)

E, P, L, F = "email", "phone", "link", "via_facilitator"
NET, FED = "network", "federated"
EVERY_CONSENT = tuple((c, a) for c in (E, P, L, F) for a in (NET, FED))

OFFER, REQUEST = "offer", "request"
KN, KH, EX = "knowledge", "know_how", "experience"
OPEN, PAUSED, CLOSED = "open", "paused", "closed"
MEMBER, FACILITATOR, COORDINATOR = "member", "facilitator", "coordinator"


@dataclass(frozen=True)
class Person:
    key: str  # the local part of their email address, and how the data below names them
    display_name: str
    role: str = MEMBER
    presentation: str = ""
    phone: str = ""
    other_link: str = ""
    consents: tuple[tuple[str, str], ...] = ()
    consent_scope: str = ""
    visitor: bool = False

    @property
    def demo_account(self) -> bool:
        return self.key in dict(DEMO_ACCOUNTS)


@dataclass(frozen=True)
class Testimonial:
    author: str
    text: str
    publication: str = "private"
    first_name: str = ""
    featured: bool = False


@dataclass(frozen=True)
class Gathering:
    """An event of the network. ``day`` counts from this week's Monday, or from the first
    of the month ``months`` away from this one when given; with a rule, the event starts
    at the rule's first occurrence from there."""

    kind: str
    title: str
    description: str
    place: str
    day: int
    hours: tuple[int, int]  # start and end hour, local time
    months: int | None = None
    rrule: str = ""
    capacity: int | None = None
    visibility: str = NET
    facilitated: bool = False  # the network's facilitator is in charge
    registrants: tuple[str, ...] = ()
    news: tuple[str, str] | None = None  # a news post announcing it: title, text
    testimonies: tuple[Testimonial, ...] = ()  # collected at it


@dataclass(frozen=True)
class Link:
    """A connection between a request and an offer, taken up to ``stage``: proposed,
    accepted, agreed, done (the exchange took place), closed (every review given),
    declined, expired or cancelled."""

    stage: str
    request: str  # external references of the two listings
    offer: str
    proposer: str = "requester"  # requester, offerer or facilitator
    message: str = ""
    agreement: dict[str, str] = field(default_factory=dict)
    reviews: dict[str, dict[str, str]] = field(default_factory=dict)  # person → answers


@dataclass(frozen=True)
class Group:
    """A collective exchange a facilitator sets up, agreed by all, then done."""

    title: str
    givers: tuple[str, ...]
    receivers: tuple[str, ...]
    agreement: dict[str, str]
    reviews: dict[str, dict[str, str]]
    kind: str = "collective"


@dataclass(frozen=True)
class Town:
    slug: str
    name: str
    city: str
    postcode: str
    latitude: str
    longitude: str
    agency_code: str
    email_domain: str
    description: str
    people: tuple[Person, ...]
    # (external_ref, owner, direction, kind, domain slug, title, description,
    #  modalities one_to_one/group/practice, setting, availability, visibility, status)
    listings: tuple[tuple[Any, ...], ...]
    gatherings: tuple[Gathering, ...] = ()
    links: tuple[Link, ...] = ()
    groups: tuple[Group, ...] = ()

    def email(self, key: str) -> str:
        return f"{key}@{self.email_domain}"

    def network_fields(self) -> dict[str, str]:
        return {
            "name": self.name,
            "city": self.city,
            "postcode": self.postcode,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "timezone": "Europe/Paris",
            "contact_email": self.email("contact"),
            "agency_code": self.agency_code,
            "description": self.description,
        }

    def listing(self, ref: str) -> tuple[Any, ...]:
        return next(row for row in self.listings if row[0] == ref)

    def gathering(self, title: str) -> Gathering:
        return next(g for g in self.gatherings if g.title == title)


def _review(interest: str, obstacles: str = "", helpers: str = "", next_steps: str = ""):
    return {
        "interest": interest,
        "obstacles": obstacles,
        "helpers": helpers,
        "next_steps": next_steps,
    }


# --- Le Havre ----------------------------------------------------------------------------

LE_HAVRE = Town(
    slug="le-havre",
    name="RERS du Havre",
    city="Le Havre",
    postcode="76600",
    latitude="49.4944",
    longitude="0.1079",
    agency_code="LH",
    email_domain="le-havre.demo.rers.test",
    description=(
        "Réseau fictif pour découvrir le logiciel : chacun y offre et y demande des savoirs, "
        "sans argent ni contrepartie. Permanence le lundi matin à l'agence."
    ),
    people=(
        Person(
            "membre",
            "Sam M.",
            presentation="Je cherche un emploi dans la logistique et j'aime la photo.",
            consents=((E, NET),),
        ),
        Person(
            "animatrice",
            "Nora A.",
            role=FACILITATOR,
            presentation="Conseillère à l'agence, j'anime la permanence du lundi.",
            phone="02 35 00 00 01",
            consents=((E, NET), (P, NET)),
        ),
        Person(
            "coordination",
            "Paul C.",
            role=COORDINATOR,
            presentation="Je coordonne le réseau et les rencontres avec les réseaux voisins.",
            consents=((E, NET), (E, FED)),
        ),
        Person(
            "yasmine.l",
            "Yasmine L.",
            presentation="Ancienne assistante RH, je connais bien les CV.",
            consents=(),  # nobody may contact her directly for now
        ),
        Person(
            "bertrand.c",
            "Bertrand C.",
            presentation="Quinze ans à l'hôpital comme brancardier, puis aide-soignant.",
            consents=((F, NET),),
            consent_scope="Toute personne qui s'intéresse aux métiers de l'hôpital.",
        ),
        Person(
            "nadia.s",
            "Nadia S.",
            presentation="Comptable de formation, les tableurs ne me font pas peur.",
            phone="06 00 00 00 02",
            consents=((P, NET), (P, FED)),
        ),
        Person(
            "jules.p",
            "Jules P.",
            presentation="Je prépare le code et j'aide volontiers sur l'ordinateur.",
            other_link="https://jules.demo.rers.test",
            consents=((L, NET),),
        ),
        Person(
            "odile.m",
            "Odile M.",
            presentation="Cuisinière en collectivité pendant vingt ans.",
            consents=((F, NET), (F, FED)),
        ),
        Person(
            "karim.b",
            "Karim B.",
            presentation="Formateur bénévole aux premiers secours.",
            other_link="https://karim.demo.rers.test",
            consents=((E, NET), (E, FED), (L, FED)),
        ),
        Person(
            "sophie.g",
            "Sophie G.",
            presentation="J'ai recruté pendant des années ; je parle espagnol.",
            phone="06 00 00 00 03",
            other_link="https://sophie.demo.rers.test",
            consents=EVERY_CONSENT,
        ),
        Person(
            "thierry.r",
            "Thierry R.",
            presentation="Vingt ans dans la même entreprise, je me remets à chercher.",
            phone="06 00 00 00 04",
            consents=((P, NET),),
        ),
        Person(
            "fatou.d",
            "Fatou D.",
            presentation="Professeure d'anglais, je prépare un changement de métier.",
            consents=((E, NET), (F, FED)),
        ),
        Person(
            "maelle.v",
            "Maëlle V.",
            presentation="Micro-entrepreneuse en couture depuis deux ans.",
            consents=((E, FED),),
        ),
        Person(
            "hugo.t",
            "Hugo T.",
            presentation="Je viens découvrir le réseau.",
            visitor=True,
        ),
    ),
    listings=(
        (
            "demo-01",
            "bertrand.c",
            OFFER,
            EX,
            "metiers",
            "Découvrir les métiers de l'hôpital",
            "Brancardier, agent de service hospitalier, aide-soignant : je raconte le quotidien, "
            "les horaires, les concours et ce qui m'a plu.",
            "og",
            "in_person",
            "Le mardi après-midi",
            "federated",
            OPEN,
        ),
        (
            "demo-02",
            "yasmine.l",
            OFFER,
            KH,
            "recherche-emploi",
            "Relire et améliorer votre CV",
            "On relit ensemble votre CV, on le rend clair et on met en valeur ce que vous savez "
            "faire.",
            "o",
            "either",
            "En semaine, le matin",
            "network",
            OPEN,
        ),
        (
            "demo-03",
            "sophie.g",
            OFFER,
            KH,
            "recherche-emploi",
            "Préparer un entretien d'embauche",
            "Simulation d'entretien puis retour bienveillant : se présenter, parler de son "
            "parcours, répondre aux questions difficiles.",
            "op",
            "in_person",
            "Le jeudi",
            "federated",
            OPEN,
        ),
        (
            "demo-04",
            "nadia.s",
            OFFER,
            KH,
            "numerique",
            "Débuter sur Excel : tableaux et formules simples",
            "Créer un tableau, faire des sommes et des moyennes, trier une liste. "
            "Sur LibreOffice Calc aussi.",
            "og",
            "in_person",
            "Le lundi après la permanence",
            "network",
            OPEN,
        ),
        (
            "demo-05",
            "jules.p",
            OFFER,
            KH,
            "numerique",
            "Créer et utiliser une adresse courriel",
            "Créer une boîte mail, envoyer un message avec une pièce jointe, trier ses courriels.",
            "o",
            "in_person",
            "Le mercredi",
            "network",
            OPEN,
        ),
        (
            "demo-06",
            "odile.m",
            OFFER,
            KH,
            "cuisine",
            "Cuisiner de saison avec un petit budget",
            "Des recettes simples avec les légumes du marché, et comment prévoir les repas "
            "de la semaine.",
            "g",
            "in_person",
            "Un samedi par mois",
            "federated",
            OPEN,
        ),
        (
            "demo-07",
            "karim.b",
            OFFER,
            KN,
            "sante-bien-etre",
            "Les gestes de premiers secours",
            "Alerter, protéger, masser : une initiation aux gestes qui sauvent, en petit groupe.",
            "g",
            "in_person",
            "Un mercredi sur deux",
            "federated",
            OPEN,
        ),
        (
            "demo-08",
            "fatou.d",
            OFFER,
            KN,
            "langues",
            "Conversation en anglais pour débutants",
            "Parler de soi, se présenter, comprendre une offre d'emploi en anglais.",
            "og",
            "either",
            "Le vendredi",
            "network",
            OPEN,
        ),
        (
            "demo-09",
            "thierry.r",
            OFFER,
            KH,
            "bricolage-jardinage",
            "Petites réparations à la maison",
            "Changer un joint, fixer une étagère, choisir ses outils.",
            "o",
            "in_person",
            "Le samedi matin",
            "network",
            OPEN,
        ),
        (
            "demo-10",
            "coordination",
            OFFER,
            KN,
            "demarches",
            "S'y retrouver dans les démarches en ligne",
            "Créer ses comptes sur les sites administratifs, retrouver un document, suivre un "
            "dossier.",
            "o",
            "in_person",
            "Le lundi matin",
            "network",
            OPEN,
        ),
        (
            "demo-11",
            "animatrice",
            OFFER,
            EX,
            "vecu",
            "Reprendre un emploi après une longue pause",
            "J'ai repris le travail après huit ans à la maison : ce qui m'a aidée, ce qui a été "
            "dur.",
            "op",
            "in_person",
            "Le lundi",
            "network",
            OPEN,
        ),
        (
            "demo-12",
            "membre",
            OFFER,
            KH,
            "arts-culture",
            "Photographier avec son smartphone",
            "Cadrer, régler la lumière, retoucher simplement ses photos.",
            "og",
            "in_person",
            "Le week-end",
            "network",
            OPEN,
        ),
        (
            "demo-13",
            "maelle.v",
            OFFER,
            EX,
            "creation-activite",
            "Mon expérience de micro-entrepreneuse",
            "Les démarches de création, les premiers clients, ce que je referais autrement.",
            "op",
            "either",
            "Le mardi soir",
            "federated",
            OPEN,
        ),
        (
            "demo-14",
            "sophie.g",
            OFFER,
            KN,
            "langues",
            "Conversation en espagnol",
            "Pour reprendre confiance à l'oral, tous niveaux.",
            "g",
            "remote",
            "Le mardi à 18 h",
            "network",
            OPEN,
        ),
        (
            "demo-15",
            "odile.m",
            OFFER,
            KH,
            "vie-quotidienne",
            "Faire son budget du mois",
            "Lister ses dépenses, prévoir les factures, mettre un peu de côté.",
            "o",
            "in_person",
            "Le jeudi matin",
            "network",
            OPEN,
        ),
        (
            "demo-16",
            "nadia.s",
            OFFER,
            KH,
            "numerique",
            "Mettre en page un courrier avec un traitement de texte",
            "Marges, en-tête, signature : un courrier propre pour ses candidatures.",
            "o",
            "in_person",
            "Le lundi",
            "network",
            PAUSED,
        ),
        (
            "demo-17",
            "jules.p",
            OFFER,
            KN,
            "mobilite",
            "Réviser le code de la route",
            "Séries de questions commentées ensemble.",
            "g",
            "in_person",
            "Le mercredi après-midi",
            "network",
            CLOSED,
        ),
        (
            "demo-18",
            "bertrand.c",
            OFFER,
            KH,
            "formation",
            "Préparer l'entrée en formation d'aide-soignant",
            "Le dossier, l'oral, le stage : je partage ce que j'ai vécu.",
            "o",
            "either",
            "Le mardi",
            "federated",
            OPEN,
        ),
        (
            "demo-19",
            "membre",
            REQUEST,
            KH,
            "numerique",
            "Apprendre les bases d'Excel",
            "Pour tenir un tableau de suivi de mes candidatures.",
            "o",
            "in_person",
            "Le lundi matin",
            "network",
            OPEN,
        ),
        (
            "demo-20",
            "yasmine.l",
            REQUEST,
            KN,
            "langues",
            "Améliorer mon anglais professionnel",
            "Écrire un courriel et tenir une conversation simple au téléphone.",
            "og",
            "either",
            "En semaine",
            "network",
            OPEN,
        ),
        (
            "demo-21",
            "thierry.r",
            REQUEST,
            KH,
            "recherche-emploi",
            "Refaire mon CV après vingt ans dans la même entreprise",
            "Je ne sais pas comment présenter tout ce que j'ai appris sur le terrain.",
            "o",
            "in_person",
            "Le mardi",
            "network",
            OPEN,
        ),
        (
            "demo-22",
            "karim.b",
            REQUEST,
            KH,
            "recherche-emploi",
            "M'entraîner aux entretiens d'embauche",
            "Je perds mes moyens devant un recruteur.",
            "op",
            "in_person",
            "Le jeudi",
            "network",
            OPEN,
        ),
        (
            "demo-23",
            "fatou.d",
            REQUEST,
            KH,
            "demarches",
            "Remplir une demande de logement social",
            "Savoir quels papiers préparer et comment suivre la demande.",
            "o",
            "in_person",
            "Le lundi",
            "network",
            OPEN,
        ),
        (
            "demo-24",
            "maelle.v",
            REQUEST,
            KH,
            "numerique",
            "Présenter mon activité sur les réseaux sociaux",
            "Créer une page, publier des photos de mes créations.",
            "o",
            "either",
            "Le vendredi",
            "network",
            OPEN,
        ),
        (
            "demo-25",
            "animatrice",
            REQUEST,
            KN,
            "sante-bien-etre",
            "Apprendre les gestes de secourisme",
            "Je voudrais savoir réagir en cas de malaise.",
            "g",
            "in_person",
            "Un mercredi",
            "network",
            OPEN,
        ),
        (
            "demo-26",
            "jules.p",
            REQUEST,
            EX,
            "metiers",
            "Comment se passe le travail de nuit à l'hôpital ?",
            "J'hésite à postuler comme agent de service de nuit.",
            "o",
            "in_person",
            "Quand vous voulez",
            "federated",
            OPEN,
        ),
        (
            "demo-27",
            "odile.m",
            REQUEST,
            KH,
            "numerique",
            "Envoyer une pièce jointe par courriel",
            "Pour envoyer mon CV aux entreprises.",
            "o",
            "in_person",
            "Le lundi",
            "network",
            PAUSED,
        ),
        (
            "demo-28",
            "coordination",
            REQUEST,
            KH,
            "cuisine",
            "Faire son pain maison",
            "Pétrir, laisser lever, cuire au four de la maison.",
            "og",
            "in_person",
            "Le samedi",
            "network",
            OPEN,
        ),
        (
            "demo-29",
            "sophie.g",
            REQUEST,
            KH,
            "bricolage-jardinage",
            "Démarrer un potager sur un balcon",
            "Quelles plantes, quels bacs, quand semer ?",
            "o",
            "in_person",
            "Au printemps",
            "network",
            CLOSED,
        ),
        (
            "demo-30",
            "nadia.s",
            REQUEST,
            KN,
            "langues",
            "Découvrir la langue des signes française",
            "Quelques signes pour accueillir une personne sourde.",
            "g",
            "in_person",
            "Le soir",
            "network",
            OPEN,
        ),
        (
            "demo-31",
            "thierry.r",
            REQUEST,
            KN,
            "creation-activite",
            "Réfléchir à la création d'une micro-entreprise",
            "Est-ce fait pour moi ? Quelles démarches ?",
            "op",
            "either",
            "Le mercredi",
            "network",
            OPEN,
        ),
        (
            "demo-32",
            "karim.b",
            REQUEST,
            EX,
            "formation",
            "Reprendre une formation après quarante ans",
            "Échanger avec quelqu'un qui l'a fait.",
            "o",
            "in_person",
            "Le mardi",
            "network",
            CLOSED,
        ),
        # Two requests left without any connection: good offers answer them, so the
        # facilitators' "suggested connections" have something to propose.
        (
            "demo-33",
            "fatou.d",
            REQUEST,
            KH,
            "bricolage-jardinage",
            "Changer le joint d'un robinet qui fuit",
            "Et fixer une étagère dans la cuisine : je ne sais pas quels outils choisir.",
            "o",
            "in_person",
            "Le samedi",
            "network",
            OPEN,
        ),
        (
            "demo-34",
            "yasmine.l",
            REQUEST,
            KH,
            "vie-quotidienne",
            "Tenir mon budget du mois",
            "Lister mes dépenses et prévoir les factures pour mettre un peu de côté.",
            "o",
            "in_person",
            "Le jeudi",
            "network",
            OPEN,
        ),
    ),  # fmt: skip
    gatherings=(
        Gathering(
            "drop_in",
            "Permanence du lundi matin",
            "Accueil des visiteurs et des membres, sans rendez-vous.",
            "Agence, salle du rez-de-chaussée",
            day=0,
            hours=(9, 12),
            rrule="FREQ=WEEKLY;BYDAY=MO",
            facilitated=True,
        ),
        Gathering(
            "monthly_meeting",
            "Rencontre mensuelle",
            "Les échanges du mois, les nouvelles offres et demandes.",
            "Agence, salle polyvalente",
            day=0,
            months=0,
            hours=(17, 19),
            rrule="FREQ=MONTHLY;BYDAY=1TH",
        ),
        Gathering(
            "retrospective",
            "Échanges sur les échanges",
            "Tous les six mois, chacun raconte ce que les échanges lui ont apporté ; on "
            "recueille les témoignages de ceux qui le souhaitent.",
            "Agence, salle polyvalente",
            day=0,
            months=-4,
            hours=(14, 17),
            rrule="FREQ=MONTHLY;INTERVAL=6;BYDAY=1FR",
            facilitated=True,
            testimonies=(
                Testimonial(
                    "karim.b",
                    "J'ai repris confiance en expliquant mon métier à d'autres.",
                    "first_name",
                    "Karim",
                    featured=True,
                ),
                Testimonial(
                    "thierry.r",
                    "Après vingt ans dans la même entreprise, je croyais ne rien savoir faire "
                    "d'autre. Ici, on m'a demandé de montrer comment je répare les choses.",
                    "anonymous",
                    featured=True,
                ),
                Testimonial(
                    "yasmine.l",
                    "Relire les CV des autres m'a redonné l'envie de travailler dans les "
                    "ressources humaines.",
                ),
            ),
        ),
        Gathering(
            "collective_exchange",
            "Atelier CV à plusieurs",
            "Chacun apporte son CV ; on se relit mutuellement.",
            "Agence, salle 2",
            day=10,
            hours=(14, 16),
            capacity=8,
            registrants=("membre", "karim.b", "thierry.r"),
            news=("Un atelier CV à plusieurs", "Inscrivez-vous dans le calendrier : huit places."),
        ),
        Gathering(
            "information",
            "Forum des savoirs des réseaux voisins",
            "Les membres des réseaux du Havre, de Montivilliers et d'Harfleur présentent ce "
            "qu'ils offrent et ce qu'ils cherchent. Ouvert à tous les membres des trois "
            "réseaux.",
            "Maison de quartier des Acacias, grande salle",
            day=12,
            hours=(10, 16),
            capacity=60,
            visibility=FED,
            facilitated=True,
            registrants=("coordination", "sophie.g"),
            news=(
                "Forum des savoirs avec nos voisins",
                "Le réseau accueille les membres de Montivilliers et d'Harfleur : venez "
                "présenter vos offres et vos demandes.",
            ),
        ),
    ),
    links=(
        Link(
            "expired",
            "demo-23",
            "demo-10",
            proposer="facilitator",
            message="Paul connaît bien les sites administratifs, il pourra vous guider.",
        ),
        Link(
            "closed",
            "demo-21",
            "demo-02",
            message="Bonjour Yasmine, pouvez-vous m'aider à refaire mon CV ?",
            agreement={
                "frequency": "Deux séances d'une heure",
                "place": "Agence, salle 2",
                "schedule": "Le mardi à 10 h",
                "content": "Reprendre le CV de Thierry rubrique par rubrique.",
                "methods": "Thierry raconte ses postes, Yasmine propose des formulations.",
                "evaluation": "Le CV est envoyé à trois entreprises.",
            },
            reviews={
                "thierry.r": _review(
                    "Mon CV tient sur une page et parle enfin de ce que je sais faire.",
                    "Trouver les mots pour des choses que je fais sans y penser.",
                    "La patience de Yasmine et ses questions.",
                    "Préparer les entretiens.",
                ),
                "yasmine.l": _review(
                    "J'ai retrouvé le plaisir de ce métier.",
                    helpers="Thierry avait apporté toutes ses fiches de poste.",
                ),
            },
        ),
        Link(
            "done",
            "demo-22",
            "demo-03",
            message="J'ai un entretien dans deux semaines.",
            agreement={
                "place": "Agence, salle 2",
                "schedule": "Le jeudi à 14 h",
                "content": "Deux simulations d'entretien, puis un retour sur chacune.",
            },
            reviews={
                "karim.b": _review(
                    "Je sais maintenant présenter mon parcours en deux minutes.",
                    "Le stress du premier essai.",
                    "Sophie a joué une recruteuse très crédible.",
                ),
            },
        ),
        Link(
            "agreed",
            "demo-20",
            "demo-08",
            proposer="offerer",
            agreement={
                "frequency": "Une fois par semaine pendant un mois",
                "place": "Médiathèque du quartier",
                "schedule": "Le vendredi à 10 h",
                "content": "Écrire un courriel professionnel, se présenter au téléphone.",
            },
        ),
        Link(
            "accepted",
            "demo-19",
            "demo-04",
            message="Bonjour, je suis disponible le lundi après la permanence.",
        ),
        Link(
            "proposed",
            "demo-25",
            "demo-07",
            proposer="offerer",
            message="Je lance un groupe d'initiation un mercredi sur deux, cela vous dirait ?",
        ),
        Link("proposed", "demo-26", "demo-01", proposer="facilitator"),
        Link(
            "declined",
            "demo-31",
            "demo-13",
            message="Je me pose beaucoup de questions sur la création d'entreprise.",
        ),
        Link("cancelled", "demo-24", "demo-12", proposer="facilitator"),
    ),
    groups=(
        Group(
            "Cuisiner de saison à plusieurs",
            givers=("odile.m",),
            receivers=("membre", "fatou.d", "thierry.r"),
            agreement={
                "frequency": "Un samedi par mois",
                "place": "Cuisine du centre social",
                "schedule": "Le samedi de 10 h à 13 h",
                "content": "Une soupe, un plat et un dessert avec les légumes du marché.",
                "evaluation": "Chacun refait une recette chez soi et la raconte.",
            },
            reviews={
                "odile.m": _review("Transmettre ce que je faisais au travail me manquait."),
                "fatou.d": _review(
                    "J'ai appris à prévoir les repas de la semaine.",
                    next_steps="Proposer une recette de mon pays la prochaine fois.",
                ),
            },
        ),
    ),
)

# The stand-alone demo network of ``rers seed-demo``: Le Havre's data under its own name.
DEMO = dataclasses.replace(
    LE_HAVRE,
    slug="demo",
    name="RERS de démonstration",
    agency_code="DEMO",
    email_domain="demo.rers.test",
)

# --- Montivilliers -----------------------------------------------------------------------

MONTIVILLIERS = Town(
    slug="montivilliers",
    name="RERS de Montivilliers",
    city="Montivilliers",
    postcode="76290",
    latitude="49.5450",
    longitude="0.1880",
    agency_code="MTV",
    email_domain="montivilliers.demo.rers.test",
    description=(
        "Réseau fictif, voisin de ceux du Havre et d'Harfleur : ici aussi, chacun sait "
        "quelque chose et chacun peut apprendre. Permanence le mardi après-midi à la "
        "médiathèque."
    ),
    people=(
        Person(
            "membre",
            "Inès B.",
            presentation="Je reprends des études d'aide à domicile ; le jardinage me repose.",
            consents=((E, NET), (E, FED)),
        ),
        Person(
            "animatrice",
            "Claire D.",
            role=FACILITATOR,
            presentation="Psychologue du travail à l'agence, j'accueille les nouveaux le mardi.",
            phone="02 35 00 00 11",
            consents=((E, NET), (P, NET), (E, FED)),
        ),
        Person(
            "coordination",
            "Marc L.",
            role=COORDINATOR,
            presentation="Je coordonne le réseau et je fais le lien avec Le Havre et Harfleur.",
            consents=((E, NET),),
        ),
        Person(
            "gerard.f",
            "Gérard F.",
            presentation="Ancien mécanicien poids lourds, je bricole un peu de tout.",
            phone="06 00 00 00 12",
            consents=((P, NET), (P, FED)),
        ),
        Person(
            "amina.k",
            "Amina K.",
            presentation="Aide-soignante, je me prépare à devenir secrétaire médicale.",
            consents=((F, NET), (F, FED)),
            consent_scope="Les personnes qui s'intéressent au soin ou au secrétariat médical.",
        ),
        Person(
            "lucas.m",
            "Lucas M.",
            presentation="J'ai vingt-deux ans et je cherche une alternance dans le numérique.",
            other_link="https://lucas.demo.rers.test",
            consents=((L, NET), (L, FED)),
        ),
        Person(
            "josiane.r",
            "Josiane R.",
            presentation="Retraitée, j'ai passé trente ans derrière un guichet.",
            consents=(),  # she prefers to meet people at the drop-in session
        ),
        Person(
            "samir.h",
            "Samir H.",
            presentation="Chauffeur-livreur, je prépare le permis poids lourd.",
            phone="06 00 00 00 13",
            consents=((E, NET), (P, FED)),
        ),
        Person(
            "elodie.p",
            "Élodie P.",
            presentation="Maman de trois enfants, je veux reprendre un travail à temps partiel.",
            phone="06 00 00 00 14",
            other_link="https://elodie.demo.rers.test",
            consents=EVERY_CONSENT,
        ),
        Person(
            "vincent.a",
            "Vincent A.",
            presentation="Jardinier, je m'occupe d'un jardin partagé.",
            other_link="https://vincent.demo.rers.test",
            consents=((E, FED), (L, NET)),
        ),
        Person(
            "mireille.t",
            "Mireille T.",
            presentation="Ancienne secrétaire de mairie, les papiers ne me font pas peur.",
            consents=((F, NET),),
            consent_scope="Toute personne perdue dans ses papiers.",
        ),
        Person(
            "kevin.o",
            "Kévin O.",
            presentation="Je passe voir comment fonctionne le réseau.",
            visitor=True,
        ),
    ),
    listings=(
        (
            "mtv-01",
            "gerard.f",
            OFFER,
            KH,
            "bricolage-jardinage",
            "Entretenir son vélo",
            "Régler les freins, changer une chambre à air, graisser la chaîne : de quoi rouler "
            "sans passer chez le réparateur.",
            "og",
            "in_person",
            "Le samedi matin",
            "federated",
            OPEN,
        ),
        (
            "mtv-02",
            "amina.k",
            OFFER,
            EX,
            "metiers",
            "Le métier d'aide-soignante, de l'intérieur",
            "Les journées, les équipes, la fatigue et les bons moments : je raconte sans "
            "enjoliver.",
            "op",
            "either",
            "Le mercredi",
            "federated",
            OPEN,
        ),
        (
            "mtv-03",
            "lucas.m",
            OFFER,
            KH,
            "numerique",
            "Prendre en main son smartphone",
            "Installer une application, agrandir le texte, envoyer une photo, protéger ses "
            "données.",
            "og",
            "in_person",
            "Le mardi après-midi",
            "federated",
            OPEN,
        ),
        (
            "mtv-04",
            "josiane.r",
            OFFER,
            KN,
            "demarches",
            "Préparer son dossier de retraite",
            "Relevé de carrière, trimestres manquants, pièces à réunir : on fait le point "
            "ensemble.",
            "o",
            "in_person",
            "Le jeudi",
            "network",
            OPEN,
        ),
        (
            "mtv-05",
            "elodie.p",
            OFFER,
            KH,
            "cuisine",
            "Des goûters maison pour pas cher",
            "Gâteaux, biscuits et compotes avec ce qu'on a dans les placards.",
            "og",
            "in_person",
            "Le mercredi après-midi",
            "network",
            OPEN,
        ),
        (
            "mtv-06",
            "vincent.a",
            OFFER,
            KH,
            "bricolage-jardinage",
            "Jardiner au naturel",
            "Semis, compost et paillage, au jardin partagé du quartier.",
            "g",
            "in_person",
            "Le samedi",
            "federated",
            OPEN,
        ),
        (
            "mtv-07",
            "mireille.t",
            OFFER,
            KN,
            "demarches",
            "Comprendre un courrier administratif",
            "On lit ensemble le courrier, on repère ce qui est demandé et avant quelle date.",
            "o",
            "in_person",
            "Le mardi",
            "network",
            OPEN,
        ),
        (
            "mtv-08",
            "membre",
            OFFER,
            KH,
            "bricolage-jardinage",
            "Rempoter et bouturer ses plantes",
            "Multiplier ses plantes d'intérieur avec un verre d'eau et un peu de terreau.",
            "og",
            "in_person",
            "Le dimanche matin",
            "federated",
            OPEN,
        ),
        (
            "mtv-09",
            "animatrice",
            OFFER,
            EX,
            "vecu",
            "Changer de métier à quarante ans",
            "J'ai quitté la comptabilité pour la psychologie : les doutes, la formation, "
            "l'entourage.",
            "op",
            "either",
            "Le mardi",
            "network",
            OPEN,
        ),
        (
            "mtv-10",
            "samir.h",
            OFFER,
            KN,
            "mobilite",
            "Préparer le code de la route",
            "Les pièges des questions, les panneaux qu'on confond, des séries à faire ensemble.",
            "g",
            "in_person",
            "Le lundi soir",
            "network",
            PAUSED,
        ),
        (
            "mtv-11",
            "coordination",
            OFFER,
            KN,
            "formation",
            "Trouver une formation financée",
            "Où chercher, à qui s'adresser, comment monter son dossier.",
            "o",
            "in_person",
            "Le mardi matin",
            "network",
            OPEN,
        ),
        (
            "mtv-12",
            "elodie.p",
            OFFER,
            KH,
            "vie-quotidienne",
            "Organiser la semaine d'une famille",
            "Planning, courses, repas : ce qui marche chez nous avec trois enfants.",
            "o",
            "either",
            "Le lundi",
            "network",
            CLOSED,
        ),
        (
            "mtv-13",
            "membre",
            REQUEST,
            KH,
            "recherche-emploi",
            "Écrire une lettre de motivation",
            "Pour candidater à des postes d'aide à domicile.",
            "o",
            "in_person",
            "Le mardi",
            "network",
            OPEN,
        ),
        (
            "mtv-14",
            "lucas.m",
            REQUEST,
            EX,
            "recherche-emploi",
            "Réussir un entretien pour une alternance",
            "Je ne sais pas quoi répondre quand on me demande mes défauts.",
            "op",
            "in_person",
            "En semaine",
            "federated",
            OPEN,
        ),
        (
            "mtv-15",
            "gerard.f",
            REQUEST,
            KH,
            "numerique",
            "Envoyer des photos depuis mon téléphone",
            "Pour montrer mes réparations à mes enfants.",
            "o",
            "in_person",
            "Le mardi",
            "network",
            OPEN,
        ),
        (
            "mtv-16",
            "josiane.r",
            REQUEST,
            KH,
            "numerique",
            "Appeler mes petits-enfants en vidéo",
            "Ils habitent loin et je voudrais les voir en parlant.",
            "o",
            "in_person",
            "Le mardi après-midi",
            "network",
            OPEN,
        ),
        (
            "mtv-17",
            "samir.h",
            REQUEST,
            KN,
            "langues",
            "L'anglais de base pour la route",
            "Comprendre les consignes et les panneaux quand je livre à l'étranger.",
            "og",
            "either",
            "Le soir",
            "federated",
            OPEN,
        ),
        (
            "mtv-18",
            "elodie.p",
            REQUEST,
            KN,
            "demarches",
            "Comprendre mes droits pour la garde des enfants",
            "Quelles aides pour faire garder les enfants si je reprends un travail ?",
            "o",
            "in_person",
            "Le mardi",
            "network",
            OPEN,
        ),
        (
            "mtv-19",
            "amina.k",
            REQUEST,
            KH,
            "numerique",
            "Maîtriser un traitement de texte",
            "Mettre en forme des comptes rendus, faire des tableaux simples.",
            "o",
            "in_person",
            "Le jeudi",
            "network",
            OPEN,
        ),
        (
            "mtv-20",
            "vincent.a",
            REQUEST,
            KH,
            "cuisine",
            "Cuisiner les légumes du jardin",
            "Que faire de trente courgettes en août ?",
            "og",
            "in_person",
            "Le samedi",
            "network",
            OPEN,
        ),
        (
            "mtv-21",
            "coordination",
            REQUEST,
            KN,
            "sante-bien-etre",
            "Gérer son stress",
            "Des exercices simples de respiration et de relaxation.",
            "g",
            "in_person",
            "Le soir",
            "network",
            PAUSED,
        ),
        (
            "mtv-22",
            "mireille.t",
            REQUEST,
            KH,
            "arts-culture",
            "Apprendre l'aquarelle",
            "Les couleurs, l'eau, le papier : je n'ai jamais peint.",
            "g",
            "in_person",
            "Le jeudi après-midi",
            "federated",
            OPEN,
        ),
        (
            "mtv-23",
            "mireille.t",
            OFFER,
            KH,
            "recherche-emploi",
            "Écrire une lettre de motivation",
            "Trouver le bon ton, être court et précis, relire l'orthographe.",
            "o",
            "in_person",
            "Le mardi",
            "network",
            OPEN,
        ),
        (
            "mtv-24",
            "samir.h",
            REQUEST,
            EX,
            "vecu",
            "Parler avec quelqu'un qui a changé de voie",
            "Je me demande si je dois quitter la livraison.",
            "o",
            "either",
            "Le lundi soir",
            "network",
            OPEN,
        ),
        # Left without any connection: a good offer answers it (a suggested connection).
        (
            "mtv-25",
            "josiane.r",
            REQUEST,
            KH,
            "bricolage-jardinage",
            "Entretenir mon vélo moi-même",
            "Régler les freins et changer une chambre à air sans aller chez le réparateur.",
            "o",
            "in_person",
            "Le samedi",
            "network",
            OPEN,
        ),
    ),  # fmt: skip
    gatherings=(
        Gathering(
            "drop_in",
            "Permanence du mardi après-midi",
            "Accueil sans rendez-vous : découvrir le réseau, inscrire une offre ou une demande.",
            "Médiathèque, salle d'animation",
            day=1,
            hours=(14, 17),
            rrule="FREQ=WEEKLY;BYDAY=TU",
            facilitated=True,
        ),
        Gathering(
            "monthly_meeting",
            "Rencontre mensuelle",
            "Le point sur les échanges du mois autour d'un café.",
            "Médiathèque, salle d'animation",
            day=0,
            months=0,
            hours=(18, 20),
            rrule="FREQ=MONTHLY;BYDAY=2TU",
        ),
        Gathering(
            "retrospective",
            "Échanges sur les échanges",
            "Le bilan des six derniers mois, raconté par ceux qui ont échangé.",
            "Médiathèque, salle d'animation",
            day=0,
            months=-4,
            hours=(14, 17),
            rrule="FREQ=MONTHLY;INTERVAL=6;BYDAY=2SA",
            facilitated=True,
            testimonies=(
                Testimonial(
                    "gerard.f",
                    "Je ne savais pas envoyer une photo ; maintenant c'est moi qui montre aux "
                    "voisins.",
                    "first_name",
                    "Gérard",
                    featured=True,
                ),
                Testimonial(
                    "elodie.p",
                    "On m'a écoutée sans me juger, et j'ai osé dire ce que je savais faire.",
                    "anonymous",
                    featured=True,
                ),
            ),
        ),
        Gathering(
            "collective_exchange",
            "Atelier numérique ouvert aux réseaux voisins",
            "Smartphone, courriel, visioconférence : venez avec vos questions et votre "
            "appareil. Ouvert aux membres du Havre et d'Harfleur.",
            "Médiathèque, salle informatique",
            day=8,
            hours=(14, 17),
            capacity=12,
            visibility=FED,
            facilitated=True,
            registrants=("gerard.f", "josiane.r"),
            news=(
                "Atelier numérique avec nos voisins",
                "Douze places, pour les membres des trois réseaux.",
            ),
        ),
    ),
    links=(
        Link(
            "closed",
            "mtv-15",
            "mtv-03",
            agreement={
                "place": "Médiathèque",
                "schedule": "Le mardi à 15 h",
                "content": "Prendre une photo, l'envoyer par message et par courriel.",
            },
            reviews={
                "gerard.f": _review(
                    "J'envoie des photos à mes enfants toutes les semaines.",
                    "Les petites touches de l'écran.",
                    "Lucas a tout noté sur une fiche.",
                ),
                "lucas.m": _review(
                    "Expliquer simplement, ça m'entraîne pour mon futur métier.",
                    next_steps="Proposer un atelier à plusieurs.",
                ),
            },
        ),
        Link(
            "done",
            "mtv-18",
            "mtv-07",
            proposer="facilitator",
            agreement={
                "place": "Agence, bureau 3",
                "schedule": "Le mardi à 10 h",
                "content": "Lire les courriers de la caisse d'allocations et faire la liste "
                "des aides.",
            },
            reviews={
                "elodie.p": _review(
                    "Je sais enfin à quelles aides j'ai droit.",
                    helpers="Mireille connaît tous les formulaires.",
                ),
            },
        ),
        Link(
            "agreed",
            "mtv-16",
            "mtv-03",
            agreement={
                "place": "Médiathèque",
                "schedule": "Le mardi à 16 h",
                "content": "Installer une application d'appel vidéo et faire un premier appel.",
            },
        ),
        Link(
            "accepted",
            "mtv-13",
            "mtv-23",
            message="Bonjour Mireille, j'ai trois candidatures à envoyer.",
        ),
        Link(
            "proposed",
            "mtv-24",
            "mtv-09",
            message="Bonjour Claire, votre expérience m'aiderait à y voir clair.",
        ),
        Link(
            "declined",
            "mtv-20",
            "mtv-05",
            proposer="facilitator",
        ),
    ),
)

# --- Harfleur ----------------------------------------------------------------------------

HARFLEUR = Town(
    slug="harfleur",
    name="RERS d'Harfleur",
    city="Harfleur",
    postcode="76700",
    latitude="49.5066",
    longitude="0.1981",
    agency_code="HFL",
    email_domain="harfleur.demo.rers.test",
    description=(
        "Réseau fictif, voisin du Havre et de Montivilliers : les savoirs du port, de la "
        "cuisine et de la vie de tous les jours. Permanence le jeudi matin au centre social."
    ),
    people=(
        Person(
            "membre",
            "Léa G.",
            presentation="Je sors d'une formation de vendeuse et je chante dans une chorale.",
            consents=((E, NET), (E, FED), (F, FED)),
        ),
        Person(
            "animatrice",
            "Fabienne R.",
            role=FACILITATOR,
            presentation="Conseillère emploi, j'anime la permanence du jeudi.",
            phone="02 35 00 00 21",
            consents=((E, NET), (P, NET)),
        ),
        Person(
            "coordination",
            "Olivier N.",
            role=COORDINATOR,
            presentation="Je coordonne le réseau et j'organise le café des savoirs.",
            phone="02 35 00 00 22",
            consents=((E, NET), (E, FED), (P, FED)),
        ),
        Person(
            "rachid.z",
            "Rachid Z.",
            presentation="Soudeur sur le port pendant quinze ans.",
            phone="06 00 00 00 23",
            consents=((P, NET),),
        ),
        Person(
            "nathalie.c",
            "Nathalie C.",
            presentation="Assistante maternelle, j'aimerais travailler en crèche.",
            other_link="https://nathalie.demo.rers.test",
            consents=((E, NET), (L, NET), (L, FED)),
        ),
        Person(
            "pierre.l",
            "Pierre L.",
            presentation="Ancien professeur de mathématiques, je donne volontiers un coup de main.",
            phone="06 00 00 00 24",
            other_link="https://pierre.demo.rers.test",
            consents=EVERY_CONSENT,
        ),
        Person(
            "manon.d",
            "Manon D.",
            presentation="Étudiante en BTS, je parle allemand et anglais.",
            consents=((E, FED),),
        ),
        Person(
            "abdou.s",
            "Abdou S.",
            presentation="Cuisinier, je cherche un poste en restauration collective.",
            consents=((F, NET), (F, FED)),
            consent_scope="Les personnes qui connaissent la restauration.",
        ),
        Person(
            "christine.v",
            "Christine V.",
            presentation="Ancienne responsable de magasin, je me remets au travail après une "
            "longue maladie.",
            consents=(),  # only through the facilitators for now
        ),
        Person(
            "yann.b",
            "Yann B.",
            presentation="Électricien, je monte ma micro-entreprise.",
            phone="06 00 00 00 25",
            consents=((E, NET), (P, NET), (E, FED)),
        ),
        Person(
            "sylvie.m",
            "Sylvie M.",
            presentation="Bénévole à l'épicerie solidaire.",
            other_link="https://sylvie.demo.rers.test",
            consents=((L, NET),),
        ),
        Person(
            "tom.r",
            "Tom R.",
            presentation="Un ami m'a parlé du réseau.",
            visitor=True,
        ),
    ),
    listings=(
        (
            "hfl-01",
            "rachid.z",
            OFFER,
            EX,
            "metiers",
            "Les métiers du port et de l'industrie",
            "Soudure, maintenance, sécurité : à quoi ressemblent les journées, comment on y entre.",
            "og",
            "in_person",
            "Le vendredi après-midi",
            "federated",
            OPEN,
        ),
        (
            "hfl-02",
            "pierre.l",
            OFFER,
            KN,
            "formation",
            "Remise à niveau en calcul",
            "Pourcentages, proportions, conversions : ce que demandent les tests d'entrée en "
            "formation.",
            "og",
            "in_person",
            "Le mardi et le jeudi",
            "federated",
            OPEN,
        ),
        (
            "hfl-03",
            "manon.d",
            OFFER,
            KN,
            "langues",
            "Conversation en allemand",
            "Pour les débutants comme pour ceux qui veulent reprendre.",
            "og",
            "either",
            "Le mercredi soir",
            "federated",
            OPEN,
        ),
        (
            "hfl-04",
            "abdou.s",
            OFFER,
            KH,
            "cuisine",
            "Le mafé et le yassa en famille",
            "Faire les courses, préparer, partager : deux plats d'Afrique de l'Ouest pour six "
            "personnes.",
            "g",
            "in_person",
            "Un dimanche par mois",
            "federated",
            OPEN,
        ),
        (
            "hfl-05",
            "nathalie.c",
            OFFER,
            EX,
            "vie-quotidienne",
            "Concilier travail et vie de famille",
            "Les horaires décalés, la garde des enfants, le temps pour soi.",
            "op",
            "either",
            "Le lundi soir",
            "network",
            OPEN,
        ),
        (
            "hfl-06",
            "yann.b",
            OFFER,
            KH,
            "bricolage-jardinage",
            "Comprendre son tableau électrique",
            "Repérer les disjoncteurs, changer une ampoule en sécurité, savoir ce qu'il ne faut "
            "pas faire soi-même.",
            "g",
            "in_person",
            "Le samedi matin",
            "network",
            OPEN,
        ),
        (
            "hfl-07",
            "sylvie.m",
            OFFER,
            KH,
            "vie-quotidienne",
            "Faire ses courses malin",
            "Comparer les prix au kilo, cuisiner les restes, éviter le gaspillage.",
            "og",
            "in_person",
            "Le jeudi",
            "network",
            OPEN,
        ),
        (
            "hfl-08",
            "membre",
            OFFER,
            KH,
            "arts-culture",
            "Chanter ensemble sans savoir lire la musique",
            "Échauffement, souffle et chansons connues de tous.",
            "g",
            "in_person",
            "Le mercredi soir",
            "federated",
            OPEN,
        ),
        (
            "hfl-09",
            "animatrice",
            OFFER,
            KN,
            "recherche-emploi",
            "Chercher sur les sites d'offres d'emploi",
            "Créer ses alertes, trier les annonces, repérer les offres sérieuses.",
            "o",
            "in_person",
            "Le jeudi matin",
            "network",
            OPEN,
        ),
        (
            "hfl-10",
            "coordination",
            OFFER,
            KN,
            "creation-activite",
            "Monter un projet associatif",
            "Statuts, assemblée générale, premières subventions : mon expérience de trésorier.",
            "op",
            "either",
            "Le samedi",
            "network",
            OPEN,
        ),
        (
            "hfl-11",
            "pierre.l",
            OFFER,
            KH,
            "numerique",
            "Débuter avec un ordinateur",
            "La souris, le clavier, les dossiers : les tout premiers pas.",
            "o",
            "in_person",
            "Le lundi",
            "network",
            PAUSED,
        ),
        (
            "hfl-12",
            "christine.v",
            OFFER,
            KH,
            "arts-culture",
            "Tricot et crochet pour débutants",
            "Monter les mailles, tricoter une écharpe, lire un modèle.",
            "g",
            "in_person",
            "Le mardi après-midi",
            "network",
            OPEN,
        ),
        (
            "hfl-13",
            "membre",
            REQUEST,
            KH,
            "recherche-emploi",
            "Préparer un entretien de vendeuse",
            "Je voudrais savoir ce que regardent les responsables de magasin.",
            "o",
            "in_person",
            "Le jeudi",
            "network",
            OPEN,
        ),
        (
            "hfl-14",
            "abdou.s",
            REQUEST,
            KH,
            "numerique",
            "Mettre mon CV en ligne",
            "Créer mon profil sur les sites d'offres et y déposer mon CV.",
            "o",
            "in_person",
            "Le jeudi matin",
            "network",
            OPEN,
        ),
        (
            "hfl-15",
            "nathalie.c",
            REQUEST,
            KN,
            "formation",
            "Préparer le concours d'auxiliaire de puériculture",
            "Les épreuves, les révisions, les écoles de la région.",
            "og",
            "either",
            "Le soir",
            "federated",
            OPEN,
        ),
        (
            "hfl-16",
            "christine.v",
            REQUEST,
            EX,
            "vecu",
            "Reprendre confiance après une longue absence",
            "Parler avec quelqu'un qui a repris le travail après une pause.",
            "o",
            "in_person",
            "Le lundi",
            "network",
            OPEN,
        ),
        (
            "hfl-17",
            "yann.b",
            REQUEST,
            KN,
            "creation-activite",
            "Tenir la comptabilité d'une micro-entreprise",
            "Le livre des recettes, les déclarations, les factures.",
            "o",
            "either",
            "Le soir",
            "federated",
            OPEN,
        ),
        (
            "hfl-18",
            "rachid.z",
            REQUEST,
            KN,
            "formation",
            "Revoir les maths pour une formation",
            "Je veux entrer en formation de technicien de maintenance.",
            "o",
            "in_person",
            "Le mardi",
            "network",
            OPEN,
        ),
        (
            "hfl-19",
            "manon.d",
            REQUEST,
            KH,
            "cuisine",
            "Cuisiner pour toute la semaine",
            "Préparer en une après-midi des repas pour cinq jours.",
            "og",
            "in_person",
            "Le dimanche",
            "network",
            OPEN,
        ),
        (
            "hfl-20",
            "sylvie.m",
            REQUEST,
            KH,
            "numerique",
            "Faire ses démarches sur une tablette",
            "Je viens d'en recevoir une et je ne sais pas m'en servir.",
            "o",
            "in_person",
            "Le jeudi",
            "network",
            CLOSED,
        ),
        (
            "hfl-21",
            "coordination",
            REQUEST,
            KN,
            "langues",
            "Réviser mon anglais avant un voyage",
            "Demander son chemin, commander au restaurant.",
            "o",
            "remote",
            "Le soir",
            "network",
            OPEN,
        ),
        (
            "hfl-22",
            "pierre.l",
            REQUEST,
            KH,
            "cuisine",
            "Faire son pain au levain",
            "Préparer le levain et le garder vivant.",
            "o",
            "in_person",
            "Le samedi",
            "network",
            OPEN,
        ),
        (
            "hfl-23",
            "christine.v",
            OFFER,
            EX,
            "recherche-emploi",
            "Ce que regarde un recruteur dans le commerce",
            "Vingt ans de recrutements en magasin : la tenue, le sourire, les questions qui "
            "reviennent.",
            "o",
            "in_person",
            "Le lundi après-midi",
            "network",
            OPEN,
        ),
        # Left without any connection: a good offer answers it (a suggested connection).
        (
            "hfl-24",
            "manon.d",
            REQUEST,
            KH,
            "arts-culture",
            "Apprendre à tricoter",
            "Monter les mailles et tricoter une écharpe pour l'hiver.",
            "g",
            "in_person",
            "Le mercredi",
            "network",
            OPEN,
        ),
    ),  # fmt: skip
    gatherings=(
        Gathering(
            "drop_in",
            "Permanence du jeudi matin",
            "Accueil des visiteurs et des membres, au centre social, sans rendez-vous.",
            "Centre social, salle d'accueil",
            day=3,
            hours=(9, 12),
            rrule="FREQ=WEEKLY;BYDAY=TH",
            facilitated=True,
        ),
        Gathering(
            "monthly_meeting",
            "Rencontre mensuelle",
            "Les nouvelles offres et demandes, les échanges en cours, les idées du mois.",
            "Centre social, grande salle",
            day=0,
            months=0,
            hours=(18, 20),
            rrule="FREQ=MONTHLY;BYDAY=-1TH",
        ),
        Gathering(
            "retrospective",
            "Échanges sur les échanges",
            "On se retrouve pour dire ce que le réseau a changé pour chacun.",
            "Centre social, grande salle",
            day=0,
            months=-4,
            hours=(14, 17),
            rrule="FREQ=MONTHLY;INTERVAL=6;BYDAY=3SA",
            facilitated=True,
            testimonies=(
                Testimonial(
                    "rachid.z",
                    "Les maths me faisaient peur depuis l'école. Avec Pierre, j'ai réussi le "
                    "test d'entrée.",
                    "first_name",
                    "Rachid",
                    featured=True,
                ),
                Testimonial(
                    "christine.v",
                    "Sortir de chez moi pour le tricot du mardi, c'était déjà reprendre pied.",
                    "anonymous",
                    featured=True,
                ),
                Testimonial(
                    "abdou.s",
                    "J'ai cuisiné pour vingt personnes et on m'a demandé mes recettes.",
                ),
            ),
        ),
        Gathering(
            "other",
            "Café des savoirs",
            "Chaque mois, un café ouvert aux membres des réseaux voisins : on se rencontre, "
            "on présente une offre, on trouve quelqu'un pour sa demande.",
            "Café associatif, place de l'église",
            day=0,
            months=0,
            hours=(10, 12),
            rrule="FREQ=MONTHLY;BYDAY=3SA",
            visibility=FED,
            news=(
                "Le café des savoirs s'ouvre aux voisins",
                "Les membres du Havre et de Montivilliers sont les bienvenus chaque mois.",
            ),
        ),
    ),
    links=(
        Link(
            "closed",
            "hfl-18",
            "hfl-02",
            agreement={
                "frequency": "Chaque semaine pendant deux mois",
                "place": "Centre social, petite salle",
                "schedule": "Le mardi à 14 h",
                "content": "Fractions, pourcentages et problèmes des tests d'entrée.",
                "evaluation": "Un test blanc à la fin.",
            },
            reviews={
                "rachid.z": _review(
                    "J'ai eu 15 au test blanc, et le vrai test est réussi.",
                    "Revenir chaque semaine après le travail.",
                    "Pierre part toujours d'exemples de l'atelier.",
                    "Aider quelqu'un d'autre à mon tour.",
                ),
                "pierre.l": _review("Rachid a été un élève tenace, j'ai appris de lui aussi."),
            },
        ),
        Link(
            "agreed",
            "hfl-14",
            "hfl-09",
            proposer="offerer",
            agreement={
                "place": "Centre social, espace numérique",
                "schedule": "Le jeudi à 11 h, après la permanence",
                "content": "Créer le profil, déposer le CV, programmer deux alertes.",
            },
        ),
        Link(
            "accepted",
            "hfl-13",
            "hfl-23",
            proposer="facilitator",
            message="Christine a recruté en magasin pendant vingt ans.",
        ),
        Link("proposed", "hfl-16", "hfl-05", proposer="facilitator"),
        Link(
            "cancelled",
            "hfl-19",
            "hfl-04",
            message="J'adorerais apprendre le mafé !",
        ),
    ),
)

TOWNS: dict[str, Town] = {town.slug: town for town in (DEMO, LE_HAVRE, MONTIVILLIERS, HARFLEUR)}
# The three neighbours of ``make demo``, in the order they ask each other to peer: each
# asks those after it.
NEIGHBOURS = ("le-havre", "montivilliers", "harfleur")


# --- Across networks (``rers demo-federate``) ---------------------------------------------


@dataclass(frozen=True)
class CrossAsk:
    """A member asks for a neighbouring network's offer, from their own network."""

    town: str
    member: str
    offer_town: str
    offer: str  # the offer's external reference in its network
    message: str
    accepted: bool  # the offerer accepts; otherwise the request waits for their answer


@dataclass(frozen=True)
class CrossVisit:
    """A member registers for a neighbouring network's shared event."""

    town: str
    member: str
    event_town: str
    event: str  # its title


CROSS_ASKS = (
    CrossAsk(
        "montivilliers",
        "membre",
        "le-havre",
        "demo-03",
        "Bonjour, je prépare des entretiens pour des postes d'aide à domicile.",
        accepted=True,
    ),
    # Left for membre@montivilliers to answer: the demo shows a request from a neighbour.
    CrossAsk(
        "harfleur",
        "pierre.l",
        "montivilliers",
        "mtv-08",
        "Bonjour, mes boutures ne prennent jamais : je veux bien vos conseils.",
        accepted=False,
    ),
)
CROSS_VISITS = (
    CrossVisit("harfleur", "membre", "le-havre", "Forum des savoirs des réseaux voisins"),
    CrossVisit(
        "le-havre", "karim.b", "montivilliers", "Atelier numérique ouvert aux réseaux voisins"
    ),
)

"""``rers seed-demo [--reset]``: a demo network with fictional members, offers and requests.

Everything goes through the services, as a facilitator's work would. Running it again
reuses what exists (accounts by email, listings by external reference); ``--reset``
deletes the demo network and its accounts first. The people are fictional.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from rers_core import permissions
from rers_core.errors import NotFound
from rers_core.models import Listing, Member, Network
from rers_core.selectors.listings import listing_by_external_ref
from rers_core.selectors.networks import network_get
from rers_core.services import connections as connection_services
from rers_core.services import events as event_services
from rers_core.services import listings as listing_services
from rers_core.services import members as member_services
from rers_core.services import portal as portal_services
from rers_core.services.networks import network_create_or_update, network_delete

SLUG = "demo"
PASSWORD = "demo-rers-2026"
EMAIL_DOMAIN = "demo.rers.test"

NETWORK = {
    "name": "RERS de démonstration",
    "city": "Le Havre",
    "postcode": "76600",
    "latitude": "49.4944",
    "longitude": "0.1079",
    "timezone": "Europe/Paris",
    "contact_email": f"contact@{EMAIL_DOMAIN}",
    "agency_code": "DEMO",
    "description": (
        "Réseau fictif pour découvrir le logiciel : chacun y offre et y demande des savoirs, "
        "sans argent ni contrepartie. Permanence le lundi matin à l'agence."
    ),
}

E, P, L, F = "email", "phone", "link", "via_facilitator"
NET, FED = "network", "federated"


@dataclass
class Person:
    email: str
    display_name: str
    role: str = Member.Role.MEMBER
    presentation: str = ""
    phone: str = ""
    other_link: str = ""
    consents: tuple[tuple[str, str], ...] = ()
    consent_scope: str = ""
    demo_account: bool = False
    visitor: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# Fictional people. Together their consents cover every channel and audience: none at
# all, one channel, several, only through a facilitator (with a scope), everything.
PEOPLE = [
    Person(
        f"membre@{EMAIL_DOMAIN}",
        "Sam M.",
        presentation="Je cherche un emploi dans la logistique et j'aime la photo.",
        consents=((E, NET),),
        demo_account=True,
    ),
    Person(
        f"animatrice@{EMAIL_DOMAIN}",
        "Nora A.",
        role=Member.Role.FACILITATOR,
        presentation="Conseillère à l'agence, j'anime la permanence du lundi.",
        phone="02 35 00 00 01",
        consents=((E, NET), (P, NET)),
        demo_account=True,
    ),
    Person(
        f"coordination@{EMAIL_DOMAIN}",
        "Paul C.",
        role=Member.Role.COORDINATOR,
        presentation="Je coordonne le réseau et les rencontres avec les réseaux voisins.",
        consents=((E, NET), (E, FED)),
        demo_account=True,
    ),
    Person(
        f"yasmine.l@{EMAIL_DOMAIN}",
        "Yasmine L.",
        presentation="Ancienne assistante RH, je connais bien les CV.",
        consents=(),  # nobody may contact her directly for now
    ),
    Person(
        f"bertrand.c@{EMAIL_DOMAIN}",
        "Bertrand C.",
        presentation="Quinze ans à l'hôpital comme brancardier, puis aide-soignant.",
        consents=((F, NET),),
        consent_scope="Toute personne qui s'intéresse aux métiers de l'hôpital.",
    ),
    Person(
        f"nadia.s@{EMAIL_DOMAIN}",
        "Nadia S.",
        presentation="Comptable de formation, les tableurs ne me font pas peur.",
        phone="06 00 00 00 02",
        consents=((P, NET), (P, FED)),
    ),
    Person(
        f"jules.p@{EMAIL_DOMAIN}",
        "Jules P.",
        presentation="Je prépare le code et j'aide volontiers sur l'ordinateur.",
        other_link="https://jules.demo.rers.test",
        consents=((L, NET),),
    ),
    Person(
        f"odile.m@{EMAIL_DOMAIN}",
        "Odile M.",
        presentation="Cuisinière en collectivité pendant vingt ans.",
        consents=((F, NET), (F, FED)),
    ),
    Person(
        f"karim.b@{EMAIL_DOMAIN}",
        "Karim B.",
        presentation="Formateur bénévole aux premiers secours.",
        other_link="https://karim.demo.rers.test",
        consents=((E, NET), (E, FED), (L, FED)),
    ),
    Person(
        f"sophie.g@{EMAIL_DOMAIN}",
        "Sophie G.",
        presentation="J'ai recruté pendant des années ; je parle espagnol.",
        phone="06 00 00 00 03",
        other_link="https://sophie.demo.rers.test",
        consents=tuple((c, a) for c in (E, P, L, F) for a in (NET, FED)),
    ),
    Person(
        f"thierry.r@{EMAIL_DOMAIN}",
        "Thierry R.",
        presentation="Vingt ans dans la même entreprise, je me remets à chercher.",
        phone="06 00 00 00 04",
        consents=((P, NET),),
    ),
    Person(
        f"fatou.d@{EMAIL_DOMAIN}",
        "Fatou D.",
        presentation="Professeure d'anglais, je prépare un changement de métier.",
        consents=((E, NET), (F, FED)),
    ),
    Person(
        f"maelle.v@{EMAIL_DOMAIN}",
        "Maëlle V.",
        presentation="Micro-entrepreneuse en couture depuis deux ans.",
        consents=((E, FED),),
    ),
    Person(
        f"hugo.t@{EMAIL_DOMAIN}",
        "Hugo T.",
        presentation="Je viens découvrir le réseau.",
        visitor=True,
    ),
]

OFFER, REQUEST = Listing.Direction.OFFER, Listing.Direction.REQUEST
KN, KH, EX = Listing.Kind.KNOWLEDGE, Listing.Kind.KNOW_HOW, Listing.Kind.EXPERIENCE
OPEN, PAUSED, CLOSED = Listing.Status.OPEN, Listing.Status.PAUSED, Listing.Status.CLOSED

# (external_ref, owner's email prefix, direction, kind, domain slug, title, description,
#  modalities one_to_one/group/practice, setting, availability, visibility, status)
LISTINGS: list[tuple] = [
    ("demo-01", "bertrand.c", OFFER, EX, "metiers",
     "Découvrir les métiers de l'hôpital",
     "Brancardier, agent de service hospitalier, aide-soignant : je raconte le quotidien, "
     "les horaires, les concours et ce qui m'a plu.",
     "og", "in_person", "Le mardi après-midi", "federated", OPEN),
    ("demo-02", "yasmine.l", OFFER, KH, "recherche-emploi",
     "Relire et améliorer votre CV",
     "On relit ensemble votre CV, on le rend clair et on met en valeur ce que vous savez faire.",
     "o", "either", "En semaine, le matin", "network", OPEN),
    ("demo-03", "sophie.g", OFFER, KH, "recherche-emploi",
     "Préparer un entretien d'embauche",
     "Simulation d'entretien puis retour bienveillant : se présenter, parler de son parcours, "
     "répondre aux questions difficiles.",
     "op", "in_person", "Le jeudi", "federated", OPEN),
    ("demo-04", "nadia.s", OFFER, KH, "numerique",
     "Débuter sur Excel : tableaux et formules simples",
     "Créer un tableau, faire des sommes et des moyennes, trier une liste. "
     "Sur LibreOffice Calc aussi.",
     "og", "in_person", "Le lundi après la permanence", "network", OPEN),
    ("demo-05", "jules.p", OFFER, KH, "numerique",
     "Créer et utiliser une adresse courriel",
     "Créer une boîte mail, envoyer un message avec une pièce jointe, trier ses courriels.",
     "o", "in_person", "Le mercredi", "network", OPEN),
    ("demo-06", "odile.m", OFFER, KH, "cuisine",
     "Cuisiner de saison avec un petit budget",
     "Des recettes simples avec les légumes du marché, et comment prévoir les repas "
     "de la semaine.",
     "g", "in_person", "Un samedi par mois", "federated", OPEN),
    ("demo-07", "karim.b", OFFER, KN, "sante-bien-etre",
     "Les gestes de premiers secours",
     "Alerter, protéger, masser : une initiation aux gestes qui sauvent, en petit groupe.",
     "g", "in_person", "Un mercredi sur deux", "federated", OPEN),
    ("demo-08", "fatou.d", OFFER, KN, "langues",
     "Conversation en anglais pour débutants",
     "Parler de soi, se présenter, comprendre une offre d'emploi en anglais.",
     "og", "either", "Le vendredi", "network", OPEN),
    ("demo-09", "thierry.r", OFFER, KH, "bricolage-jardinage",
     "Petites réparations à la maison",
     "Changer un joint, fixer une étagère, choisir ses outils.",
     "o", "in_person", "Le samedi matin", "network", OPEN),
    ("demo-10", "coordination", OFFER, KN, "demarches",
     "S'y retrouver dans les démarches en ligne",
     "Créer ses comptes sur les sites administratifs, retrouver un document, suivre un dossier.",
     "o", "in_person", "Le lundi matin", "network", OPEN),
    ("demo-11", "animatrice", OFFER, EX, "vecu",
     "Reprendre un emploi après une longue pause",
     "J'ai repris le travail après huit ans à la maison : ce qui m'a aidée, ce qui a été dur.",
     "op", "in_person", "Le lundi", "network", OPEN),
    ("demo-12", "membre", OFFER, KH, "arts-culture",
     "Photographier avec son smartphone",
     "Cadrer, régler la lumière, retoucher simplement ses photos.",
     "og", "in_person", "Le week-end", "network", OPEN),
    ("demo-13", "maelle.v", OFFER, EX, "creation-activite",
     "Mon expérience de micro-entrepreneuse",
     "Les démarches de création, les premiers clients, ce que je referais autrement.",
     "op", "either", "Le mardi soir", "federated", OPEN),
    ("demo-14", "sophie.g", OFFER, KN, "langues",
     "Conversation en espagnol",
     "Pour reprendre confiance à l'oral, tous niveaux.",
     "g", "remote", "Le mardi à 18 h", "network", OPEN),
    ("demo-15", "odile.m", OFFER, KH, "vie-quotidienne",
     "Faire son budget du mois",
     "Lister ses dépenses, prévoir les factures, mettre un peu de côté.",
     "o", "in_person", "Le jeudi matin", "network", OPEN),
    ("demo-16", "nadia.s", OFFER, KH, "numerique",
     "Mettre en page un courrier avec un traitement de texte",
     "Marges, en-tête, signature : un courrier propre pour ses candidatures.",
     "o", "in_person", "Le lundi", "network", PAUSED),
    ("demo-17", "jules.p", OFFER, KN, "mobilite",
     "Réviser le code de la route",
     "Séries de questions commentées ensemble.",
     "g", "in_person", "Le mercredi après-midi", "network", CLOSED),
    ("demo-18", "bertrand.c", OFFER, KH, "formation",
     "Préparer l'entrée en formation d'aide-soignant",
     "Le dossier, l'oral, le stage : je partage ce que j'ai vécu.",
     "o", "either", "Le mardi", "federated", OPEN),
    ("demo-19", "membre", REQUEST, KH, "numerique",
     "Apprendre les bases d'Excel",
     "Pour tenir un tableau de suivi de mes candidatures.",
     "o", "in_person", "Le lundi matin", "network", OPEN),
    ("demo-20", "yasmine.l", REQUEST, KN, "langues",
     "Améliorer mon anglais professionnel",
     "Écrire un courriel et tenir une conversation simple au téléphone.",
     "og", "either", "En semaine", "network", OPEN),
    ("demo-21", "thierry.r", REQUEST, KH, "recherche-emploi",
     "Refaire mon CV après vingt ans dans la même entreprise",
     "Je ne sais pas comment présenter tout ce que j'ai appris sur le terrain.",
     "o", "in_person", "Le mardi", "network", OPEN),
    ("demo-22", "karim.b", REQUEST, KH, "recherche-emploi",
     "M'entraîner aux entretiens d'embauche",
     "Je perds mes moyens devant un recruteur.",
     "op", "in_person", "Le jeudi", "network", OPEN),
    ("demo-23", "fatou.d", REQUEST, KH, "demarches",
     "Remplir une demande de logement social",
     "Savoir quels papiers préparer et comment suivre la demande.",
     "o", "in_person", "Le lundi", "network", OPEN),
    ("demo-24", "maelle.v", REQUEST, KH, "numerique",
     "Présenter mon activité sur les réseaux sociaux",
     "Créer une page, publier des photos de mes créations.",
     "o", "either", "Le vendredi", "network", OPEN),
    ("demo-25", "animatrice", REQUEST, KN, "sante-bien-etre",
     "Apprendre les gestes de secourisme",
     "Je voudrais savoir réagir en cas de malaise.",
     "g", "in_person", "Un mercredi", "network", OPEN),
    ("demo-26", "jules.p", REQUEST, EX, "metiers",
     "Comment se passe le travail de nuit à l'hôpital ?",
     "J'hésite à postuler comme agent de service de nuit.",
     "o", "in_person", "Quand vous voulez", "federated", OPEN),
    ("demo-27", "odile.m", REQUEST, KH, "numerique",
     "Envoyer une pièce jointe par courriel",
     "Pour envoyer mon CV aux entreprises.",
     "o", "in_person", "Le lundi", "network", PAUSED),
    ("demo-28", "coordination", REQUEST, KH, "cuisine",
     "Faire son pain maison",
     "Pétrir, laisser lever, cuire au four de la maison.",
     "og", "in_person", "Le samedi", "network", OPEN),
    ("demo-29", "sophie.g", REQUEST, KH, "bricolage-jardinage",
     "Démarrer un potager sur un balcon",
     "Quelles plantes, quels bacs, quand semer ?",
     "o", "in_person", "Au printemps", "network", CLOSED),
    ("demo-30", "nadia.s", REQUEST, KN, "langues",
     "Découvrir la langue des signes française",
     "Quelques signes pour accueillir une personne sourde.",
     "g", "in_person", "Le soir", "network", OPEN),
    ("demo-31", "thierry.r", REQUEST, KN, "creation-activite",
     "Réfléchir à la création d'une micro-entreprise",
     "Est-ce fait pour moi ? Quelles démarches ?",
     "op", "either", "Le mercredi", "network", OPEN),
    ("demo-32", "karim.b", REQUEST, EX, "formation",
     "Reprendre une formation après quarante ans",
     "Échanger avec quelqu'un qui l'a fait.",
     "o", "in_person", "Le mardi", "network", CLOSED),
]  # fmt: skip


class Command(BaseCommand):
    help = (
        "Create the demo network (fictional people, offers and requests) with demo "
        "accounts. Idempotent; --reset deletes the demo network first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo network, its members and their accounts first",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="address of the portal, to print (default http://127.0.0.1:8000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo people are fictional: their notification emails go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._seed(options)
        self._print_access(options["base_url"].rstrip("/"))

    def _seed(self, options: dict[str, Any]) -> None:
        with transaction.atomic():
            if options["reset"]:
                self._reset()
            network, created = network_create_or_update(slug=SLUG, acting=None, **NETWORK)
            members, new_members = self._people(network)
            new_listings = self._listings(network, members)
            self._collective_life(network, members)
        verb = "created" if created else "reused"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network “{network.name}” {verb}: {len(members)} people "
                f"({new_members} new), {len(LISTINGS)} offers and requests ({new_listings} new)."
            )
        )

    def _reset(self) -> None:
        try:
            network = network_get(SLUG)
        except NotFound:
            return
        counts = network_delete(network=network, acting=None)
        self.stdout.write(
            f"Deleted the demo network: {counts['members']} members, {counts['listings']} listings."
        )

    def _people(self, network: Network) -> tuple[dict[str, Member], int]:
        members: dict[str, Member] = {}
        new = 0
        for person in PEOPLE:
            key = person.email.split("@", 1)[0]
            if person.visitor:
                member, joined = self._visitor(network, person)
            else:
                enrolment = member_services.member_enrol(
                    network=network,
                    email=person.email,
                    role=person.role,
                    display_name=person.display_name,
                    # Demo accounts get the documented password back on every run.
                    password=PASSWORD if person.demo_account else None,
                    acting=None,
                )
                member, joined = enrolment.member, enrolment.joined
            if joined:
                new += 1
                member = self._profile(member, person)
            members[key] = member
        return members, new

    def _visitor(self, network: Network, person: Person) -> tuple[Member, bool]:
        user = member_services.user_for_email(person.email)
        existing = permissions.membership(user, network) if user is not None else None
        if existing is not None:
            return existing, False
        member = member_services.member_register(
            network=network,
            email=person.email,
            display_name=person.display_name,
            acting=None,
        )
        return member, True

    def _profile(self, member: Member, person: Person) -> Member:
        member = member_services.member_update_profile(
            member=member,
            presentation=person.presentation,
            phone=person.phone,
            other_link=person.other_link,
            acting=None,
        )
        if person.consents:
            member_services.consent_set(
                member=member, choices=person.consents, scope=person.consent_scope, acting=None
            )
        return member

    def _listings(self, network: Network, members: dict[str, Member]) -> int:
        new = 0
        for row in LISTINGS:
            (ref, owner, direction, kind, domain, title, description, ways, setting,
             availability, visibility, status) = row  # fmt: skip
            if listing_by_external_ref(network, ref) is not None:
                continue
            listing = listing_services.listing_create(
                member=members[owner],
                direction=direction,
                kind=kind,
                domain=domain,
                title=title,
                description=description,
                one_to_one="o" in ways,
                group="g" in ways,
                practice_exchange="p" in ways,
                setting=setting,
                availability=availability,
                visibility=visibility,
                external_ref=ref,
                acting=None,
            )
            if status == PAUSED:
                listing_services.listing_pause(listing=listing, acting=None)
            elif status == CLOSED:
                listing_services.listing_close(listing=listing, acting=None)
            new += 1
        return new

    def _collective_life(self, network: Network, members: dict[str, Member]) -> None:
        """Events, a news post, a testimony and one connection under way, created once."""
        if network.events.exists():
            return
        facilitator = members["animatrice"]
        tz = zoneinfo.ZoneInfo(network.timezone)
        today = timezone.localdate(timezone=tz)
        monday = today - timedelta(days=today.weekday())
        at = lambda day, hour: datetime.combine(day, time(hour), tzinfo=tz)  # noqa: E731
        event_services.event_create(
            network=network,
            kind="drop_in",
            title="Permanence du lundi matin",
            description="Accueil des visiteurs et des membres, sans rendez-vous.",
            place="Agence, salle du rez-de-chaussée",
            starts_at=at(monday, 9),
            ends_at=at(monday, 12),
            rrule="FREQ=WEEKLY;BYDAY=MO",
            facilitators=[facilitator],
            acting=None,
        )
        event_services.event_create(
            network=network,
            kind="monthly_meeting",
            title="Rencontre mensuelle",
            description="Les échanges du mois, les nouvelles offres et demandes.",
            place="Agence, salle polyvalente",
            starts_at=at(today.replace(day=1), 17),
            ends_at=at(today.replace(day=1), 19),
            rrule="FREQ=MONTHLY;BYDAY=1TH",
            acting=None,
        )
        workshop_day = monday + timedelta(days=10)
        workshop = event_services.event_create(
            network=network,
            kind="collective_exchange",
            title="Atelier CV à plusieurs",
            description="Chacun apporte son CV ; on se relit mutuellement.",
            place="Agence, salle 2",
            starts_at=at(workshop_day, 14),
            ends_at=at(workshop_day, 16),
            capacity=8,
            acting=None,
        )
        for key in ("membre", "karim.b", "thierry.r"):
            event_services.registration_create(
                event=workshop, original_start=workshop.starts_at, member=members[key], acting=None
            )
        portal_services.news_publish(
            network=network,
            title="Un atelier CV à plusieurs",
            text="Inscrivez-vous dans le calendrier : huit places.",
            event=workshop,
            acting=None,
        )
        testimony = event_services.testimony_record(
            network=network,
            author=members["karim.b"],
            acting=None,
            text="J'ai repris confiance en expliquant mon métier à d'autres.",
            publication="first_name",
            first_name="Karim",
        )
        event_services.testimony_feature(testimony=testimony, featured=True, acting=None)
        request = listing_by_external_ref(network, "demo-19")
        offer = listing_by_external_ref(network, "demo-04")
        if request is not None and offer is not None and request.status == offer.status == "open":
            connection = connection_services.connection_propose(
                request=request,
                offer=offer,
                acting=request.member.user,
                message="Bonjour, je suis disponible le lundi après la permanence.",
            )
            connection_services.connection_answer(
                connection=connection, accept=True, acting=offer.member.user
            )

    def _print_access(self, base_url: str) -> None:
        write = self.stdout.write
        write("")
        write(f"Portal:         {base_url}/")
        write(f"Demo network:   {base_url}/{SLUG}/")
        write(f"Administration: {base_url}/admin/ (facilitators and coordinators)")
        write(f"Demo accounts (password “{PASSWORD}”):")
        for person in PEOPLE:
            if person.demo_account:
                write(f"  {person.email:<32} {person.role}")

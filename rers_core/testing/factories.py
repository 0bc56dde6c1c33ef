"""factory_boy factories for rers_core, shipped for downstream projects' tests.

Network creation goes through the service so that networks start with their default
domains and charter, as in production.
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from rers_core.models import Charter, CharterAcceptance, Domain, Listing, Member, Network
from rers_core.search import index_listings
from rers_core.services.networks import network_create_or_update

# Every account the factories make has this password.
PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}@example.org")
    email = factory.SelfAttribute("username")
    password = factory.django.Password(PASSWORD)


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    slug = factory.Sequence(lambda n: f"network-{n}")
    name = factory.Sequence(lambda n: f"RERS {n}")
    city = "Le Havre"
    postcode = "76600"
    latitude = "49.494"
    longitude = "0.107"
    contact_email = factory.LazyAttribute(lambda o: f"contact@{o.slug}.example.org")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        slug = kwargs.pop("slug")
        name = kwargs.pop("name")
        network, _created = network_create_or_update(slug=slug, name=name, **kwargs)
        return network


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    network = factory.SubFactory(NetworkFactory)
    slug = factory.Sequence(lambda n: f"domain-{n}")
    name = factory.Sequence(lambda n: f"Domaine {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    """An active member who accepted the current charter (``status="visitor"`` for a visitor)."""

    class Meta:
        model = Member
        skip_postgeneration_save = True

    network = factory.SubFactory(NetworkFactory)
    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Membre {n}")
    presentation = "Je présente mon parcours avec mes mots."
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "")
    phone = "02 35 00 00 00"
    status = Member.Status.MEMBER
    role = Member.Role.MEMBER
    joined_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def accepted_charter(obj, create, extracted, **kwargs):  # noqa: N805
        if create and obj.status == Member.Status.MEMBER and extracted is not False:
            charter = Charter.objects.filter(network=obj.network).order_by("-version").first()
            if charter is not None:
                CharterAcceptance.objects.get_or_create(member=obj, charter=charter)


class FacilitatorFactory(MemberFactory):
    role = Member.Role.FACILITATOR


class CoordinatorFactory(MemberFactory):
    role = Member.Role.COORDINATOR


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing
        skip_postgeneration_save = True

    member = factory.SubFactory(MemberFactory)
    network = factory.SelfAttribute("member.network")
    direction = Listing.Direction.OFFER
    kind = Listing.Kind.KNOW_HOW
    domain = factory.LazyAttribute(lambda o: o.network.domains.order_by("position").first())
    title = factory.Sequence(lambda n: f"Savoir numéro {n}")
    description = "Je peux montrer comment je m'y prends, pas à pas."
    availability = "Le lundi matin"

    @factory.post_generation
    def indexed(obj, create, extracted, **kwargs):  # noqa: N805
        """Listings made by the factory are searchable, as if saved through a service."""
        if create and extracted is not False:
            index_listings([obj])

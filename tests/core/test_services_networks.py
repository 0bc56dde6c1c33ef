import pytest

from rers_core.conf import core_settings
from rers_core.errors import NotAllowed, NotFound, ValidationFailed
from rers_core.models import Network
from rers_core.selectors.networks import charter_current, domain_for
from rers_core.services import networks as svc


def test_new_network_is_seeded_with_domains_and_charter(db):
    network, created = svc.network_create_or_update(slug="souday", name="RERS de Souday")
    assert created
    assert network.domains.count() == len(core_settings.DEFAULT_DOMAINS)
    assert charter_current(network).version == 1
    assert network.timezone == "Europe/Paris"


def test_create_is_idempotent_and_updates(db):
    svc.network_create_or_update(slug="souday", name="RERS de Souday", city="Le Havre")
    network, created = svc.network_create_or_update(
        slug="souday", name="RERS de Souday", city="Le Havre", latitude="49.49"
    )
    assert not created
    assert Network.objects.count() == 1
    assert network.domains.count() == len(core_settings.DEFAULT_DOMAINS)
    network.refresh_from_db()
    assert float(network.latitude) == 49.49


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"latitude": "north"}, "latitude"),
        ({"latitude": "123"}, "latitude"),
        ({"contact_email": "not-an-email"}, "contact_email"),
    ],
)
def test_bad_network_input_is_refused_and_writes_nothing(db, fields, field):
    with pytest.raises(ValidationFailed) as exc:
        svc.network_create_or_update(slug="souday", name="RERS", **fields)
    assert exc.value.field == field
    assert not Network.objects.exists()


def test_bad_slug_is_refused(db):
    with pytest.raises(ValidationFailed) as exc:
        svc.network_create_or_update(slug="not a slug!", name="RERS")
    assert exc.value.field == "slug"


def test_only_coordinators_publish_charters(network, facilitator, coordinator):
    with pytest.raises(NotAllowed):
        svc.charter_publish(network=network, text="Nouveau texte", acting=facilitator.user)
    charter = svc.charter_publish(network=network, text="Nouveau texte", acting=coordinator.user)
    assert charter.version == 2
    assert charter_current(network) == charter


def test_empty_charter_refused(network, coordinator):
    with pytest.raises(ValidationFailed):
        svc.charter_publish(network=network, text="   ", acting=coordinator.user)


def test_coordinator_of_other_network_cannot_edit(network, other_network):
    from rers_core.testing.factories import CoordinatorFactory

    outsider = CoordinatorFactory(network=other_network)
    with pytest.raises(NotAllowed):
        svc.network_update(network=network, acting=outsider.user, city="Ailleurs")
    with pytest.raises(NotAllowed):
        svc.domain_create(network=network, name="Pêche", acting=outsider.user)


def test_domains_are_editable(network, coordinator):
    domain = svc.domain_create(network=network, name="Pêche en mer", acting=coordinator.user)
    assert domain.slug == "peche-en-mer"
    with pytest.raises(ValidationFailed):
        svc.domain_create(network=network, name="Pêche en mer", acting=coordinator.user)
    svc.domain_update(domain=domain, is_active=False, acting=coordinator.user)
    with pytest.raises(NotFound):
        domain_for(network, "peche-en-mer")


def test_domain_of_another_network_is_not_found(network, other_network):
    foreign = other_network.domains.first()
    with pytest.raises(NotFound):
        domain_for(network, foreign.pk)


@pytest.mark.parametrize("slug", ["admin", "api", "accounts", "me"])
def test_reserved_slugs_refused(db, slug):
    with pytest.raises(ValidationFailed) as exc:
        svc.network_create_or_update(slug=slug, name="RERS")
    assert exc.value.field == "slug"


def test_update_can_clear_coordinates(network, coordinator):
    svc.network_update(network=network, acting=coordinator.user, latitude=None, longitude="")
    network.refresh_from_db()
    assert network.latitude is None and network.longitude is None
    with pytest.raises(ValidationFailed):
        svc.network_update(network=network, acting=coordinator.user, name="")

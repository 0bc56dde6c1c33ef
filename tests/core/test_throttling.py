"""Request rates: logins (portal and API token) per address and per account name, the API
per address or account, and the federation's public endpoints per address and per peer."""

import pytest
from django.core.cache import cache

from rers_core.testing.factories import PASSWORD, UserFactory
from tests.core.api_support import V1, client_for, net

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Small limits, counted from zero."""
    cache.clear()

    def apply(**values):
        settings.RERS_CORE = {**settings.RERS_CORE, "THROTTLE_RATES": values}
        return values

    yield apply
    cache.clear()


def test_portal_login_slows_down_guessing_a_password(client, rates):
    rates(login_username="3/minute")
    user = UserFactory(email="alex@example.org")
    for _ in range(3):
        wrong = client.post("/accounts/login/", {"username": user.username, "password": "nope"})
        assert wrong.status_code == 200  # the form again, with its error
    refused = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Trop de tentatives de connexion" in refused.content.decode()  # French first
    assert "_auth_user_id" not in client.session  # even the right password waits
    # Another account from the same address is not held back by this one.
    other = UserFactory(email="sam@example.org")
    response = client.post("/accounts/login/", {"username": other.username, "password": PASSWORD})
    assert response.status_code == 302


def test_administration_login_counts_with_the_portals(client, rates):
    rates(login_username="3/minute")
    admin = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    for path in ("/accounts/login/", "/admin/login/", "/admin/login/"):
        client.post(path, {"username": admin.username, "password": "nope"})
    refused = client.post(
        "/admin/login/?next=/admin/", {"username": admin.username, "password": PASSWORD}
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Trop de tentatives de connexion" in refused.content.decode()
    assert 'name="username"' in refused.content.decode()  # the login form again
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/login/").status_code == 200  # looking is not an attempt


def test_portal_login_per_address(client, rates):
    rates(login_address="2/minute")
    for email in ("a@example.org", "b@example.org"):
        client.post("/accounts/login/", {"username": email, "password": "nope"})
    assert (
        client.post("/accounts/login/", {"username": "c@example.org", "password": "x"}).status_code
        == 429
    )


def test_api_token_is_a_login_too(rates):
    rates(login_username="2/minute")
    user = UserFactory(email="alex@example.org")
    client = client_for()
    for _ in range(2):
        client.post(
            f"{V1}/auth/token/", {"username": user.username, "password": "no"}, format="json"
        )
    refused = client.post(
        f"{V1}/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert refused.status_code == 429 and "Retry-After" in refused


def test_api_rates_per_address_and_per_account(network, rates):
    rates(api_anonymous="3/minute", api_member="5/minute")
    anonymous = client_for()
    statuses = [anonymous.get(net(network)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    member = client_for(UserFactory())
    statuses = [member.get(net(network)).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_no_limits_when_none_are_set(network, rates):
    rates()
    anonymous = client_for()
    assert {anonymous.get(net(network)).status_code for _ in range(50)} == {200}

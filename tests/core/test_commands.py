"""The ``rers`` commands: create-network, add-member, seed-demo."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from deployments.site.cli import main as rers
from rers_core.models import (
    CharterAcceptance,
    ContactConsent,
    Domain,
    Listing,
    Member,
    Network,
)
from rers_core.services.listings import listing_update
from rers_core.services.members import member_withdraw
from rers_core.testing.factories import MemberFactory

User = get_user_model()


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> tuple[int, ...]:
    return (
        Network.objects.count(),
        Domain.objects.count(),
        Member.objects.count(),
        User.objects.count(),
        Listing.objects.count(),
        ContactConsent.objects.count(),
        CharterAcceptance.objects.count(),
    )


# --- create-network ---------------------------------------------------------------------


def test_create_network_new(db):
    out = run(
        "create_network", "montivilliers", "--name", "RERS de Montivilliers", "--city",
        "Montivilliers", "--postcode", "76290", "--lat", "49.5453", "--lon", "0.1878",
        "--email", "rers@montivilliers.example.org", "--agency-code", "A76", "--description",
        "Réseau de l'agence.",
    )  # fmt: skip
    assert "created" in out
    network = Network.objects.get(slug="montivilliers")
    assert network.name == "RERS de Montivilliers"
    assert str(network.latitude) == "49.545300"
    assert network.contact_email == "rers@montivilliers.example.org"
    assert network.timezone == "Europe/Paris"
    assert network.domains.count() > 5  # the default domains
    assert network.charters.get().version == 1


def test_create_network_is_idempotent(db):
    args = ("create_network", "fecamp", "--name", "RERS de Fécamp", "--city", "Fécamp")
    run(*args)
    before = snapshot()
    out = run(*args)
    assert "unchanged" in out
    assert snapshot() == before


def test_create_network_updates_and_keeps_the_name(network):
    out = run("create_network", network.slug, "--city", "Montivilliers", "--timezone", "UTC")
    assert "updated" in out
    network.refresh_from_db()
    assert (network.name, network.city, network.timezone) == (
        "RERS de Souday",
        "Montivilliers",
        "UTC",
    )
    assert network.charters.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Pas un slug!", "--name", "X"), "SLUG"),
        (("ok-slug", "--name", "X", "--timezone", "Mars/Olympus"), "--timezone: "),
        (("ok-slug", "--name", "X", "--lat", "95"), "--lat: "),
        (("ok-slug", "--name", "X", "--lat", "nord"), "--lat: "),
        (("ok-slug", "--name", "X", "--lon", "-181"), "--lon: "),
        (("ok-slug", "--name", "X", "--email", "pas-une-adresse"), "--email: "),
        (("ok-slug",), "--name"),
        (("ok-slug", "--name", "  "), "--name"),
    ],
)
def test_create_network_bad_input(db, args, message):
    before = snapshot()
    with pytest.raises(CommandError) as error:
        run("create_network", *args)
    assert message in str(error.value)
    assert snapshot() == before


def test_create_network_bad_update_changes_nothing(network):
    with pytest.raises(CommandError, match="--lat"):
        run("create_network", network.slug, "--city", "Ailleurs", "--lat", "200")
    network.refresh_from_db()
    assert network.city == "Le Havre"


def test_timezone_error_is_clear(db):
    with pytest.raises(CommandError, match="not a known time zone"):
        run("create_network", "x", "--name", "X", "--timezone", "Europe/Nowhere")


# --- add-member -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "facilitator", "coordinator"])
def test_add_member_roles(network, role):
    out = run(
        "add_member", "--network", network.slug, "--email", "Camille@Example.org", "--role", role
    )
    user = User.objects.get(email="camille@example.org")
    assert user.username == "camille@example.org"
    assert not user.has_usable_password()
    assert "rers changepassword camille@example.org" in out
    member = Member.objects.get(network=network, user=user)
    assert (member.status, member.role) == (Member.Status.MEMBER, role)
    assert member.display_name == "Camille"
    acceptance = member.charter_acceptances.get()
    assert acceptance.recorded_by is None  # attested by the administrator


def test_add_member_is_idempotent_and_changes_roles(network):
    args = ["add_member", "--network", network.slug, "--email", "a@example.org", "--name", "Alix"]
    run(*args, "--role", "facilitator")
    before = snapshot()
    out = run(*args, "--role", "facilitator")
    assert "Nothing to change" in out
    assert snapshot() == before
    run(*args, "--role", "coordinator")
    member = Member.objects.get(user__email="a@example.org")
    assert member.role == Member.Role.COORDINATOR
    assert member.display_name == "Alix"
    assert snapshot() == before


def test_add_member_reuses_an_account_of_another_network(network, other_network):
    person = MemberFactory(network=other_network)
    run("add_member", "--network", network.slug, "--email", person.user.email, "--role", "member")
    assert Member.objects.filter(user=person.user).count() == 2
    assert person.user.memberships.get(network=network).status == Member.Status.MEMBER


def test_add_member_with_password_prompt(network, monkeypatch):
    from rers_core.management.commands import add_member

    monkeypatch.setattr(add_member.getpass, "getpass", lambda prompt="": "un-mot-de-passe-solide")
    out = run(
        "add_member", "--network", network.slug, "--email", "b@example.org", "--role",
        "facilitator", "--password-prompt",
    )  # fmt: skip
    assert "changepassword" not in out
    assert authenticate(username="b@example.org", password="un-mot-de-passe-solide") is not None


def test_add_member_weak_password_writes_nothing(network, monkeypatch):
    from rers_core.management.commands import add_member

    monkeypatch.setattr(add_member.getpass, "getpass", lambda prompt="": "123")
    before = snapshot()
    with pytest.raises(CommandError, match="password"):
        run(
            "add_member", "--network", network.slug, "--email", "c@example.org", "--role",
            "member", "--password-prompt",
        )  # fmt: skip
    assert snapshot() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--network", "nowhere", "--email", "d@example.org", "--role", "member"), "no network"),
        (("--network", "souday", "--email", "not-an-email", "--role", "member"), "--email"),
        (("--network", "souday", "--email", "d@example.org", "--role", "boss"), "--role"),
    ],
)
def test_add_member_bad_input(network, args, message):
    before = snapshot()
    with pytest.raises(CommandError, match=message):
        run("add_member", *args)
    assert snapshot() == before


def test_add_member_keeps_a_coordinator(network):
    run(
        "add_member", "--network", network.slug, "--email", "e@example.org", "--role", "coordinator"
    )
    with pytest.raises(CommandError, match="coordinator"):
        run("add_member", "--network", network.slug, "--email", "e@example.org", "--role", "member")
    assert Member.objects.get(user__email="e@example.org").role == Member.Role.COORDINATOR


# --- the rers console script maps hyphens to underscores --------------------------------


def test_cli_hyphenated_commands(db, capsys, monkeypatch):
    # Django closes every connection after a command run from the command line, which
    # would end the test's transaction on PostgreSQL.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    rers(["rers", "create-network", "par-la-cli", "--name", "RERS de la ligne de commande"])
    assert "created" in capsys.readouterr().out
    rers(["rers", "add-member", "--network", "par-la-cli", "--email", "f@example.org",
          "--role", "coordinator"])  # fmt: skip
    assert Member.objects.get(user__email="f@example.org").is_coordinator
    with pytest.raises(SystemExit) as exit_:
        rers(["rers", "create-network", "par-la-cli", "--lat", "100"])
    assert exit_.value.code == 1
    assert "--lat" in capsys.readouterr().err


# --- seed-demo --------------------------------------------------------------------------


def demo_state():
    network = Network.objects.get(slug="demo")
    return (
        network.members.count(),
        network.listings.count(),
        ContactConsent.objects.filter(member__network=network).count(),
        User.objects.filter(email__endswith="@demo.rers.test").count(),
    )


def test_seed_demo_twice_is_harmless(db):
    out = run("seed_demo")
    assert "membre@demo.rers.test" in out
    assert "http://127.0.0.1:8000/" in out
    first = demo_state()
    network = Network.objects.get(slug="demo")
    assert (str(network.latitude), str(network.longitude)) == ("49.494400", "0.107900")
    assert 10 <= first[0] <= 20 and first[1] >= 25
    statuses = set(network.listings.values_list("status", flat=True))
    assert statuses == {"open", "paused", "closed"}
    pairs = set(
        ContactConsent.objects.filter(member__network=network).values_list("channel", "audience")
    )
    assert len(pairs) == 8  # every channel for every audience
    for email, role in [
        ("membre@demo.rers.test", "member"),
        ("animatrice@demo.rers.test", "facilitator"),
        ("coordination@demo.rers.test", "coordinator"),
    ]:
        user = authenticate(username=email, password="demo-rers-2026")
        assert user is not None
        assert user.memberships.get(network=network).role == role

    out = run("seed_demo", "--base-url", "http://localhost:9000/")
    assert "http://localhost:9000/admin/" in out
    assert demo_state() == first
    assert Network.objects.filter(slug="demo").count() == 1


def test_seed_demo_reset(db, other_network):
    run("seed_demo")
    first = demo_state()
    network = Network.objects.get(slug="demo")
    listing = network.listings.get(external_ref="demo-02")
    listing_update(listing=listing, title="Titre modifié", acting=None)
    member_withdraw(member=network.members.get(user__email="yasmine.l@demo.rers.test"), acting=None)
    MemberFactory(network=other_network)

    out = run("seed_demo", "--reset")
    assert "Deleted the demo network" in out
    assert demo_state() == first
    network = Network.objects.get(slug="demo")
    assert network.listings.get(external_ref="demo-02").title == "Relire et améliorer votre CV"
    assert not network.members.filter(status=Member.Status.WITHDRAWN).exists()
    assert other_network.members.count() == 1  # other networks are untouched


def test_create_network_rounds_coordinates_to_six_decimals(db):
    run("create_network", "gps", "--name", "GPS", "--lat", "49.49444449", "--lon", "0.10791")
    network = Network.objects.get(slug="gps")
    assert (str(network.latitude), str(network.longitude)) == ("49.494444", "0.107910")

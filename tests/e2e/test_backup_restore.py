"""The backup and restore procedure of docs/deployment.md, run for real: an instance's
PostgreSQL database is dumped with ``pg_dump -Fc``, restored with ``pg_restore`` into a
fresh database, and the site then works on the restored one (same people, same network,
same federation identity). Skipped unless RERS_E2E=1 and PostgreSQL answers."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from cryptography.fernet import Fernet

from tests.e2e.harness import BIN, NOT_INHERITED, POSTGRES, REPO

pytestmark = pytest.mark.e2e

PASSWORD = secrets.token_urlsafe(16)
LISTINGS = (
    "member_ref,member_name,email,direction,ref,title,description,domain\n"
    "m1,Camille,,offre,o1,Cuisine végétarienne,Des plats de saison,\n"
)
# What the restored site shows: run in `rers shell -c`, printed as JSON.
INSPECT = """
import json
from django.contrib.auth import get_user_model
from django.test import Client
from rers_core.models import Listing, Member, Network
from rers_core.search import search_listings
from rers_federation import keys
from rers_federation.signing import public_key_to_text
network = Network.objects.get(slug="souday")
key = keys.current_key(network)
reply = Client().get("/.well-known/rers", secure=True, HTTP_HOST="rers.example.org")
print(json.dumps({
    "networks": Network.objects.count(),
    "members": Member.objects.filter(network=network).count(),
    "password_ok": get_user_model().objects.get(email="camille@example.org")
        .check_password(PASSWORD),
    "found": list(search_listings(Listing.objects.filter(network=network), "cuisine")
        .values_list("title", flat=True)),
    "key_id": key.key_id,
    "key_usable": public_key_to_text(keys.private_key(key).public_key()) == key.public_key,
    "status": reply.status_code,
    "well_known": reply.json(),
}))
"""


def admin(sql: str) -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def test_a_dump_restored_into_a_fresh_database_serves_the_same_site(tmp_path: Path):
    suffix = secrets.token_hex(4)
    source, restored = f"rers_backup_{suffix}", f"rers_restored_{suffix}"
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="deployments.site.settings.prod",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        FEDERATION_KEY_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="rers.example.org",
        SITE_URL="https://rers.example.org",
        RERS_DATA_DIR=str(tmp_path / "data"),
    )

    def rers(database: str, *args: str, input: str | None = None) -> str:
        done = subprocess.run(
            [str(BIN / "rers"), *args],
            cwd=REPO, env={**env, "DATABASE_URL": f"{POSTGRES}/{database}"}, input=input,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"rers {args[0]}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def postgres_tool(tool: str, *args: str) -> None:
        address = urlsplit(POSTGRES)
        done = subprocess.run(
            [tool, "-h", address.hostname, "-p", str(address.port or 5432),
             "-U", address.username or "postgres", *args],
            env={**os.environ, "PGPASSWORD": address.password or ""},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"{tool}:\n{done.stdout}\n{done.stderr}"

    admin(f'CREATE DATABASE "{source}"')
    try:
        rers(source, "migrate", "--noinput", "-v0")
        rers(
            source, "create-network", "souday", "--name", "RERS de Souday", "--city", "Le Havre",
            "--postcode", "76600", "--lat", "49.4944", "--lon", "0.1079",
            "--email", "contact@example.org",
        )  # fmt: skip
        rers(
            source, "add-member", "--network", "souday", "--email", "camille@example.org",
            "--role", "coordinator", "--name", "Camille", "--password-prompt",
            input=f"{PASSWORD}\n{PASSWORD}\n",
        )  # fmt: skip
        csv = tmp_path / "listings.csv"
        csv.write_text(LISTINGS, encoding="utf-8")
        rers(source, "import-listings", "--network", "souday", str(csv))
        inspect = INSPECT.replace("PASSWORD", repr(PASSWORD))
        before = json.loads(rers(source, "shell", "--no-imports", "-c", inspect))

        dump = tmp_path / "rers.dump"
        postgres_tool("pg_dump", "-Fc", "--no-owner", "-f", str(dump), source)
        admin(f'CREATE DATABASE "{restored}"')
        postgres_tool("pg_restore", "--no-owner", "--exit-on-error", "-d", restored, str(dump))

        rers(restored, "migrate", "--noinput", "-v0")
        rers(restored, "check")
        after = json.loads(rers(restored, "shell", "--no-imports", "-c", inspect))
    finally:
        admin(f'DROP DATABASE IF EXISTS "{source}" WITH (FORCE)')
        admin(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')

    assert before["networks"] == 1
    assert before["members"] >= 1
    assert before["found"] == ["Cuisine végétarienne"]
    assert after["status"] == 200
    assert after["well_known"]["networks"][0]["name"] == "RERS de Souday"
    assert after["password_ok"] is True
    assert after["key_usable"] is True
    # Everything, the network's federation identity included, is as it was.
    assert after == before

"""The committed OpenAPI schema is current, valid and free of generator warnings."""

import re
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from drf_spectacular.drainage import reset_generator_stats

from tests.core.api_support import client_for

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def test_committed_schema_is_current(tmp_path):
    generated = tmp_path / "openapi.yaml"
    reset_generator_stats()
    # As `manage.py spectacular` runs: in the site's default language.
    with translation.override(settings.LANGUAGE_CODE):
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))
    assert SCHEMA.exists(), "docs/openapi.yaml is stale: run `make schema`"
    assert generated.read_bytes() == SCHEMA.read_bytes(), (
        "docs/openapi.yaml is stale: run `make schema`"
    )


def test_schema_and_its_ui_are_served_from_local_assets(db):
    client = client_for()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/networks/{slug}/listings/" in schema.content
    ui = client.get("/api/schema/ui/")
    assert ui.status_code == 200
    html = ui.content.decode()
    assert "swagger-ui" in html
    assert "drf_spectacular_sidecar" in html
    # Every script and stylesheet is local: no address of another host.
    external = re.findall(r'(?:src|href)=["\'](?:https?:)?//[^"\']+', html)
    assert external == []

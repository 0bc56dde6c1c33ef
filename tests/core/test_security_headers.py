"""Security headers and the templates they rely on: a Content-Security-Policy that runs no
inline script or style, no framing, and a CSRF token in every form that posts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rers_core.testing.factories import UserFactory

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    path
    for app in ("rers_core", "rers_federation")
    for path in (REPO / app / "templates").rglob("*.html")
)


def _policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {words[0]: words[1:] for words in directives if words}


def test_portal_pages_forbid_inline_code_and_framing(client, network):
    response = client.get(f"/{network.slug}/")
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/api/v1/networks/", "/.well-known/rers", "/admin/login/"])
def test_the_api_federation_and_administration_have_the_policy_too(client, network, path):
    assert _policy(client.get(path))["script-src"] == ["'self'"]


def test_the_administration_allows_inline_styles_never_inline_scripts(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    policy = _policy(client.get("/admin/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]


def test_the_schema_browser_loads_its_start_up_script_as_a_file(client):
    page = client.get("/api/schema/ui/").content.decode()
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attributes for attributes in scripts)
    script = client.get("/api/schema/ui/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_templates_hold_no_inline_script_style_or_event_handler(template):
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert "<style" not in text, "inline <style>"
    assert not re.search(r"\sstyle=", text), "style attribute"
    assert not re.search(r"\son[a-z]+=", text), "event handler attribute"
    assert "javascript:" not in text


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_every_form_that_posts_carries_a_csrf_token(template):
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", template.read_text(), re.S)
    for body in forms:
        assert "{% csrf_token %}" in body

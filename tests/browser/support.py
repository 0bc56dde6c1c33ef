"""What the browser tests share: logging in as a person does, the guides' pictures, and the
accessibility audit with axe-core (read from disk, never from a CDN)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from rers_core.testing.factories import PASSWORD
from tests.browser.conftest import AXE_PATH, GUIDE_IMAGES_DIR

try:
    from playwright.sync_api import expect
except ImportError:  # the whole folder is skipped then (see conftest.py)
    expect = None

# axe-core's impacts that fail the audit.
BLOCKING = ("serious", "critical")


def log_in(page, email: str, password: str = PASSWORD, *, go: bool = True) -> None:
    """Log in through the login form (``go=False``: the page already shows it)."""
    if go:
        page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link", name="Se connecter")).to_be_visible()


def guide_picture(page, name: str) -> None:
    """With RERS_SCREENSHOTS=1, the page as the guides show it: docs/images/NAME.png, the
    whole page at 1280 px wide, made smaller without loss by optipng when it is installed
    (apt-get install optipng)."""
    if os.environ.get("RERS_SCREENSHOTS", "") in ("", "0"):
        return
    GUIDE_IMAGES_DIR.mkdir(parents=True, exist_ok=True)
    path = GUIDE_IMAGES_DIR / f"{name}.png"
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    optipng = shutil.which("optipng")
    if optipng:
        subprocess.run([optipng, "-quiet", "-o2", str(path)], check=True)


def axe_violations(page, rules: list[str] | None = None) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now: its default
    rules (WCAG 2.x A and AA, and its best practices), or only ``rules``."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated by the browser's debugging protocol, which the page's
        # Content-Security-Policy does not govern (a <script> tag would be refused).
        page.evaluate(AXE_PATH.read_text())
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    results = page.evaluate("(options) => axe.run(document, options)", options)
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    """One line per violation and element, readable in a failing test's report."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(
                f"{violation['impact']} {violation['id']}: {violation['help']} "
                f"at {json.dumps(node['target'])}: {node.get('failureSummary', '')!r}"
            )
    return "\n".join(lines)

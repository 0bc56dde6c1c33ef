"""Every user-facing string is in the French and English catalogues: ``makemessages`` run
afresh over each app's sources finds nothing untranslated and nothing fuzzy, and the
compiled catalogues are current.

It needs GNU gettext (``apt-get install gettext``); without it these tests are skipped,
unless ``RERS_REQUIRE_GETTEXT=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APPS = ("rers_core", "rers_federation")
LANGUAGES = ("fr", "en")
GETTEXT_TOOLS = ("xgettext", "msgfmt", "msgattrib")

_missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
if _missing and os.environ.get("RERS_REQUIRE_GETTEXT", "") not in ("", "0"):
    raise RuntimeError(f"RERS_REQUIRE_GETTEXT is set but {', '.join(_missing)} not found")
pytestmark = pytest.mark.skipif(
    bool(_missing), reason="GNU gettext is not installed (apt-get install gettext)"
)


def _run(*command: str, cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """A copy of the apps whose catalogues ``makemessages`` has just updated from the sources,
    as ``make messages`` would (the committed tree stays as it is)."""
    root = tmp_path_factory.mktemp("messages")
    ignore = shutil.ignore_patterns("__pycache__", "*.mo")
    for app in APPS:
        shutil.copytree(REPO / app, root / app, ignore=ignore)
        # manage.py as a script, so that the app's own "selectors" package in the working
        # directory does not shadow the standard library's.
        _run(
            sys.executable,
            str(REPO / "manage.py"),
            "makemessages",
            "--no-obsolete",
            *(f"--locale={language}" for language in LANGUAGES),
            cwd=root / app,
        )
    return root


def _catalogue(root: Path, app: str, language: str) -> Path:
    return root / app / "locale" / language / "LC_MESSAGES" / "django.po"


def _entries(po_file: Path, *attributes: str) -> list[str]:
    """The msgids ``msgattrib`` selects with the given options (e.g. ``--untranslated``)."""
    output = _run("msgattrib", *attributes, "--no-wrap", str(po_file), cwd=po_file.parent)
    return [m for m in re.findall(r'^msgid "(.*)"$', output, flags=re.MULTILINE) if m]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", APPS)
def test_makemessages_finds_nothing_untranslated_or_fuzzy(extracted, app, language):
    po_file = _catalogue(extracted, app, language)
    assert _entries(po_file, "--untranslated") == []
    assert _entries(po_file, "--only-fuzzy") == []
    statistics = _run("msgfmt", "--check", "--statistics", "-o", os.devnull, str(po_file), cwd=REPO)
    assert "untranslated" not in statistics and "fuzzy" not in statistics, statistics


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", APPS)
def test_the_committed_catalogues_hold_every_extracted_string(extracted, app, language):
    """The committed .po (and so the .mo built from it) already holds what the sources say:
    nobody forgot ``make messages`` after changing a string."""
    extracted_ids = set(_entries(_catalogue(extracted, app, language)))
    committed_ids = set(_entries(_catalogue(REPO, app, language)))
    assert extracted_ids - committed_ids == set()


@pytest.mark.parametrize("app", APPS)
def test_the_compiled_french_catalogue_is_current(app):
    """The committed .mo files are what Django reads: compiled from the committed .po."""
    po_file = _catalogue(REPO, app, "fr")
    translated = _run(
        "msgattrib", "--translated", "--no-fuzzy", "--no-wrap", str(po_file), cwd=REPO
    )
    # (context or "", msgid, msgstr): a msgid given a context (pgettext) is read with it.
    entries = re.findall(
        r'^(?:msgctxt "(.+)"\n)?msgid "(.+)"\nmsgstr "(.+)"$', translated, flags=re.MULTILINE
    )
    with po_file.with_suffix(".mo").open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    stale = [
        msgid
        for context, msgid, msgstr in entries
        if "\\" not in msgid + msgstr
        and (compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)) != msgstr
    ]
    assert entries and stale == [], f"{app}: recompile its catalogues (make compile-messages)"

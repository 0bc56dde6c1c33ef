"""Real-browser tests: Playwright for Python drives Debian's Chromium, headless, against
pytest-django's live server (loopback only).

Without a Chromium (``/usr/bin/chromium``, ``chromium`` on the PATH, or ``RERS_CHROMIUM``)
or without Playwright, every test here is skipped, and the run's summary says so in one
plain line. ``RERS_REQUIRE_BROWSER=1`` (CI) makes that a failure instead. Likewise the
accessibility audit needs axe-core installed from npm (``npm ci --prefix tests/browser``).

A test that fails leaves a full-page screenshot of each of its browser pages in
``var/browser-failures/`` (``RERS_BROWSER_FAILURES`` to put them elsewhere).
``RERS_SCREENSHOTS=1`` also saves the pictures shown in the guides, in ``docs/images/``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FAILURES_DIR = Path(os.environ.get("RERS_BROWSER_FAILURES") or REPO / "var" / "browser-failures")
GUIDE_IMAGES_DIR = REPO / "docs" / "images"
AXE_PATH = Path(
    os.environ.get("RERS_AXE_PATH") or HERE / "node_modules" / "axe-core" / "axe.min.js"
)
VIEWPORT = {"width": 1280, "height": 800}


def find_chromium() -> str | None:
    configured = os.environ.get("RERS_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _why_no_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -e '.[test]')"
    if find_chromium() is None:
        return "no Chromium found (apt-get install chromium)"
    return None


CHROMIUM = find_chromium()
NO_BROWSER = _why_no_browser()
NO_AXE = (
    None
    if AXE_PATH.is_file()
    else f"axe-core not found at {AXE_PATH} (npm ci --prefix tests/browser)"
)
REQUIRED = os.environ.get("RERS_REQUIRE_BROWSER", "") not in ("", "0")

_skipped: dict[str, int] = {}


def _is_here(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items):
    """Skip this folder's tests up front, before any fixture, when the browser (or, for the
    accessibility audit, axe-core) is missing; unless RERS_REQUIRE_BROWSER is set: then
    they run, and fail saying what is missing."""
    if REQUIRED:
        return
    for item in items:
        if not _is_here(item):
            continue
        if NO_BROWSER:
            reason = f"Browser tests skipped: {NO_BROWSER}"
        elif NO_AXE and item.get_closest_marker("axe"):
            reason = f"Accessibility audit skipped: {NO_AXE}"
        else:
            reason = None
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))
            _skipped[reason] = _skipped.get(reason, 0) + 1


def _required_but_missing(reason: str):
    pytest.fail(f"Browser tests cannot run: {reason} (RERS_REQUIRE_BROWSER is set)", pytrace=False)


@pytest.fixture(autouse=True)
def _axe_installed(request):
    if NO_AXE and request.node.get_closest_marker("axe"):
        _required_but_missing(NO_AXE)


def pytest_configure(config):
    config.addinivalue_line("markers", "axe: runs axe-core in the page (needs npm's axe-core)")


def pytest_terminal_summary(terminalreporter):
    """Say plainly, at the end of the run, which browser tests did not run and why."""
    if _skipped:
        terminalreporter.write_sep("=", "browser tests", yellow=True)
    for reason, count in _skipped.items():
        terminalreporter.write_line(f"{reason}: {count} test(s) did not run.", yellow=True)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, a screenshot of each of its pages, named in the report."""
    report = yield
    pages = getattr(item, "browser_pages", None)
    if pages and report.failed and report.when in ("setup", "call"):
        saved = save_failure_screenshots(item.nodeid, pages)
        if saved:
            report.sections.append(
                ("Screenshots of the failing test's pages", "\n".join(map(str, saved)))
            )
    return report


# --- Browser, pages ----------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for this folder's tests.

    Playwright's synchronous API keeps an event loop running in this thread while the
    browser lives, which makes Django refuse database queries from it "in an async
    context". Test code only waits on that loop, never runs beside it, so the check is
    lifted while the browser lives (as Playwright's documentation advises for Django), and
    comes back when the browser closes after this folder's last test."""
    if NO_BROWSER:
        _required_but_missing(NO_BROWSER)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                # Date and time fields are drawn in the browser's own language, not the
                # page's: French when Debian's chromium-l10n is installed too.
                args=["--lang=fr-FR"],
                env={**os.environ, "LANGUAGE": "fr_FR:fr"},
            )
            yield chromium
            chromium.close()


@pytest.fixture(autouse=True)
def _site_address(settings, live_server):
    """Links in emails and federation addresses name the live server, as a real site does.
    Peers are other networks of this test site, reached through the in-process transport."""
    settings.RERS_CORE = {**getattr(settings, "RERS_CORE", {}), "SITE_URL": live_server.url}
    settings.RERS_FEDERATION = {
        "TRANSPORT": "rers_federation.testing.InProcessTransport",
        "BASE_URL": live_server.url,
    }


def save_failure_screenshots(name: str, pages) -> list[Path]:
    """A full-page screenshot of each page still open, named after the test."""
    FAILURES_DIR.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    saved = []
    for number, page in enumerate(pages, start=1):
        if page.is_closed():
            continue
        path = FAILURES_DIR / f"{stem}-{number}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as exc:  # a crashed page must not hide the test's own failure
            print(f"Could not take a screenshot of {page.url}: {exc}")
            continue
        saved.append(path)
    return saved


@pytest.fixture
def open_page(request, browser, live_server):
    """``open_page()`` gives a new page in a browser of its own (its own cookies: one per
    person), in French, 1280×800, addressed relative to the live server. Anything the
    Content-Security-Policy blocks in these pages fails the test."""
    contexts, pages, refused = [], [], []

    def note_refusals(message) -> None:
        # Chromium reports what the Content-Security-Policy blocked on the console.
        if "Content Security Policy" in message.text:
            refused.append(f"{message.page.url if message.page else ''}: {message.text}")

    def open_new(language: str = "fr"):
        context = browser.new_context(
            base_url=live_server.url,
            locale="fr-FR" if language == "fr" else "en-GB",
            extra_http_headers={"Accept-Language": language},
            viewport=VIEWPORT,
            timezone_id="Europe/Paris",
        )
        context.set_default_timeout(10_000)
        # The portal has no icon: spare the server (and the log) the browser's request.
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        contexts.append(context)
        page = context.new_page()
        page.on("console", note_refusals)
        pages.append(page)
        return page

    request.node.browser_pages = pages
    yield open_new
    for context in contexts:
        context.close()
    if refused:
        pytest.fail("The Content-Security-Policy blocked:\n" + "\n".join(refused), pytrace=False)


@pytest.fixture
def page(open_page):
    return open_page()

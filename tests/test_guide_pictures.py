"""The guides' pictures: taken by the browser tests (RERS_SCREENSHOTS=1, tests/browser/),
each one shown in a guide with a description in French, none missing."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
TAKEN = re.compile(r"guide_picture\(\s*\w+,\s*\"([^\"]+)\"\s*\)")


def _shown() -> dict[str, str]:
    """Each picture the guides show, with its alternative text."""
    shown = {}
    for guide in sorted(DOCS.glob("guide-*.md")):
        for alt, target in IMAGE.findall(guide.read_text(encoding="utf-8")):
            shown[target] = alt
    return shown


def test_every_picture_in_the_guides_exists_and_is_described():
    shown = _shown()
    assert shown
    for target, alt in shown.items():
        path = DOCS / target
        assert path.is_file(), target
        assert path.read_bytes().startswith(b"\x89PNG"), target
        assert path.stat().st_size < 250_000, f"{target}: keep the guides light"
        assert len(alt) > 20 and alt.startswith("Page"), (target, alt)


def test_the_browser_tests_take_every_picture_the_guides_show():
    taken = {
        name
        for source in (REPO / "tests" / "browser").glob("test_*.py")
        for name in TAKEN.findall(source.read_text(encoding="utf-8"))
    }
    assert {f"images/{name}.png" for name in taken} == set(_shown())

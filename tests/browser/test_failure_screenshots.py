"""A failing browser test leaves a screenshot of each of its pages (see conftest.py)."""

from tests.browser import conftest
from tests.browser.support import expect


def test_the_screenshot_of_a_failing_test_is_saved(page, network, tmp_path, monkeypatch):
    monkeypatch.setattr(conftest, "FAILURES_DIR", tmp_path)
    page.goto(f"/{network.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(network.name)
    closed = page.context.new_page()
    closed.close()

    saved = conftest.save_failure_screenshots("tests/browser/test_x.py::test_y[fr]", [page, closed])

    assert [path.name for path in saved] == ["tests-browser-test_x.py-test_y-fr-1.png"]
    png = saved[0].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width == conftest.VIEWPORT["width"]

"""Accessibility basics every portal page must meet, shared by the page tests."""

import html
from html.parser import HTMLParser


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict] = []
        self.in_label: set[str] = set()
        self._open_labels = 0
        self.post_forms: list[bool] = []
        self._in_post_form = False
        self._has_csrf = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self._open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag == "form":
            self._in_post_form = (attrs.get("method") or "").lower() == "post"
            self._has_csrf = False
        elif tag in ("input", "select", "textarea"):
            if attrs.get("name") == "csrfmiddlewaretoken":
                self._has_csrf = True
            if attrs.get("type") not in ("hidden", "submit", "button"):
                self.controls.append(attrs)
                if self._open_labels and attrs.get("id"):
                    self.in_label.add(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "label":
            self._open_labels -= 1
        elif tag == "form" and self._in_post_form:
            self.post_forms.append(self._has_csrf)
            self._in_post_form = False


def check_page(response, status: int = 200) -> str:
    """One h1, every field labelled (checkboxes and radios may sit inside their <label>),
    unique ids, CSRF in every POST form, no inline style or script. Returns the page's
    text with HTML entities decoded, for plain ``in`` checks."""
    assert response.status_code == status, response.status_code
    content = response.content.decode()
    page = _Page()
    page.feed(content)
    assert page.h1 == 1
    for control in page.controls:
        assert control.get("id"), control
        assert control["id"] in page.label_for or control["id"] in page.in_label, control
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates, duplicates
    assert all(page.post_forms), "a POST form without CSRF token"
    assert "style=" not in content and "<script" not in content
    return html.unescape(content)

"""A person using one instance as people do: the portal's pages through its forms (with
their CSRF tokens), and the HTTP API with the same logged-in session."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin

import requests

from tests.e2e.harness import Account, Instance, eventually

FINGERPRINT = re.compile(r"[0-9A-F]{4}(?: [0-9A-F]{4}){15}")


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    # The heading of the card the form is in (a peer's name on the peering pages).
    card: str = ""


class _Forms(HTMLParser):
    """The forms of a page, with the fields a browser would send as they are."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._card: str | None = None
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "article":
            self._card = ""
        elif tag == "h3" and self._card is not None:
            self._in_heading = True
        elif tag == "form":
            self._form = Form(
                values.get("action", ""), values.get("method", "get").lower(), card=self._card or ""
            )
        elif tag == "input" and self._form is not None and values.get("name"):
            if values.get("type") not in ("checkbox", "radio") or "checked" in values:
                self._form.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "h3":
            self._in_heading = False
        elif tag == "article":
            self._card = None

    def handle_data(self, data: str) -> None:
        if self._in_heading and self._card is not None:
            self._card += data.strip()


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class ApiError(AssertionError):
    pass


class Person:
    """One account on one instance, logged in through the portal's login form."""

    def __init__(self, instance: Instance, account: Account) -> None:
        self.instance = instance
        self.account = account
        self.http = requests.Session()
        # Only our certificate authority, whatever the machine's environment says.
        self.http.trust_env = False
        self.http.verify = str(instance.certificates.authority)
        # As a browser: Django checks the origin of posts made over HTTPS.
        self.http.headers.update({"Accept-Language": "en", "Origin": instance.url})

    def __repr__(self) -> str:
        return f"<Person {self.account.email} on {self.instance.name}>"

    # --- pages ----------------------------------------------------------------------------

    def page(self, path: str) -> requests.Response:
        reply = self.http.get(self.instance.url + path, timeout=15)
        reply.raise_for_status()
        return reply

    def submit(self, path: str, form: Form, /, **values: str) -> requests.Response:
        """Post ``form`` of the page at ``path`` as a browser would, with ``values`` typed in."""
        target = urljoin(self.instance.url + path, form.action)
        reply = self.http.post(target, data={**form.fields, **values}, timeout=30)
        reply.raise_for_status()
        return reply

    def log_in(self) -> Person:
        path = "/accounts/login/"
        (form,) = [f for f in forms(self.page(path).text) if "password" in f.fields]
        reply = self.submit(path, form, username=self.account.email, password=self.account.password)
        assert path not in reply.url, f"{self} could not log in"
        return self

    # --- peering pages -----------------------------------------------------------------------

    def peers_path(self) -> str:
        return f"/federation/{self.instance.slug}/peers/"

    def own_fingerprint(self) -> str:
        """The fingerprint this coordinator reads to a neighbour over the phone."""
        return FINGERPRINT.findall(self.page(self.peers_path()).text)[0]

    def ask_to_peer(self, neighbour: Instance, *, expected_fingerprint: str) -> None:
        """Enter the neighbour's address, check the fingerprint shown, send the request."""
        url = self.peers_path() + "new/"
        (address_form,) = [f for f in forms(self.page(url).text) if "url" in f.fields]
        preview = self.submit(url, address_form, url=neighbour.document_url)
        confirm = [f for f in forms(preview.text) if f.fields.get("confirm") == "1"]
        assert confirm, f"No preview of {neighbour.document_url}:\n{preview.text[-2000:]}"
        assert confirm[0].fields["fingerprint"] == expected_fingerprint, (
            "The fingerprint shown is not the one the neighbour read."
        )
        sent = self.submit(url, confirm[0])
        assert sent.url.endswith(self.peers_path()), f"The request was not sent:\n{sent.text}"

    def peer_actions(self) -> dict[str, set[str]]:
        """Neighbour name → what the peers page offers about it (accept, suspend, ...)."""
        found: dict[str, set[str]] = {}
        for form in forms(self.page(self.peers_path()).text):
            if form.card:
                found.setdefault(form.card, set()).add(form.action.rstrip("/").rsplit("/", 1)[-1])
        return found

    def accept_peer(self, neighbour: Instance) -> None:
        accept = [
            f
            for f in forms(self.page(self.peers_path()).text)
            if f.card == neighbour.network_name and f.action.endswith("/accept/")
        ]
        assert accept, f"No request from {neighbour.network_name} to accept on {self.instance}"
        self.submit(self.peers_path(), accept[0])

    # --- API ----------------------------------------------------------------------------------

    def _api(self, method: str, path: str, payload: Any = None, expect: int = 200) -> Any:
        url = path if path.startswith("http") else self.instance.api(path)
        reply = self.http.request(
            method,
            url,
            json=payload,
            headers={"X-CSRFToken": self.http.cookies.get("csrftoken", "")},
            timeout=30,
        )
        if reply.status_code != expect:
            raise ApiError(
                f"{method} {url} → {reply.status_code} (expected {expect}): {reply.text}"
            )
        return reply.json() if reply.content else None

    def get(self, path: str) -> Any:
        return self._api("GET", path)

    def post(self, path: str, payload: Any = None, *, expect: int = 200) -> Any:
        return self._api("POST", path, payload or {}, expect)

    def patch(self, path: str, payload: Any) -> Any:
        return self._api("PATCH", path, payload)

    def all(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paginated list."""
        separator = "&" if "?" in path else "?"
        page = self.get(f"{path}{separator}page_size=200")
        items = list(page["results"])
        while page.get("next"):
            page = self.get(page["next"])
            items.extend(page["results"])
        return items

    def events(self) -> list[dict[str, Any]]:
        return self.all("events/")

    def event_titled(self, title: str) -> dict[str, Any]:
        matches = [e for e in self.events() if e["title"] == title]
        assert len(matches) == 1, f"{len(matches)} events titled {title!r} on {self.instance}"
        return matches[0]

    def listings(self, *, scope: str = "here", **filters: str) -> list[dict[str, Any]]:
        """The catalogue as the person sees it: "here", "neighbours" or "all"."""
        return self.all(f"listings/?{urlencode({'scope': scope, **filters})}")

    def offer(self, title: str, *, visibility: str, **fields: Any) -> dict[str, Any]:
        """Post an open offer of know-how, one to one: "federated" or "network" only."""
        return self.post(
            "listings/",
            {
                "direction": "offer",
                "kind": "know_how",
                "domain": "bricolage-jardinage",
                "title": title,
                "one_to_one": True,
                "visibility": visibility,
                **fields,
            },
            expect=201,
        )

    def mirrored_listing(self, title: str, **filters: str) -> dict[str, Any] | None:
        """The copy of a neighbouring network's listing with this title, if there is one."""
        matches = [x for x in self.listings(scope="neighbours", **filters) if x["title"] == title]
        assert len(matches) <= 1, f"{len(matches)} copies of {title!r} on {self.instance}"
        return matches[0] if matches else None


def peer(asking: Person, asked: Person) -> None:
    """Two coordinators peer their networks: ``asking`` enters the other's address and
    checks the fingerprint ``asked`` reads to them, ``asked`` accepts the request."""
    fingerprint = asked.own_fingerprint()
    asking.ask_to_peer(asked.instance, expected_fingerprint=fingerprint)

    def request_arrived():
        actions = asked.peer_actions()
        assert "accept" in actions.get(asking.instance.network_name, set()), actions

    eventually(request_arrived)
    asked.accept_peer(asking.instance)


def assert_active_peer(one: Person, other: Person) -> None:
    """``one``'s peers page shows ``other``'s network as an active peer."""
    actions = one.peer_actions()
    assert "suspend" in actions.get(other.instance.network_name, set()), actions

"""Bad input at the inbox, measured: thousands of malformed, oversized, mis-signed and
replayed activities from a real peer. None is applied, none yields a server error, and
the instance keeps serving.

Every generated activity is wrong in at least one way a receiver must catch (structure,
object, address, size, signature); replays are of a valid activity and must apply once.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rers_core.models import Connection, Event, Listing, Registration
from rers_federation import keys
from rers_federation.conf import federation_settings
from rers_federation.models import InboxActivity, MirroredObject
from rers_federation.signing import sign
from tests.federation.test_peering import INBOX, signed_post

SENDER = "http://testserver/federation/souday/"
RECEIVER = "http://testserver/federation/voisin/"


def fuzz(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
# Addresses a sender may not speak for, or that lead nowhere.
foreign_uri = st.sampled_from(
    [
        f"{RECEIVER}events/x",
        "http://elsewhere.example/federation/x/listings/1",
        "",
        "not a url",
        f"{RECEIVER}connections/999",
    ]
)
bad_time = st.sampled_from(["", "yesterday", "2026-13-01T00:00:00", "2026-11-28T10:00:00", None, 3])


def activity_id() -> str:
    return f"{SENDER}activities/{uuid.uuid4()}"


def _wrap(kind: str, obj) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": activity_id(),
        "type": kind,
        "actor": SENDER,
        "object": obj,
        "published": timezone.now().isoformat(),
    }


bad_events = st.builds(
    lambda uri, name, start, kind: _wrap(
        kind,
        {"type": "Event", "id": uri, "name": name, "startTime": start, "endTime": start,
         "updated": timezone.now().isoformat()},
    ),
    uri=st.one_of(foreign_uri, st.just(f"{SENDER}events/fuzz")),
    name=st.one_of(st.just(""), st.none(), st.integers()),
    start=bad_time,
    kind=st.sampled_from(["Create", "Update"]),
)  # fmt: skip
bad_listings = st.builds(
    lambda uri, direction, modalities: _wrap(
        "Create",
        {"type": "Listing", "id": uri, "name": "Tricot", "direction": direction,
         "modalities": modalities, "domain": {"slug": "x"}, "updated": timezone.now().isoformat()},
    ),
    uri=st.just(f"{SENDER}listings/fuzz"),
    direction=st.one_of(st.just("gift"), st.none(), st.integers()),
    modalities=st.one_of(st.just([]), st.just("one_to_one"), st.none()),
) | st.builds(
    lambda uri: _wrap("Create", {"type": "Listing", "id": uri, "name": "Tricot",
                                 "direction": "offer", "modalities": ["one_to_one"],
                                 "domain": {"slug": "x"}, "updated": timezone.now().isoformat()}),
    uri=foreign_uri,
)  # fmt: skip
bad_connections = st.builds(
    lambda side, updated, kind: _wrap(
        kind,
        {"type": "Connection", "id": f"{SENDER}connections/fuzz", "side": side,
         "offer": f"{RECEIVER}listings/1", "answer": "accepted", "updated": updated},
    ),
    side=st.one_of(st.just("both"), st.none(), st.integers()),
    updated=bad_time,
    kind=st.sampled_from(["Create", "Update"]),
) | st.builds(
    lambda updated: _wrap(
        "Create",
        {"type": "Connection", "id": f"{SENDER}connections/fuzz", "side": "requester",
         "offer": f"{RECEIVER}listings/1", "updated": updated},
    ),
    updated=bad_time,
)  # fmt: skip
bad_registrations = st.builds(
    lambda kind, obj: _wrap(kind, obj),
    kind=st.sampled_from(["Join", "Leave", "Update"]),
    obj=st.one_of(
        junk,
        st.fixed_dictionaries({"type": st.just("Registration"), "id": st.integers()}),
        st.fixed_dictionaries(
            {"type": st.just("Registration"), "id": st.just(f"{SENDER}registrations/1"),
             "event": st.just(f"{RECEIVER}events/x"), "occurrence": bad_time}
        ),
    ),
)  # fmt: skip
bad_shapes = st.one_of(
    # Unknown types, missing or wrong fields, objects of the wrong kind.
    st.builds(lambda kind, obj: _wrap(kind, obj), st.text(max_size=12), junk),
    st.builds(lambda obj: {k: v for k, v in _wrap("Create", obj).items() if k != "id"}, junk),
    st.builds(lambda obj: {**_wrap("Create", obj), "actor": RECEIVER}, junk),
    st.builds(lambda obj: {**_wrap("Delete", obj)}, st.one_of(foreign_uri, st.integers())),
    junk.filter(lambda value: not isinstance(value, dict)),
)
malformed = st.one_of(bad_events, bad_listings, bad_connections, bad_registrations, bad_shapes)


def held() -> tuple[int, ...]:
    """What applying an activity could change on the receiving network."""
    return (
        Event.objects.count(),
        Listing.objects.count(),
        Connection.objects.count(),
        Registration.objects.count(),
        MirroredObject.objects.count(),
        InboxActivity.objects.count(),
    )


def assert_still_serving(client) -> None:
    assert client.get("/.well-known/rers").status_code == 200
    assert client.get("/federation/voisin/").status_code == 200


@pytest.mark.django_db
@fuzz(1500)
@given(activity=malformed)
def test_malformed_activities_are_refused_and_nothing_is_applied(
    client, network, active_peer, activity
):
    before = held()
    response = signed_post(client, network, INBOX, activity)
    assert 400 <= response.status_code < 500, (response.status_code, activity)
    assert response.json()["error"], response.content
    assert held() == before


@pytest.mark.django_db
@fuzz(20)
@given(size=st.integers(min_value=1, max_value=4), padding=st.sampled_from(["x", "é", "\u2028"]))
def test_oversized_bodies_are_refused(client, network, active_peer, size, padding):
    before = held()
    limit = federation_settings.MAX_BODY_BYTES
    activity = {**_wrap("Create", {"type": "Note"}), "padding": padding * (limit + size * 1000)}
    response = signed_post(client, network, INBOX, activity)
    assert response.status_code == 413
    assert held() == before


@pytest.mark.django_db
@fuzz(500)
@given(
    tamper=st.sampled_from(["other_key", "body_changed", "no_signature", "stale", "future"]),
    obj=junk,
)
def test_mis_signed_activities_are_refused(client, network, active_peer, tamper, obj):
    activity = _wrap("Create", obj)
    body = json.dumps(activity).encode()
    key = keys.current_key(network)
    signing_key = Ed25519PrivateKey.generate() if tamper == "other_key" else keys.private_key(key)
    when = {
        "stale": timezone.now() - timedelta(hours=1),
        "future": timezone.now() + timedelta(hours=1),
    }.get(tamper, timezone.now())
    headers = sign(
        method="POST", url=INBOX, body=body, key_id=key.key_id, private_key=signing_key, now=when
    )
    if tamper == "body_changed":
        body = body.replace(b"Create", b"Update")
    if tamper == "no_signature":
        headers = {}
    before = held()
    response = client.generic(
        "POST",
        "/federation/voisin/inbox/",
        data=body,
        content_type="application/activity+json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )
    assert response.status_code in (400, 401), (tamper, response.content)
    assert held() == before


@pytest.mark.django_db
@fuzz(50)
@given(repeats=st.integers(min_value=2, max_value=5))
def test_replayed_activities_apply_once(client, network, other_network, active_peer, repeats):
    listing = {
        "type": "Listing",
        "id": f"{SENDER}listings/{uuid.uuid4().int % 10**9}",
        "direction": "offer",
        "savoirKind": "know_how",
        "name": "Tricoter une écharpe",
        "domain": {"slug": "tricot", "name": "Tricot"},
        "modalities": ["one_to_one"],
        "updated": timezone.now().isoformat(),
    }
    activity = _wrap("Create", listing)
    statuses = [signed_post(client, network, INBOX, activity).status_code for _ in range(repeats)]
    assert statuses == [202] + [200] * (repeats - 1)
    assert Listing.objects.filter(network=other_network, origin_uri=listing["id"]).count() == 1
    assert InboxActivity.objects.filter(activity_id=activity["id"]).count() == 1


@pytest.mark.django_db
def test_the_instance_keeps_serving_after_the_storm(client, network, active_peer):
    before = held()
    for index in range(200):
        body = {**_wrap("Create", {"type": "Event", "id": f"{RECEIVER}events/{index}"})}
        assert signed_post(client, network, INBOX, body).status_code == 400
    assert held() == before
    assert_still_serving(client)


@pytest.mark.django_db
def test_nul_characters_are_refused_as_bad_input(client, network, active_peer):
    # PostgreSQL cannot store them: a 503 would make the sender retry forever.
    before = held()
    activity = _wrap("Create", {"type": "Note", "content": "a\x00b", "a\x00": 1})
    response = signed_post(client, network, INBOX, activity)
    assert response.status_code == 400 and response.json()["error"] == "malformed"
    assert held() == before


@pytest.mark.django_db
def test_json_nested_too_deeply_is_malformed(client, network, active_peer):
    # Read before any signature is checked: anybody can send it.
    body = '{"type": "Follow", "object": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client.generic(
        "POST", INBOX.replace("http://testserver", ""), data=body, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"] == "malformed"
    assert_still_serving(client)

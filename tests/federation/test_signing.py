"""Unit tests for rers_federation.signing (no database)."""

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from hypothesis import given, settings
from hypothesis import strategies as st

from rers_federation import signing
from rers_federation.signing import (
    BadDigest,
    BadSignature,
    MissingSignature,
    SignatureRejected,
    StaleSignature,
    UnknownKey,
)

KEY_ID = "https://souday.example/federation/actor#main-key"
URL = "https://voisin.example:8443/federation/inbox?v=1"
BODY = b'{"type": "Create", "id": "https://souday.example/activities/1"}'
NOW = datetime(2025, 3, 14, 12, 0, 0, tzinfo=UTC)

PRIVATE_KEY = Ed25519PrivateKey.generate()
PUBLIC_KEY = PRIVATE_KEY.public_key()


def resolve(key_id):
    return PUBLIC_KEY if key_id == KEY_ID else None


def signed(method="POST", url=URL, body=BODY, now=NOW, key=PRIVATE_KEY, key_id=KEY_ID):
    return signing.sign(method=method, url=url, body=body, key_id=key_id, private_key=key, now=now)


def check(headers, method="POST", url=URL, body=BODY, now=NOW, resolve_key=resolve):
    return signing.verify(
        method=method, url=url, headers=headers, body=body, resolve_key=resolve_key, now=now
    )


def library_sign(*, covered, digest_header, method="POST", url=URL, body=BODY, label="rers"):
    """Sign with the library directly, to craft requests our sign() would never produce."""
    import requests

    prepared = requests.Request(
        method, url, headers={"Content-Digest": digest_header}, data=body
    ).prepare()
    HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: PRIVATE_KEY}),
    ).sign(
        prepared,
        key_id=KEY_ID,
        created=NOW,
        label=label,
        covered_component_ids=covered,
        use_existing_digest=True,
    )
    return {
        "Content-Digest": digest_header,
        "Signature-Input": prepared.headers["Signature-Input"],
        "Signature": prepared.headers["Signature"],
    }


# --- Round trips --------------------------------------------------------------------------


def test_post_round_trip():
    headers = signed()
    assert set(headers) == {"Content-Digest", "Signature-Input", "Signature"}
    assert headers["Signature-Input"].startswith(
        'rers=("@method" "@target-uri" "content-digest");created='
    )
    assert f'keyid="{KEY_ID}"' in headers["Signature-Input"]
    assert 'alg="ed25519"' in headers["Signature-Input"]
    result = check(headers)
    assert result == signing.VerifiedRequest(key_id=KEY_ID, created=NOW)


def test_get_round_trip_signs_empty_body_digest():
    url = "https://voisin.example/federation/listings?page=2"
    headers = signed(method="GET", url=url, body=b"")
    assert headers["Content-Digest"] == signing.content_digest(b"")
    assert check(headers, method="GET", url=url, body=b"").key_id == KEY_ID


def test_header_lookup_is_case_insensitive():
    headers = signed()
    assert check({k.lower(): v for k, v in headers.items()}).key_id == KEY_ID
    assert check({k.upper(): v for k, v in headers.items()}).key_id == KEY_ID


def test_extra_headers_and_other_signature_labels_are_tolerated():
    headers = signed()
    other = library_sign(
        covered=("@method",), digest_header=headers["Content-Digest"], label="proxy"
    )
    headers["Signature-Input"] += ", " + other["Signature-Input"]
    headers["Signature"] += ", " + other["Signature"]
    headers["Content-Type"] = "application/activity+json"
    headers["User-Agent"] = "rers/0.1"
    assert check(headers).key_id == KEY_ID


def test_naive_now_is_taken_as_utc():
    headers = signed(now=NOW.replace(tzinfo=None))
    assert check(headers).created == NOW


# --- Rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "status", "reason"),
    [
        (MissingSignature, 401, "missing_signature"),
        (UnknownKey, 401, "unknown_key"),
        (BadDigest, 400, "bad_digest"),
        (StaleSignature, 401, "stale_signature"),
        (BadSignature, 401, "bad_signature"),
    ],
)
def test_rejection_status_and_reason(exc, status, reason):
    err = exc("some message")
    assert isinstance(err, SignatureRejected)
    assert (err.status, err.reason, str(err)) == (status, reason, "some message")


@pytest.mark.parametrize(
    "drop", [("Signature", "Signature-Input"), ("Signature",), ("Signature-Input",)]
)
def test_missing_signature_headers(drop):
    headers = {k: v for k, v in signed().items() if k not in drop}
    with pytest.raises(MissingSignature):
        check(headers)


def test_no_headers_at_all():
    with pytest.raises(MissingSignature):
        check({})


def test_no_rers_label():
    headers = library_sign(
        covered=signing.REQUIRED_COMPONENTS, digest_header=signing.content_digest(BODY), label="x"
    )
    with pytest.raises(MissingSignature):
        check(headers)


def test_unknown_key_id_is_looked_up_not_fetched():
    asked = []

    def lookup(key_id):
        asked.append(key_id)
        return None

    with pytest.raises(UnknownKey):
        check(signed(), resolve_key=lookup)
    assert asked == [KEY_ID]


def test_unknown_key_is_checked_before_digest():
    with pytest.raises(UnknownKey):
        check(signed(), body=b"tampered", resolve_key=lambda key_id: None)


def test_tampered_body_fails_digest():
    with pytest.raises(BadDigest):
        check(signed(), body=BODY + b" ")


def test_missing_content_digest_header():
    headers = signed()
    del headers["Content-Digest"]
    with pytest.raises(BadDigest):
        check(headers)


def test_tampered_body_with_recomputed_digest_fails_signature():
    tampered = BODY.replace(b"Create", b"Delete")
    headers = signed()
    headers["Content-Digest"] = signing.content_digest(tampered)
    with pytest.raises(BadSignature):
        check(headers, body=tampered)


def test_wrong_method():
    with pytest.raises(BadSignature):
        check(signed(method="POST"), method="PUT")


@pytest.mark.parametrize(
    "other_url",
    [
        "https://voisin.example:8443/federation/outbox?v=1",  # path
        "https://evil.example:8443/federation/inbox?v=1",  # host
        "https://voisin.example:8443/federation/inbox?v=2",  # query
        "https://voisin.example:8443/federation/inbox",  # query dropped
        "http://voisin.example:8443/federation/inbox?v=1",  # scheme
        "https://voisin.example/federation/inbox?v=1",  # port
    ],
)
def test_wrong_url(other_url):
    with pytest.raises(BadSignature):
        check(signed(), url=other_url)


def test_signature_by_another_key_under_same_key_id():
    headers = signed(key=Ed25519PrivateKey.generate())
    with pytest.raises(BadSignature):
        check(headers)


@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        (timedelta(minutes=6), False),
        (timedelta(minutes=-6), False),  # created in the future
        (timedelta(minutes=4), True),
        (timedelta(minutes=-4), True),
        (timedelta(0), True),
    ],
)
def test_created_must_be_within_skew(age, accepted):
    headers = signed(now=NOW - age)
    if accepted:
        assert check(headers).created == NOW - age
    else:
        with pytest.raises(StaleSignature):
            check(headers)


def test_missing_created_is_stale():
    headers = signed()
    headers["Signature-Input"] = re.sub(r";created=\d+", "", headers["Signature-Input"])
    with pytest.raises(StaleSignature):
        check(headers)


def test_replayed_request_still_verifies():
    # Replay protection is not the signature layer's job: the inbox deduplicates activities
    # by their id, and `created` bounds the replay window. An identical request verifies.
    headers = signed()
    first = check(dict(headers))
    second = check(dict(headers))
    assert first == second


def test_signature_not_covering_content_digest_is_rejected():
    # A genuine signature by the right key, but over method and URL only: the body would be
    # unauthenticated, so it must be refused even though the digest matches.
    headers = library_sign(
        covered=("@method", "@target-uri"), digest_header=signing.content_digest(BODY)
    )
    assert '("@method" "@target-uri")' in headers["Signature-Input"]
    with pytest.raises(BadSignature):
        check(headers)


def test_edited_signature_input_dropping_content_digest_is_rejected():
    headers = signed()
    headers["Signature-Input"] = headers["Signature-Input"].replace(' "content-digest"', "")
    with pytest.raises(BadSignature):
        check(headers)


def test_sha512_digest_is_accepted():
    digest = "sha-512=:" + base64.b64encode(hashlib.sha512(BODY).digest()).decode() + ":"
    headers = library_sign(covered=signing.REQUIRED_COMPONENTS, digest_header=digest)
    assert check(headers).key_id == KEY_ID


@pytest.mark.parametrize(
    "garbage",
    [
        "garbage(((",
        "rers",
        "rers=1",
        'rers=("@method");keyid=42;created=1',
        'rers=("@method" "@target-uri" "content-digest")',
        "rers=:AAAA:",
        "\u00e9t\u00e9",
        "",
    ],
)
def test_garbage_signature_input_does_not_crash(garbage):
    headers = signed()
    headers["Signature-Input"] = garbage
    with pytest.raises((MissingSignature, BadSignature)):
        check(headers)


@pytest.mark.parametrize("garbage", ["rers=notbytes", "rers=:!!!:", "x=:AAAA:", "((("])
def test_garbage_signature_does_not_crash(garbage):
    headers = signed()
    headers["Signature"] = garbage
    with pytest.raises((MissingSignature, BadSignature)):
        check(headers)


# --- Content-Digest -----------------------------------------------------------------------


def test_content_digest_format():
    expected = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert signing.content_digest(BODY) == f"sha-256=:{expected}:"


def test_verify_content_digest_accepts_known_and_ignores_unknown():
    sha512 = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    signing.verify_content_digest(signing.content_digest(BODY), BODY)
    signing.verify_content_digest(f"sha-512=:{sha512}:", BODY)
    signing.verify_content_digest(f"md5=:AAAA:, sha-512=:{sha512}:", BODY)
    signing.verify_content_digest(f"{signing.content_digest(BODY)}, sha-512=:{sha512}:", BODY)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "md5=:AAAA:",  # no known algorithm
        "sha-256=:AAAA:",  # wrong value (and length)
        "sha-256=abc",  # not a byte sequence
        "sha-256",  # boolean member
        "((( not a dictionary",
        "sha-256=:\u00e9:",
    ],
)
def test_verify_content_digest_rejects(header):
    with pytest.raises(BadDigest):
        signing.verify_content_digest(header, BODY)


def test_verify_content_digest_every_known_member_must_match():
    wrong512 = base64.b64encode(hashlib.sha512(b"other").digest()).decode()
    with pytest.raises(BadDigest):
        signing.verify_content_digest(f"{signing.content_digest(BODY)}, sha-512=:{wrong512}:", BODY)


# --- Key text forms -----------------------------------------------------------------------


def test_fingerprint_format():
    fp = signing.fingerprint(PUBLIC_KEY)
    assert re.fullmatch(r"[0-9A-F]{4}( [0-9A-F]{4}){15}", fp)
    raw = base64.urlsafe_b64decode(signing.public_key_to_text(PUBLIC_KEY) + "=")
    assert fp.replace(" ", "") == hashlib.sha256(raw).hexdigest().upper()


def test_public_key_text_round_trip():
    text = signing.public_key_to_text(PUBLIC_KEY)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", text)
    key = signing.public_key_from_text(text)
    assert signing.public_key_to_text(key) == text
    assert signing.fingerprint(key) == signing.fingerprint(PUBLIC_KEY)


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "not a key",
        "A" * 42,
        "A" * 44,
        "A" * 42 + "B",  # non-canonical: trailing bits set
        "+" * 43,  # standard base64 alphabet, not base64url
        "A" * 42 + "=",
        None,
        12,
    ],
)
def test_public_key_from_junk(junk):
    with pytest.raises(ValueError):
        signing.public_key_from_text(junk)


# --- Property -----------------------------------------------------------------------------


@settings(deadline=None, max_examples=75)
@given(data=st.data(), body=st.binary(min_size=1, max_size=512))
def test_any_single_byte_tampering_fails(data, body):
    headers = signed(body=body)
    assert check(headers, body=body).key_id == KEY_ID
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1), label="index")
    flip = data.draw(st.integers(min_value=1, max_value=255), label="xor")
    tampered = bytearray(body)
    tampered[index] ^= flip
    with pytest.raises(SignatureRejected):
        check(headers, body=bytes(tampered))


def test_unparseable_resolved_key_counts_as_unknown():
    def lookup(key_id):
        return signing.public_key_from_text("junk")

    with pytest.raises(UnknownKey):
        check(signed(), resolve_key=lookup)


def test_django_request_headers_and_absolute_uri(rf):
    # What the inbox view does: Django's case-insensitive headers and build_absolute_uri().
    url = "http://testserver/federation/voisin/inbox/?v=1"
    headers = signed(url=url)
    request = rf.post(
        "/federation/voisin/inbox/?v=1",
        data=BODY,
        content_type="application/activity+json",
        headers=headers,
    )
    result = signing.verify(
        method=request.method,
        url=request.build_absolute_uri(),
        headers=request.headers,
        body=request.body,
        resolve_key=resolve,
        now=NOW,
    )
    assert result.key_id == KEY_ID

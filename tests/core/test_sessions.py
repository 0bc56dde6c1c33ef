"""Logging out everywhere: a person ends their other sessions (a shared computer, a lost
phone) and their API token, or every session including the one they are using."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from rers_core.errors import NotAllowed
from rers_core.models import AccountSession
from rers_core.services.accounts import account_sessions_end, ended_sessions_forget
from rers_core.testing.factories import UserFactory
from tests.core.api_support import client_for

SESSIONS = "/accounts/sessions/"


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _is_logged_in(client: Client) -> bool:
    return client.get(SESSIONS).status_code == 200


@pytest.fixture(
    params=["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"]
)
def session_engine(request, settings):
    """The database sessions, and those read through the shared cache (the production
    settings with CACHE_URL)."""
    settings.SESSION_ENGINE = request.param
    return request.param


def test_logging_out_everywhere_else_keeps_only_this_session(member, session_engine):
    here, laptop, phone = (_logged_in(member.user) for _ in range(3))
    stranger = _logged_in(UserFactory())
    Token.objects.create(user=member.user)

    page = here.get(SESSIONS)
    assert page.status_code == 200
    assert len(page.context["other_sessions"]) == 2 and page.context["has_api_token"]

    response = here.post(SESSIONS, {"scope": "others"}, follow=True)
    assert "2 autres sessions terminées" in response.content.decode()
    assert _is_logged_in(here)
    assert not _is_logged_in(laptop) and not _is_logged_in(phone)
    assert _is_logged_in(stranger)
    assert not Token.objects.filter(user=member.user).exists()
    assert AccountSession.objects.filter(user=member.user).count() == 1
    assert here.get(SESSIONS).context["other_sessions"] == []


def test_logging_out_everywhere_ends_this_session_too(member, session_engine):
    here, elsewhere = _logged_in(member.user), _logged_in(member.user)
    response = here.post(SESSIONS, {"scope": "everywhere"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not _is_logged_in(here) and not _is_logged_in(elsewhere)
    assert not AccountSession.objects.filter(user=member.user).exists()


def test_an_api_client_loses_its_token(member):
    token = Token.objects.create(user=member.user)
    api = client_for()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/me/").status_code == 200
    _logged_in(member.user).post(SESSIONS, {"scope": "others"})
    assert api.get("/api/v1/me/").status_code in (401, 403)


def test_logging_out_forgets_the_session_and_ended_sessions_are_not_listed(member):
    here, elsewhere, expired = (_logged_in(member.user) for _ in range(3))
    elsewhere.post("/accounts/logout/")
    assert AccountSession.objects.filter(user=member.user).count() == 2
    assert len(here.get(SESSIONS).context["other_sessions"]) == 1
    Session.objects.filter(session_key=expired.session.session_key).delete()  # clearsessions
    assert here.get(SESSIONS).context["other_sessions"] == []


def test_the_page_is_for_logged_in_people_and_nobody_ends_anothers_sessions(client, member):
    assert client.get(SESSIONS).status_code == 302
    with pytest.raises(NotAllowed):
        account_sessions_end(user=member.user, acting=UserFactory())


def test_logging_in_as_someone_else_in_the_same_browser_is_noted(client, member):
    client.force_login(UserFactory())
    client.force_login(member.user)  # Django flushes the first person's session
    assert AccountSession.objects.filter(
        user=member.user, session_key=client.session.session_key
    ).exists()


def test_an_api_client_logs_out_everywhere(member):
    browser = _logged_in(member.user)
    token = Token.objects.create(user=member.user)
    api = client_for()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.delete("/api/v1/auth/sessions/").status_code == 204
    assert not _is_logged_in(browser)
    assert not Token.objects.filter(user=member.user).exists()
    assert api.delete("/api/v1/auth/sessions/").status_code in (401, 403)


def test_ended_sessions_and_their_notes_are_forgotten(member, session_engine, settings):
    store = import_module(session_engine).SessionStore
    alive_old, alive_young = _logged_in(member.user), _logged_in(member.user)
    ended_old, ended_young = _logged_in(member.user), _logged_in(member.user)
    for client in (ended_old, ended_young):
        store(session_key=client.session.session_key).delete()  # expired, cookie deleted...
    long_ago = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    AccountSession.objects.filter(
        session_key__in=[alive_old.session.session_key, ended_old.session.session_key]
    ).update(started_at=long_ago)
    expired = store()
    expired.set_expiry(-60)
    expired.create()

    assert ended_sessions_forget() == 1
    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert set(AccountSession.objects.values_list("session_key", flat=True)) == {
        alive_old.session.session_key,
        alive_young.session.session_key,
        ended_young.session.session_key,  # may still be alive for all its age tells
    }
    assert _is_logged_in(alive_old) and _is_logged_in(alive_young)

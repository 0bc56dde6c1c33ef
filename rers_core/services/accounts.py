"""Writes on user accounts: the portal's sign-up, API tokens, sessions."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from rers_core.errors import NotAllowed, ValidationFailed
from rers_core.models import AccountSession
from rers_core.services.members import user_for_email

User = get_user_model()


@transaction.atomic
def account_create(*, email: str, password: str):
    """Create a person's account from the sign-up form: the email is also the username.

    Runs Django's password validators; an email already used by an account is refused
    (the person should log in or use "forgotten password" instead).
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(_("Enter a valid email address."), field="email") from exc
    if user_for_email(email) is not None:
        raise ValidationFailed(
            _("An account already uses this email: log in, or ask for a new password."),
            field="email",
        )
    user = User(username=email, email=email)
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationFailed(
            _("An account already uses this email: log in, or ask for a new password."),
            field="email",
        ) from exc
    return user


@transaction.atomic
def token_issue(*, username: str, password: str, request=None) -> Token:
    """The API token of the account ``username``, once ``password`` is checked.

    Created on first use, then the same token is returned until :func:`token_revoke`.
    Inactive accounts and accounts without a usable password get none.
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise ValidationFailed(_("Unable to sign in with this username and password."))
    token, _created = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def token_revoke(*, user, acting) -> None:
    """Delete ``user``'s API token: clients holding it are signed out. Harmless if none."""
    if acting is not None and acting.pk != user.pk:
        raise NotAllowed(_("You can only revoke your own token."))
    Token.objects.filter(user=user).delete()


def account_session_started(*, user, session_key: str) -> None:
    """Note that ``user`` logged in through the session ``session_key`` (on login)."""
    AccountSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def account_session_ended(*, session_key: str) -> None:
    """Forget the session ``session_key`` (on logout). Harmless if unknown."""
    AccountSession.objects.filter(session_key=session_key).delete()


def ended_sessions_forget() -> int:
    """Delete the expired sessions, and the notes of logins whose session no longer exists
    (run daily by beat): nothing is kept about a session that can no longer be used.
    Returns the number of notes deleted."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    store.clear_expired()
    # A session lasts SESSION_COOKIE_AGE from its last change at least: younger notes are
    # of live sessions (a logout deletes its note itself).
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    old = AccountSession.objects.filter(started_at__lt=cutoff)
    ended = [key for key in old.values_list("session_key", flat=True) if not store().exists(key)]
    deleted, _by_model = AccountSession.objects.filter(session_key__in=ended).delete()
    return deleted


@transaction.atomic
def account_sessions_end(*, user, acting, keep_session_key: str | None = None) -> int:
    """Log ``user`` out everywhere: end each of their sessions but ``keep_session_key``
    (the one asking, for "everywhere else") and revoke their API token. Returns the number
    of sessions that were still alive. Only the account's owner may do it."""
    if acting is None or acting.pk != user.pk:
        raise NotAllowed(_("You can only log yourself out."))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = AccountSession.objects.filter(user=user).exclude(session_key=keep_session_key or "")
    live = 0
    for key in ended.values_list("session_key", flat=True):
        session = store(session_key=key)
        live += session.exists(key)  # an expired session is forgotten, not counted
        session.delete()
    ended.delete()
    token_revoke(user=user, acting=acting)
    return live

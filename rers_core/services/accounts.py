"""Writes on user accounts: the portal's sign-up, API tokens."""

from __future__ import annotations

from django.contrib.auth import authenticate, get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from rers_core.errors import NotAllowed, ValidationFailed
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

"""Accounts: sign up, log in and out (here or everywhere), forgotten password, data
download, goodbye."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from rers_core.errors import DomainError
from rers_core.selectors.members import (
    account_sessions_other,
    api_token_exists,
    user_data_export,
)
from rers_core.services.accounts import account_create, account_sessions_end
from rers_core.throttling import login_refused_form, login_wait
from rers_core.web.forms import LoginForm, NewPasswordForm, ResetPasswordForm, SignupForm
from rers_core.web.views._common import json_attachment, portal_view, render_page, safe_next


@require_http_methods(["GET", "POST"])
@portal_view
def signup(request: HttpRequest) -> HttpResponse:
    home = reverse("rers_core:home")
    if request.user.is_authenticated:
        return redirect(safe_next(request, home))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_create(
                email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(request, _("Your account is ready. Welcome!"))
            return redirect(safe_next(request, home))
    return render_page(
        request,
        "rers_core/accounts/signup.html",
        {
            "form": form,
            "next": safe_next(request, ""),
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "rers_core/accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = login_wait(request, request.POST.get("username", ""))
        if wait is None:
            return super().post(request, *args, **kwargs)
        form = login_refused_form(self.get_form_class(), request, wait)
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule): a link could log people out behind their back."""


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "rers_core/accounts/password_reset.html"
    form_class = ResetPasswordForm
    email_template_name = "rers_core/accounts/password_reset_email.txt"
    subject_template_name = "rers_core/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("rers_core:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "rers_core/accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "rers_core/accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("rers_core:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "rers_core/accounts/password_reset_complete.html"


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """Everything this instance holds about me, as a JSON file."""
    return json_attachment(user_data_export(request.user), "my-rers-data.json")


@require_http_methods(["GET", "POST"])
@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    """Where else I am logged in, and logging out everywhere else, or everywhere."""
    if request.method == "POST":
        ended = account_sessions_end(
            user=request.user, acting=request.user, keep_session_key=request.session.session_key
        )
        if request.POST.get("scope") == "everywhere":
            logout(request)
            messages.success(request, _("You are logged out everywhere."))
            return redirect("rers_core:login")
        messages.success(
            request,
            ngettext(
                "%(count)d other session ended; the API token, if any, is revoked.",
                "%(count)d other sessions ended; the API token, if any, is revoked.",
                ended,
            )
            % {"count": ended},
        )
        return redirect("rers_core:sessions")
    return render_page(
        request,
        "rers_core/accounts/sessions.html",
        {
            "other_sessions": account_sessions_other(request.user, request.session.session_key),
            "has_api_token": api_token_exists(request.user),
        },
    )


def goodbye(request: HttpRequest) -> HttpResponse:
    return render_page(request, "rers_core/accounts/goodbye.html")

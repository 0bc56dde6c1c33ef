"""What every portal view shares: network lookup, whose data a page is about, errors.

Views stay thin: a form validates, one service is called with ``acting=request.user``,
and :func:`portal_view` turns the domain's refusals into 404/403 pages, never a 500.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from rers_core import permissions
from rers_core.errors import NotAllowed, NotFound
from rers_core.models import Member, Network
from rers_core.selectors.members import member_get
from rers_core.selectors.networks import network_get


class JoinFirst(Exception):
    """The page needs a membership of the network the person does not have yet."""

    def __init__(self, network: Network) -> None:
        super().__init__(network.slug)
        self.network = network


def portal_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Map the domain's refusals to HTTP: not found → 404, not allowed → 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except JoinFirst as exc:
            messages.info(request, _("Join the network first."))
            return redirect("rers_core:join", slug=exc.network.slug)

    return wrapper


def get_network(slug: str) -> Network:
    return network_get(slug)


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    network: Network | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render with what the layout needs to show the network's navigation."""
    viewer = permissions.membership(request.user, network) if network is not None else None
    base = {
        "network": network,
        "viewer": viewer,
        "viewer_can_browse": network is not None and permissions.can_browse(request.user, network),
        "viewer_is_facilitator": viewer is not None and viewer.is_facilitator,
        "viewer_is_coordinator": viewer is not None and viewer.is_coordinator,
    }
    return render(request, template, {**base, **(context or {})}, status=status)


def render_confirmation(
    request: HttpRequest,
    *,
    network: Network,
    question: str,
    consequences: list[str],
    confirm_label: str,
    back_url: str,
    form: Any = None,
    status: int = 200,
) -> HttpResponse:
    """The page that asks to confirm an act one cannot take back: its button posts to the
    same address (the view acts on POST), its link goes back without doing anything. A page
    rather than a script's dialog: the portal works without JavaScript, and its CSP allows
    no inline script. ``form``: what the act needs besides (a reason, for example)."""
    return render_page(
        request,
        "rers_core/confirm.html",
        {
            "question": question,
            "consequences": consequences,
            "confirm_label": confirm_label,
            "back_url": back_url,
            "form": form,
            "action": request.path,
            "next": safe_next(request, ""),
        },
        network=network,
        status=status,
    )


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` parameter when it is a path of this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A bare word ("connexions") would be taken by redirect() for a view's name.
    is_path = target.startswith("/") and not target.startswith(("//", "/\\"))
    if is_path and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def json_attachment(data: dict[str, Any], filename: str) -> HttpResponse:
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dataclass
class Subject:
    """Whose data a page shows: the visitor's own membership, or, in the facilitator area,
    a member of the facilitator's network (``on_behalf``). One view serves both."""

    network: Network
    member: Member
    on_behalf: bool

    def _url(self, own: str, managed: str) -> str:
        if self.on_behalf:
            return reverse(f"rers_core:{managed}", args=[self.network.slug, self.member.pk])
        return reverse(f"rers_core:{own}", args=[self.network.slug])

    @property
    def urls(self) -> dict[str, str]:
        return {
            "space": self._url("me", "manage_member"),
            "charter": self._url("charter", "manage_member_charter"),
            "consents": self._url("consents", "manage_member_consents"),
            "listings": self._url("my_listings", "manage_member"),
            "listing_create": self._url("listing_create", "manage_listing_create"),
            "withdraw": self._url("withdraw", "manage_member_withdraw"),
            "export": (
                reverse("rers_core:manage_member_export", args=[self.network.slug, self.member.pk])
                if self.on_behalf
                else reverse("rers_core:export")
            ),
        }


def resolve_subject(request: HttpRequest, slug: str, member_id: int | None) -> Subject:
    """The request user's own membership, or a member they facilitate (else 403/404)."""
    network = get_network(slug)
    if member_id is None:
        own = permissions.membership(request.user, network)
        if own is None:
            raise JoinFirst(network)
        return Subject(network=network, member=own, on_behalf=False)
    require_facilitator(request, network)
    return Subject(network=network, member=member_get(network, member_id), on_behalf=True)


def require_facilitator(request: HttpRequest, network: Network) -> None:
    if not permissions.is_facilitator(request.user, network):
        raise PermissionDenied(_("Only the facilitators of this network can see this page."))

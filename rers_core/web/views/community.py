"""The network's public life: testimonies, news (with RSS and Atom feeds), resources for
members, and the contact form.

Public pages need no account; members also see members-only resources; facilitators
publish news and resources, record testimonies and read visitors' messages.
"""

from __future__ import annotations

import os
import zoneinfo
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rers_core import permissions
from rers_core.errors import DomainError, NotFound
from rers_core.models import Network, NewsPost, Resource, Testimony
from rers_core.selectors.calendar_pages import (
    contact_message_get,
    contact_message_list,
    event_choices,
    member_testimonies,
    news_all,
    news_get,
    resource_get,
    testimony_get,
    upcoming_occurrences,
)
from rers_core.selectors.events import (
    news_list,
    resource_list,
    testimonies_public,
    testimony_list,
)
from rers_core.selectors.members import member_list
from rers_core.services.events import testimony_feature, testimony_record, testimony_set_publication
from rers_core.services.portal import (
    contact_message_mark_handled,
    contact_message_receive,
    news_delete,
    news_publish,
    news_update,
    resource_create,
    resource_delete,
)
from rers_core.web.forms import ContactForm, NewsForm, ResourceForm, TestimonyForm
from rers_core.web.forms import TestimonyPublicationForm as PublicationForm
from rers_core.web.views._common import (
    get_network,
    portal_view,
    render_page,
    require_facilitator,
    resolve_subject,
    safe_next,
)

PAGE_SIZE = 20
FEED_SIZE = 20
HOME_NEWS = 3
HOME_EVENTS = 3
# The contact form accepts this many messages per hour from one address, per network.
CONTACT_LIMIT = 5
CONTACT_WINDOW_SECONDS = 3600


def home_context(network: Network) -> dict[str, Any]:
    """What the network's home page shows of its life: latest news and next events."""
    return {
        "latest_news": list(news_list(network)[:HOME_NEWS]),
        "next_occurrences": upcoming_occurrences(network, limit=HOME_EVENTS),
    }


# --- Testimonies -----------------------------------------------------------------------------


@portal_view
def testimonies_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Members' words about the network, published with their consent."""
    network = get_network(slug)
    page = Paginator(testimonies_public(network), PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "rers_core/community/testimonies.html",
        {
            "page": page,
        },
        network=network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def manage_testimonies(request: HttpRequest, slug: str) -> HttpResponse:
    """Record a member's testimony (with their publication choice) and curate the page."""
    network = get_network(slug)
    require_facilitator(request, network)
    form = TestimonyForm(
        request.POST or None, members=member_list(network), events=event_choices(network)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            testimony_record(
                network=network,
                author=data["author"],
                text=data["text"],
                acting=request.user,
                event=data.get("event"),
                publication=data["publication"],
                first_name=data["first_name"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The testimony is recorded."))
            return redirect("rers_core:manage_testimonies", slug=network.slug)
    page = Paginator(testimony_list(network), PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "rers_core/community/manage_testimonies.html",
        {
            "form": form,
            "page": page,
            "next": request.get_full_path(),
        },
        network=network,
    )


@login_required
@require_POST
@portal_view
def testimony_feature_view(request: HttpRequest, slug: str, testimony_id: int) -> HttpResponse:
    """Show a consented testimony on the public page, or take it off."""
    network = get_network(slug)
    require_facilitator(request, network)
    testimony = testimony_get(network, testimony_id)
    featured = request.POST.get("featured") == "1"
    try:
        testimony_feature(testimony=testimony, featured=featured, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("It is shown on the public page.")
            if featured
            else _("It is no longer shown on the public page."),
        )
    return redirect(
        safe_next(request, reverse("rers_core:manage_testimonies", args=[network.slug]))
    )


def _publication_form(testimony: Testimony, data: Any = None) -> PublicationForm:
    return PublicationForm(
        data,
        prefix=f"t{testimony.pk}",
        initial={
            "publication": testimony.publication,
            "first_name": testimony.first_name,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def my_testimonies(request: HttpRequest, slug: str) -> HttpResponse:
    """My words about the network: write one, and choose at any time whether it is published."""
    subject = resolve_subject(request, slug, None)
    member = subject.member
    form = TestimonyForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            testimony_record(
                network=subject.network,
                author=member,
                text=data["text"],
                acting=request.user,
                publication=data["publication"],
                first_name=data["first_name"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request,
                _(
                    "Thank you! The facilitators choose which published testimonies the public "
                    "page shows."
                ),
            )
            return redirect("rers_core:my_testimonies", slug=subject.network.slug)
    testimonies = list(member_testimonies(member))
    return render_page(
        request,
        "rers_core/community/my_testimonies.html",
        {
            "subject": subject,
            "form": form,
            "rows": [(t, _publication_form(t)) for t in testimonies],
            "next": request.get_full_path(),
        },
        network=subject.network,
    )


@login_required
@require_POST
@portal_view
def testimony_publication(request: HttpRequest, slug: str, testimony_id: int) -> HttpResponse:
    """The author (or a facilitator at their request) changes the publication choice."""
    network = get_network(slug)
    testimony = testimony_get(network, testimony_id)
    if not permissions.can_act_for(request.user, testimony.author):
        raise NotFound(_("There is no such testimony in this network."))
    form = _publication_form(testimony, request.POST)
    if form.is_valid():
        try:
            testimony_set_publication(
                testimony=testimony,
                publication=form.cleaned_data["publication"],
                first_name=form.cleaned_data["first_name"],
                acting=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The publication choice is saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(safe_next(request, reverse("rers_core:my_testimonies", args=[network.slug])))


# --- News ------------------------------------------------------------------------------------


@portal_view
def news_view(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    is_facilitator = permissions.is_facilitator(request.user, network)
    page = Paginator(news_list(network), PAGE_SIZE).get_page(request.GET.get("page"))
    scheduled = (
        list(news_all(network).filter(published_at__gt=timezone.now())) if is_facilitator else []
    )
    return render_page(
        request,
        "rers_core/community/news.html",
        {
            "page": page,
            "scheduled": scheduled,
            "is_facilitator": is_facilitator,
        },
        network=network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def news_new(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    require_facilitator(request, network)
    form = NewsForm(request.POST or None, time_zone=network.timezone)
    if request.method == "POST" and form.is_valid():
        try:
            news_publish(network=network, acting=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The news is published."))
            return redirect("rers_core:news", slug=network.slug)
    return render_page(
        request,
        "rers_core/community/news_form.html",
        {
            "form": form,
            "post": None,
        },
        network=network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def news_edit(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    network = get_network(slug)
    require_facilitator(request, network)
    post = news_get(network, post_id, include_scheduled=True)
    form = NewsForm(
        request.POST or None,
        time_zone=network.timezone,
        initial={
            "title": post.title,
            "text": post.text,
            "published_at": timezone.localtime(post.published_at, _zone(network)),
        },
    )
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v is not None}
        try:
            news_update(post=post, acting=request.user, **fields)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The news is saved."))
            return redirect("rers_core:news", slug=network.slug)
    return render_page(
        request,
        "rers_core/community/news_form.html",
        {
            "form": form,
            "post": post,
        },
        network=network,
    )


def _zone(network: Network) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(network.timezone)


@login_required
@require_POST
@portal_view
def news_delete_view(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    network = get_network(slug)
    require_facilitator(request, network)
    post = news_get(network, post_id, include_scheduled=True)
    try:
        news_delete(post=post, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The news is deleted."))
    return redirect("rers_core:news", slug=network.slug)


class NewsRssFeed(Feed):
    """The network's news as RSS 2.0 (Atom below), for feed readers and neighbours' sites."""

    def get_object(self, request: HttpRequest, slug: str) -> Network:
        try:
            return get_network(slug)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    def title(self, obj: Network) -> str:
        return _("%(network)s: news") % {"network": obj.name}

    def link(self, obj: Network) -> str:
        return reverse("rers_core:news", args=[obj.slug])

    def description(self, obj: Network) -> str:
        return _("News of the knowledge exchange network %(network)s.") % {"network": obj.name}

    def items(self, obj: Network) -> list[NewsPost]:
        return list(news_list(obj).select_related("network")[:FEED_SIZE])

    def item_title(self, item: NewsPost) -> str:
        return item.title

    def item_description(self, item: NewsPost) -> str:
        return item.text

    def item_link(self, item: NewsPost) -> str:
        return reverse("rers_core:news", args=[item.network.slug]) + f"#news-{item.pk}"

    def item_pubdate(self, item: NewsPost) -> datetime:
        return item.published_at


class NewsAtomFeed(NewsRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: Network) -> str:
        return self.description(obj)


# --- Resources -------------------------------------------------------------------------------


@portal_view
def resources_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Guides, forms and links: public ones for everyone, the others for members."""
    network = get_network(slug)
    viewer = permissions.membership(request.user, network)
    return render_page(
        request,
        "rers_core/community/resources.html",
        {
            "resources": list(resource_list(network, request.user)),
            "is_member": viewer is not None,
            "is_facilitator": viewer is not None and viewer.is_facilitator,
        },
        network=network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def resource_new(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    require_facilitator(request, network)
    form = ResourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            resource_create(network=network, acting=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The resource is added."))
            return redirect("rers_core:resources", slug=network.slug)
    return render_page(
        request,
        "rers_core/community/resource_form.html",
        {
            "form": form,
        },
        network=network,
    )


@login_required
@require_POST
@portal_view
def resource_delete_view(request: HttpRequest, slug: str, resource_id: int) -> HttpResponse:
    network = get_network(slug)
    require_facilitator(request, network)
    resource = resource_get(network, request.user, resource_id)
    try:
        resource_delete(resource=resource, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The resource is deleted."))
    return redirect("rers_core:resources", slug=network.slug)


@portal_view
def resource_download(request: HttpRequest, slug: str, resource_id: int) -> HttpResponse:
    """A document, sent only to whom may see it (files are never served as public media)."""
    network = get_network(slug)
    resource = resource_get(network, request.user, resource_id)
    if not resource.document:
        raise NotFound(_("This resource has no document."))
    try:
        handle = resource.document.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("This document is missing; tell the facilitators.")) from exc
    # As an attachment: an uploaded HTML or SVG file is never rendered by the browser.
    response = FileResponse(
        handle, as_attachment=True, filename=os.path.basename(resource.document.name)
    )
    if resource.audience != Resource.Audience.PUBLIC:
        response["Cache-Control"] = "private, no-store"
    return response


# --- Contact ---------------------------------------------------------------------------------


def _throttle_key(request: HttpRequest, network: Network) -> str:
    # REMOTE_ADDR, not X-Forwarded-For which anyone can write; behind a proxy, the site
    # sets REMOTE_ADDR from the proxy's header.
    return f"rers:contact:{network.pk}:{request.META.get('REMOTE_ADDR', '')}"


def _throttled(key: str) -> bool:
    return (cache.get(key) or 0) >= CONTACT_LIMIT


def _count_message(key: str) -> None:
    cache.add(key, 0, timeout=CONTACT_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=CONTACT_WINDOW_SECONDS)


@require_http_methods(["GET", "POST"])
@portal_view
def contact_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Write to the network's facilitators, without an account."""
    network = get_network(slug)
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        key = _throttle_key(request, network)
        if _throttled(key):
            form.add_error(
                None,
                _("You have sent several messages in a short time. Please try again in an hour."),
            )
            status = 429
        elif form.is_trap:
            # A robot filled the hidden field: it sees the usual thanks, nothing is kept.
            _count_message(key)
            messages.success(request, _("Thank you, your message is sent."))
            return redirect("rers_core:contact", slug=network.slug)
        else:
            data = {k: form.cleaned_data[k] for k in ("name", "email", "subject", "message")}
            try:
                contact_message_receive(network=network, **data)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                _count_message(key)
                messages.success(
                    request,
                    _(
                        "Thank you, your message is sent. "
                        "The facilitators will answer you by email."
                    ),
                )
                return redirect("rers_core:contact", slug=network.slug)
    return render_page(
        request,
        "rers_core/community/contact.html",
        {
            "form": form,
        },
        network=network,
        status=status,
    )


@login_required
@portal_view
def manage_messages(request: HttpRequest, slug: str) -> HttpResponse:
    """Visitors' messages, newest first; facilitators mark them handled."""
    network = get_network(slug)
    require_facilitator(request, network)
    unhandled_only = request.GET.get("show") != "all"
    qs = contact_message_list(network, unhandled_only=unhandled_only)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "rers_core/community/manage_messages.html",
        {
            "page": page,
            "unhandled_only": unhandled_only,
            "next": request.get_full_path(),
        },
        network=network,
    )


@login_required
@require_POST
@portal_view
def contact_message_handled(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    network = get_network(slug)
    require_facilitator(request, network)
    received = contact_message_get(network, message_id)
    try:
        contact_message_mark_handled(received=received, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The message is marked as handled."))
    return redirect(safe_next(request, reverse("rers_core:manage_messages", args=[network.slug])))

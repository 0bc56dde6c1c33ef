"""The portal, included by the site at ``/``.

Fixed paths (``accounts/``, ``me/``) come before the per-network ``<slug>/`` paths, so a
network cannot use those words as its short name.
"""

from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from rers_core.web.views import (
    accounts,
    community,
    connections,
    events,
    exchanges,
    figures,
    listings,
    manage,
    members,
    networks,
    suggestions,
)

app_name = "rers_core"

register_converter(events.OccurrenceKeyConverter, "occurrence")

account_patterns = [
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("sessions/", accounts.sessions, name="sessions"),
    path("goodbye/", accounts.goodbye, name="goodbye"),
    path("password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/", accounts.PasswordResetDoneView.as_view(), name="password_reset_done"
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

# A facilitator acting for one member of their network.
managed_member_patterns = [
    path("", members.member_space, name="manage_member"),
    path("charter/", networks.charter, name="manage_member_charter"),
    path("consents/", members.consents, name="manage_member_consents"),
    path("listings/new/", listings.listing_new, name="manage_listing_create"),
    path("export.json", members.member_export, name="manage_member_export"),
    path("withdraw/", members.withdraw, name="manage_member_withdraw"),
    path("role/", manage.manage_member_role, name="manage_member_role"),
]

network_patterns = [
    path("", networks.network_detail, name="network"),
    path("join/", networks.join, name="join"),
    path("me/", members.member_space, name="me"),
    path("me/charter/", networks.charter, name="charter"),
    path("me/consents/", members.consents, name="consents"),
    path("me/listings/", members.my_listings, name="my_listings"),
    path("me/audit/", members.my_audit, name="my_audit"),
    path("me/withdraw/", members.withdraw, name="withdraw"),
    path("listings/", listings.listing_browse, name="listings"),
    path("listings/new/", listings.listing_new, name="listing_create"),
    path("listings/<int:listing_id>/", listings.listing_detail, name="listing_detail"),
    path("listings/<int:listing_id>/edit/", listings.listing_edit, name="listing_edit"),
    path("listings/<int:listing_id>/pause/", listings.listing_pause_view, name="listing_pause"),
    path("listings/<int:listing_id>/reopen/", listings.listing_reopen_view, name="listing_reopen"),
    path("listings/<int:listing_id>/close/", listings.listing_close_view, name="listing_close"),
    path(
        "listings/<int:listing_id>/ask-neighbours/",
        suggestions.ask_neighbours_view,
        name="listing_ask_neighbours",
    ),
    path("manage/", RedirectView.as_view(pattern_name="rers_core:manage_members"), name="manage"),
    path("manage/members/", manage.manage_members, name="manage_members"),
    path("manage/members/new/", manage.manage_member_new, name="manage_member_new"),
    path("manage/members/<int:member_id>/", include(managed_member_patterns)),
    path("manage/audit/", manage.manage_audit, name="manage_audit"),
    # Connections, exchanges, reviews.
    path("connections/", connections.connection_list_view, name="connections"),
    path("connections/propose/", connections.connection_propose_view, name="connection_propose"),
    path(
        "connections/<int:connection_id>/", connections.connection_detail, name="connection_detail"
    ),
    path(
        "connections/<int:connection_id>/answer/",
        connections.connection_answer_view,
        name="connection_answer",
    ),
    path(
        "connections/<int:connection_id>/cancel/",
        connections.connection_cancel_view,
        name="connection_cancel",
    ),
    path(
        "connections/<int:connection_id>/relayed/",
        connections.connection_relayed_view,
        name="connection_relayed",
    ),
    path(
        "connections/<int:connection_id>/exchange/",
        connections.connection_start_exchange,
        name="connection_start_exchange",
    ),
    path("exchanges/", exchanges.exchange_list_view, name="exchanges"),
    path("exchanges/<int:exchange_id>/", exchanges.exchange_detail, name="exchange_detail"),
    path(
        "exchanges/<int:exchange_id>/agreement/",
        exchanges.exchange_agreement,
        name="exchange_agreement",
    ),
    path(
        "exchanges/<int:exchange_id>/confirm/", exchanges.exchange_confirm, name="exchange_confirm"
    ),
    path(
        "exchanges/<int:exchange_id>/sessions/",
        exchanges.exchange_session_add,
        name="exchange_session_add",
    ),
    path(
        "exchanges/<int:exchange_id>/complete/",
        exchanges.exchange_complete_view,
        name="exchange_complete",
    ),
    path(
        "exchanges/<int:exchange_id>/cancel/",
        exchanges.exchange_cancel_view,
        name="exchange_cancel",
    ),
    path("exchanges/<int:exchange_id>/review/", exchanges.exchange_review, name="exchange_review"),
    path("manage/exchanges/new/", exchanges.manage_exchange_new, name="manage_exchange_new"),
    path(
        "manage/suggestions/", suggestions.suggested_connections_view, name="suggested_connections"
    ),
    path("manage/unmet/", suggestions.unmet_requests_view, name="unmet_requests"),
    path("manage/unmet.csv", suggestions.unmet_requests_csv, name="unmet_requests_csv"),
    path(
        "manage/unmet-neighbours.csv",
        suggestions.neighbours_unmet_requests_csv,
        name="neighbours_unmet_requests_csv",
    ),
    path("manage/reviews/", exchanges.manage_reviews, name="manage_reviews"),
]

# The network's collective life: calendar, registrations, feeds, testimonies, news,
# resources, contact form, figures.
_event = "calendar/events/<int:event_id>/"
_occurrence = _event + "<occurrence:key>/"
network_patterns += [
    path("calendar/", events.calendar_view, name="calendar"),
    path("calendar.ics", events.network_feed, name="network_feed"),
    path("calendar/feed/<str:token>.ics", events.member_feed, name="member_feed"),
    path("calendar/my-registrations/", events.my_registrations, name="my_registrations"),
    path(
        "calendar/my-registrations/new-address/",
        events.calendar_token_regenerate_view,
        name="calendar_token_regenerate",
    ),
    path("calendar/events/new/", events.event_new, name="event_new"),
    path(_event, events.event_detail, name="event_detail"),
    path(_event + "edit/", events.event_edit, name="event_edit"),
    path(_event + "cancel/", events.event_cancel_view, name="event_cancel"),
    path(_occurrence, events.occurrence_detail, name="occurrence_detail"),
    path(_occurrence + "register/", events.occurrence_register, name="occurrence_register"),
    path(_occurrence + "cancel/", events.occurrence_cancel_view, name="occurrence_cancel"),
    path(_occurrence + "move/", events.occurrence_move_view, name="occurrence_move"),
    path(_occurrence + "restore/", events.occurrence_restore_view, name="occurrence_restore"),
    path(
        "calendar/registrations/<int:registration_id>/cancel/",
        events.registration_cancel_view,
        name="registration_cancel",
    ),
    path(
        "calendar/registrations/<int:registration_id>/attendance/",
        events.registration_attendance,
        name="registration_attendance",
    ),
    path("testimonies/", community.testimonies_view, name="testimonies"),
    path(
        "testimonies/<int:testimony_id>/publication/",
        community.testimony_publication,
        name="testimony_publication",
    ),
    path("me/testimonies/", community.my_testimonies, name="my_testimonies"),
    path("manage/testimonies/", community.manage_testimonies, name="manage_testimonies"),
    path(
        "manage/testimonies/<int:testimony_id>/feature/",
        community.testimony_feature_view,
        name="testimony_feature",
    ),
    path("news/", community.news_view, name="news"),
    path("news/rss/", community.NewsRssFeed(), name="news_rss"),
    path("news/atom/", community.NewsAtomFeed(), name="news_atom"),
    path("news/new/", community.news_new, name="news_new"),
    path("news/<int:post_id>/edit/", community.news_edit, name="news_edit"),
    path("news/<int:post_id>/delete/", community.news_delete_view, name="news_delete"),
    path("resources/", community.resources_view, name="resources"),
    path("resources/new/", community.resource_new, name="resource_new"),
    path(
        "resources/<int:resource_id>/download/",
        community.resource_download,
        name="resource_download",
    ),
    path(
        "resources/<int:resource_id>/delete/",
        community.resource_delete_view,
        name="resource_delete",
    ),
    path("contact/", community.contact_view, name="contact"),
    path("manage/messages/", community.manage_messages, name="manage_messages"),
    path(
        "manage/messages/<int:message_id>/handled/",
        community.contact_message_handled,
        name="contact_message_handled",
    ),
    path("manage/figures/", figures.figures_view, name="figures"),
    path("manage/figures.csv", figures.figures_csv, name="figures_csv"),
    path("manage/dashboard/", figures.dashboard, name="dashboard"),
    path("manage/dashboard.csv", figures.dashboard_csv, name="dashboard_csv"),
    path("manage/dashboard.xlsx", figures.dashboard_xlsx, name="dashboard_xlsx"),
]

urlpatterns = [
    path("", networks.home, name="home"),
    path("accounts/", include(account_patterns)),
    path("me/export.json", accounts.export, name="export"),
    path("<slug:slug>/", include(network_patterns)),
]

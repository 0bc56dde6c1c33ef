"""API URLs, included by the site under ``/api/``: version 1 and its OpenAPI schema.

Ids in paths are integers (anything else matches nothing); every address under
``/api/`` that matches no endpoint answers a JSON 404.
"""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from rers_core.api import errors, views, views_events, views_matching

app_name = "rers_api"

# Matching: suggestions, connections, exchanges, reviews, unmet requests, reciprocity.
vm = views_matching
matching_patterns = [
    path(
        "listings/<int:listing_id>/suggestions/",
        vm.ListingSuggestionsView.as_view(),
        name="listing-suggestions",
    ),
    path(
        "suggested-connections/",
        vm.SuggestedConnectionsView.as_view(),
        name="suggested-connections",
    ),
    path("unmet-requests/", vm.UnmetRequestsView.as_view(), name="unmet-requests"),
    path(
        "unmet-requests/neighbours/",
        vm.NeighboursUnmetRequestsView.as_view(),
        name="neighbours-unmet-requests",
    ),
    path("connections/", vm.ConnectionListView.as_view(), name="connection-list"),
    path(
        "connections/<int:connection_id>/",
        vm.ConnectionDetailView.as_view(),
        name="connection-detail",
    ),
    path(
        "connections/<int:connection_id>/accept/",
        vm.ConnectionAcceptView.as_view(),
        name="connection-accept",
    ),
    path(
        "connections/<int:connection_id>/decline/",
        vm.ConnectionDeclineView.as_view(),
        name="connection-decline",
    ),
    path(
        "connections/<int:connection_id>/cancel/",
        vm.ConnectionCancelView.as_view(),
        name="connection-cancel",
    ),
    path(
        "connections/<int:connection_id>/relayed/",
        vm.ConnectionRelayedView.as_view(),
        name="connection-relayed",
    ),
    path(
        "connections/<int:connection_id>/exchange/",
        vm.ConnectionExchangeView.as_view(),
        name="connection-exchange",
    ),
    path("exchanges/", vm.ExchangeListView.as_view(), name="exchange-list"),
    path("exchanges/<int:exchange_id>/", vm.ExchangeDetailView.as_view(), name="exchange-detail"),
    path(
        "exchanges/<int:exchange_id>/agreement/",
        vm.ExchangeAgreementView.as_view(),
        name="exchange-agreement",
    ),
    path(
        "exchanges/<int:exchange_id>/agree/", vm.ExchangeAgreeView.as_view(), name="exchange-agree"
    ),
    path(
        "exchanges/<int:exchange_id>/sessions/",
        vm.ExchangeSessionView.as_view(),
        name="exchange-sessions",
    ),
    path("exchanges/<int:exchange_id>/done/", vm.ExchangeDoneView.as_view(), name="exchange-done"),
    path(
        "exchanges/<int:exchange_id>/cancel/",
        vm.ExchangeCancelView.as_view(),
        name="exchange-cancel",
    ),
    path(
        "exchanges/<int:exchange_id>/review/",
        vm.ExchangeReviewView.as_view(),
        name="exchange-review",
    ),
    path("reviews/", vm.ReviewListView.as_view(), name="review-list"),
    path("me/reciprocity/", vm.OwnReciprocityView.as_view(), name="own-reciprocity"),
    path(
        "members/<int:member_id>/reciprocity/",
        vm.MemberReciprocityView.as_view(),
        name="member-reciprocity",
    ),
]

# Collective life: events and their occurrences, registrations, testimonies, news, figures.
ve = views_events
occurrence = "events/<int:event_id>/occurrences/<str:key>/"
event_patterns = [
    path("events/", ve.EventListView.as_view(), name="event-list"),
    path("events/<int:event_id>/", ve.EventDetailView.as_view(), name="event-detail"),
    path("events/<int:event_id>/cancel/", ve.EventCancelView.as_view(), name="event-cancel"),
    path("occurrences/", ve.OccurrenceListView.as_view(), name="occurrence-list"),
    path(occurrence, ve.OccurrenceDetailView.as_view(), name="occurrence-detail"),
    path(f"{occurrence}cancel/", ve.OccurrenceCancelView.as_view(), name="occurrence-cancel"),
    path(f"{occurrence}move/", ve.OccurrenceMoveView.as_view(), name="occurrence-move"),
    path(f"{occurrence}restore/", ve.OccurrenceRestoreView.as_view(), name="occurrence-restore"),
    path(
        f"{occurrence}registrations/",
        ve.RegistrationListView.as_view(),
        name="registration-list",
    ),
    path(
        "registrations/<int:registration_id>/cancel/",
        ve.RegistrationCancelView.as_view(),
        name="registration-cancel",
    ),
    path(
        "registrations/<int:registration_id>/attendance/",
        ve.RegistrationAttendanceView.as_view(),
        name="registration-attendance",
    ),
    path("me/registrations/", ve.OwnRegistrationListView.as_view(), name="own-registration-list"),
    path("testimonies/", ve.TestimonyListView.as_view(), name="testimony-list"),
    path(
        "testimonies/<int:testimony_id>/publication/",
        ve.TestimonyPublicationView.as_view(),
        name="testimony-publication",
    ),
    path(
        "testimonies/<int:testimony_id>/feature/",
        ve.TestimonyFeatureView.as_view(),
        name="testimony-feature",
    ),
    path("news/", ve.NewsListView.as_view(), name="news-list"),
    path("news/<int:news_id>/", ve.NewsDetailView.as_view(), name="news-detail"),
    path("figures/", ve.FiguresView.as_view(), name="figures"),
    path("figures/series/", ve.FiguresSeriesView.as_view(), name="figures-series"),
]

network_patterns = [
    path("", views.NetworkDetailView.as_view(), name="network-detail"),
    path("charter/", views.CharterView.as_view(), name="charter"),
    path("domains/", views.DomainListView.as_view(), name="domain-list"),
    path("domains/<int:domain_id>/", views.DomainDetailView.as_view(), name="domain-detail"),
    # The requesting person's own membership.
    path("me/", views.OwnMembershipView.as_view(), name="own-membership"),
    path("me/join/", views.JoinView.as_view(), name="own-join"),
    path("me/accept-charter/", views.OwnAcceptCharterView.as_view(), name="own-accept-charter"),
    path("me/consents/", views.OwnConsentListView.as_view(), name="own-consent-list"),
    path(
        "me/consents/<int:consent_id>/revoke/",
        views.OwnConsentRevokeView.as_view(),
        name="own-consent-revoke",
    ),
    path("me/withdraw/", views.OwnWithdrawView.as_view(), name="own-withdraw"),
    path("me/audit/", views.OwnAuditListView.as_view(), name="own-audit-list"),
    # Members, for facilitators.
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path("members/<int:member_id>/", views.MemberDetailView.as_view(), name="member-detail"),
    path(
        "members/<int:member_id>/accept-charter/",
        views.MemberAcceptCharterView.as_view(),
        name="member-accept-charter",
    ),
    path(
        "members/<int:member_id>/consents/",
        views.MemberConsentListView.as_view(),
        name="member-consent-list",
    ),
    path(
        "members/<int:member_id>/consents/<int:consent_id>/revoke/",
        views.MemberConsentRevokeView.as_view(),
        name="member-consent-revoke",
    ),
    path("members/<int:member_id>/role/", views.MemberRoleView.as_view(), name="member-role"),
    path(
        "members/<int:member_id>/withdraw/",
        views.MemberWithdrawView.as_view(),
        name="member-withdraw",
    ),
    path("members/<int:member_id>/export/", views.MemberExportView.as_view(), name="member-export"),
    # The audit trail, for coordinators.
    path("audit/", views.NetworkAuditListView.as_view(), name="audit-list"),
    # Offers and requests.
    path("listings/", views.ListingListView.as_view(), name="listing-list"),
    path("listings/<int:listing_id>/", views.ListingDetailView.as_view(), name="listing-detail"),
    path(
        "listings/<int:listing_id>/pause/", views.ListingPauseView.as_view(), name="listing-pause"
    ),
    path(
        "listings/<int:listing_id>/reopen/",
        views.ListingReopenView.as_view(),
        name="listing-reopen",
    ),
    path(
        "listings/<int:listing_id>/close/", views.ListingCloseView.as_view(), name="listing-close"
    ),
    path(
        "listings/<int:listing_id>/ask-neighbours/",
        views.ListingAskNeighboursView.as_view(),
        name="listing-ask-neighbours",
    ),
    *matching_patterns,
    *event_patterns,
]

v1_patterns = [
    path("networks/", views.NetworkListView.as_view(), name="network-list"),
    path("networks/<slug:slug>/", include(network_patterns)),
    path("me/", views.AccountView.as_view(), name="account"),
    path("me/export/", views.AccountExportView.as_view(), name="account-export"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/sessions/", views.SessionsView.as_view(), name="sessions"),
]

urlpatterns = [
    path("v1/", include(v1_patterns)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "schema/ui/",
        # The split view serves its start-up script as a file (no inline script); the
        # page keeps drf-spectacular's few lines of inline style.
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="rers_api:schema")
        ),
        name="schema-ui",
    ),
    re_path(r"^", errors.not_found),
]

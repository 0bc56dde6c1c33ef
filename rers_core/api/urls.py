"""API URLs, included by the site under ``/api/``: version 1 and its OpenAPI schema.

Ids in paths are integers (anything else matches nothing); every address under
``/api/`` that matches no endpoint answers a JSON 404.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from rers_core.api import errors, views

app_name = "rers_api"

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
    path(
        "members/<int:member_id>/export/", views.MemberExportView.as_view(), name="member-export"
    ),
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
]

v1_patterns = [
    path("networks/", views.NetworkListView.as_view(), name="network-list"),
    path("networks/<slug:slug>/", include(network_patterns)),
    path("me/", views.AccountView.as_view(), name="account"),
    path("me/export/", views.AccountExportView.as_view(), name="account-export"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
]

urlpatterns = [
    path("v1/", include(v1_patterns)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "schema/ui/",
        SpectacularSwaggerView.as_view(url_name="rers_api:schema"),
        name="schema-ui",
    ),
    re_path(r"^", errors.not_found),
]

from django.urls import path

from rers_federation import views, web

app_name = "rers_federation"

# The coordinators' pages of one network, next to its public network document.
_peer = "federation/<slug:slug>/peers/<int:peer_id>/"

urlpatterns = [
    path(".well-known/rers", views.well_known, name="well_known"),
    path("federation/<slug:slug>/", views.document, name="document"),
    path("federation/<slug:slug>/inbox/", views.inbox, name="inbox"),
    path("federation/<slug:slug>/outbox/", views.outbox, name="outbox"),
    path("federation/<slug:slug>/peers/", web.peers, name="peers"),
    path("federation/<slug:slug>/peers/new/", web.peer_new, name="peer_new"),
    path("federation/<slug:slug>/peers/key/rotate/", web.key_rotate, name="key_rotate"),
    path(_peer + "accept/", web.peer_accept, name="peer_accept"),
    path(_peer + "reject/", web.peer_reject, name="peer_reject"),
    path(_peer + "suspend/", web.peer_suspend, name="peer_suspend"),
    path(_peer + "resume/", web.peer_resume, name="peer_resume"),
    path(_peer + "end/", web.peer_end, name="peer_end"),
    path("federation/<slug:slug>/operations/", web.operations, name="operations"),
    path(
        "federation/<slug:slug>/operations/deliveries/<int:delivery_id>/retry/",
        web.delivery_retry,
        name="delivery_retry",
    ),
]

from django.urls import path

from rers_federation import views

app_name = "rers_federation"
urlpatterns = [
    path(".well-known/rers", views.well_known, name="well_known"),
    path("federation/<slug:slug>/", views.document, name="document"),
    path("federation/<slug:slug>/inbox/", views.inbox, name="inbox"),
]

from django.urls import include, path

# Scoped to networks: facilitators and coordinators use it, not only staff.
from rers_core.admin import site as admin_site

urlpatterns = [
    path("admin/", admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("rers_core.api.urls")),
    path("", include("rers_federation.urls")),
    path("", include("rers_core.web.urls")),
]

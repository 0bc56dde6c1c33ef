from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RersFederationConfig(AppConfig):
    name = "rers_federation"
    verbose_name = _("Federation with neighbouring networks")
    default_auto_field = "django.db.models.BigAutoField"

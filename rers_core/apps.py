from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RersCoreConfig(AppConfig):
    name = "rers_core"
    verbose_name = _("Knowledge-exchange network")
    default_auto_field = "django.db.models.BigAutoField"

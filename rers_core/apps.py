from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RersCoreConfig(AppConfig):
    name = "rers_core"
    verbose_name = _("Knowledge-exchange network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Cached pages of listings are left behind when what they show changes.
        from rers_core import listing_cache

        listing_cache.connect()
        _follow_sessions()


def _follow_sessions() -> None:
    """Each login and logout is noted, so that a person can log out everywhere."""
    from django.contrib.auth.signals import user_logged_in, user_logged_out

    from rers_core.services.accounts import account_session_ended, account_session_started

    def logged_in(sender, request, user, **kwargs) -> None:
        session = getattr(request, "session", None)
        if session is None:
            return
        if session.session_key is None:  # a session flushed on changing account
            session.save()
        account_session_started(user=user, session_key=session.session_key)

    def logged_out(sender, request, user, **kwargs) -> None:
        if request is not None and request.session.session_key:
            account_session_ended(session_key=request.session.session_key)

    # weak=False: these functions live only in this call.
    user_logged_in.connect(logged_in, weak=False, dispatch_uid="rers_core.account_session_started")
    user_logged_out.connect(logged_out, weak=False, dispatch_uid="rers_core.account_session_ended")

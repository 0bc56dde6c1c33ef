from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RersFederationConfig(AppConfig):
    name = "rers_federation"
    verbose_name = _("Federation with neighbouring networks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # What we share (events, listings, registrations, connections, our network document) leaves
        # through the outbox, in the transaction of the change that produced it.
        from rers_core.signals import (
            connection_changed,
            event_changed,
            listing_changed,
            network_changed,
            registration_changed,
        )
        from rers_federation.services.calendar import on_event_changed, on_registration_changed
        from rers_federation.services.catalogue import on_listing_changed
        from rers_federation.services.connections import on_connection_changed
        from rers_federation.services.peering import on_network_changed

        event_changed.connect(on_event_changed, dispatch_uid="rers_federation.event")
        registration_changed.connect(
            on_registration_changed, dispatch_uid="rers_federation.registration"
        )
        listing_changed.connect(on_listing_changed, dispatch_uid="rers_federation.listing")
        connection_changed.connect(on_connection_changed, dispatch_uid="rers_federation.connection")
        network_changed.connect(on_network_changed, dispatch_uid="rers_federation.network")

        # Core hides what it would share with neighbours when a network has none.
        from rers_core.selectors.networks import register_neighbours_check
        from rers_federation.selectors import has_active_peer

        register_neighbours_check("rers_federation", has_active_peer)

        # Cached pages of listings show the neighbours' filters only while there are some.
        from django.db.models.signals import post_delete, post_save

        from rers_core.listing_cache import listings_changed
        from rers_federation.models import Peer

        def on_peer(sender, instance: Peer, **kwargs) -> None:
            listings_changed(instance.network_id)

        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(
                on_peer, sender=Peer, weak=False, dispatch_uid=f"rers_federation.peer.{name}"
            )

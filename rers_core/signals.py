"""Signals other apps listen to, sent by services inside their transaction (so a listener's
writes, such as a federation outbox row, commit or roll back with the change)."""

from django.dispatch import Signal

# An event, its occurrences or its sharing changed. Keyword: event.
event_changed = Signal()
# A registration was created or changed status. Keyword: registration.
registration_changed = Signal()
# A listing was created, edited, paused, reopened, closed or erased. Keyword: listing.
listing_changed = Signal()
# A network's own settings changed (name, city, coordinates...). Keyword: network.
network_changed = Signal()
# A connection across networks changed: answers, status, contact, its exchange's agreement,
# or one of its two people left. Keyword: connection.
connection_changed = Signal()

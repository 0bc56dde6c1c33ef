from rers_core.models.account import AccountSession
from rers_core.models.audit import AuditEntry
from rers_core.models.charter import Charter, CharterAcceptance
from rers_core.models.connection import Connection
from rers_core.models.consent import ContactConsent
from rers_core.models.event import (
    CalendarToken,
    Event,
    EventException,
    Registration,
    Testimony,
)
from rers_core.models.exchange import (
    Exchange,
    ExchangeAgreement,
    ExchangeSession,
    Participant,
    Review,
)
from rers_core.models.listing import Listing
from rers_core.models.member import Member, WithdrawalRecord
from rers_core.models.network import Domain, Network
from rers_core.models.notification import Notification
from rers_core.models.portal import ContactMessage, NewsPost, Resource
from rers_core.models.synonym import SynonymGroup

__all__ = [
    "AccountSession",
    "AuditEntry",
    "CalendarToken",
    "Charter",
    "CharterAcceptance",
    "Connection",
    "ContactConsent",
    "ContactMessage",
    "Domain",
    "Event",
    "EventException",
    "Exchange",
    "ExchangeAgreement",
    "ExchangeSession",
    "Listing",
    "Member",
    "Network",
    "NewsPost",
    "Notification",
    "Participant",
    "Registration",
    "Resource",
    "Review",
    "SynonymGroup",
    "Testimony",
    "WithdrawalRecord",
]

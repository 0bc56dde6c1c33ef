from rers_core.models.charter import Charter, CharterAcceptance
from rers_core.models.connection import Connection
from rers_core.models.consent import ContactConsent
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
from rers_core.models.synonym import SynonymGroup

__all__ = [
    "Charter",
    "CharterAcceptance",
    "Connection",
    "ContactConsent",
    "Domain",
    "Exchange",
    "ExchangeAgreement",
    "ExchangeSession",
    "Listing",
    "Member",
    "Network",
    "Notification",
    "Participant",
    "Review",
    "SynonymGroup",
    "WithdrawalRecord",
]

from rers_core.models.charter import Charter, CharterAcceptance
from rers_core.models.connection import Connection
from rers_core.models.consent import ContactConsent
from rers_core.models.listing import Listing
from rers_core.models.member import Member, WithdrawalRecord
from rers_core.models.network import Domain, Network
from rers_core.models.synonym import SynonymGroup

__all__ = [
    "Charter",
    "CharterAcceptance",
    "Connection",
    "ContactConsent",
    "Domain",
    "Listing",
    "Member",
    "Network",
    "SynonymGroup",
    "WithdrawalRecord",
]

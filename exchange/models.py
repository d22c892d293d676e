"""Imports every model module so the metadata (and Alembic) sees all tables."""
from exchange.accounts.models import Business, Member  # noqa: F401
from exchange.core.panelstate import PanelVersion  # noqa: F401
from exchange.inquiries.models import InquiryMailSetting, Message, Report, Thread, ThreadRead  # noqa: F401,E501
from exchange.listings.models import Listing, Revision, RevisionFile, StoredFile  # noqa: F401
from exchange.mail import OutboxMail  # noqa: F401
from exchange.moderation.models import AuditEntry, QueueItem  # noqa: F401
from exchange.search.models import IndexJob  # noqa: F401
from exchange.payments.models import Order, Plan, ProcessedEvent  # noqa: F401
from exchange.matching.models import AlertSent, Match, MatchJob, MatchNotice, NoticeBacklog, SavedSearch  # noqa: F401,E501
from exchange.deals.models import Deal, DealListing, Proposal, ProposalFile, ProposalMessage, RequestClosure  # noqa: F401,E501
from exchange.expiry.models import ExpiryReminder  # noqa: F401
from exchange.insights.models import ListingDayCount  # noqa: F401
from exchange.listings.lifetimes import CategoryLifetime  # noqa: F401
from exchange.disclosure.models import AccessRequest, AgreementAcceptance  # noqa: F401
from exchange.directories.models import Expert, ExpertSector, ExpertService  # noqa: F401
from exchange.content.models import Article, Event, EventListing, EventRegistration  # noqa: F401,E501

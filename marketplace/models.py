"""Import every domain's models so that `Base.metadata` is complete (Alembic, tests)."""
from marketplace.audit import AuditEvent  # noqa: F401
from marketplace.auth.models import Invitation, LoginSession, PasswordResetToken, User  # noqa: F401
from marketplace.awards.models import Award, Contract, DebriefRequest  # noqa: F401
from marketplace.bids.models import Bid, BidDocument, BidVersion  # noqa: F401
from marketplace.db import Base  # noqa: F401
from marketplace.documents.models import Document  # noqa: F401
from marketplace.impact.models import (  # noqa: F401
    Goal,
    ImpactRollup,
    ImpactRollupStale,
    ImpactRollupState,
    ImportBatch,
    SpendLine,
)
from marketplace.institutions.models import (  # noqa: F401
    Collaborative,
    Institution,
    LocalRule,
    LocalRuleCounty,
    LocalRuleZip,
    SpendCategory,
)
from marketplace.mail.models import OutboxMessage  # noqa: F401
from marketplace.opportunities.models import (  # noqa: F401
    Addendum,
    AddendumAcknowledgement,
    BidOpening,
    Follow,
    Opportunity,
    OpportunityDocument,
    OpportunityInvitation,
    OpportunityNaics,
    Question,
)
from marketplace.search.models import SavedSearch, SavedSearchAlert, SearchIndexEvent  # noqa: F401
from marketplace.vendors.models import (  # noqa: F401
    Certification,
    CertificationReminder,
    Vendor,
    VendorAddress,
    VendorNaics,
)

"""Vendor self-registration: a business and its first user in one step."""
from __future__ import annotations

import re
import unicodedata

from marketplace import audit, clock, db
from marketplace.auth import services
from marketplace.auth.models import User
from marketplace.errors import DomainError
from marketplace.vendors.models import Vendor

# Legal-form words dropped from the end of a name, so "Acme, Inc." and "ACME Corp" match.
LEGAL_SUFFIXES = frozenset({
    "llc", "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited",
    "lp", "llp", "lllp", "pllc", "pc", "pa", "plc",
})


def normalize_business_name(name: str) -> str:
    """Lower-case, strip accents and punctuation, and drop trailing legal-form suffixes."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    folded = re.sub(r"[.']", "", folded)  # "L.L.C." -> "llc", "Joe's" -> "joes"
    folded = folded.replace("&", " and ")
    words = re.sub(r"[^\w\s]|_", " ", folded).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def register_vendor(*, legal_name: str, name: str, email: str, password: str) -> User:
    """Create a vendor business and its first `vendor` user; nothing is added if a rule fails."""
    legal_name = " ".join(legal_name.split())
    if not legal_name:
        raise DomainError("Enter the business's legal name.", {"legal_name": ["Enter the business's legal name."]})
    email = services.normalize_email(email)
    services.check_password(password, email=email)
    services.ensure_email_free(email)
    now = clock.utcnow()
    vendor = Vendor(
        legal_name=legal_name,
        normalized_name=normalize_business_name(legal_name),
        contact_name=name.strip() or None,
        contact_email=email,
        created_at=now,
        updated_at=now,
    )
    db.session.add(vendor)
    db.session.flush()
    user = services.create_user(email=email, password=password, role="vendor", name=name.strip(),
                                vendor_id=vendor.id)
    audit.record("vendor.registered", "vendor", vendor.id, actor=user, detail={"legal_name": legal_name})
    return user

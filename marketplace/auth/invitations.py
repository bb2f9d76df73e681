"""Invitations: single-use, expiring links that let a person create an account of a given role."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace import audit, clock, db
from marketplace.auth import services, tokens
from marketplace.auth.models import Invitation, User
from marketplace.errors import DomainError, NotAllowed, NotFound
from marketplace.institutions.models import Institution
from marketplace.mail.services import enqueue_template
from marketplace.models_common import ROLES
from marketplace.vendors.models import Vendor


class InvitationUnusable(DomainError):
    """The invitation exists but was used, revoked or has expired."""

    status_code = 410


def invitation_status(invitation: Invitation) -> str:
    """`accepted`, `revoked`, `expired` or `pending`, derived from the timestamps."""
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= clock.utcnow():
        return "expired"
    return "pending"


def _check_scope(role: str, institution_id: int | None, vendor_id: int | None) -> None:
    if role not in ROLES:
        raise DomainError(f"Unknown role {role!r}.", {"role": ["Choose vendor, officer or backbone."]})
    if role == "officer" and (institution_id is None or vendor_id is not None):
        raise DomainError("An officer invitation needs an institution (and no business).")
    if role == "vendor" and (vendor_id is None or institution_id is not None):
        raise DomainError("A vendor invitation needs a business (and no institution).")
    if role == "backbone" and (vendor_id is not None or institution_id is not None):
        raise DomainError("A backbone invitation takes neither an institution nor a business.")
    if institution_id is not None and db.session.get(Institution, institution_id) is None:
        raise NotFound("That institution does not exist.")
    if vendor_id is not None and db.session.get(Vendor, vendor_id) is None:
        raise NotFound("That business does not exist.")


def _check_inviter(invited_by: User | None, role: str, institution_id: int | None, vendor_id: int | None) -> None:
    """Backbone staff (or the CLI) invite anyone; others invite only colleagues of their own."""
    if invited_by is None or invited_by.role == "backbone":
        return
    if invited_by.role == "vendor" and role == "vendor" and vendor_id == invited_by.vendor_id:
        return
    if invited_by.role == "officer" and role == "officer" and institution_id == invited_by.institution_id:
        return
    raise NotAllowed("You may only invite colleagues to your own organization.")


def _pending_for_email(email: str) -> list[Invitation]:
    now = clock.utcnow()
    return list(db.session.scalars(
        sa.select(Invitation).where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    ))


def invite(
    email: str,
    role: str,
    *,
    institution_id: int | None = None,
    vendor_id: int | None = None,
    invited_by: User | None,
) -> tuple[Invitation, str]:
    """Invite `email` to create a `role` account; email the link; return the invitation and its token."""
    email = services.normalize_email(email)
    _check_scope(role, institution_id, vendor_id)
    _check_inviter(invited_by, role, institution_id, vendor_id)
    if services.find_user_by_email(email) is not None:
        raise DomainError("An account with this email already exists.",
                          {"email": ["An account with this email already exists."]})
    now = clock.utcnow()
    for old in _pending_for_email(email):
        old.revoked_at = now
        audit.record("invitation.revoked", "invitation", old.id, institution_id=old.institution_id,
                     detail={"reason": "re-invited"})
    token, token_hash = tokens.new_token()
    invitation = Invitation(
        email=email,
        role=role,
        institution_id=institution_id,
        vendor_id=vendor_id,
        token_hash=token_hash,
        invited_by_id=invited_by.id if invited_by is not None else None,
        created_at=now,
        expires_at=now + timedelta(hours=current_app.config["INVITATION_TTL_HOURS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    organization = (invitation.institution.name if invitation.institution is not None
                    else invitation.vendor.legal_name if invitation.vendor is not None
                    else "the collaborative's backbone team")
    enqueue_template(
        email,
        f"You are invited to join {organization} on Anchor Marketplace",
        "invitation",
        link=tokens.link(current_app.config, f"/invitations/{token}"),
        invitation=invitation,
        organization=organization,
        inviter=invited_by,
    )
    audit.record("invitation.created", "invitation", invitation.id, actor=invited_by,
                 institution_id=institution_id,
                 detail={"email": email, "role": role, "vendor_id": vendor_id})
    return invitation, token


def find_by_token(token: str) -> Invitation:
    """The pending invitation for `token`; NotFound if unknown, InvitationUnusable otherwise."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == tokens.hash_token(token)))
    if invitation is None:
        raise NotFound("This invitation link is not valid. Check that you copied the whole link.")
    status = invitation_status(invitation)
    if status != "pending":
        raise InvitationUnusable({
            "accepted": "This invitation has already been used. Log in with the account it created.",
            "revoked": "This invitation was withdrawn. Ask the person who invited you for a new one.",
            "expired": "This invitation has expired. Ask the person who invited you for a new one.",
        }[status])
    return invitation


def accept(token: str, name: str, password: str) -> User:
    """Create the invited account and mark the invitation used; the token works only once."""
    invitation = find_by_token(token)
    user = services.create_user(
        email=invitation.email,
        password=password,
        role=invitation.role,
        name=name.strip(),
        vendor_id=invitation.vendor_id,
        institution_id=invitation.institution_id,
    )
    invitation.accepted_at = clock.utcnow()
    audit.record("invitation.accepted", "invitation", invitation.id, actor=user,
                 institution_id=invitation.institution_id, detail={"user_id": user.id})
    return user


def revoke(invitation: Invitation, *, actor: User | None) -> None:
    """Withdraw a pending invitation so its link stops working."""
    _check_inviter(actor, invitation.role, invitation.institution_id, invitation.vendor_id)
    if invitation_status(invitation) != "pending":
        raise DomainError("Only a pending invitation can be withdrawn.")
    invitation.revoked_at = clock.utcnow()
    audit.record("invitation.revoked", "invitation", invitation.id, actor=actor,
                 institution_id=invitation.institution_id, detail={"reason": "withdrawn"})


def pending_for_vendor(vendor_id: int) -> list[Invitation]:
    """The business's invitations that can still be accepted, newest first."""
    now = clock.utcnow()
    return list(db.session.scalars(
        sa.select(Invitation)
        .where(
            Invitation.vendor_id == vendor_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ))

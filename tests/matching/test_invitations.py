"""Officers invite suggested vendors: recorded once, audited, emailed, never before the opportunity is public."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.errors import NotFound
from marketplace.mail.models import OutboxMessage
from marketplace.matching import invitations
from marketplace.opportunities import services as opportunity_services
from marketplace.opportunities.lifecycle import TransitionNotAllowed
from marketplace.opportunities.models import OpportunityInvitation
from tests.matching.conftest import NOW


@pytest.fixture
def delgado(make_business, make_user):
    vendor = make_business("Delgado Clean LLC", naics=["561720"], capability="Janitorial crews",
                           county="Broward", zip_code="33301")
    user = make_user("vendor", vendor_id=vendor.id, email="maria@delgado.example.org")
    return vendor, user


def _mail_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == address)))


def test_inviting_to_an_open_opportunity_records_audits_and_emails(officer, make_opportunity, delgado):
    vendor, user = delgado
    opportunity = make_opportunity(naics=["561720"])

    invitation, created = invitations.invite_vendor(opportunity, vendor.id, actor=officer, now=NOW)

    assert created
    assert invitation.reason == "NAICS 561720 · local to Broward County · mentions 'janitorial'"
    [message] = _mail_to(user.email)
    assert message.subject == f"Invitation to bid: {opportunity.title}"
    assert f"/opportunities/{opportunity.id}" in message.body_text
    assert "Why your business was suggested: NAICS 561720 · local to Broward County" in message.body_text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "opportunity.vendor_invited"))
    assert event.object_id == str(opportunity.id) and event.detail["vendor_id"] == vendor.id


def test_inviting_twice_is_a_friendly_no_op(officer, make_opportunity, delgado):
    vendor, user = delgado
    opportunity = make_opportunity(naics=["561720"])
    first, _ = invitations.invite_vendor(opportunity, vendor.id, actor=officer, now=NOW)

    second, created = invitations.invite_vendor(opportunity, vendor.id, actor=officer, now=NOW)

    assert not created and second.id == first.id
    assert len(_mail_to(user.email)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OpportunityInvitation)) == 1


def test_a_draft_invitation_is_emailed_only_when_published(officer, make_opportunity, delgado):
    vendor, user = delgado
    opportunity = make_opportunity(naics=["561720"], publish=False)

    invitations.invite_vendor(opportunity, vendor.id, actor=officer, now=NOW)
    assert _mail_to(user.email) == []  # vendors never learn of drafts

    opportunity_services.publish(opportunity, actor=officer, now=NOW)
    [message] = _mail_to(user.email)
    assert message.subject.startswith("Invitation to bid")
    invitations.send_pending_invitations(opportunity, NOW)  # the hook running again sends nothing more
    assert len(_mail_to(user.email)) == 1


def test_officer_of_another_institution_cannot_invite(make_user, make_opportunity, delgado):
    vendor, _ = delgado
    opportunity = make_opportunity(naics=["561720"])
    stranger = make_user("officer")

    with pytest.raises(NotFound):
        invitations.invite_vendor(opportunity, vendor.id, actor=stranger, now=NOW)


def test_unregistered_vendor_cannot_be_invited(officer, make_opportunity, make_business):
    vendor = make_business("Half Done LLC", naics=["561720"], registered=False)
    opportunity = make_opportunity(naics=["561720"])

    with pytest.raises(NotFound):
        invitations.invite_vendor(opportunity, vendor.id, actor=officer, now=NOW)


def test_closed_opportunity_takes_no_invitations(officer, make_opportunity, delgado):
    vendor, _ = delgado
    opportunity = make_opportunity(naics=["561720"])

    with pytest.raises(TransitionNotAllowed):
        invitations.invite_vendor(opportunity, vendor.id, actor=officer, now=opportunity.closes_at)

"""200 bids arriving at once just before closing: none lost, none duplicated, none late accepted.

Runs on committed data in its own database (threads cannot share the per-test transaction).
"""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from marketplace import create_app, db, migrate
from marketplace.auth.models import User
from marketplace.auth.passwords import hash_password
from marketplace.bids import services as bids
from marketplace.bids.models import Bid, BidVersion
from marketplace.institutions.models import Collaborative, Institution, LocalRule
from marketplace.opportunities.models import Opportunity
from marketplace.vendors.models import Vendor

from tests.test_migrations import _fresh_url

CLOSES_AT = datetime(2026, 5, 1, 17, 0, tzinfo=UTC)
ON_TIME, LATE, DOUBLE = 200, 20, 10


def _seed(app) -> tuple[int, list[int]]:
    with app.app_context():
        now = CLOSES_AT - timedelta(days=7)
        db.session.add(Collaborative(name="C", local_rule=LocalRule(name="R")))
        inst = Institution(slug="h", name="Health", sector="health", created_at=now)
        db.session.add(inst)
        db.session.flush()
        opp = Opportunity(institution_id=inst.id, reference="H-1", title="Rush", type="ITB",
                          closes_at=CLOSES_AT, created_at=now, updated_at=now, published_at=now)
        db.session.add(opp)
        password = hash_password("not used in this test at all")
        vendors = [Vendor(legal_name=f"V{i}", normalized_name=f"v{i}", created_at=now, updated_at=now)
                   for i in range(ON_TIME + LATE)]
        db.session.add_all(vendors)
        db.session.flush()
        users = [User(email=f"v{i}@example.org", password_hash=password, role="vendor",
                      vendor_id=v.id, created_at=now) for i, v in enumerate(vendors)]
        db.session.add_all(users)
        db.session.commit()
        result = opp.id, [u.id for u in users]
        db.session.remove()
        return result


def test_two_hundred_concurrent_bids_just_before_closing(database_url, tmp_path, app_config):
    url = _fresh_url(database_url, tmp_path, "concurrency")
    migrate.upgrade(url)
    app = create_app({**app_config, "DATABASE_URL": url})
    opportunity_id, user_ids = _seed(app)
    start = threading.Barrier(ON_TIME + LATE + DOUBLE)
    outcomes: dict[str, list] = {"accepted": [], "refused": [], "error": []}
    lock = threading.Lock()

    def submit(user_id: int, now: datetime) -> None:
        with app.app_context():
            try:
                start.wait(timeout=60)
                user = db.session.get(User, user_id)
                opportunity = db.session.get(Opportunity, opportunity_id)
                bids.submit_bid(opportunity, user=user, amount="1000.00", narrative="", documents=[], now=now)
                db.session.commit()
                kind = "accepted"
            except bids.BidRefused:
                db.session.rollback()
                kind = "refused"
            except Exception as exc:  # recorded and asserted on below
                db.session.rollback()
                kind = "error"
                user_id = (user_id, repr(exc))
            finally:
                db.session.remove()
            with lock:
                outcomes[kind].append(user_id)

    threads = []
    for i, user_id in enumerate(user_ids):
        late = i >= ON_TIME
        now = CLOSES_AT + timedelta(microseconds=i) if late else CLOSES_AT - timedelta(microseconds=1 + i)
        threads.append(threading.Thread(target=submit, args=(user_id, now)))
    for user_id in user_ids[:DOUBLE]:  # the same vendor twice at once: one bid, never two
        threads.append(threading.Thread(target=submit, args=(user_id, CLOSES_AT - timedelta(microseconds=1))))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes["error"] == []
    with app.app_context():
        live = db.session.execute(sa.select(Bid.vendor_id, sa.func.count()).where(
            Bid.opportunity_id == opportunity_id, Bid.withdrawn_at.is_(None)).group_by(Bid.vendor_id)).all()
        late_ids = set(user_ids[ON_TIME:])
        late_vendor_ids = set(db.session.scalars(sa.select(User.vendor_id).where(User.id.in_(late_ids))))
        versions = db.session.scalar(sa.select(sa.func.count()).select_from(BidVersion))
        late_received = db.session.scalar(sa.select(sa.func.count()).select_from(BidVersion).where(
            BidVersion.received_at >= CLOSES_AT))
        db.session.remove()
    assert len(live) == ON_TIME  # every on-time vendor has exactly one live bid
    assert all(count == 1 for _, count in live)
    assert not {vendor_id for vendor_id, _ in live} & late_vendor_ids
    assert late_received == 0
    assert ON_TIME <= versions <= ON_TIME + DOUBLE  # a doubled submission is a revision or a refusal
    assert len(outcomes["refused"]) >= LATE

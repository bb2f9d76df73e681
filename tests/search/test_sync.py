"""Index events: recorded in the change's transaction, applied in order, gaps waited for, commands."""
from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from marketplace import clock, db
from marketplace.opportunities.models import Opportunity
from marketplace.search import index, reader, service, sync
from marketplace.search.models import SearchIndexEvent
from marketplace.search.query import OpportunityQuery


def _events():
    return db.session.execute(sa.select(SearchIndexEvent.doc_type, SearchIndexEvent.object_id, SearchIndexEvent.op)
                              .order_by(SearchIndexEvent.id)).all()


def test_a_publish_records_its_event_in_the_same_commit(make_opportunity):
    opp = make_opportunity("Boiler inspection", publish=False)
    db.session.commit()
    assert _events()[-1] == ("opportunity", opp.id, "delete")  # a draft is not indexable
    from marketplace.opportunities import services
    services.publish(opp, actor=db.session.get(__import__("marketplace.auth.models", fromlist=["User"]).User,
                                               opp.created_by_id), now=clock.utcnow())
    db.session.commit()
    assert _events()[-1] == ("opportunity", opp.id, "upsert")


def test_a_rolled_back_change_records_nothing(make_opportunity):
    db.session.commit()
    before = len(_events())
    make_opportunity("Never happened")
    db.session.rollback()
    assert len(_events()) == before


def test_changes_flushed_before_commit_are_recorded(make_search_vendor):
    db.session.commit()
    before = len(_events())
    vendor = make_search_vendor("Flushed Early LLC", "statement", naics=("561720",))
    db.session.flush()
    vendor.capability_statement = "changed after the flush"
    db.session.commit()
    assert _events()[before:] == [("vendor", vendor.id, "upsert")]


def test_publish_is_searchable_after_the_applier_runs(make_opportunity, index_now):
    index_now()
    opp = make_opportunity("Chiller replacement")
    db.session.commit()
    assert service.search_opportunities(OpportunityQuery(text="chiller")).total == 0  # requests never write
    report = index_now()
    assert report.events >= 1
    assert service.search_opportunities(OpportunityQuery(text="chiller")).ids == [opp.id]


def test_a_gap_in_event_ids_is_waited_for_then_applied(app, make_opportunity, index_now):
    index_now()
    root = sync.index_root()
    state_path = index.current_build(root) / "state.json"
    opp = make_opportunity("Generator maintenance")
    db.session.commit()
    event_id = db.session.scalar(sa.select(sa.func.max(SearchIndexEvent.id)))
    # As if this event's transaction committed late: the applier saw the one after it first.
    late = db.session.get(SearchIndexEvent, event_id)
    db.session.add(SearchIndexEvent(id=event_id + 1, doc_type="vendor", object_id=999999, op="delete",
                                    created_at=clock.utcnow()))
    db.session.flush()
    db.session.delete(late)
    db.session.commit()
    sync.apply_pending()
    state = json.loads(state_path.read_text())
    assert state["last_id"] == event_id + 1
    assert any(lo <= event_id <= hi for lo, hi, _ in state["gaps"])
    assert service.search_opportunities(OpportunityQuery(text="generator")).total == 0
    db.session.add(SearchIndexEvent(id=event_id, doc_type="opportunity", object_id=opp.id, op="upsert",
                                    created_at=clock.utcnow()))
    db.session.commit()
    sync.apply_pending()
    assert not any(lo <= event_id <= hi for lo, hi, _ in json.loads(state_path.read_text())["gaps"])
    assert service.search_opportunities(OpportunityQuery(text="generator")).ids == [opp.id]


def test_a_gap_is_forgotten_after_the_wait(app, make_opportunity, index_now):
    app.config["SEARCH_GAP_SECONDS"] = 0
    index_now()
    db.session.add(SearchIndexEvent(id=10_000, doc_type="vendor", object_id=1, op="delete", created_at=clock.utcnow()))
    db.session.commit()
    sync.apply_pending()
    sync.apply_pending()
    assert json.loads((index.current_build(sync.index_root()) / "state.json").read_text())["gaps"] == []


def test_check_reports_differences_and_reindex_repairs_them(runner, make_opportunity, index_now):
    opp = make_opportunity("Fire alarm testing")
    index_now()
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    # A change made behind the ORM's back records no event: check finds it, reindex repairs it.
    db.session.execute(sa.update(Opportunity).where(Opportunity.id == opp.id).values(title="Sprinkler testing"))
    db.session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and f"stale: {opp.id}" in result.output
    result = runner.invoke(args=["search", "reindex", "--procs", "1"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 opportunities" in result.output
    reader.forget_snapshots()
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert service.search_opportunities(OpportunityQuery(text="sprinkler")).ids == [opp.id]


def test_apply_command_builds_a_missing_index(runner, make_opportunity):
    make_opportunity("Snow removal")
    db.session.commit()
    result = runner.invoke(args=["search", "apply"])
    assert result.exit_code == 0 and "Rebuilt the index" in result.output
    assert service.search_opportunities(OpportunityQuery(text="snow")).total == 1


def test_a_second_process_on_the_host_does_not_write(app, index_now):
    index_now()
    root = sync.index_root()
    with index.host_lock(root) as held:
        assert held
        assert sync.apply_pending().skipped


def test_vendor_facts_that_change_by_date_are_refreshed_on_a_new_day(make_search_vendor, index_now, frozen_clock):
    from datetime import date, timedelta
    from marketplace.search.query import VendorQuery
    from marketplace.vendors.models import Certification
    vendor = make_search_vendor("Dated Cert Co", "cleaning")
    db.session.add(Certification(vendor_id=vendor.id, type="WBE", agency="A", status="verified",
                                 effective_on=date(2025, 1, 1), expires_on=clock.utcnow().date(),
                                 created_at=clock.utcnow()))
    index_now()
    assert service.search_vendors(VendorQuery(cert_types=("WBE",))).ids == [vendor.id]
    frozen_clock(clock.utcnow() + timedelta(days=2))
    index_now()
    assert service.search_vendors(VendorQuery(cert_types=("WBE",))).ids == []
    assert Path(sync.index_root()).exists()


def test_bulk_writers_can_record_their_changes(make_search_vendor, index_now):
    from marketplace.search.query import VendorQuery
    from marketplace.vendors.models import Vendor
    vendor = make_search_vendor("Bulk Loaded Co", "nothing yet")
    index_now()
    db.session.execute(sa.update(Vendor).where(Vendor.id == vendor.id).values(capability_statement="asphalt paving"))
    sync.record(db.session, "vendor", [vendor.id])
    index_now()
    assert service.search_vendors(VendorQuery(text="asphalt")).ids == [vendor.id]

"""Sealed means sealed for search too: nothing from a bid, and nothing from a draft, is ever indexed."""
from __future__ import annotations

from pathlib import Path

from marketplace import clock
from marketplace.bids import services as bids
from marketplace.search import service
from marketplace.search.query import OpportunityQuery, VendorQuery

CANARY = "zqxcanary7731"
CONTROL = "zqxcontrol5512"


def _index_bytes(app) -> bytes:
    return b"".join(p.read_bytes() for p in Path(app.config["SEARCH_INDEX_DIR"]).rglob("*") if p.is_file())


def test_a_canary_in_a_bid_or_a_draft_never_reaches_the_index(app, runner, make_opportunity, make_user, index_now):
    opportunity = make_opportunity("Janitorial services", description=f"Published words {CONTROL}.")
    make_opportunity(f"Draft {CANARY}", publish=False, description=f"Draft text {CANARY}")
    bidder = make_user("vendor")
    bids.submit_bid(opportunity, user=bidder, amount="1000.00", narrative=f"Our approach {CANARY} covers nights.",
                    documents=[], now=clock.utcnow())
    index_now()
    assert runner.invoke(args=["search", "reindex", "--procs", "1"]).exit_code == 0
    index_now()
    data = _index_bytes(app)
    assert CONTROL.encode() in data  # the check can see words that are indexed...
    assert CANARY.encode() not in data  # ...and the sealed ones are not there
    everything = ("open", "closed", "awarded")
    assert service.search_opportunities(OpportunityQuery(text=CANARY, statuses=everything)).total == 0
    assert service.search_vendors(VendorQuery(text=CANARY)).total == 0

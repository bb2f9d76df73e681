"""The search service: relevance, filters, facets, snippets, suggestions and what is indexed."""
from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import clock, db
from marketplace.opportunities import services as opps
from marketplace.search import service
from marketplace.search.query import OpportunityQuery, VendorQuery


def _ids(results):
    return results.ids


def test_janitorial_search_ranks_janitorial_bids_first(make_opportunity, index_now):
    janitorial = make_opportunity("Janitorial services for main campus", description="Nightly cleaning.")
    mention = make_opportunity("Landscape maintenance", description="Includes janitorial support for the restrooms.")
    make_opportunity("Roof replacement", description="Replace the roof of building C.")
    index_now()
    results = service.search_opportunities(OpportunityQuery(text="janitorial"))
    assert results.ids == [janitorial.id, mention.id]
    assert not results.used_fallback


def test_janitorial_vendor_finds_janitorial_vendors_first(make_search_vendor, index_now):
    best = make_search_vendor("Sparkle Janitorial LLC", "Commercial janitorial and custodial services.", naics=("561720",))
    other = make_search_vendor("Green Lawns Inc", "Landscaping; janitorial work on request.", naics=("561730",))
    make_search_vendor("Roofers Co", "Roof repair.", naics=("238160",))
    index_now()
    results = service.search_vendors(VendorQuery(text="janitorial"))
    assert results.ids == [best.id, other.id]


def test_words_are_stemmed_and_all_must_match(make_opportunity, index_now):
    cleaned = make_opportunity("Window cleaning", description="Windows cleaned monthly.")
    make_opportunity("Window replacement")
    index_now()
    assert service.search_opportunities(OpportunityQuery(text="clean windows")).ids == [cleaned.id]
    assert service.search_opportunities(OpportunityQuery(text="windows")).total == 2


def test_naics_titles_are_searchable_by_their_words(make_opportunity, index_now):
    opp = make_opportunity("Grounds work, north campus", naics_codes=["561730"])  # Landscaping Services
    index_now()
    assert service.search_opportunities(OpportunityQuery(text="landscaping")).ids == [opp.id]


def test_naics_filter_returns_only_that_code_or_prefix(make_opportunity, index_now):
    janitorial = make_opportunity("Cleaning A", naics_codes=["561720"])
    landscaping = make_opportunity("Cleaning B", naics_codes=["561730"])
    make_opportunity("Cleaning C", naics_codes=["238220"])
    index_now()
    exact = service.search_opportunities(OpportunityQuery(text="cleaning", naics=("561720",)))
    assert exact.ids == [janitorial.id]
    group = service.search_opportunities(OpportunityQuery(naics=("5617",)))
    assert set(group.ids) == {janitorial.id, landscaping.id}


def test_vendor_naics_filter_returns_only_that_code_or_prefix(make_search_vendor, index_now):
    a = make_search_vendor("A Clean", naics=("561720",))
    make_search_vendor("B Lawn", naics=("561730",))
    index_now()
    assert service.search_vendors(VendorQuery(naics=("561720",))).ids == [a.id]
    assert service.search_vendors(VendorQuery(naics=("5617",))).total == 2


def test_phrases_exclusions_or_and_prefixes(make_opportunity, index_now):
    floor = make_opportunity("Floor care services", description="Strip and wax.")
    care = make_opportunity("Care of the floor plan", description="Space planning.")
    land = make_opportunity("Landscaping services")
    index_now()
    search = lambda text: set(service.search_opportunities(OpportunityQuery(text=text)).ids)  # noqa: E731
    assert search('"floor care"') == {floor.id}
    assert search("floor -wax") == {care.id}
    assert search("wax OR landscaping") == {floor.id, land.id}
    assert search("landsc*") == {land.id}


def test_drafts_and_cancelled_opportunities_are_not_found(make_opportunity, officer, index_now):
    make_opportunity("Secret draft plumbing", publish=False)
    cancelled = make_opportunity("Plumbing repairs")
    index_now()
    assert service.search_opportunities(OpportunityQuery(text="plumbing")).ids == [cancelled.id]
    opps.cancel(cancelled, "Funding withdrawn.", actor=officer, now=clock.utcnow())
    index_now()
    assert service.search_opportunities(OpportunityQuery(text="plumbing", statuses=("open", "closed", "awarded"))).total == 0


def test_status_follows_the_clock_without_reindexing(make_opportunity, index_now, frozen_clock):
    opp = make_opportunity("Elevator maintenance", closes_at=clock.utcnow() + timedelta(days=1))
    index_now()
    assert service.search_opportunities(OpportunityQuery(text="elevator")).ids == [opp.id]
    later = clock.utcnow() + timedelta(days=2)
    frozen_clock(later)
    assert service.search_opportunities(OpportunityQuery(text="elevator")).ids == []
    closed = service.search_opportunities(OpportunityQuery(text="elevator", statuses=("closed",)))
    assert closed.ids == [opp.id]


def test_facets_count_matches_beside_the_filters(make_opportunity, index_now):
    make_opportunity("Pest control A", set_aside="small")
    make_opportunity("Pest control B", set_aside="small")
    make_opportunity("Pest control C", set_aside="none", type="RFQ")
    index_now()
    results = service.search_opportunities(OpportunityQuery(text="pest"))
    assert results.facets["set_aside"] == {"small": 2, "none": 1}
    assert results.facets["type"] == {"RFP": 2, "RFQ": 1}
    assert results.facets["status"] == {"open": 3, "closed": 0, "awarded": 0}


def test_snippets_mark_the_words_and_escape_the_text(make_opportunity, index_now):
    opp = make_opportunity("HVAC service", description="Quarterly <b>HVAC</b> filter changes & inspections.")
    index_now()
    results = service.search_opportunities(OpportunityQuery(text="filters"))
    snippet = str(results.highlights[opp.id]["description"])
    assert "<mark>filter</mark>" in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet


def test_misspelt_words_get_a_did_you_mean(make_opportunity, index_now):
    make_opportunity("Janitorial services")
    index_now()
    results = service.search_opportunities(OpportunityQuery(text="janitoral services"))
    assert results.total == 0
    assert results.suggestion == "janitorial services"


def test_pages_hold_per_page_results_in_order(make_opportunity, index_now):
    made = [make_opportunity(f"Paper supplies lot {i}", closes_at=clock.utcnow() + timedelta(days=i + 1)) for i in range(5)]
    index_now()
    first = service.search_opportunities(OpportunityQuery(text="paper", sort="closing"), page=1, per_page=2)
    last = service.search_opportunities(OpportunityQuery(text="paper", sort="closing"), page=3, per_page=2)
    assert first.total == 5 and first.pages == 3
    assert first.ids == [made[0].id, made[1].id] and last.ids == [made[4].id]


def test_vendor_filters_certifications_local_and_county(make_search_vendor, index_now):
    local_mbe = make_search_vendor("Alpha Cleaning", "cleaning", county="Broward County", certs=("MBE",))
    make_search_vendor("Beta Cleaning", "cleaning", county="Miami-Dade", zip_code="33101", certs=("MBE",), status="pending")
    make_search_vendor("Gamma Cleaning", "cleaning", county="Orange", zip_code="32801")
    index_now()
    assert service.search_vendors(VendorQuery(text="cleaning", cert_types=("MBE",))).ids == [local_mbe.id]
    local = VendorQuery(text="cleaning", local_counties=("FL|broward",), local_zips=("32801",), local_only=True)
    results = service.search_vendors(local)
    assert results.total == 2 and results.facets["local"] == {"local": 2}
    assert service.search_vendors(VendorQuery(counties=("FL|broward",))).ids == [local_mbe.id]


def test_one_opportunity_can_be_tested_against_a_query(make_opportunity):
    opp = make_opportunity("Janitorial services", naics_codes=["561720"], set_aside="small")
    db.session.flush()
    assert service.opportunity_matches(OpportunityQuery(text="janitorial", naics=("5617",)), opp)
    assert not service.opportunity_matches(OpportunityQuery(text="janitorial", set_asides=("local",)), opp)
    assert not service.opportunity_matches(OpportunityQuery(text="roofing"), opp)
    assert OpportunityQuery.from_dict(OpportunityQuery(text="x", naics=("56",)).to_dict()) == OpportunityQuery(text="x", naics=("56",))


@pytest.mark.parametrize("text", ['"unclosed', "AND OR", "*", "x" * 2000, "-", "NOT", "(((", "title:foo",
                                  "a* b?", "OR janitorial", "\x00", '""', "-janitorial"])
def test_broken_syntax_still_answers(make_opportunity, index_now, text):
    make_opportunity("Janitorial services")
    index_now()
    results = service.search_opportunities(OpportunityQuery(text=text))
    assert results.total >= 0
    assert results.notes or results.total >= 0

"""Scoring both ways: exact NAICS beats the industry group beats words; set-asides; reasons in words."""
from __future__ import annotations

from marketplace.matching import services
from tests.matching.conftest import NOW


def _titles(matches):
    return [m.item.title for m in matches]


def _names(matches):
    return [m.item.legal_name for m in matches]


def test_exact_naics_beats_industry_group_beats_capability_words(make_business, make_opportunity):
    vendor = make_business("Delgado Clean LLC", naics=["561720"], capability="Janitorial and floor care crews")
    make_opportunity(title="Window washing", naics=["561720"])
    make_opportunity(title="Landscaping of the north lawn", naics=["561730"])  # same group 5617
    make_opportunity(title="Floor care for the clinic", naics=["236220"])  # words only
    make_opportunity(title="Laboratory reagents", naics=["325413"])  # nothing in common

    matches = services.recommend_opportunities(vendor, now=NOW)

    assert _titles(matches) == ["Window washing", "Landscaping of the north lawn", "Floor care for the clinic"]
    assert matches[0].reasons[0] == "NAICS 561720"
    assert matches[1].reasons[0] == "same industry group 5617 (Services to Buildings and Dwellings)"
    assert matches[2].reason_text == "mentions 'floor', 'care'"


def test_local_vendor_is_told_why_in_one_line(make_business, make_opportunity):
    vendor = make_business("Broward Janitorial Inc", naics=["561720"], county="Broward", zip_code="33301",
                           capability="Commercial janitorial services for hospitals")
    make_opportunity(title="Janitorial services for the main campus", naics=["561720"])

    [match] = services.recommend_opportunities(vendor, now=NOW)

    assert match.reason_text == "NAICS 561720 · local to Broward County · mentions 'janitorial'"


def test_set_aside_the_vendor_cannot_meet_is_ranked_last_and_says_why(make_business, make_opportunity):
    vendor = make_business("Delgado Clean LLC", naics=["561720"])
    make_opportunity(title="MWBE cleaning", naics=["561720"], set_aside="mwbe")
    make_opportunity(title="Open cleaning", naics=["561730"])

    matches = services.recommend_opportunities(vendor, now=NOW)

    assert _titles(matches) == ["Open cleaning", "MWBE cleaning"]
    assert not matches[1].eligible
    assert matches[1].reasons[-1] == "not eligible: needs a verified MBE/WBE"


def test_verified_certification_makes_the_vendor_eligible(make_business, make_opportunity):
    vendor = make_business("Delgado Clean LLC", naics=["561720"], certs=["WBE"])
    make_opportunity(title="MWBE cleaning", naics=["561720"], set_aside="mwbe")

    [match] = services.recommend_opportunities(vendor, now=NOW)

    assert match.eligible
    assert "eligible for the MWBE set-aside (verified WBE)" in match.reasons


def test_drafts_and_closed_opportunities_are_never_recommended(make_business, make_opportunity):
    vendor = make_business("Delgado Clean LLC", naics=["561720"])
    make_opportunity(title="Draft cleaning", naics=["561720"], publish=False)
    make_opportunity(title="Closed cleaning", naics=["561720"], now=NOW.replace(year=2025))

    assert services.recommend_opportunities(vendor, now=NOW) == []


def test_ties_are_ordered_by_title_then_id(make_business, make_opportunity):
    vendor = make_business("Delgado Clean LLC", naics=["561720"])
    for title in ("Beta cleaning", "alpha cleaning", "Gamma cleaning"):
        make_opportunity(title=title, naics=["561720"])

    assert _titles(services.recommend_opportunities(vendor, now=NOW)) == [
        "alpha cleaning", "Beta cleaning", "Gamma cleaning"]


def test_suggested_vendors_rank_by_naics_then_local_and_diverse_bonus(make_business, make_opportunity):
    opportunity = make_opportunity(title="Janitorial services for the clinic", naics=["561720"], publish=False)
    make_business("Exact Far LLC", naics=["561720"])
    make_business("Exact Local LLC", naics=["561720"], county="Broward", zip_code="33301")
    make_business("Exact Diverse LLC", naics=["561720"], certs=["MBE"], capability="Janitorial crews")
    make_business("Group Only LLC", naics=["561730"])
    make_business("Words Only LLC", naics=["541611"], capability="Janitorial consulting")
    make_business("Unrelated LLC", naics=["325413"], capability="Reagents")
    make_business("Unregistered LLC", naics=["561720"], registered=False)

    matches = services.suggest_vendors(opportunity, now=NOW)

    assert _names(matches) == ["Exact Diverse LLC", "Exact Local LLC", "Exact Far LLC", "Group Only LLC",
                               "Words Only LLC"]
    assert matches[0].reason_text == "NAICS 561720 · verified MBE · mentions 'janitorial'"
    assert matches[1].reason_text == "NAICS 561720 · local to Broward County"


def test_suggestions_leave_out_vendors_not_eligible_for_the_set_aside(make_business, make_opportunity):
    opportunity = make_opportunity(title="Local cleaning", naics=["561720"], set_aside="local")
    make_business("Far LLC", naics=["561720"])
    make_business("Near LLC", naics=["561720"], county="Broward", zip_code="33301")

    matches = services.suggest_vendors(opportunity, now=NOW)

    assert _names(matches) == ["Near LLC"]


def test_only_local_or_diverse_filter(make_business, make_opportunity):
    opportunity = make_opportunity(title="Cleaning", naics=["561720"])
    make_business("Far LLC", naics=["561720"])
    make_business("Small Only LLC", naics=["561720"], certs=["SBE"])
    make_business("Near LLC", naics=["561720"], county="Broward", zip_code="33301")
    make_business("Diverse LLC", naics=["561720"], certs=["WBE"])

    matches = services.suggest_vendors(opportunity, now=NOW, only_local_or_diverse=True)

    assert sorted(_names(matches)) == ["Diverse LLC", "Near LLC"]


def test_a_vendor_with_no_codes_or_words_gets_no_recommendations(make_business, make_opportunity):
    vendor = make_business("Blank LLC")
    make_opportunity(title="Cleaning", naics=["561720"])

    assert services.recommend_opportunities(vendor, now=NOW) == []


def _queries(run) -> int:
    import sqlalchemy as sa

    from marketplace import db

    db.session.flush()
    db.session.expire_all()  # both measurements start cold
    count = 0

    def counter(*_args, **_kwargs):
        nonlocal count
        count += 1

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", counter)
    try:
        run()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", counter)
    return count


def test_suggestions_cost_the_same_queries_for_3_or_30_vendors(make_business, make_opportunity):
    opportunity = make_opportunity(title="Janitorial services", naics=["561720"])
    for n in range(3):
        make_business(f"First {n} LLC", naics=["561720"], certs=["WBE"], capability="janitorial")
    few = _queries(lambda: services.suggest_vendors(opportunity, now=NOW))
    for n in range(27):
        make_business(f"More {n} LLC", naics=["561730"], county="Broward", zip_code="33301", certs=["SBE"])

    assert _queries(lambda: services.suggest_vendors(opportunity, now=NOW)) == few


def test_recommendations_cost_the_same_queries_for_3_or_30_opportunities(make_business, make_opportunity):
    vendor = make_business("Delgado Clean LLC", naics=["561720"], capability="janitorial", certs=["WBE"])
    for n in range(3):
        make_opportunity(title=f"Janitorial {n}", naics=["561720"], set_aside="mwbe")
    few = _queries(lambda: services.recommend_opportunities(vendor, now=NOW))
    for n in range(27):
        make_opportunity(title=f"Cleaning {n}", naics=["561730"], set_aside="local")

    assert _queries(lambda: services.recommend_opportunities(vendor, now=NOW)) == few

"""The NAICS 2022 catalog: size, titles, validity and search."""
from __future__ import annotations

import pytest

from marketplace.naics import catalog


def test_catalog_holds_the_1012_six_digit_industries_of_naics_2022():
    codes = catalog.codes()
    assert len(codes) == 1012
    assert len(codes) >= 1000
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert codes == sorted(codes)


def test_title_of_a_code_at_any_level():
    assert catalog.title("561720") == "Janitorial Services"
    assert catalog.title("5617") == "Services to Buildings and Dwellings"
    assert catalog.title("56") == "Administrative and Support and Waste Management and Remediation Services"
    assert catalog.title("999999") is None
    assert catalog.title(None) is None  # type: ignore[arg-type]


def test_only_six_digit_2022_codes_are_valid_for_classification():
    assert catalog.is_valid("561720")
    assert not catalog.is_valid("5617")
    assert not catalog.is_valid("561799")
    assert not catalog.is_valid(" 561720")
    assert not catalog.is_valid(561720)  # type: ignore[arg-type]


def test_codes_dropped_before_2022_are_not_valid():
    # 2017's "Software Publishers" 511210 became 513210 in NAICS 2022.
    assert not catalog.is_valid("511210")
    assert catalog.title("513210") == "Software Publishers"


def test_industry_group_and_its_title():
    assert catalog.industry_group("561730") == "5617"
    assert catalog.industry_group_title("561730") == "Services to Buildings and Dwellings"


def test_search_by_exact_code_puts_it_first():
    assert catalog.search("561720") == [("561720", "Janitorial Services")]


def test_search_by_code_prefix_lists_the_group():
    results = catalog.search("5617")
    assert [code for code, _ in results] == ["561710", "561720", "561730", "561740", "561790"]


def test_search_by_several_codes_lists_each():
    assert [code for code, _ in catalog.search("561720, 561730")] == ["561720", "561730"]


def test_janitorial_finds_janitorial_services():
    assert catalog.search("janitorial")[0] == ("561720", "Janitorial Services")
    assert catalog.search("JANITOR")[0] == ("561720", "Janitorial Services")


def test_landscaping_finds_landscaping_services_first():
    assert catalog.search("landscaping")[0] == ("561730", "Landscaping Services")


def test_light_stemming_meets_word_forms():
    assert "561730" in [code for code, _ in catalog.search("landscape")]
    assert "238220" in [code for code, _ in catalog.search("plumber", limit=50)]
    assert "722320" in [code for code, _ in catalog.search("catering")]


def test_several_words_must_all_match():
    results = catalog.search("roofing contractors")
    assert results == [("238160", "Roofing Contractors")]
    assert all("hospital" in title.lower() and "psychiatric" in title.lower()
               for _, title in catalog.search("psychiatric hospitals"))


def test_whole_title_match_ranks_before_partial_matches():
    codes = [code for code, _ in catalog.search("software publishers")]
    assert codes[0] == "513210"


def test_search_respects_the_limit():
    assert len(catalog.search("manufacturing", limit=5)) == 5
    assert catalog.search("manufacturing", limit=0) == []


@pytest.mark.parametrize("query", ["", "   ", "!!!", "zzzzqqq", "999999"])
def test_search_without_matches_returns_nothing(query):
    assert catalog.search(query) == []


def test_search_truncates_very_long_queries():
    assert catalog.search("janitorial " + "x" * 5000) == []
    assert catalog.search("janitorial" + " " * 190 + "ignored words beyond the limit")[0][0] == "561720"


def test_parse_codes_splits_and_deduplicates():
    assert catalog.parse_codes("561720, 561730;561720  238160") == ["561720", "561730", "238160"]
    assert catalog.parse_codes("") == []
    assert catalog.parse_codes(None) == []

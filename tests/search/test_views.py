"""The search pages: who may use them, what they show, and that bad input never breaks them."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD


def _text(page: str) -> str:
    """The page's text without tags (snippets wrap matched words in <mark>)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


@pytest.fixture
def as_role(client, make_user):
    def login(role: str):
        if role != "anonymous":
            user = make_user(role)
            assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        return client
    return login


@pytest.mark.parametrize("role", ["anonymous", "vendor", "officer", "backbone"])
def test_everyone_may_search_opportunities(as_role, role):
    assert as_role(role).get("/search/opportunities").status_code == 200


@pytest.mark.parametrize("role,status", [("officer", 200), ("backbone", 200), ("vendor", 403)])
def test_only_officers_and_the_backbone_may_search_vendors(as_role, role, status):
    assert as_role(role).get("/search/vendors").status_code == status


def test_anonymous_vendor_search_asks_to_log_in(client):
    response = client.get("/search/vendors")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_results_page_shows_snippets_facets_and_suggestion(client, make_opportunity, index_now):
    make_opportunity("Janitorial services for main campus", description="Nightly janitorial cleaning.")
    index_now()
    page = client.get("/search/opportunities?q=janitorial").get_data(as_text=True)
    assert "Janitorial services for main campus" in _text(page)
    assert "<mark" in page and "1 opportunity" in page
    assert "Open <span class=\"text-base\">(1)</span>" in page
    typo = client.get("/search/opportunities?q=janitoral").get_data(as_text=True)
    assert "Did you mean" in typo and "janitorial" in typo


@pytest.mark.parametrize("text", ['"unclosed', "AND OR", "*", "x" * 2000, "%", "<script>alert(1)</script>",
                                  "title:(foo", "~~~", "naics:5617*"])
def test_broken_syntax_answers_with_results_or_a_message(client, make_opportunity, index_now, text):
    make_opportunity("Janitorial services")
    index_now()
    response = client.get("/search/opportunities", query_string={"q": text, "naics": "abc 56"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "opportunit" in body


def test_vendor_search_page_filters_by_certification_and_local(as_role, make_search_vendor, index_now, collaborative):
    make_search_vendor("Alpha Janitorial", "cleaning", county="Broward", certs=("MBE",))
    make_search_vendor("Beta Janitorial", "cleaning", county="Orange", zip_code="32801")
    index_now()
    client = as_role("officer")
    page = client.get("/search/vendors?q=janitorial&cert=MBE").get_data(as_text=True)
    assert "Alpha" in page and "Beta" not in page


def test_a_deleted_index_is_answered_from_the_database_then_rebuilt(app, client, make_opportunity, index_now):
    make_opportunity("Janitorial services")
    index_now()
    shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]))
    page = client.get("/search/opportunities?q=janitorial").get_data(as_text=True)
    assert "being rebuilt" in page and "Janitorial services" in _text(page)
    index_now()
    page = client.get("/search/opportunities?q=janitorial").get_data(as_text=True)
    assert "being rebuilt" not in page and "Janitorial services" in _text(page)


def test_a_corrupt_index_is_answered_from_the_database_then_rebuilt(app, client, make_opportunity, index_now):
    make_opportunity("Janitorial services")
    index_now()
    root = Path(app.config["SEARCH_INDEX_DIR"])
    for path in root.glob("build-*/*"):
        if path.name != "state.json":
            path.write_bytes(b"garbage")
    from marketplace.search import reader
    reader.forget_snapshots()
    page = client.get("/search/opportunities?q=janitorial").get_data(as_text=True)
    assert "being rebuilt" in page and "Janitorial services" in _text(page)
    index_now()
    page = client.get("/search/opportunities?q=janitorial").get_data(as_text=True)
    assert "being rebuilt" not in page and "Janitorial services" in _text(page)


def test_opportunity_list_links_to_search(client):
    page = client.get("/opportunities").get_data(as_text=True)
    assert 'action="/search/opportunities"' in page

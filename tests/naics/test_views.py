"""The NAICS search endpoint and the picker macro."""
from __future__ import annotations

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField

from marketplace.naics.forms import NaicsCodes, NaicsPrimary


def test_search_returns_codes_and_titles_as_json(client):
    response = client.get("/naics/search?q=janitorial")
    assert response.status_code == 200
    assert response.json == [{"code": "561720", "title": "Janitorial Services"}]


def test_search_by_prefix_over_http(client):
    codes = [item["code"] for item in client.get("/naics/search?q=5617").json]
    assert codes == ["561710", "561720", "561730", "561740", "561790"]


def test_search_needs_no_login(client):
    assert client.get("/naics/search?q=landscaping").json[0]["code"] == "561730"


@pytest.mark.parametrize("query", ["", "?q=", "?q=%00%ff", "?q=<script>", "?q=999999", "?q=janitorial&limit=abc"])
def test_bad_or_empty_query_gives_a_list(client, query):
    response = client.get("/naics/search" + query)
    assert response.status_code == 200
    assert isinstance(response.json, list)


def test_empty_query_gives_an_empty_list(client):
    assert client.get("/naics/search?q=").json == []
    assert client.get("/naics/search").json == []


def test_two_thousand_character_query_is_truncated_not_refused(client):
    response = client.get("/naics/search", query_string={"q": "janitorial" + " " * 190 + "x" * 1800})
    assert response.status_code == 200
    assert response.json == [{"code": "561720", "title": "Janitorial Services"}]


def test_limit_is_capped(client):
    assert len(client.get("/naics/search?q=manufacturing&limit=500").json) == 50
    assert len(client.get("/naics/search?q=manufacturing&limit=3").json) == 3


class PickerForm(Form):
    codes = StringField("NAICS codes", validators=[NaicsCodes()])
    primary = StringField("Primary NAICS code", validators=[NaicsPrimary("codes")])


def render_picker(app, data):
    form = PickerForm(MultiDict(data))
    form.validate()
    with app.test_request_context():
        return render_template_string(
            '{% from "naics/_picker.html" import naics_picker %}{{ naics_picker(form.codes, form.primary) }}',
            form=form,
        )


def test_picker_renders_a_plain_input_that_works_without_script(app):
    html = render_picker(app, {"codes": "561720, 561730", "primary": "561730"})
    assert 'name="codes"' in html and 'value="561720, 561730"' in html
    assert "data-naics-picker" in html and 'data-naics-search-url="/naics/search"' in html
    assert "561720: Janitorial Services" in html
    assert '<option value="561730" data-title="Landscaping Services" selected>' in html
    assert 'src="/static/js/naics-picker.js"' in html
    assert "<script>" not in html and "style=" not in html


def test_picker_shows_each_unknown_code_by_name(app):
    html = render_picker(app, {"codes": "561720, 999999"})
    assert "999999 is not a NAICS 2022 code." in html
    assert "usa-input--error" in html
    assert "999999: not a NAICS 2022 code" in html

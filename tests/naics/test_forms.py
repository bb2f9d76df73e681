"""The NAICS form validators name every unknown code."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField

from marketplace.naics.forms import NaicsCodes, NaicsPrimary, primary_code


class ClassificationForm(Form):
    codes = StringField("NAICS codes", validators=[NaicsCodes(max_codes=5)])
    primary = StringField("Primary NAICS code", validators=[NaicsPrimary("codes")])


class RequiredForm(Form):
    codes = StringField("NAICS codes", validators=[NaicsCodes(required=True)])


def validate(form_class, **data):
    form = form_class(MultiDict(data))
    return form.validate(), form


def test_known_codes_pass():
    ok, form = validate(ClassificationForm, codes="561720, 561730", primary="561730")
    assert ok, form.errors


def test_each_unknown_code_is_named():
    ok, form = validate(ClassificationForm, codes="561720, 999999, 123456")
    assert not ok
    assert form.codes.errors == ["999999 is not a NAICS 2022 code.", "123456 is not a NAICS 2022 code."]


def test_broader_level_is_explained():
    ok, form = validate(ClassificationForm, codes="5617")
    assert not ok
    assert form.codes.errors == [
        "5617 (Services to Buildings and Dwellings) is a broader NAICS level; choose one of its 6-digit codes."
    ]


def test_text_that_is_not_a_code_is_named():
    ok, form = validate(ClassificationForm, codes="janitorial")
    assert form.codes.errors == ["“janitorial” is not a NAICS code: codes are 6 digits, such as 561720."]


def test_too_many_codes_are_refused():
    ok, form = validate(ClassificationForm, codes="561710 561720 561730 561740 561790 238160")
    assert form.codes.errors == ["Enter at most 5 NAICS codes; you entered 6."]


def test_empty_is_allowed_unless_required():
    assert validate(ClassificationForm, codes="")[0]
    ok, form = validate(RequiredForm, codes=" , ")
    assert not ok
    assert form.codes.errors == ["Enter at least one NAICS code, such as 561720."]


def test_primary_must_be_one_of_the_listed_codes():
    ok, form = validate(ClassificationForm, codes="561720", primary="561730")
    assert not ok
    assert form.primary.errors == ["The primary code 561730 must be one of the codes you listed."]


@pytest.mark.parametrize(
    ("codes", "primary", "expected"),
    [("561720, 561730", "561730", "561730"), ("561720, 561730", "", "561720"), ("", "", None)],
)
def test_primary_defaults_to_the_first_code(codes, primary, expected):
    assert primary_code(codes, primary) == expected

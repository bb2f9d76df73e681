"""The access harness: every route declares who may use it, and is checked for every role."""
from __future__ import annotations

import re

import pytest

from marketplace.access import ANONYMOUS, allowed_roles
from marketplace.models_common import ROLES

ALL = (ANONYMOUS, *ROLES)


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _sample_path(rule) -> str:
    """Fill URL arguments with values that name nothing, so only the access check decides."""
    from werkzeug.routing import IntegerConverter

    path = rule.rule
    for name in rule.arguments:
        numeric = isinstance(rule._converters.get(name), IntegerConverter)
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", "999999" if numeric else "no-such-thing", path)
    return path


def test_every_route_declares_who_may_use_it(app):
    undeclared = [rule.endpoint for rule in _routes(app) if allowed_roles(rule.endpoint, app) is None]
    assert undeclared == []


@pytest.mark.parametrize("role", ALL)
def test_every_route_refuses_roles_it_does_not_allow(app, make_user, role):
    failures = []
    client = app.test_client()
    if role != ANONYMOUS:
        user = make_user(role)
        response = client.post("/login", data={"email": user.email, "password": "correct horse battery staple 42"})
        assert response.status_code == 302
    for rule in _routes(app):
        allowed = allowed_roles(rule.endpoint, app)
        if role in allowed:
            continue
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        response = client.open(_sample_path(rule), method=method)
        expected = (302,) if role == ANONYMOUS else (403,)
        if response.status_code not in expected or (
            role == ANONYMOUS and "/login" not in response.headers.get("Location", "")
        ):
            failures.append((rule.rule, method, response.status_code))
    assert failures == []


@pytest.mark.parametrize("role", ALL)
def test_allowed_roles_are_not_refused(app, make_user, role):
    """Routes open to a role never answer it 401/403 by role alone (ownership aside)."""
    client = app.test_client()
    if role != ANONYMOUS:
        user = make_user(role)
        client.post("/login", data={"email": user.email, "password": "correct horse battery staple 42"})
    refused = []
    for rule in _routes(app):
        if role not in allowed_roles(rule.endpoint, app) or "GET" not in rule.methods or rule.arguments:
            continue
        if rule.endpoint == "auth.logout":
            continue
        response = client.get(rule.rule)
        if response.status_code in (401, 403, 500):
            refused.append((rule.rule, response.status_code))
    assert refused == []

"""NAICS search for the code picker."""
from __future__ import annotations

from flask import jsonify, request

from marketplace.access import public
from marketplace.naics import bp, catalog

MAX_RESULTS = 50


@bp.route("/search")
@public
def search():
    """Return NAICS 2022 codes matching `q` as JSON: [{"code", "title"}]."""
    query = request.args.get("q", "", type=str)[: catalog.MAX_QUERY_LENGTH]
    limit = request.args.get("limit", 20, type=int)
    limit = min(max(limit, 1), MAX_RESULTS)
    results = [{"code": code, "title": title} for code, title in catalog.search(query, limit)]
    response = jsonify(results)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.app_template_global("naics_title")
def naics_title(code: str) -> str | None:
    """Title of a NAICS code, for templates."""
    return catalog.title(code)


@bp.app_template_global("naics_valid")
def naics_valid(code: str) -> bool:
    """Whether a code is a 6-digit NAICS 2022 industry, for templates."""
    return catalog.is_valid(code)


@bp.app_template_global("naics_parse")
def naics_parse(text: str | None) -> list[str]:
    """Split a comma-separated code list, for templates."""
    return catalog.parse_codes(text)

"""The NAICS 2022 catalog: code lookup, search, a JSON search endpoint and a form picker."""
from flask import Blueprint

bp = Blueprint("naics", __name__, url_prefix="/naics")

from marketplace.naics import views  # noqa: E402,F401

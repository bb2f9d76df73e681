"""Uploaded documents: content-checked storage outside static/ and access-checked downloads."""
from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")

from marketplace.documents import views  # noqa: E402,F401

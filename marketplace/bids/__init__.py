"""Sealed bidding pages: submit and revise, receipts, withdrawal, "My bids", the tabulation."""
from flask import Blueprint

bp = Blueprint("bids", __name__)

# Imported by create_app after the package, so importing bid models never loads views.
VIEW_MODULES = ("views",)

"""Read-only look-ups for the public pages and the role dashboards."""
from __future__ import annotations

import sqlalchemy as sa

from marketplace import db
from marketplace.institutions.models import Collaborative


def current_collaborative() -> Collaborative | None:
    """The collaborative this deployment serves, if it has been set up."""
    return db.session.scalar(sa.select(Collaborative).order_by(Collaborative.id).limit(1))

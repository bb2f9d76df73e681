"""A worker process for the concurrency test: publish opportunities and apply the index as it goes."""
from __future__ import annotations

import sys
from datetime import timedelta


def publish_and_apply(database_url: str, index_dir: str, officer_id: int, name: str, count: int) -> None:
    """Publish `count` opportunities, committing each and running the applier after each commit."""
    from marketplace import clock, create_app, db
    from marketplace.auth.models import User
    from marketplace.opportunities import services
    from marketplace.opportunities.services import OpportunityInput
    from marketplace.search import sync

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SEARCH_INDEX_DIR": index_dir,
                      "SECRET_KEY": "test", "SEARCH_APPLIER": False})
    with app.app_context():
        officer = db.session.get(User, officer_id)
        for i in range(count):
            now = clock.utcnow()
            data = OpportunityInput(title=f"Concurrent {name} number {i}", closes_at=now + timedelta(days=10))
            opp = services.create_draft(officer.institution, data, actor=officer, now=now)
            services.publish(opp, actor=officer, now=now)
            db.session.commit()
            sync.apply_pending()
            db.session.commit()
        db.session.remove()


if __name__ == "__main__":
    publish_and_apply(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))

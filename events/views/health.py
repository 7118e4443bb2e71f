"""`/healthz` for the load balancer and monitoring: the database, and the mail outbox.

200 when the database answers and no due message has waited longer than
HEALTH_OUTBOX_MAX_MINUTES (default 30: the outbox worker is running); 503
otherwise. The answer names what is wrong but holds no personal data and no
error text from the database.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from events.extensions import db
from events.models import OutboxMessage, OutboxStatus, utcnow

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    now = utcnow()
    try:
        pending, oldest_due = db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.min(OutboxMessage.next_attempt_at).filter(
                    OutboxMessage.next_attempt_at <= now
                ),
            ).where(OutboxMessage.status == OutboxStatus.PENDING)
        ).one()
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.error("Health check: the database does not answer: %s", error)
        answer = {"status": "unhealthy", "database": f"error: {type(error).__name__}"}
        return _no_cache(jsonify(answer)), 503
    waited = (now - oldest_due).total_seconds() if oldest_due else 0
    limit = timedelta(minutes=current_app.config.get("HEALTH_OUTBOX_MAX_MINUTES", 30))
    healthy = waited <= limit.total_seconds()
    answer = {
        "status": "ok" if healthy else "unhealthy",
        "database": "ok",
        "outbox": {"pending": pending, "oldest_due_waiting_seconds": int(waited)},
    }
    return _no_cache(jsonify(answer)), 200 if healthy else 503


def _no_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response

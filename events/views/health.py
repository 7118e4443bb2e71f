"""Health checks: `/healthz` for the load balancer, `/healthz/outbox` for monitoring.

`/healthz` answers 503 only when the database does not answer: that is when an
app server cannot serve. It also reports the mail outbox ("status": "degraded"
when a due message has waited longer than HEALTH_OUTBOX_MAX_MINUTES, default
30), but still with 200: a stopped outbox worker must not take every web
server out of the balancer. `/healthz/outbox` answers 503 in that case, for
monitoring to alert on. The answers name what is wrong but hold no personal
data and no error text from the database.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from events.extensions import db
from events.models import OutboxMessage, OutboxStatus, utcnow
from events.views.access import Rule, access

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@access(Rule.PUBLIC)
def healthz():
    return _answer(outbox_decides=False)


@bp.get("/healthz/outbox")
@access(Rule.PUBLIC)
def healthz_outbox():
    return _answer(outbox_decides=True)


def _answer(outbox_decides: bool):
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
    late = waited > limit.total_seconds()
    answer = {
        "status": "degraded" if late else "ok",
        "database": "ok",
        "outbox": {"pending": pending, "oldest_due_waiting_seconds": int(waited), "late": late},
    }
    return _no_cache(jsonify(answer)), 503 if late and outbox_decides else 200


def _no_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response

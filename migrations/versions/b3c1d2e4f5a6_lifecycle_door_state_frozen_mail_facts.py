"""lifecycle: door state and anonymization on the registration, mail facts, CHECKs

Revision ID: b3c1d2e4f5a6
Revises: 445c07b1171e
Create Date: 2026-11-25 17:00:00

- registration.checked_in_at / checked_in_by, backfilled from the scans (the
  latest check-in or undo of each registration decides);
- registration.anonymized_at, backfilled for rows anonymized before it existed;
- outbox_message: frozen facts instead of rendered bodies; messages still to
  send keep their rendered parts inside the facts, so none is lost;
- CHECK constraints on every enum column, and an event must end after it starts.

Table definitions here are frozen copies, not today's models.
"""

import base64
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "b3c1d2e4f5a6"
down_revision = "445c07b1171e"
branch_labels = None
depends_on = None

ENUMS = {
    ("event", "kind"): ("eventkind", ["seminar", "training", "consultation", "partner_meeting"]),
    ("event", "status"): ("eventstatus", ["draft", "published", "cancelled"]),
    ("event", "mode"): ("registrationmode", ["open", "approval"]),
    ("registration", "status"): (
        "registrationstatus",
        ["pending", "confirmed", "waitlisted", "declined", "cancelled"],
    ),
    ("registration", "organization_type"): (
        "organizationtype",
        ["ngo", "local_government", "business_support", "company", "informal_group", "other"],
    ),
    ("user", "role"): ("role", ["organizer", "staff"]),
    ("outbox_message", "status"): ("outboxstatus", ["pending", "sent", "failed"]),
    ("scan", "result"): (
        "scanresult",
        ["checked_in", "undone", "already", "wrong_event", "cancelled", "not_confirmed", "unknown"],
    ),
    ("scan", "method"): ("scanmethod", ["camera", "scanner", "search"]),
}

registration = sa.table(
    "registration",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("checked_in_at", sa.DateTime(timezone=True)),
    sa.column("checked_in_by", sa.String),
    sa.column("anonymized_at", sa.DateTime(timezone=True)),
)
scan = sa.table(
    "scan",
    sa.column("id", sa.Integer),
    sa.column("registration_id", sa.Integer),
    sa.column("result", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("link_id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
)
user = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String))
link = sa.table("check_in_link", sa.column("id", sa.Integer), sa.column("label", sa.String))
event = sa.table(
    "event",
    sa.column("id", sa.Integer),
    sa.column("starts_at", sa.DateTime(timezone=True)),
    sa.column("ends_at", sa.DateTime(timezone=True)),
)
OLD_OUTBOX = ("subject", "body_text", "body_html", "calendar", "calendar_method", "qr_png")


def _outbox(*extra):
    return sa.table(
        "outbox_message",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("facts", sa.JSON),
        *extra,
    )


def upgrade():
    with op.batch_alter_table("registration") as batch:
        batch.add_column(sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("checked_in_by", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("anonymized_at", sa.DateTime(timezone=True), nullable=True))
    _backfill_door_state()
    op.execute(
        registration.update()
        .where(registration.c.email.like("%@invalid"))
        .values(anonymized_at=registration.c.updated_at)
    )
    _upgrade_outbox()
    _lengthen_instant_events()
    _ends_after_start("ends_at > starts_at")
    for (table, column), (name, values) in ENUMS.items():
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(op.f(f"ck_{table}_{name}"), sa.column(column).in_(values))


def _backfill_door_state():
    """The latest check-in or undo of each registration decides its door state."""
    connection = op.get_bind()
    latest = (
        sa.select(scan.c.registration_id, sa.func.max(scan.c.id).label("scan_id"))
        .where(scan.c.result.in_(["checked_in", "undone"]), scan.c.registration_id.is_not(None))
        .group_by(scan.c.registration_id)
        .subquery()
    )
    rows = connection.execute(
        sa.select(scan.c.registration_id, scan.c.at, user.c.email, link.c.label)
        .join(latest, latest.c.scan_id == scan.c.id)
        .outerjoin(user, user.c.id == scan.c.user_id)
        .outerjoin(link, link.c.id == scan.c.link_id)
        .where(scan.c.result == "checked_in")
    ).all()
    for registration_id, at, email, label in rows:
        connection.execute(
            registration.update()
            .where(registration.c.id == registration_id)
            .values(checked_in_at=at, checked_in_by=email or label or "?")
        )


def _upgrade_outbox():
    """Messages still to send keep what was rendered for them, inside their facts."""
    connection = op.get_bind()
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("language", sa.String(5), server_default="pl", nullable=False))
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=True))
    old = _outbox(*(sa.column(name) for name in OLD_OUTBOX))
    for row in connection.execute(sa.select(old)).mappings().all():
        rendered = {name: row[name] for name in OLD_OUTBOX}
        if rendered["qr_png"] is not None:
            rendered["qr_png"] = base64.b64encode(rendered["qr_png"]).decode()
        facts = {"rendered": rendered} if row["status"] == "pending" else {}
        connection.execute(old.update().where(old.c.id == row["id"]).values(facts=facts))
    with op.batch_alter_table("outbox_message") as batch:
        batch.alter_column("facts", existing_type=sa.JSON(), nullable=False)
        for name in OLD_OUTBOX:
            batch.drop_column(name)
        batch.drop_index("ix_outbox_message_status")
        batch.create_index(
            "ix_outbox_message_due",
            ["next_attempt_at", "id"],
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )
        batch.create_index("ix_outbox_message_sent_at", ["sent_at"])


def _lengthen_instant_events():
    """Events whose end is not after their start (allowed until now) last an hour."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(event.c.id, event.c.starts_at).where(event.c.ends_at <= event.c.starts_at)
    ).all()
    for event_id, starts_at in rows:
        connection.execute(
            event.update()
            .where(event.c.id == event_id)
            .values(ends_at=starts_at + timedelta(hours=1))
        )


def _ends_after_start(condition: str):
    with op.batch_alter_table("event") as batch:
        batch.drop_constraint(op.f("ck_event_ends_after_start"), type_="check")
        batch.create_check_constraint(op.f("ck_event_ends_after_start"), sa.text(condition))


def downgrade():
    for (table, column), (name, _values) in ENUMS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
    _ends_after_start("ends_at >= starts_at")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_index("ix_outbox_message_sent_at")
        batch.drop_index("ix_outbox_message_due")
        batch.create_index("ix_outbox_message_status", ["status"])
        batch.add_column(sa.Column("subject", sa.String(300), server_default="", nullable=False))
        batch.add_column(sa.Column("body_text", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("body_html", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("calendar", sa.Text(), nullable=True))
        batch.add_column(sa.Column("calendar_method", sa.String(20), nullable=True))
        batch.add_column(sa.Column("qr_png", sa.LargeBinary(), nullable=True))
        batch.drop_column("facts")
        batch.drop_column("language")
    with op.batch_alter_table("registration") as batch:
        batch.drop_column("anonymized_at")
        batch.drop_column("checked_in_by")
        batch.drop_column("checked_in_at")

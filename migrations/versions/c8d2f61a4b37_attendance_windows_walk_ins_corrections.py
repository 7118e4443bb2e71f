"""Attendance a funder can audit: check-in windows, walk-ins, corrections on the record

Revision ID: c8d2f61a4b37
Revises: a7c4e9d2b610
Create Date: 2026-12-02 06:00:00

- event: the check-in window (minutes before the start, after the end) and whether
  door staff may override it;
- check_in_link: whether its holder may add walk-ins;
- registration and session_attendance: how a presence came on the record (door,
  walk-in, paper sheet), backfilled as "door" for every presence so far;
  registration: walk-in, let in beyond capacity, consent on the paper sheet;
- scan: the reason of an override or a correction; two more methods (walk_in,
  sheet) and one more result (outside_window) in their CHECK constraints.
"""

import sqlalchemy as sa
from alembic import op

revision = "c8d2f61a4b37"
down_revision = "a7c4e9d2b610"
branch_labels = None
depends_on = None

RESULTS = [
    "checked_in",
    "undone",
    "already",
    "wrong_event",
    "cancelled",
    "not_confirmed",
    "unknown",
]
METHODS = ["camera", "scanner", "search"]
PRESENCE = ["door", "walk_in", "sheet"]


def upgrade():
    with op.batch_alter_table("event") as batch:
        batch.add_column(
            sa.Column("checkin_opens_minutes", sa.Integer(), server_default="60", nullable=False)
        )
        batch.add_column(
            sa.Column("checkin_closes_minutes", sa.Integer(), server_default="30", nullable=False)
        )
        batch.add_column(
            sa.Column("door_may_override", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_event_checkin_window_range"),
            "checkin_opens_minutes >= 0 AND checkin_opens_minutes <= 1440 AND "
            "checkin_closes_minutes >= 0 AND checkin_closes_minutes <= 1440",
        )
    with op.batch_alter_table("check_in_link") as batch:
        batch.add_column(
            sa.Column("may_add_walk_ins", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("registration") as batch:
        batch.add_column(sa.Column("checked_in_how", sa.String(length=24), nullable=True))
        batch.add_column(
            sa.Column("walk_in", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("beyond_capacity", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("consent_on_paper", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_registration_presence"), sa.column("checked_in_how").in_(PRESENCE)
        )
    op.execute("UPDATE registration SET checked_in_how = 'door' WHERE checked_in_at IS NOT NULL")
    with op.batch_alter_table("session_attendance") as batch:
        batch.add_column(
            sa.Column("checked_in_how", sa.String(length=24), server_default="door", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_session_attendance_presence"), sa.column("checked_in_how").in_(PRESENCE)
        )
    with op.batch_alter_table("scan") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=500), nullable=True))
        batch.drop_constraint(op.f("ck_scan_scanresult"), type_="check")
        batch.drop_constraint(op.f("ck_scan_scanmethod"), type_="check")
        batch.create_check_constraint(
            op.f("ck_scan_scanresult"), sa.column("result").in_([*RESULTS, "outside_window"])
        )
        batch.create_check_constraint(
            op.f("ck_scan_scanmethod"), sa.column("method").in_([*METHODS, "walk_in", "sheet"])
        )


def downgrade():
    with op.batch_alter_table("scan") as batch:
        batch.drop_constraint(op.f("ck_scan_scanmethod"), type_="check")
        batch.drop_constraint(op.f("ck_scan_scanresult"), type_="check")
        batch.drop_column("reason")
    op.execute("DELETE FROM scan WHERE result = 'outside_window' OR method IN ('walk_in', 'sheet')")
    with op.batch_alter_table("scan") as batch:
        batch.create_check_constraint(op.f("ck_scan_scanresult"), sa.column("result").in_(RESULTS))
        batch.create_check_constraint(op.f("ck_scan_scanmethod"), sa.column("method").in_(METHODS))
    with op.batch_alter_table("session_attendance") as batch:
        batch.drop_constraint(op.f("ck_session_attendance_presence"), type_="check")
        batch.drop_column("checked_in_how")
    with op.batch_alter_table("registration") as batch:
        batch.drop_constraint(op.f("ck_registration_presence"), type_="check")
        for column in ("consent_on_paper", "beyond_capacity", "walk_in", "checked_in_how"):
            batch.drop_column(column)
    with op.batch_alter_table("check_in_link") as batch:
        batch.drop_column("may_add_walk_ins")
    with op.batch_alter_table("event") as batch:
        batch.drop_constraint(op.f("ck_event_checkin_window_range"), type_="check")
        for column in ("door_may_override", "checkin_closes_minutes", "checkin_opens_minutes"):
            batch.drop_column(column)

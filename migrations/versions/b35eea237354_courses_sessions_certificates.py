"""courses of several sessions, attendance per session, certificates

Revision ID: b35eea237354
Revises: 91ab12f8999a
Create Date: 2026-11-25 19:14:26

- course_session: the sessions of a course (an event with sessions);
- session_attendance: who was checked in at which session (the door state);
- scan.session_id: the session a scan was made at;
- event.certificate_min_percent: the certificate rule (None: no certificates);
- certificate: issued certificates, with what they say frozen at issue;
- invitation, invitation_opt_out, event.invitation_only, event.invitee_seats(_until):
  personal invitations, and seats kept for invited people until a date.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b35eea237354"
down_revision = "91ab12f8999a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "course_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("venue_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("venue_address", sa.String(length=300), server_default="", nullable=False),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_course_session_session_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_course_session_event_id_event")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_session")),
    )
    with op.batch_alter_table("course_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_session_event_id"), ["event_id"], unique=False)

    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("minutes_attended", sa.Integer(), nullable=False),
        sa.Column("minutes_total", sa.Integer(), nullable=False),
        sa.Column("sessions_attended", sa.Integer(), nullable=False),
        sa.Column("sessions_total", sa.Integer(), nullable=False),
        sa.Column("rule_percent", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=254), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_certificate_event_id_event")
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_certificate_registration_id_registration"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint("number", name=op.f("uq_certificate_number")),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificate_registration_id"), ["registration_id"], unique=False
        )
        batch_op.create_index(
            "uq_certificate_standing",
            ["registration_id"],
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "session_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_in_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_session_attendance_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["course_session.id"],
            name=op.f("fk_session_attendance_session_id_course_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_attendance")),
        sa.UniqueConstraint("session_id", "registration_id", name="uq_attendance_once"),
    )
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_attendance_registration_id"), ["registration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_attendance_session_id"), ["session_id"], unique=False
        )

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certificate_min_percent", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_event_certificate_percent_range"),
            sa.text(
                "certificate_min_percent IS NULL OR "
                "(certificate_min_percent >= 1 AND certificate_min_percent <= 100)"
            ),
        )

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organization", sa.String(length=200), server_default="", nullable=False),
        sa.Column("county", sa.String(length=40), nullable=True),
        sa.Column("language", sa.String(length=5), server_default="pl", nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "invited", "registered", "declined",
                name="invitationstatus", native_enum=False, length=24, create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_invitation_event_id_event")),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registration.id"],
            name=op.f("fk_invitation_registration_id_registration"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("event_id", "email", name="uq_invitation_email"),
        sa.UniqueConstraint("token", name=op.f("uq_invitation_token")),
    )  # fmt: skip
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_event_id"), ["event_id"], unique=False)

    op.create_table(
        "invitation_opt_out",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_invitation_opt_out")),
    )

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("invitation_only", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("invitee_seats", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("invitee_seats_until", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_scan_session_id"), ["session_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_scan_session_id_course_session"),
            "course_session",
            ["session_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_scan_session_id_course_session"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_scan_session_id"))
        batch_op.drop_column("session_id")

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("invitee_seats_until")
        batch_op.drop_column("invitee_seats")
        batch_op.drop_column("invitation_only")
    op.drop_table("invitation_opt_out")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_event_id"))
    op.drop_table("invitation")

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_event_certificate_percent_range"), type_="check")
        batch_op.drop_column("certificate_min_percent")

    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_attendance_session_id"))
        batch_op.drop_index(batch_op.f("ix_session_attendance_registration_id"))

    op.drop_table("session_attendance")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certificate_standing",
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_certificate_registration_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_event_id"))

    op.drop_table("certificate")
    with op.batch_alter_table("course_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_session_event_id"))

    op.drop_table("course_session")

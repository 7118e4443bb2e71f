"""A backup, a mistake, a restore: the data is back (SQLite and PostgreSQL)."""

import sqlalchemy as sa

from events.extensions import db
from events.models import Registration
from events.services.registration import register_attendee
from tests.factories import attendee, make_event


def registrations(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(sa.select(Registration.email)))


def test_backup_then_restore_brings_back_what_was_lost(app, runner, tmp_path):
    with app.app_context():
        event_id = make_event(title="Seminarium w Lesznie").id
        for name in ("ala", "ola"):
            register_attendee(event_id, attendee(email=f"{name}@example.org"), notify=False)
    target = tmp_path / "kopia.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0
    assert target.stat().st_mode & 0o777 == 0o600  # personal data: the owner's only

    with app.app_context():  # the mistake: every registration deleted
        db.session.execute(sa.delete(Registration))
        db.session.commit()
    assert registrations(app) == []

    refused = runner.invoke(args=["restore", str(target)], input="n\n")
    assert refused.exit_code != 0 and registrations(app) == []  # asked, and nothing done
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert registrations(app) == ["ala@example.org", "ola@example.org"]
    with app.app_context():  # the app goes on using the restored database
        register_attendee(event_id, attendee(email="ela@example.org"), notify=False)
    assert len(registrations(app)) == 3


def test_a_restore_from_a_missing_file_is_refused_clearly(app, runner, tmp_path):
    result = runner.invoke(args=["restore", str(tmp_path / "brak.backup"), "--yes"])
    assert result.exit_code != 0 and "does not exist" in result.output

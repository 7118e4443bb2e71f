"""The demo programme that `make run` loads into an empty database."""

import sqlalchemy as sa

from events.extensions import db
from events.models import (
    Certificate,
    Event,
    EventKind,
    EventStatus,
    Invitation,
    Registration,
    RegistrationMode,
    Role,
    utcnow,
)
from tests.factories import make_user
from tests.test_checkin_api import PASSWORD, log_in


def test_seed_demo_loads_the_project_programme_once(app, runner):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has events" in again.output

    with app.app_context():
        events = db.session.scalars(sa.select(Event)).all()
        by_kind = {kind: [e for e in events if e.kind == kind] for kind in EventKind}
        seminars = by_kind[EventKind.SEMINAR]
        assert len(seminars) == 4
        assert len({seminar.county for seminar in seminars}) == 4  # different towns
        trainings = by_kind[EventKind.TRAINING]
        assert trainings and all(
            t.capacity == 18 and t.mode == RegistrationMode.APPROVAL for t in trainings
        )
        # The leaders' training is one course of three sessions, not three events.
        [course] = [t for t in trainings if t.title == "Szkolenie liderów lokalnych"]
        assert len(course.sessions) == 3 and course.certificate_min_percent == 80
        assert course.starts_at == course.sessions[0].starts_at
        assert course.ends_at == course.sessions[-1].ends_at
        assert not [t for t in trainings if "moduł" in t.title]
        # A seminar by invitation, with its list and answers.
        [by_invitation] = [s for s in seminars if s.invitation_only]
        statuses = sorted(
            i.status.value
            for i in db.session.scalars(
                sa.select(Invitation).where(Invitation.event_id == by_invitation.id)
            )
        )
        assert statuses == ["declined", "invited", "invited", "invited", "registered", "registered"]
        consultations = by_kind[EventKind.CONSULTATION]
        assert len({c.county for c in consultations}) >= 3
        assert len(by_kind[EventKind.PARTNER_MEETING]) >= 1
        # Last spring's edition of the course is over: attendance per module, certificates
        # for those who came to all three (80% of the hours), none for the others.
        [finished] = [e for e in events if e.slug == "szkolenie-liderow-wiosna"]
        assert finished.ends_at < utcnow() and len(finished.sessions) == 3
        holders = db.session.scalars(
            sa.select(Certificate.holder_name).where(Certificate.event_id == finished.id)
        ).all()
        assert sorted(holders) == [
            "Anna Kowalska",
            "Małgorzata Wiśniewska",
            "Piotr Nowak",
            "Tomasz Szymański",
        ]
        # The consultation meeting held last week (its evaluation) is the other past event.
        past = sorted(e.slug for e in events if e.starts_at < utcnow())
        assert past == ["konsultacje-ostrow", "szkolenie-liderow-wiosna"]
        assert all(e.status == EventStatus.PUBLISHED for e in events)
        assert all(s.title.startswith("Seminarium") for s in seminars)  # in Polish
        # Every demo event belongs to one of the four programmes, and each has events.
        assert all(e.programme is not None for e in events)
        assert len({e.programme_id for e in events}) == 4


def test_the_demo_has_a_consultation_on_each_programme_and_an_evaluation_with_results(app, runner):
    from events.models import Programme, Questionnaire, QuestionnaireKind
    from events.services.questionnaires.results import Filters, build_results

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        questionnaires = db.session.scalars(sa.select(Questionnaire)).all()
        consultations = [q for q in questionnaires if q.kind == QuestionnaireKind.CONSULTATION]
        programmes = db.session.scalars(sa.select(Programme).order_by(Programme.position)).all()
        assert len(programmes) == 4 and all(p.description_pl and p.name_en for p in programmes)
        assert sorted(q.programme_id for q in consultations) == sorted(p.id for p in programmes)
        for questionnaire in consultations:
            results = build_results(questionnaire, Filters(), "pl")
            assert results.total >= 6 and not results.suppressed
            assert results.questions[0].mean is not None  # the 1–5 scale
        [evaluation] = [q for q in questionnaires if q.kind == QuestionnaireKind.EVALUATION]
        assert evaluation.event.ends_at < utcnow()
        assert build_results(evaluation, Filters(), "pl").total == 6
    # The 9 people present with an address (8 at the door, 1 from the paper sheet) were
    # sent their links; the 3 who did not answer get the one reminder, nobody a second
    # link; the walk-in without an address gets none.
    assert "Evaluations sent: 0; reminders: 3." in runner.invoke(args=["send-evaluations"]).output


def test_a_coordinator_can_register_a_group_for_a_demo_seminar(app, runner, client):
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    page = client.get("/events/seminarium-poznan")
    assert page.status_code == 200
    assert "/events/seminarium-poznan/group" in page.get_data(as_text=True)
    form = client.get("/events/seminarium-poznan/group")
    assert form.status_code == 200 and 'name="csrf_token"' in form.get_data(as_text=True)


def test_the_demo_has_a_meeting_whose_door_is_open_at_once(app, runner, client):
    """Someone trying the door right after `make run` scans a demo ticket and is let in."""
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        code = db.session.scalars(
            sa.select(Registration.ticket_code).join(Event).where(Event.slug == "konsultacje-sroda")
        ).first()
    token = log_in(client, "org@example.org")
    answer = client.post(
        "/api/checkin/konsultacje-sroda/scan",
        json={"code": code, "method": "scanner"},
        headers={"X-CSRFToken": token},
    )
    assert answer.get_json()["result"] == "checked_in"

"""The demo programme that `make run` loads into an empty database."""

import sqlalchemy as sa

from events.extensions import db
from events.models import Event, EventKind, EventStatus, RegistrationMode, utcnow


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
        consultations = by_kind[EventKind.CONSULTATION]
        assert len({c.county for c in consultations}) >= 3
        assert len(by_kind[EventKind.PARTNER_MEETING]) >= 1
        assert all(e.status == EventStatus.PUBLISHED for e in events)
        # Upcoming, but for the consultation meeting held last week (its evaluation).
        past = [e.slug for e in events if e.starts_at < utcnow()]
        assert past == ["konsultacje-ostrow"]
        assert all(s.title.startswith("Seminarium") for s in seminars)  # in Polish


def test_the_demo_has_a_consultation_on_each_programme_and_an_evaluation_with_results(app, runner):
    from events.models_questionnaires import Questionnaire, QuestionnaireKind
    from events.programmes import PROGRAMMES
    from events.services.questionnaire_results import Filters, build_results

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        questionnaires = db.session.scalars(sa.select(Questionnaire)).all()
        consultations = [q for q in questionnaires if q.kind == QuestionnaireKind.CONSULTATION]
        assert sorted(q.programme for q in consultations) == sorted(p.code for p in PROGRAMMES)
        for questionnaire in consultations:
            results = build_results(questionnaire, Filters(), "pl")
            assert results.total >= 6 and not results.suppressed
            assert results.questions[0].mean is not None  # the 1–5 scale
        [evaluation] = [q for q in questionnaires if q.kind == QuestionnaireKind.EVALUATION]
        assert evaluation.event.ends_at < utcnow()
        assert build_results(evaluation, Filters(), "pl").total == 6
    # The 8 people checked in were sent their links; the 2 who did not answer get the
    # one reminder, nobody a second link.
    assert "Evaluations sent: 0; reminders: 2." in runner.invoke(args=["send-evaluations"]).output

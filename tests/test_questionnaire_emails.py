"""Questionnaire emails as people receive them, through a real SMTP server."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.messages.outbox import deliver_due
from events.models import QuestionnaireInvitation, QuestionnaireKind, RegistrationStatus, utcnow
from events.services.questionnaires.evaluations import send_evaluations
from tests.factories import make_event, make_registration
from tests.test_questionnaires import make_questionnaire


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": smtp_server.hostname, "MAIL_PORT": smtp_server.port}


def test_the_evaluation_email_carries_the_personal_link(app, smtp_server):
    with app.app_context():
        start = utcnow().replace(microsecond=0) - timedelta(hours=6)
        event = make_event(starts_at=start, ends_at=start + timedelta(hours=3))
        email = make_registration(event, RegistrationStatus.CONFIRMED, checked_in=True).email
        make_questionnaire(kind=QuestionnaireKind.EVALUATION, event_id=event.id)
        send_evaluations()
        deliver_due()
        token = db.session.scalar(sa.select(QuestionnaireInvitation.token))
    [message] = smtp_server.inbox.to(email)
    assert message["Subject"].endswith(": Konsultacje programu partnerstw")
    body = message.get_body(("plain",)).get_content()
    assert f"/q/link/{token}" in body


def test_an_english_speaker_gets_the_evaluation_email_all_in_english(app, smtp_server):
    with app.app_context():
        start = utcnow().replace(microsecond=0) - timedelta(hours=6)
        event = make_event(starts_at=start, ends_at=start + timedelta(hours=3))
        registration = make_registration(
            event, RegistrationStatus.CONFIRMED, checked_in=True, language="en"
        )
        make_questionnaire(kind=QuestionnaireKind.EVALUATION, event_id=event.id)
        send_evaluations()
        deliver_due()
        email = registration.email
    [message] = smtp_server.inbox.to(email)
    assert message["Subject"].startswith("Your opinion, please: ")
    assert message["Content-Language"] == "en"

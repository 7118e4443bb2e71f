"""Erasing a person who touched every feature leaves nothing of them in any table,
column or mail file: registrations, invitations and their answers, questionnaire
links and responses, certificates, scan codes typed at any event, attempt
counters, messages, the audit log."""

import json
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from events.extensions import db
from events.messages.outbox import deliver_pending
from events.models import (
    Event,
    GroupMode,
    Invitation,
    InvitationOptOut,
    QuestionnaireInvitation,
    RegistrationMode,
    Role,
    WebhookDelivery,
    WebhookKind,
    utcnow,
)
from events.services.courses.certificates import issue_certificates, set_rule
from events.services.groups import Coordinator, Member, register_group
from events.services.invitations.invite import invite_people, opt_out, register_invited
from events.services.invitations.lists import ImportRow
from events.services.lost_link import request_links
from events.services.participants import approve
from events.services.privacy import erase_person
from events.services.questionnaires.answering import (
    Respondent,
    invite_registrants,
    submit_invited_response,
)
from events.services.registration import register_attendee
from events.services.webhooks import create_endpoint
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, make_user
from tests.test_questionnaires import answers, make_questionnaire, version_id

PASSWORD = "haslo-organizatora"
FIRST, LAST = "Bożenna", "Kwiatkowska-Żurek"
EMAIL = "bozenna.kz@żółw.pl"  # stored with the domain in its ASCII form
PHONE = "+48 601 234 567"
ORGANIZATION = "Fundacja Kwitnącej Łąki"


def her(**overrides):
    return attendee(
        first_name=FIRST,
        last_name=LAST,
        email=EMAIL,
        phone=PHONE,
        organization=ORGANIZATION,
        needs="Pętla indukcyjna",
        needs_consent=True,
        **overrides,
    )


def everything_she_touched(app) -> dict:
    """She registers, is approved, checked in, certified, invited (one invitation used,
    one opted out of), answers a personal questionnaire, loses her link, gets an
    organizer's message, registers a group of two others as its coordinator; door staff
    type her name and a mistyped ticket elsewhere."""
    with app.app_context():
        organizer = make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        # A webhook that hears of everything, names included.
        create_endpoint(
            organizer, "http://127.0.0.1:9/hook", "arkusz", [k.value for k in WebhookKind], True
        )
        seminar = make_event(title="Seminarium w Koninie")
        approval = make_event(title="Warsztat z akceptacją", mode=RegistrationMode.APPROVAL)
        invited_to = make_event(title="Spotkanie na zaproszenie")
        opted = make_event(title="Inne spotkanie")
        elsewhere = make_event(title="Konsultacje w Turku")
        mine = register_attendee(seminar.id, her())
        applied = register_attendee(approval.id, her())
        approve(approval.id, applied.id, organizer)
        [invitation] = invite_people(
            invited_to.id, [ImportRow(2, f"{FIRST} {LAST}", EMAIL, ORGANIZATION, "pilski")], None
        )
        invited = register_invited(invitation.token, her())
        [unwanted] = invite_people(opted.id, [ImportRow(2, f"{FIRST} {LAST}", EMAIL)], None)
        opt_out(unwanted.token)
        questionnaire, keys = make_questionnaire(anonymous=False)
        invite_registrants(questionnaire.id, seminar.id, None)
        link = db.session.scalar(sa.select(QuestionnaireInvitation))
        form = answers(keys, q0=f"{ORGANIZATION}, {FIRST} {LAST}")
        submit_invited_response(link.token, version_id(questionnaire), form, Respondent())
        request_links(EMAIL)
        grouped_at = make_event(title="Forum grup", group_max=3)
        group = register_group(
            grouped_at.id,
            Coordinator(f"{FIRST} {LAST}", EMAIL, ORGANIZATION),
            [
                Member("Jan", "Kowalski", "Koło Gospodyń", "m-kalisz", "jan.k@example.org"),
                Member("Ewa", "Nowak", "Koło Gospodyń", "m-kalisz"),
            ],
            GroupMode.TOGETHER,
        )
        db.session.commit()
        codes = {
            "seminar": seminar.slug,
            "elsewhere": elsewhere.slug,
            "ticket": mine.ticket_code,
            "secrets": [
                value
                for person in (mine, applied, invited)
                for value in (person.manage_token, person.ticket_token, person.ticket_code)
            ]
            + [invitation.token, unwanted.token, link.token, group.token],
            "seminar_id": seminar.id,
            "organizer": organizer,
        }
    return codes


def test_erasing_a_person_leaves_nothing_of_them_anywhere(app, client):
    touched = everything_she_touched(app)
    token = _log_in(client)
    ticket = touched["ticket"]
    # Door staff elsewhere type her name into the code field, and her ticket mistyped.
    for code in (LAST, ticket[:-1] + ("A" if ticket[-1] != "A" else "B")):
        response = client.post(
            f"/api/checkin/{touched['elsewhere']}/scan",
            json={"code": code, "method": "scanner"},
            headers={"X-CSRFToken": token},
        )
        assert response.json["result"] == "unknown"
    response = client.post(
        f"/api/checkin/{touched['seminar']}/scan",
        json={"code": ticket, "method": "scanner"},
        headers={"X-CSRFToken": token},
    )
    assert response.json["result"] == "checked_in"
    with app.app_context():
        seminar = db.session.get(Event, touched["seminar_id"])
        # Over, and she was checked in during its last hour (certificates only after the fact).
        seminar.starts_at = utcnow() - timedelta(hours=3)
        seminar.ends_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        organizer = db.session.merge(touched["organizer"])
        set_rule(seminar.id, 100, organizer)
        [certificate] = issue_certificates(seminar.id, organizer)
        deliver_pending(limit=100)  # the messages are written to the mail folder
        mail_folder = Path(app.instance_path) / "mail"
        assert any(EMAIL_ASCII in path.read_text() for path in mail_folder.glob("*.eml"))
        # A receiver that answered with what it got: its answers are kept on the log.
        for delivery in db.session.scalars(sa.select(WebhookDelivery)):
            delivery.response_excerpt = json.dumps(delivery.payload, ensure_ascii=False)[:1000]
        db.session.commit()
        traces = _traces_of_her(touched["secrets"])
        assert any(trace.startswith("webhook_delivery.payload") for trace in traces)
        assert any(trace.startswith("webhook_delivery.response_excerpt") for trace in traces)

        assert erase_person("BOZENNA.KZ@ŻÓŁW.PL", organizer) == 3

        left = _traces_of_her(touched["secrets"])
        assert left == [], "\n".join(left)
        assert not [p.name for p in mail_folder.glob("*.eml") if _mentions_her(p.read_text())]
        # What the figures need stays: the invitation answers, the certificate's number,
        # the opt-out (as a keyed hash only).
        statuses = sorted(str(i.status) for i in db.session.scalars(sa.select(Invitation)))
        assert statuses == ["declined", "registered"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InvitationOptOut)) == 1
        assert certificate.number


EMAIL_ASCII = "bozenna.kz@xn--w-uga1v8h.pl"


def _mentions_her(text: str) -> bool:
    folded = text.casefold()
    marks = [FIRST, LAST, "Kwiatkowska", EMAIL, EMAIL_ASCII, "bozenna.kz", PHONE, ORGANIZATION]
    return any(mark.casefold() in folded for mark in marks)


def _traces_of_her(secrets: list[str]) -> list[str]:
    """Every (table, column, value) of the whole database that points at her."""
    found = []
    ticket_like = [secret for secret in secrets if secret]
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).mappings():
            for column, value in row.items():
                if value is None or isinstance(value, int | float | bool):
                    continue
                structured = isinstance(value, dict | list)
                text = json.dumps(value, ensure_ascii=False) if structured else str(value)
                if _mentions_her(text) or any(secret in text for secret in ticket_like):
                    found.append(f"{table.name}.{column} = {text[:80]}")
    return found


def _log_in(client) -> str:
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": "org@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return csrf_token(client, "/")

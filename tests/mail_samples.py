"""One message of every kind a registrant can get, in a given language.

Used by the MIME checks and the spam-score check: each kind is produced by the
services that send it in production, and received by the test SMTP server.
"""

from datetime import timedelta

import sqlalchemy as sa

from events.extensions import db
from events.messages.outbox import deliver_due
from events.models import (
    GroupMode,
    QuestionnaireKind,
    RegistrationMode,
    RegistrationStatus,
    User,
    utcnow,
)
from events.services.broadcast import Audience, send_to_registrants
from events.services.courses.certificates import issue_certificates, set_rule
from events.services.courses.sessions import delete_session
from events.services.event_changes import Schedule, cancel_event
from events.services.groups import Coordinator, Member, register_group
from events.services.invitations.invite import invite_people
from events.services.invitations.lists import ImportRow
from events.services.lost_link import request_links
from events.services.questionnaires.builder import Settings, create_questionnaire
from events.services.questionnaires.evaluations import send_evaluations
from events.services.registration import (
    approve_registration,
    cancel_registration,
    decline_registration,
    register_attendee,
)
from events.services.reminders import send_reminders
from tests.factories import (
    attendee,
    check_in_at,
    make_course,
    make_event,
    make_registration,
    make_user,
    next_week,
    reschedule,
)

KINDS = (
    "confirmed",
    "waitlisted",
    "pending",
    "promoted",
    "accepted",
    "declined",
    "cancelled",
    "event_changed",
    "event_cancelled",
    "reminder",
    "organizer_message",
    "your_links",
    "questionnaire_invitation",
    "course_confirmed",  # a course: one calendar entry per session
    "certificate",  # with the PDF attached
    "session_cancelled",  # one session of a course withdrawn from the calendar
    "invitation",  # a personal invitation (no registration yet)
    "group_registered",  # a group's coordinator: the group's page, tickets without address
)

TITLE = "Seminarium: partnerstwo lokalne w praktyce – Poznań, Kalisz, Piła i Leszno (2026/27)"


def every_kind(smtp_server, language: str) -> dict:
    """{kind: the parsed message} for every kind in KINDS, sent to one person each."""

    def person(kind, **extra):
        return attendee(email=f"{kind}.{language}@example.org", language=language, **extra)

    soon = utcnow().replace(microsecond=0) + timedelta(hours=20)
    full = make_event(title=TITLE, capacity=1, **next_week())
    holder = register_attendee(full.id, person("cancelled"))
    register_attendee(full.id, person("promoted"))
    cancel_registration(holder.id)  # cancelled, and promoted from the waiting list
    register_attendee(full.id, person("waitlisted"))

    approval = make_event(title=TITLE, mode=RegistrationMode.APPROVAL, **next_week())
    register_attendee(approval.id, person("pending"))
    approve_registration(register_attendee(approval.id, person("accepted")).id)
    decline_registration(register_attendee(approval.id, person("declined")).id)

    register_attendee(make_event(title=TITLE, **next_week()).id, person("confirmed"))

    soon_event = make_event(title=TITLE, starts_at=soon, ends_at=soon + timedelta(hours=3))
    register_attendee(soon_event.id, person("reminder"), notify=False)
    send_reminders()

    told = make_event(title=TITLE, **next_week())
    register_attendee(told.id, person("organizer_message"), notify=False)
    send_to_registrants(
        told.id,
        "Zmiana sali",
        "Dzień dobry,\n\nspotykamy się w sali 12 na pierwszym piętrze.\n\nDo zobaczenia!",
        Audience.CONFIRMED,
        organizer(),
    )

    changed = make_event(title=TITLE, **next_week())
    register_attendee(changed.id, person("event_changed"), notify=False)
    later = changed.starts_at + timedelta(days=1)
    reschedule(
        changed.id,
        Schedule(later, later + timedelta(hours=3), "Sala B", "ul. Nowa 2, 62-800 Kalisz"),
        note="Sala na parterze.",
    )

    gone = make_event(title=TITLE, **next_week())
    register_attendee(gone.id, person("event_cancelled"), notify=False)
    cancel_event(gone.id)

    register_attendee(make_event(title=TITLE, **next_week()).id, person("your_links"), notify=False)
    request_links(f"your_links.{language}@example.org", language)

    ended = utcnow().replace(microsecond=0) - timedelta(hours=5)
    evaluated = make_event(title=TITLE, starts_at=ended - timedelta(hours=3), ends_at=ended)
    make_registration(evaluated, RegistrationStatus.CONFIRMED, checked_in=True,
                      **{"email": f"questionnaire_invitation.{language}@example.org",
                         "language": language})  # fmt: skip
    create_questionnaire(
        Settings(
            kind=QuestionnaireKind.EVALUATION, title_pl=TITLE, title_en=TITLE,
            purpose_pl="Twoja ocena pomoże nam przygotować kolejne spotkania.",
            purpose_en="Your rating helps us prepare the next meetings.",
            event_id=evaluated.id, opens_at=ended, closes_at=ended + timedelta(days=14),
        ),
        None,
    )  # fmt: skip
    send_evaluations()
    register_attendee(make_course(title=TITLE).id, person("course_confirmed"))

    certified = make_event(title=TITLE, starts_at=ended - timedelta(hours=3), ends_at=ended)
    holder = register_attendee(
        certified.id, person("certificate"), notify=False, now=ended - timedelta(days=2)
    )
    set_rule(certified.id, 100, organizer())
    check_in_at(certified, holder.id, certified.starts_at)  # certificates only after the fact
    issue_certificates(certified.id, organizer())

    shortened = make_course(title=TITLE)
    register_attendee(shortened.id, person("session_cancelled"), notify=False)
    delete_session(shortened.id, shortened.sessions[-1].id, organizer())

    invited = make_event(title=TITLE, **next_week())
    row = ImportRow(1, "Ina Zaproszona", f"invitation.{language}@example.org", "Fundacja", None)
    invite_people(invited.id, [row], organizer())  # in Polish: a list has no language

    grouped = make_event(title=TITLE, group_max=3, **next_week())
    register_group(
        grouped.id,
        Coordinator("Halina Sołtys", f"group_registered.{language}@example.org",
                    "Koło Gospodyń Wiejskich", language),
        [Member("Anna", "Nowak", "Koło Gospodyń Wiejskich", "kaliski"),
         Member("Jan", "Kowal", "Koło Gospodyń Wiejskich", "kaliski")],
        GroupMode.TOGETHER,
    )  # fmt: skip

    deliver_due()
    messages = {}
    for kind in KINDS:
        inbox = smtp_server.inbox.to(f"{kind}.{language}@example.org")
        messages[kind] = inbox[-1]
    return messages


def organizer() -> User:
    existing = db.session.scalar(sa.select(User).where(User.email == "organizator@example.org"))
    return existing or make_user()

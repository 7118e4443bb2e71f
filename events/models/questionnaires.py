"""Questionnaires: consultations on the programmes and evaluations after an event.

A questionnaire's questions live in versions (`QuestionnaireVersion.structure`,
JSON: sections, each with questions; see events.services.questionnaires.questions). Once a
version has answers it is never changed again: the builder copies it into a new
version, and every response keeps the version it answered.

An anonymous response stores nothing that links it to a person: no
registration, no email, no client address, and only the day it came in. Its
key is random, so not even the order of the rows tells who answered when.
"""

import enum
import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.extensions import db
from events.models.base import UTCDateTime, enum_column, new_secret, utcnow
from events.models.events import Event
from events.models.programmes import Programme
from events.models.registrations import OrganizationType
from events.timezone import local_date


def new_public_key() -> str:
    """The public link's key: short enough for a poster's QR code, 72 random bits."""
    return secrets.token_urlsafe(9)


def new_response_key() -> str:
    return secrets.token_hex(16)


class QuestionnaireKind(enum.StrEnum):
    CONSULTATION = "consultation"  # on one of the programmes
    EVALUATION = "evaluation"  # after one event, to the people who came
    REGISTRATION = "registration"  # asked in one event's registration form

    @property
    def label(self):
        return {
            QuestionnaireKind.CONSULTATION: _l("Consultation questionnaire"),
            QuestionnaireKind.EVALUATION: _l("Evaluation after an event"),
            QuestionnaireKind.REGISTRATION: _l("Questions at registration"),
        }[self]


class ResponseSource(enum.StrEnum):
    ONLINE = "online"
    PAPER = "paper"  # typed in by staff from a paper questionnaire

    @property
    def label(self):
        return {ResponseSource.ONLINE: _l("Online"), ResponseSource.PAPER: _l("Paper")}[self]


class Questionnaire(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[QuestionnaireKind] = mapped_column(enum_column(QuestionnaireKind))
    title_pl: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    purpose_pl: Mapped[str] = mapped_column(sa.Text, default="")
    purpose_en: Mapped[str] = mapped_column(sa.Text, default="")
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    # The organization whose organizers see it and its answers (an event's questionnaire:
    # the event's organization; its co-organizers see it too).
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    public_key: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_key)
    # Evaluations: sent this many hours after the event ends, with one reminder.
    send_after_hours: Mapped[int] = mapped_column(default=2)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event | None] = relationship()
    programme: Mapped[Programme | None] = relationship()
    versions: Mapped[list["QuestionnaireVersion"]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.number"
    )

    __table_args__ = (sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),)

    def title(self, language: str) -> str:
        return (self.title_en if language == "en" and self.title_en else "") or self.title_pl

    def purpose(self, language: str) -> str:
        return (self.purpose_en if language == "en" and self.purpose_en else "") or self.purpose_pl

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    @property
    def last_day(self) -> date:
        """The last day one may answer (Warsaw): closing at midnight on 1 March means
        open until 28 February inclusive, which is what people read on a poster."""
        return local_date(self.closes_at - timedelta(microseconds=1))


class QuestionnaireVersion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    structure: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")

    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "number"),)


class QuestionnaireResponse(db.Model):
    """One person's answers (or one paper questionnaire typed in)."""

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_response_key)
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire_version.id"), index=True)
    answers: Mapped[dict] = mapped_column(sa.JSON)
    county: Mapped[str | None] = mapped_column(sa.String(40))
    organization_type: Mapped[OrganizationType | None] = mapped_column(
        enum_column(OrganizationType)
    )
    # The meeting where it was given (a consultation meeting, the evaluated event).
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="SET NULL"), index=True
    )
    # Only on questionnaires that are not anonymous: from a personal link, or the
    # answers given when registering.
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[ResponseSource] = mapped_column(enum_column(ResponseSource))
    submitted_on: Mapped[date] = mapped_column(sa.Date)  # the day only, never the time

    version: Mapped[QuestionnaireVersion] = relationship()
    event: Mapped[Event | None] = relationship()

    __table_args__ = (
        # A person answers a questionnaire once (NULLs, the anonymous, are not compared).
        sa.UniqueConstraint("questionnaire_id", "registration_id"),
    )


class QuestionnaireInvitation(db.Model):
    """A personal one-time link to a questionnaire, for a registered person.

    `used` is all it records of the answer: for an anonymous questionnaire it
    never says which response came from it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id", ondelete="SET NULL"))
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_secret)
    used: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    questionnaire: Mapped[Questionnaire] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("questionnaire_id", "registration_id"),  # one per person
    )

"""The partnership programmes: listed in their order, created, renamed, reordered, and
deleted only while nothing belongs to them; the choices of a select and the lookup of
a `?programme=` slug.

A programme's slug is made once from its Polish name and never changes, so that
links and calendar subscriptions (`/events.ics?programme=<slug>`) keep working
after a rename. Deleting a programme that events or questionnaires belong to is
refused (the foreign keys refuse it too): a funder's report by programme must not
lose its events silently.
"""

import enum
import re
from dataclasses import dataclass, fields

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from events.extensions import db
from events.models import Event, Programme, Questionnaire, User
from events.models.programmes import SLUG_LENGTH
from events.services import DomainError, NotFound, audit
from events.services.event_admin import slugify
from events.unit_of_work import command

AUDITED = ("slug", "name_pl", "name_en", "description_pl", "description_en", "position")


class ProgrammeError(DomainError):
    """Codes: invalid (with `field_errors`), in_use (events or questionnaires belong to it)."""

    class Code(enum.StrEnum):
        INVALID = "invalid"
        IN_USE = "in_use"

    def __init__(self, code, message, field_errors=None):
        super().__init__(code, message)
        self.field_errors = field_errors or {}


@dataclass
class ProgrammeData:
    name_pl: str
    name_en: str = ""
    description_pl: str = ""
    description_en: str = ""


@dataclass
class ProgrammeUse:
    events: int = 0
    questionnaires: int = 0

    @property
    def total(self) -> int:
        return self.events + self.questionnaires


def list_programmes() -> list[Programme]:
    """Every programme, in the organizers' order."""
    return list(db.session.scalars(sa.select(Programme).order_by(Programme.position, Programme.id)))


def programme_choices() -> list[tuple[int, str]]:
    """(id, name in the current language) for a select, in the organizers' order."""
    return [(programme.id, programme.name()) for programme in list_programmes()]


def find_programme(slug: str | None) -> Programme | None:
    """The programme of a `?programme=` value; None for anything unknown."""
    if not slug or len(slug) > SLUG_LENGTH:
        return None
    return db.session.scalar(sa.select(Programme).where(Programme.slug == slug))


def programme_or_404(programme_id: int) -> Programme:
    """Raises NotFound."""
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(_l("No such programme."))
    return programme


def programme_uses(programme_ids: list[int] | None = None) -> dict[int, ProgrammeUse]:
    """How many events and questionnaires belong to each programme (two grouped counts)."""
    uses: dict[int, ProgrammeUse] = {}
    for column, name in (
        (Event.programme_id, "events"),
        (Questionnaire.programme_id, "questionnaires"),
    ):
        query = sa.select(column, sa.func.count()).where(column.is_not(None)).group_by(column)
        if programme_ids is not None:
            query = query.where(column.in_(programme_ids))
        for programme_id, count in db.session.execute(query):
            setattr(uses.setdefault(programme_id, ProgrammeUse()), name, count)
    return uses


def _check(data: ProgrammeData, exclude_id: int | None = None) -> None:
    errors = {}
    if not data.name_pl:
        errors["name_pl"] = _l("Enter the name in Polish.")
    elif db.session.scalar(
        sa.select(Programme.id).where(
            sa.func.lower(Programme.name_pl) == data.name_pl.lower(),
            Programme.id != (exclude_id or 0),
        )
    ):
        errors["name_pl"] = _l("Another programme already has this name.")
    if errors:
        raise ProgrammeError(
            ProgrammeError.Code.INVALID, _l("Please correct the marked fields."), errors
        )


DASHES = re.compile(r"[\u2010-\u2015]")  # "2027–2030" keeps its years apart


def _unique_slug(name: str) -> str:
    base = slugify(DASHES.sub("-", name))[: SLUG_LENGTH - 4].strip("-") or "program"
    slug, number = base, 1
    while db.session.scalar(sa.select(Programme.id).where(Programme.slug == slug)):
        number += 1
        slug = f"{base}-{number}"
    return slug


@command
def create_programme(data: ProgrammeData, user: User | None) -> Programme:
    """A new programme, last in the order. Raises ProgrammeError "invalid"."""
    _check(data)
    last = db.session.scalar(sa.select(sa.func.max(Programme.position))) or 0
    programme = Programme(slug=_unique_slug(data.name_pl), position=last + 1, **vars(data))
    db.session.add(programme)
    db.session.flush()
    audit.record("programme_created", user, after=audit.snapshot(programme, AUDITED))
    return programme


@command
def update_programme(programme_id: int, data: ProgrammeData, user: User | None) -> Programme:
    """New names and descriptions (the slug stays). Raises ProgrammeError "invalid"."""
    programme = programme_or_404(programme_id)
    _check(data, exclude_id=programme.id)
    before = audit.snapshot(programme, AUDITED)
    for field in fields(ProgrammeData):
        setattr(programme, field.name, getattr(data, field.name))
    db.session.flush()
    audit.record("programme_changed", user, before=before, after=audit.snapshot(programme, AUDITED))
    return programme


@command
def move_programme(programme_id: int, step: int, user: User | None) -> None:
    """Move a programme one place up (step -1) or down (+1); at either end, nothing."""
    order = list_programmes()
    index = next(i for i, p in enumerate(order) if p.id == programme_or_404(programme_id).id)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(order):
        return
    before = {"position": index + 1}
    order[index], order[target] = order[target], order[index]
    for position, programme in enumerate(order, start=1):
        if programme.position != position:
            programme.position = position
    db.session.flush()
    audit.record(
        "programme_moved",
        user,
        before={"name_pl": order[target].name_pl, **before},
        after={"name_pl": order[target].name_pl, "position": target + 1},
    )


def refusal_to_delete(use: ProgrammeUse) -> str | None:
    """Why a programme cannot be deleted now, naming what belongs to it; None if it can."""
    if not use.total:
        return None
    return str(
        _l(
            "This programme cannot be deleted: %(events)s and %(questionnaires)s belong to it. "
            "Choose another programme for them first.",
            events=lazy_ngettext("%(num)d event", "%(num)d events", use.events),
            questionnaires=lazy_ngettext(
                "%(num)d questionnaire", "%(num)d questionnaires", use.questionnaires
            ),
        )
    )


@command
def delete_programme(programme_id: int, user: User | None) -> None:
    """Delete a programme nothing belongs to. Raises ProgrammeError "in_use"."""
    programme = db.session.scalar(
        sa.select(Programme).where(Programme.id == programme_id).with_for_update()
    )
    if programme is None:
        raise NotFound(_l("No such programme."))
    refusal = refusal_to_delete(programme_uses([programme.id]).get(programme.id, ProgrammeUse()))
    if refusal:
        raise ProgrammeError(ProgrammeError.Code.IN_USE, refusal)
    audit.record("programme_deleted", user, before=audit.snapshot(programme, AUDITED))
    db.session.delete(programme)
    db.session.flush()

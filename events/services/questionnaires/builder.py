"""The questionnaire builder: settings, sections and questions, and their versions.

The builder changes the newest version while nobody has answered it; once it
has answers, a change is made in a copy (the next version), so every response
keeps the questions it answered. One builder change at a time: each holds the
questionnaire's row lock.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import Event, Questionnaire, QuestionnaireKind, QuestionnaireVersion, User
from events.services import audit
from events.services.organizations.scope import lead_organization
from events.services.questionnaires.answering import (
    QuestionnaireError,
    latest_version,
    response_count,
)
from events.services.questionnaires.questions import (
    QuestionType,
    copy_structure,
    empty_structure,
    find_question,
    new_key,
)
from events.unit_of_work import command


@dataclass
class Settings:
    kind: QuestionnaireKind
    title_pl: str
    opens_at: datetime
    closes_at: datetime
    title_en: str = ""
    purpose_pl: str = ""
    purpose_en: str = ""
    programme_id: int | None = None
    event_id: int | None = None
    anonymous: bool = True
    send_after_hours: int = 2


SETTINGS_FIELDS = tuple(Settings.__dataclass_fields__)


def _normalized(settings: Settings) -> Settings:
    """Answers given when registering belong to the registration: never anonymous."""
    if settings.kind == QuestionnaireKind.REGISTRATION:
        settings.anonymous, settings.programme_id = False, None
    return settings


@command
def create_questionnaire(settings: Settings, user: User | None) -> Questionnaire:
    """A questionnaire of its event's organization, else of the user's (the lead's when
    made by the command line)."""
    questionnaire = Questionnaire(**vars(_normalized(settings)))
    event = db.session.get(Event, settings.event_id) if settings.event_id else None
    if event is not None:
        questionnaire.organization_id = event.organization_id
    elif user is not None:
        questionnaire.organization_id = user.organization_id
    else:
        questionnaire.organization_id = lead_organization().id
    db.session.add(questionnaire)
    db.session.flush()
    db.session.add(
        QuestionnaireVersion(
            questionnaire_id=questionnaire.id, number=1, structure=empty_structure()
        )
    )
    audit.record(
        "questionnaire_created",
        user,
        settings.event_id,
        after={"title": settings.title_pl, "kind": settings.kind.value},
    )
    return questionnaire


@command
def update_settings(questionnaire_id: int, settings: Settings) -> Questionnaire:
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    settings = _normalized(settings)
    for name in SETTINGS_FIELDS:
        setattr(questionnaire, name, getattr(settings, name))
    return questionnaire


def _editable_version(questionnaire_id: int) -> QuestionnaireVersion:
    """The newest version, or a new copy of it when it already has answers."""
    db.session.execute(  # one builder change at a time (the row lock)
        sa.select(Questionnaire.id).where(Questionnaire.id == questionnaire_id).with_for_update()
    )
    version = latest_version(questionnaire_id)
    if not response_count(questionnaire_id, version.id):
        return version
    copy = QuestionnaireVersion(
        questionnaire_id=questionnaire_id,
        number=version.number + 1,
        structure=copy_structure(version.structure),
    )
    db.session.add(copy)
    return copy


def _save(version: QuestionnaireVersion, structure: dict) -> None:
    version.structure = structure  # a new dict: SQLAlchemy sees the change
    db.session.flush()


@command
def add_section(questionnaire_id: int, title_pl: str, title_en: str = "") -> str:
    version = _editable_version(questionnaire_id)
    structure = copy_structure(version.structure)
    key = new_key(structure, "s")
    structure["sections"].append(
        {"key": key, "title_pl": title_pl, "title_en": title_en, "questions": []}
    )
    _save(version, structure)
    return key


def _options(lines_pl: list[str], lines_en: list[str], old: list[dict]) -> list[dict]:
    """Options from the builder's lines. A line keeps the key of the option in its
    place; new lines get keys never used in this question (o1, o2 ...)."""
    used = [int(option["key"][1:]) for option in old]
    fresh = iter(range(max(used, default=0) + 1, 10**6))
    options = []
    for index, label in enumerate(lines_pl):
        key = old[index]["key"] if index < len(old) else f"o{next(fresh)}"
        english = lines_en[index] if index < len(lines_en) else ""
        options.append({"key": key, "pl": label, "en": english})
    return options


@command
def save_question(
    questionnaire_id: int, section_key: str, values: dict, question_key: str | None = None
) -> str:
    """Add a question to a section, or change the question `question_key`.

    `values`: type, text_pl/en, help_pl/en, required, options_pl/en (lists of
    lines), other, low_pl/en, high_pl/en. Returns the question's key."""
    version = _editable_version(questionnaire_id)
    structure = copy_structure(version.structure)
    if question_key:
        section, question = find_question(structure, question_key)
        if question is None:
            raise QuestionnaireError("invalid", _l("This question no longer exists."))
        target = next((s for s in structure["sections"] if s["key"] == section_key), section)
        if target is not section:  # moved to another section, at its end
            section["questions"].remove(question)
            target["questions"].append(question)
    else:
        section = next(s for s in structure["sections"] if s["key"] == section_key)
        question = {"key": new_key(structure, "q")}
        section["questions"].append(question)
    kind = QuestionType(values["type"])
    question.update(
        type=kind.value,
        text_pl=values["text_pl"],
        text_en=values.get("text_en", ""),
        help_pl=values.get("help_pl", ""),
        help_en=values.get("help_en", ""),
        required=bool(values.get("required")),
        other=bool(values.get("other")) and kind == QuestionType.MULTIPLE,
        low_pl=values.get("low_pl", ""),
        low_en=values.get("low_en", ""),
        high_pl=values.get("high_pl", ""),
        high_en=values.get("high_en", ""),
    )
    old = question.get("options", [])
    question["options"] = (
        _options(values.get("options_pl", []), values.get("options_en", []), old)
        if kind.has_options
        else []
    )
    _save(version, structure)
    return question["key"]


@command
def delete_question(questionnaire_id: int, question_key: str) -> None:
    version = _editable_version(questionnaire_id)
    structure = copy_structure(version.structure)
    for section in structure["sections"]:
        section["questions"] = [q for q in section["questions"] if q["key"] != question_key]
    _save(version, structure)


@command
def move_question(questionnaire_id: int, question_key: str, step: int) -> None:
    """Move a question up (-1) or down (+1) within its section."""
    version = _editable_version(questionnaire_id)
    structure = copy_structure(version.structure)
    section, question = find_question(structure, question_key)
    if question is None:
        return
    items = section["questions"]
    index = items.index(question)
    target = index + step
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        _save(version, structure)


@command
def rename_section(questionnaire_id: int, section_key: str, title_pl: str, title_en: str) -> None:
    version = _editable_version(questionnaire_id)
    structure = copy_structure(version.structure)
    for section in structure["sections"]:
        if section["key"] == section_key:
            section["title_pl"], section["title_en"] = title_pl, title_en
    _save(version, structure)


@command
def delete_section(questionnaire_id: int, section_key: str) -> None:
    """Remove an empty section; the last one stays (a questionnaire has at least one)."""
    version = latest_version(questionnaire_id)
    sections = version.structure["sections"]
    section = next((s for s in sections if s["key"] == section_key), None)
    if section is None:
        return
    if section["questions"]:
        raise QuestionnaireError(
            "invalid", _l("Move or remove the section's questions before removing it.")
        )
    if len(sections) == 1:
        raise QuestionnaireError("invalid", _l("A questionnaire keeps at least one section."))
    version = _editable_version(questionnaire_id)
    structure = copy_structure(version.structure)
    structure["sections"] = [s for s in structure["sections"] if s["key"] != section_key]
    _save(version, structure)

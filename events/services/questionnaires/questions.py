"""Question types, the structure of a questionnaire version, and checking answers.

A version's structure is plain JSON:

    {"next": 7, "sections": [{"key": "s1", "title_pl": "...", "title_en": "...",
      "questions": [{"key": "q2", "type": "single", "text_pl": "...", "text_en": "",
                     "help_pl": "", "help_en": "", "required": true,
                     "options": [{"key": "o3", "pl": "...", "en": "..."}], "other": false,
                     "low_pl": "", "low_en": "", "high_pl": "", "high_en": ""}]}]}

Keys never change and are never reused (`next` counts on across versions), so
answers stored under a key keep their meaning in every version. Answers are
stored by key too: a choice as its option's key, never its label.
"""

import copy
import enum
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
OTHER_MAX = 200
NUMBER_LIMIT = Decimal(10) ** 12
SCALE = (1, 2, 3, 4, 5)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class QuestionType(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    YES_NO = "yes_no"
    NUMBER = "number"
    DATE = "date"

    @property
    def label(self):
        return {
            QuestionType.SHORT_TEXT: _l("Short text"),
            QuestionType.LONG_TEXT: _l("Long text"),
            QuestionType.SINGLE: _l("Single choice"),
            QuestionType.MULTIPLE: _l("Multiple choice"),
            QuestionType.SCALE: _l("Scale from 1 to 5"),
            QuestionType.YES_NO: _l("Yes or no"),
            QuestionType.NUMBER: _l("Number"),
            QuestionType.DATE: _l("Date"),
        }[self]

    @property
    def has_options(self) -> bool:
        return self in (QuestionType.SINGLE, QuestionType.MULTIPLE)

    @property
    def is_open(self) -> bool:
        """Answers read one by one (listed with a search), not counted."""
        return self in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT, QuestionType.DATE)


def empty_structure() -> dict:
    return {"next": 2, "sections": [{"key": "s1", "title_pl": "", "title_en": "", "questions": []}]}


def copy_structure(structure: dict) -> dict:
    return copy.deepcopy(structure)


def new_key(structure: dict, prefix: str) -> str:
    number = structure.get("next", 1)
    structure["next"] = number + 1
    return f"{prefix}{number}"


def text(item: dict, field: str, language: str) -> str:
    """An item's text in `language`, Polish when it has no English."""
    return (item.get(f"{field}_{language}") or "") or item.get(f"{field}_pl") or ""


def option_label(option: dict, language: str) -> str:
    return (option.get(language) or "") or option["pl"]


def questions(structure: dict) -> list[dict]:
    return [question for section in structure["sections"] for question in section["questions"]]


def find_question(structure: dict, key: str) -> tuple[dict, dict] | tuple[None, None]:
    """(section, question) with this key, or (None, None)."""
    for section in structure["sections"]:
        for question in section["questions"]:
            if question["key"] == key:
                return section, question
    return None, None


def field_name(question: dict) -> str:
    return f"q-{question['key']}"


def _clean(value: str) -> str:
    return _CONTROL.sub("", value).replace("\r\n", "\n").strip()


def parse_number(raw: str) -> int | float | None:
    """`3`, `3,5`, `-12.25`, `1 200`; None for anything else or beyond a trillion."""
    compact = raw.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = Decimal(compact)
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def parse_date(raw: str) -> date | None:
    """2026-05-31 (what a date field sends) or 31.05.2026 (typed), years 1900–2100."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw) or re.fullmatch(
        r"(\d{1,2})\.(\d{1,2})\.(\d{4})", raw
    )
    if not match:
        return None
    parts = [int(part) for part in match.groups()]
    year, month, day = parts if len(match.group(1)) == 4 else parts[::-1]
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value if 1900 <= year <= 2100 else None


def _choice_keys(question: dict) -> set[str]:
    return {option["key"] for option in question.get("options", [])}


def check_answer(question: dict, form) -> tuple[object, str | None]:
    """(the answer to store or None, an error message or None) for one question.

    `form` is the posted form (a MultiDict)."""
    name = field_name(question)
    kind = QuestionType(question["type"])
    raw = _clean(form.get(name, "") or "")
    required = question.get("required", False)
    missing = (None, _("Answer this question.") if required else None)
    if kind in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
        limit = SHORT_TEXT_MAX if kind == QuestionType.SHORT_TEXT else LONG_TEXT_MAX
        if kind == QuestionType.SHORT_TEXT:
            raw = " ".join(raw.split())
        if not raw:
            return missing
        if len(raw) > limit:
            message = _(
                "The answer can have at most %(limit)d characters; it has %(length)d.",
                limit=limit,
                length=len(raw),
            )
            return None, message
        return raw, None
    if kind == QuestionType.SINGLE:
        if not raw:
            return None, _("Choose an answer.") if required else None
        if raw not in _choice_keys(question):
            return None, _("Choose one of the answers offered.")
        return raw, None
    if kind == QuestionType.MULTIPLE:
        return _check_multiple(question, form)
    if kind == QuestionType.SCALE:
        if not raw:
            return None, _("Choose a value from 1 to 5.") if required else None
        if raw not in {str(value) for value in SCALE}:
            return None, _("Choose a value from 1 to 5.")
        return int(raw), None
    if kind == QuestionType.YES_NO:
        if not raw:
            return None, _("Choose yes or no.") if required else None
        if raw not in ("yes", "no"):
            return None, _("Choose yes or no.")
        return raw == "yes", None
    if kind == QuestionType.NUMBER:
        if not raw:
            return missing
        number = parse_number(raw)
        if number is None:
            return None, _("Enter a number, for example 12 or 3,5.")
        return number, None
    if not raw:  # a date
        return missing
    value = parse_date(raw)
    if value is None:
        return None, _("Enter a date such as 31.05.2026.")
    return value.isoformat(), None


def _check_multiple(question: dict, form) -> tuple[object, str | None]:
    name = field_name(question)
    chosen = [value for value in form.getlist(name) if value]
    offered = _choice_keys(question)
    with_other = question.get("other", False)
    other = " ".join(_clean(form.get(f"{name}-other", "") or "").split()) if with_other else ""
    if any(value not in offered and not (with_other and value == "other") for value in chosen):
        return None, _("Choose among the answers offered.")
    if "other" in chosen and not other:
        return None, _("Write your other answer, or untick “Other (please specify)”.")
    if len(other) > OTHER_MAX:
        return None, _("The other answer can have at most %(limit)d characters.", limit=OTHER_MAX)
    if other and "other" not in chosen:
        chosen.append("other")
    if not chosen:
        return None, _("Choose at least one answer.") if question.get("required") else None
    answer = {"choices": [value for value in chosen if value != "other"]}
    if "other" in chosen:
        answer["other"] = other
    return answer, None


def check_answers(structure: dict, form) -> tuple[dict, dict]:
    """(answers by question key, error messages by question key) for a posted form."""
    answers, errors = {}, {}
    for question in questions(structure):
        answer, error = check_answer(question, form)
        if error:
            errors[question["key"]] = error
        elif answer is not None:
            answers[question["key"]] = answer
    return answers, errors


def answer_text(question: dict, answer, language: str) -> str:
    """An answer as words, for tables and exports."""
    if answer is None:
        return ""
    kind = QuestionType(question["type"])
    labels = {
        option["key"]: option_label(option, language) for option in question.get("options", [])
    }
    if kind == QuestionType.SINGLE:
        return labels.get(answer, answer)
    if kind == QuestionType.MULTIPLE:
        words = [labels.get(key, key) for key in answer.get("choices", [])]
        if "other" in answer:
            words.append(f"{_('Other answer')}: {answer['other']}")
        return "; ".join(words)
    if kind == QuestionType.YES_NO:
        return _("yes") if answer else _("no")
    if kind == QuestionType.DATE:
        return date.fromisoformat(answer).strftime("%d.%m.%Y")
    return str(answer)


def form_values(question: dict, answer) -> dict:
    """What the form shows for a stored answer (a paper entry corrected, a page kept)."""
    name = field_name(question)
    if answer is None:
        return {}
    kind = QuestionType(question["type"])
    if kind == QuestionType.MULTIPLE:
        chosen = list(answer.get("choices", [])) + (["other"] if "other" in answer else [])
        return {name: chosen, f"{name}-other": answer.get("other", "")}
    if kind == QuestionType.YES_NO:
        return {name: "yes" if answer else "no"}
    return {name: str(answer)}

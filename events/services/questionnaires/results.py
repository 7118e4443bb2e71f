"""Results of a questionnaire for the organizers: figures, charts and raw answers.

Percentages are of the people who answered the question (a multiple choice
adds up to more than 100 %), rounded half up to one decimal; means to two.
On an anonymous questionnaire a group of fewer than 3 responses (the whole
filtered set, or one county in the comparison) shows "fewer than 3" instead of
figures, so that nobody can be singled out by choosing a narrow filter.

The raw answers to download are in `questionnaire_exports`.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from html import escape

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from events.counties import county_name
from events.extensions import db
from events.models import (
    Event,
    OrganizationType,
    Questionnaire,
    QuestionnaireInvitation,
    QuestionnaireKind,
    QuestionnaireResponse,
    QuestionnaireVersion,
)
from events.search import fold
from events.services.organizations.scope import Scope
from events.services.questionnaires.questions import QuestionType, answer_text, option_label, text

MINIMUM_GROUP = 3


@dataclass
class Filters:
    county: str | None = None
    organization_type: OrganizationType | None = None
    event_id: int | None = None
    search: str = ""


@dataclass
class Row:
    label: str
    count: int
    percent: Decimal


@dataclass
class QuestionResult:
    question: dict
    text: str
    kind: QuestionType
    answered: int = 0
    rows: list[Row] = field(default_factory=list)
    mean: Decimal | None = None
    open_answers: list[str] = field(default_factory=list)
    chart: str = ""
    # Scales and numbers: (county, answers, mean; None when the group is too small to show).
    by_county: list[tuple[str, int, Decimal | None]] = field(default_factory=list)


@dataclass
class Results:
    total: int
    suppressed: bool
    questions: list[QuestionResult]
    by_county: list[tuple[str, int | None]]  # None: fewer than 3
    meetings: list[tuple[int, str]]


def percent(count: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    value = Decimal(count * 100) / Decimal(whole)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def all_questions(questionnaire_id: int) -> list[dict]:
    """The newest version's questions, then those that only older versions asked."""
    versions = db.session.scalars(
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .order_by(QuestionnaireVersion.number.desc())
    ).all()
    seen, result = set(), []
    for version in versions:
        for section in version.structure["sections"]:
            for question in section["questions"]:
                if question["key"] not in seen:
                    seen.add(question["key"])
                    result.append(question)
    return result


def filtered_responses(questionnaire_id: int, filters: Filters) -> list[QuestionnaireResponse]:
    query = sa.select(QuestionnaireResponse).where(
        QuestionnaireResponse.questionnaire_id == questionnaire_id
    )
    if filters.county:
        query = query.where(QuestionnaireResponse.county == filters.county)
    if filters.organization_type:
        query = query.where(QuestionnaireResponse.organization_type == filters.organization_type)
    if filters.event_id:
        query = query.where(QuestionnaireResponse.event_id == filters.event_id)
    order = (QuestionnaireResponse.submitted_on, QuestionnaireResponse.id)
    return list(db.session.scalars(query.order_by(*order)))


def _mean(values: list) -> Decimal:
    mean = Decimal(str(sum(values))) / Decimal(len(values))
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _county_means(question: dict, responses, anonymous: bool) -> list:
    """Mean per county, most answers first; a small group of an anonymous questionnaire
    shows no mean."""
    groups: dict[str, list] = {}
    for response in responses:
        if question["key"] in response.answers:
            groups.setdefault(response.county or "", []).append(response.answers[question["key"]])
    rows = []
    for code, values in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        hidden = anonymous and len(values) < MINIMUM_GROUP
        rows.append((code, len(values), None if hidden else _mean(values)))
    return rows


def _question_result(question, responses, language, search, anonymous=True) -> QuestionResult:
    kind = QuestionType(question["type"])
    result = QuestionResult(question, text(question, "text", language), kind)
    answers = [r.answers[question["key"]] for r in responses if question["key"] in r.answers]
    result.answered = len(answers)
    if kind.has_options:
        labels = [(o["key"], option_label(o, language)) for o in question.get("options", [])]
        counts = {key: 0 for key, _label in labels}
        others = []
        for answer in answers:
            chosen = [answer] if kind == QuestionType.SINGLE else answer.get("choices", [])
            for key in chosen:
                counts[key] = counts.get(key, 0) + 1
            if kind == QuestionType.MULTIPLE and "other" in answer:
                others.append(answer["other"])
        result.rows = [
            Row(label, counts[key], percent(counts[key], len(answers))) for key, label in labels
        ]
        if question.get("other") or others:
            result.rows.append(
                Row(_("Other answers"), len(others), percent(len(others), len(answers)))
            )
            result.open_answers = _searched(others, search)
    elif kind == QuestionType.SCALE:
        result.rows = [
            Row(str(value), answers.count(value), percent(answers.count(value), len(answers)))
            for value in range(1, 6)
        ]
        if answers:
            result.mean = _mean(answers)
        result.by_county = _county_means(question, responses, anonymous)
    elif kind == QuestionType.YES_NO:
        yes = sum(1 for answer in answers if answer)
        no = len(answers) - yes
        result.rows = [
            Row(_("Yes"), yes, percent(yes, len(answers))),
            Row(_("No"), no, percent(no, len(answers))),
        ]
    elif kind == QuestionType.NUMBER:
        if answers:
            result.mean = _mean(answers)
        result.by_county = _county_means(question, responses, anonymous)
    else:
        shown = [answer_text(question, answer, language) for answer in answers]
        result.open_answers = _searched(shown, search)
    if result.rows:
        result.chart = bar_chart_svg(f"chart-{question['key']}", result.text, result.rows)
    return result


def _searched(answers: list[str], search: str) -> list[str]:
    """The answers containing every word searched (letters with or without Polish marks)."""
    words = fold(search).split()
    return [answer for answer in answers if all(word in fold(answer) for word in words)]


def build_results(questionnaire: Questionnaire, filters: Filters, language: str) -> Results:
    responses = filtered_responses(questionnaire.id, filters)
    total = len(responses)
    suppressed = questionnaire.anonymous and total < MINIMUM_GROUP
    questions = []
    if not suppressed:
        questions = [
            _question_result(question, responses, language, filters.search, questionnaire.anonymous)
            for question in all_questions(questionnaire.id)
        ]
    return Results(
        total=total,
        suppressed=suppressed,
        questions=questions,
        by_county=_by_county(questionnaire, filters),
        meetings=_meetings(questionnaire.id),
    )


def _by_county(questionnaire: Questionnaire, filters: Filters) -> list[tuple[str, int | None]]:
    """Responses per county (other filters applied), most first; small groups hidden."""
    counts: dict[str, int] = {}
    for response in filtered_responses(questionnaire.id, Filters(
        organization_type=filters.organization_type, event_id=filters.event_id
    )):  # fmt: skip
        code = response.county or ""
        counts[code] = counts.get(code, 0) + 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], county_name(item[0])))
    if not questionnaire.anonymous:
        return rows
    return [(code, count if count >= MINIMUM_GROUP else None) for code, count in rows]


def _meetings(questionnaire_id: int) -> list[tuple[int, str]]:
    return list(
        db.session.execute(
            sa.select(Event.id, Event.title)
            .where(
                Event.id.in_(
                    sa.select(QuestionnaireResponse.event_id).where(
                        QuestionnaireResponse.questionnaire_id == questionnaire_id
                    )
                )
            )
            .order_by(Event.starts_at)
        ).all()
    )


def bar_chart_svg(chart_id: str, title: str, rows: list[Row]) -> str:
    """Horizontal bars, each label above its bar, the count and percentage beside it.
    A bar's length is its share of the answers (full width: 100 %), never relative to
    the largest answer: three answers of a third each are a third of the width."""
    bar, label, gap, width = 18, 20, 8, 360
    chart_width = width - 110
    step = label + bar + gap
    height = 6 + len(rows) * step
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}">',
        f'<title id="{chart_id}">{escape(title)}</title>',
    ]
    for index, row in enumerate(rows):
        y = 4 + index * step
        length = round(chart_width * min(row.percent, 100) / 100)
        parts.append(
            f'<text x="0" y="{y + label - 5}" font-size="15">{escape(row.label[:48])}</text>'
        )
        parts.append(
            f'<rect x="0" y="{y + label}" width="{length}" height="{bar - 2}" fill="#0b5394"/>'
            f'<text x="{length + 4}" y="{y + label + bar - 5}" font-size="14">'
            f"{row.count} ({escape(format_decimal(row.percent, format='0.0'))} %)</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass
class EvaluationRow:
    questionnaire: Questionnaire
    invited: int
    responses: int
    rating: str  # the first scale question's text
    mean: Decimal | None  # None: no answers, or too few to show


def evaluation_overview(scope: Scope, programme_id: int | None = None) -> list[EvaluationRow]:
    """Every evaluation (of one programme's, when given: the questionnaire's or its
    event's programme), by the event's date: who was
    asked, who answered, and the mean of its first 1–5 scale, so that the meetings of the
    whole programme can be compared."""
    query = (
        sa.select(Questionnaire)
        .join(Event, Event.id == Questionnaire.event_id)
        .where(Questionnaire.kind == QuestionnaireKind.EVALUATION, scope.events())
        .order_by(Event.starts_at)
    )
    if programme_id:
        query = query.where(
            sa.or_(Questionnaire.programme_id == programme_id, Event.programme_id == programme_id)
        )
    evaluations = db.session.scalars(query).all()
    invited = _counts(QuestionnaireInvitation.questionnaire_id)
    answered = _counts(QuestionnaireResponse.questionnaire_id)
    rows = []
    for questionnaire in evaluations:
        scale = next(
            (q for q in all_questions(questionnaire.id) if q["type"] == QuestionType.SCALE), None
        )
        mean, count = None, answered.get(questionnaire.id, 0)
        if scale and not (questionnaire.anonymous and count < MINIMUM_GROUP):
            values = [
                r.answers[scale["key"]]
                for r in filtered_responses(questionnaire.id, Filters())
                if scale["key"] in r.answers
            ]
            mean = _mean(values) if values else None
        rows.append(
            EvaluationRow(
                questionnaire,
                invited.get(questionnaire.id, 0),
                count,
                text(scale, "text", "pl") if scale else "",
                mean,
            )
        )
    return rows


def _counts(column) -> dict[int, int]:
    return dict(db.session.execute(sa.select(column, sa.func.count()).group_by(column)).all())

"""Forms of the questionnaire builder: a questionnaire's settings, one question, a section."""

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from events.forms.fields import (
    chosen_id,
    clean_line,
    clean_text,
    programme_field,
    required,
    set_programme_choices,
)
from events.models import QuestionnaireKind
from events.services.questionnaires.builder import Settings
from events.services.questionnaires.questions import QuestionType
from events.timezone import from_local, local_date

MAX_OPTIONS = 30


def _lines(text: str | None) -> list[str]:
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


class SettingsForm(FlaskForm):
    kind = SelectField(_l("Kind"), validators=[InputRequired()])
    title_pl = StringField(
        _l("Title in Polish"),
        filters=[clean_line],
        validators=[required(_l("Enter a title.")), Length(max=200)],
    )
    title_en = StringField(
        _l("Title in English (optional)"),
        filters=[clean_line],
        validators=[Optional(), Length(max=200)],
    )
    purpose_pl = TextAreaField(
        _l("Purpose in Polish"),
        description=_l("Shown above the questions: what the answers are for and who reads them."),
        filters=[clean_text],
        validators=[required(_l("Say what the answers are for.")), Length(max=3000)],
    )
    purpose_en = TextAreaField(
        _l("Purpose in English (optional)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=3000)],
    )
    programme_id = programme_field()
    event_id = SelectField(_l("Event"), coerce=str, validators=[Optional()])
    anonymous = BooleanField(_l("Anonymous responses"))
    opens_on = DateField(_l("Open from"), validators=[InputRequired(_l("Enter a date."))])
    closes_on = DateField(
        _l("Open until"),
        description=_l("Including this day (Polish time)."),
        validators=[InputRequired(_l("Enter a date."))],
    )
    send_after_hours = IntegerField(
        _l("Send the evaluation this many hours after the event ends"),
        default=2,
        validators=[Optional(), NumberRange(min=0, max=24 * 14)],
    )

    def set_choices(self, events, programmes=()) -> None:
        """`events`: the events to choose from; `programmes`: (id, name) pairs."""
        self.kind.choices = [(kind.value, kind.label) for kind in QuestionnaireKind]
        set_programme_choices(self.programme_id, programmes, _l("None"))
        self.event_id.choices = [("", _l("None"))] + [
            (str(event.id), f"{event.title} ({local_date(event.starts_at):%d.%m.%Y})")
            for event in events
        ]

    def validate_closes_on(self, field):
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The end cannot come before the start."))

    def validate_programme_id(self, field):
        if self.kind.data == QuestionnaireKind.CONSULTATION and not field.data:
            raise ValidationError(_l("Choose the programme the consultation is about."))

    def validate_event_id(self, field):
        if self.kind.data == QuestionnaireKind.EVALUATION and not field.data:
            raise ValidationError(_l("Choose the event to evaluate."))
        if self.kind.data == QuestionnaireKind.REGISTRATION and not field.data:
            raise ValidationError(
                _l("Choose the event whose registration form asks the questions.")
            )

    def settings(self) -> Settings:
        return Settings(
            kind=QuestionnaireKind(self.kind.data),
            title_pl=self.title_pl.data,
            title_en=self.title_en.data or "",
            purpose_pl=self.purpose_pl.data,
            purpose_en=self.purpose_en.data or "",
            programme_id=chosen_id(self.programme_id),
            event_id=int(self.event_id.data) if self.event_id.data else None,
            anonymous=self.anonymous.data,
            opens_at=from_local(datetime.combine(self.opens_on.data, time(0))),
            closes_at=from_local(
                datetime.combine(self.closes_on.data + timedelta(days=1), time(0))
            ),
            send_after_hours=self.send_after_hours.data
            if self.send_after_hours.data is not None
            else 2,
        )

    def fill(self, questionnaire) -> None:
        for name in ("kind", "title_pl", "title_en", "purpose_pl", "purpose_en", "anonymous"):
            getattr(self, name).data = getattr(questionnaire, name)
        self.programme_id.data = str(questionnaire.programme_id or "")
        self.event_id.data = str(questionnaire.event_id or "")
        self.opens_on.data = local_date(questionnaire.opens_at)
        self.closes_on.data = local_date(questionnaire.closes_at) - timedelta(days=1)
        self.send_after_hours.data = questionnaire.send_after_hours


class QuestionForm(FlaskForm):
    # Checked by the view: an unknown section keeps the question where it is.
    section = SelectField(_l("Part of the questionnaire"), validate_choice=False)
    type = SelectField(_l("Type of question"), validators=[InputRequired()])
    text_pl = StringField(
        _l("Question in Polish"),
        filters=[clean_line],
        validators=[required(_l("Enter the question.")), Length(max=300)],
    )
    text_en = StringField(
        _l("Question in English (optional)"), filters=[clean_line], validators=[Length(max=300)]
    )
    help_pl = StringField(
        _l("Help text in Polish (optional)"), filters=[clean_line], validators=[Length(max=300)]
    )
    help_en = StringField(
        _l("Help text in English (optional)"), filters=[clean_line], validators=[Length(max=300)]
    )
    required = BooleanField(_l("An answer is required"))
    options_pl = TextAreaField(
        _l("Answers to choose from, in Polish"),
        description=_l("One per line. For single and multiple choice."),
        filters=[clean_text],
    )
    options_en = TextAreaField(
        _l("Answers to choose from, in English (optional)"),
        description=_l("One per line, in the same order."),
        filters=[clean_text],
    )
    other = BooleanField(_l("Offer “Other” with a field to write in (multiple choice)"))
    low_pl = StringField(
        _l("Label of 1 in Polish"), filters=[clean_line], validators=[Length(max=60)]
    )
    low_en = StringField(
        _l("Label of 1 in English"), filters=[clean_line], validators=[Length(max=60)]
    )
    high_pl = StringField(
        _l("Label of 5 in Polish"), filters=[clean_line], validators=[Length(max=60)]
    )
    high_en = StringField(
        _l("Label of 5 in English"), filters=[clean_line], validators=[Length(max=60)]
    )

    def set_choices(self, sections: list[dict]) -> None:
        self.type.choices = [(kind.value, kind.label) for kind in QuestionType]
        self.section.choices = [
            (section["key"], section["title_pl"] or _l("Section %(number)d", number=number))
            for number, section in enumerate(sections, start=1)
        ]

    def validate_options_pl(self, field):
        if self.type.data not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            return
        lines = _lines(field.data)
        if len(lines) < 2:
            raise ValidationError(_l("Give at least two answers, one per line."))
        if len(lines) > MAX_OPTIONS:
            raise ValidationError(_l("At most 30 answers."))
        if any(len(line) > 200 for line in lines):
            raise ValidationError(_l("An answer can have at most 200 characters."))

    def validate_options_en(self, field):
        english = _lines(field.data)
        if english and len(english) != len(_lines(self.options_pl.data)):
            raise ValidationError(_l("Give as many English answers as Polish ones, or none."))

    def values(self) -> dict:
        values = {name: getattr(self, name).data or "" for name in (
            "type", "text_pl", "text_en", "help_pl", "help_en",
            "low_pl", "low_en", "high_pl", "high_en")}  # fmt: skip
        values.update(
            required=self.required.data,
            other=self.other.data,
            options_pl=_lines(self.options_pl.data),
            options_en=_lines(self.options_en.data),
        )
        return values

    def fill(self, question: dict) -> None:
        for name in ("type", "text_pl", "text_en", "help_pl", "help_en", "required", "other",
                     "low_pl", "low_en", "high_pl", "high_en"):  # fmt: skip
            getattr(self, name).data = question.get(name)
        self.options_pl.data = "\n".join(o["pl"] for o in question.get("options", []))
        self.options_en.data = "\n".join(o["en"] for o in question.get("options", []) if o["en"])


class SectionForm(FlaskForm):
    title_pl = StringField(
        _l("Section title in Polish"),
        filters=[clean_line],
        validators=[required(_l("Enter a title.")), Length(max=200)],
    )
    title_en = StringField(
        _l("Section title in English (optional)"),
        filters=[clean_line],
        validators=[Length(max=200)],
    )

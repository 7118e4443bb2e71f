"""Forms of a series: what it is made for (step 1), the table of its events (step 2),
and a change common to its events."""

import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, StopValidation, ValidationError

from events.counties import BY_CODE, COUNTIES, OUTSIDE, county_choices
from events.forms.fields import clean_line, clean_text, programme_field
from events.models import RegistrationMode, utcnow
from events.search import fold
from events.services.copies import FARTHEST_YEARS
from events.services.series import (
    MAX_ROWS,
    MonthlyRule,
    SeriesChoice,
    SeriesRow,
    Spacing,
)
from events.services.series_changes import CommonChange, RegistrationSettings
from events.timezone import local_date, years_ahead

BASES = ("counties", "teams", "rule")
_SEPARATORS = re.compile(r"[,;\n]+")


def county_code(typed: str) -> str | None:
    """The county a typed name means: its code ("kolski"), "powiat kolski", the
    adjective with its letters ("gnieźnieński"), a city ("Poznań" is the city,
    "powiat poznański" the county around it), or the seat of a county ("Koło")."""
    folded = _slug(typed)
    if not folded:
        return None
    folded = folded.removeprefix("powiat-").removeprefix("m-")
    if folded in BY_CODE and folded != OUTSIDE:
        return folded
    if f"m-{folded}" in BY_CODE:
        return f"m-{folded}"
    seats = {_slug(county.name_en.removesuffix(" County")): county.code for county in COUNTIES}
    return seats.get(folded) if folded in seats and not BY_CODE[seats[folded]].city else None


class RequiredFor:
    """Required when the series is made for one of `bases`; ignored (its errors too)
    otherwise: the rule's fields mean nothing to a series for counties."""

    def __init__(self, bases, message):
        self.bases, self.message = bases, message

    def __call__(self, form, field):
        if form.basis.data not in self.bases:
            field.errors[:] = []
            raise StopValidation()
        if not "".join(value for value in field.raw_data or () if isinstance(value, str)).strip():
            field.errors[:] = []
            raise StopValidation(self.message)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


class SeriesStartForm(FlaskForm):
    """Step 1: the counties, the partner teams or a monthly rule, and the dates."""

    basis = RadioField(_l("Make one event for each"), default="counties")
    counties = SelectMultipleField(_l("Counties"), validate_choice=False)
    counties_typed = TextAreaField(
        _l("Or type the counties"),
        description=_l(
            "Separated by commas or one per line, e.g. kolski, powiat gnieźnieński, Poznań."
        ),
        filters=[clean_text],
        validators=[Optional(), Length(max=3000)],
    )
    teams = TextAreaField(
        _l("Partner teams, one per line"),
        description=_l("Each event's title gets the team's name."),
        filters=[clean_text],
        validators=[Optional(), Length(max=5000)],
    )
    first_day = DateField(
        _l("Date of the first event"),
        validators=[RequiredFor(("counties", "teams"), _l("Enter the date."))],
    )
    spacing = RadioField(_l("The next dates"), default=Spacing.WEEKLY.value)
    rule_ordinal = SelectField(_l("Which"), default="2")
    rule_weekday = SelectField(_l("Day of the week"), default="1")
    rule_first_month = StringField(
        _l("From the month"),
        description=_l("For example 2027-01."),
        filters=[clean_line],
        validators=[RequiredFor(("rule",), _l("Enter the month as year-month, e.g. 2027-01."))],
    )
    rule_times = IntegerField(
        _l("How many times"),
        validators=[
            RequiredFor(("rule",), _l("Enter how many times.")),
            NumberRange(min=1, max=24, message=_l("From 1 to 24.")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.basis.choices = [
            SelectChoice("counties", _l("county")),
            SelectChoice("teams", _l("partner team")),
            SelectChoice("rule", _l("month, on a rule (e.g. the second Tuesday)")),
        ]
        self.counties.choices = [
            SelectChoice(code, name) for code, name in county_choices() if code != OUTSIDE
        ]
        self.spacing.choices = [
            SelectChoice(Spacing.WEEKLY.value, _l("a week apart")),
            SelectChoice(Spacing.WORKING_DAYS.value, _l("on working days, one after another")),
            SelectChoice(Spacing.SAME_DAY.value, _l("all on the same day")),
        ]
        self.rule_ordinal.choices = [
            SelectChoice("1", _l("first")),
            SelectChoice("2", _l("second")),
            SelectChoice("3", _l("third")),
            SelectChoice("4", _l("fourth")),
            SelectChoice("-1", _l("last")),
        ]
        self.rule_weekday.choices = [
            SelectChoice(str(number), name)
            for number, name in enumerate(
                (
                    _l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"),
                    _l("Friday"), _l("Saturday"), _l("Sunday"),
                )
            )
        ]  # fmt: skip
        self.chosen_counties: list[str] = []

    def validate_basis(self, field):
        if field.data not in BASES:
            raise ValidationError(_l("Choose what the events are made for."))

    def validate_counties(self, field):
        if self.basis.data != "counties":
            return
        ticked = [code for code in field.data or [] if code in BY_CODE and code != OUTSIDE]
        typed, unknown = self.typed_counties()
        self.chosen_counties = list(dict.fromkeys(ticked + typed))
        if not self.chosen_counties and not unknown:
            raise ValidationError(_l("Choose at least one county."))
        self._check_count(field, len(self.chosen_counties))

    def validate_counties_typed(self, field):
        unknown = self.typed_counties()[1]
        if self.basis.data == "counties" and unknown:
            raise ValidationError(_l("Unknown counties: %(names)s.", names=", ".join(unknown)))

    def typed_counties(self) -> tuple[list[str], list[str]]:
        """The counties typed in the box, and what was typed that names none."""
        codes, unknown = [], []
        for typed in _SEPARATORS.split(self.counties_typed.data or ""):
            if typed.strip():
                code = county_code(typed)
                codes.append(code) if code else unknown.append(typed.strip())
        return codes, unknown

    def validate_teams(self, field):
        if self.basis.data == "teams":
            if not self.team_names():
                raise ValidationError(_l("Enter at least one team."))
            self._check_count(field, len(self.team_names()))

    def validate_first_day(self, field):
        if field.data and field.data < local_date(utcnow()):
            raise ValidationError(_l("This day has passed. Choose a day to come."))
        if field.data and field.data > years_ahead(utcnow(), FARTHEST_YEARS):
            raise ValidationError(_l("At most %(years)d years ahead.", years=FARTHEST_YEARS))

    def validate_spacing(self, field):
        if field.data not in set(Spacing):
            raise ValidationError(_l("Choose how the dates follow each other."))

    def validate_rule_first_month(self, field):
        if self.first_month() is None:
            raise ValidationError(
                _l(
                    "Enter a month from this one to %(years)d years ahead as year-month, "
                    "e.g. 2027-01.",
                    years=FARTHEST_YEARS,
                )
            )

    def _check_count(self, field, count):
        if count > MAX_ROWS:
            raise ValidationError(_l("At most %(max)d events at once.", max=MAX_ROWS))

    def team_names(self) -> list[str]:
        names = (clean_line(line) for line in (self.teams.data or "").splitlines())
        return list(dict.fromkeys(name[:120] for name in names if name))

    def first_month(self) -> date | None:
        """The month typed (year-month), from this month to FARTHEST_YEARS ahead."""
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", self.rule_first_month.data or "")
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
            return None
        month = date(int(match.group(1)), int(match.group(2)), 1)
        now = utcnow()
        return (
            month
            if local_date(now).replace(day=1) <= month <= years_ahead(now, FARTHEST_YEARS)
            else None
        )

    def choice(self) -> SeriesChoice:
        if self.basis.data == "rule":
            rule = MonthlyRule(
                ordinal=int(self.rule_ordinal.data),
                weekday=int(self.rule_weekday.data),
                first_month=self.first_month(),
                times=self.rule_times.data,
            )
            return SeriesChoice(rule=rule)
        return SeriesChoice(
            counties=tuple(self.chosen_counties) if self.basis.data == "counties" else (),
            teams=tuple(self.team_names()) if self.basis.data == "teams" else (),
            first_day=self.first_day.data,
            spacing=Spacing(self.spacing.data),
        )


class RowForm(Form):
    """One row of the table: one event. Only the values' shapes are checked here; the
    rules (a day to come, the end after the start) are `series.validate_rows`."""

    title = StringField(_l("Title"), filters=[clean_line])
    day = DateField(_l("Date"), validators=[Optional()])
    starts = TimeField(_l("Starts at"), validators=[Optional()])
    ends = TimeField(_l("Ends at"), validators=[Optional()])
    venue_name = StringField(_l("Venue"), filters=[clean_line])
    venue_address = StringField(_l("Address"), filters=[clean_line])
    capacity = IntegerField(_l("Seats"), validators=[Optional()])
    contact_email = StringField(_l("Contact address"), filters=[clean_line])
    county = SelectField(_l("County"), validate_choice=False)


class SeriesTableForm(FlaskForm):
    """Step 2: one row per event, carried between the table and the preview."""

    rows = FieldList(FormField(RowForm), max_entries=MAX_ROWS)
    programme_id = programme_field(
        description=_l(
            "The series and each of its events belong to it (as the template, at first)."
        )
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(code, name) for code, name in county_choices()]
        for row in self.rows:
            row.county.choices = choices

    def too_many_rows(self, formdata) -> bool:
        """More rows sent than the table takes (the list keeps only MAX_ROWS of them:
        refused rather than cut without a word)."""
        sent = {key.split("-")[1] for key in formdata if key.startswith("rows-")}
        return len(sent) > MAX_ROWS

    def series_rows(self) -> list[SeriesRow]:
        return [
            SeriesRow(
                title=row.title.data or "",
                day=row.day.data,
                starts=row.starts.data,
                ends=row.ends.data,
                venue_name=row.venue_name.data or "",
                venue_address=row.venue_address.data or "",
                capacity=row.capacity.data,
                contact_email=row.contact_email.data or "",
                county=row.county.data or "",
            )
            for row in self.rows
        ]

    def shape_errors(self) -> dict[int, dict[str, str]]:
        """Cells whose value could not be read (a date that is no date)."""
        found = {}
        for index, row in enumerate(self.rows):
            cells = {name: str(cell.errors[0]) for name, cell in row.form._fields.items()
                     if cell.errors}  # fmt: skip
            if cells:
                found[index] = cells
        return found


class CommonChangeForm(FlaskForm):
    """A change for every event of a series: the description, the registration settings."""

    change_description = BooleanField(_l("Change the description"))
    description = TextAreaField(
        _l("Description"), filters=[clean_text], validators=[Optional(), Length(max=5000)]
    )
    change_registration = BooleanField(_l("Change the registration settings"))
    mode = SelectField(_l("Registration mode"))
    waitlist_enabled = BooleanField(_l("Waiting list when full"))
    opens_days = IntegerField(
        _l("Registration opens this many days before the start (optional)"),
        description=_l("Empty: as soon as the event is published."),
        validators=[Optional(), NumberRange(min=1, max=365, message=_l("From 1 to 365."))],
    )
    closes_hours = IntegerField(
        _l("Registration closes this many hours before the start (optional)"),
        description=_l("Empty: when the event starts."),
        validators=[Optional(), NumberRange(min=0, max=2000, message=_l("From 0 to 2000."))],
    )
    note = TextAreaField(
        _l("Note for the registrants of the published events (optional)"),
        description=_l("Sent once to each person registered for an event that takes the change."),
        filters=[clean_text],
        validators=[Optional(), Length(max=2000)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = [
            SelectChoice(RegistrationMode.OPEN.value, _l("Open: first come, first served")),
            SelectChoice(
                RegistrationMode.APPROVAL.value, _l("Approval: I accept each application")
            ),
        ]

    def fill_from(self, event) -> None:
        self.description.data = event.description
        self.mode.data, self.waitlist_enabled.data = event.mode.value, event.waitlist_enabled
        if event.registration_opens_at:
            self.opens_days.data = round((event.starts_at - event.registration_opens_at).days)
        if event.registration_closes_at:
            closes = event.starts_at - event.registration_closes_at
            self.closes_hours.data = round(closes.total_seconds() / 3600)

    def validate_change_registration(self, field):
        if not field.data and not self.change_description.data:
            raise ValidationError(_l("Tick what to change: the description, the registration."))

    def validate_closes_hours(self, field):
        if (
            self.change_registration.data
            and field.data is not None
            and self.opens_days.data
            and field.data >= self.opens_days.data * 24
        ):
            raise ValidationError(_l("Registration must close after it opens."))

    def change(self) -> CommonChange:
        registration = None
        if self.change_registration.data:
            registration = RegistrationSettings(
                mode=RegistrationMode(self.mode.data),
                waitlist_enabled=bool(self.waitlist_enabled.data),
                opens_before=timedelta(days=self.opens_days.data) if self.opens_days.data else None,
                closes_before=(
                    timedelta(hours=self.closes_hours.data)
                    if self.closes_hours.data is not None
                    else None
                ),
            )
        return CommonChange(
            description=(self.description.data or "") if self.change_description.data else None,
            registration=registration,
        )

"""Flask-WTF forms of the public pages and the login page.

Text fields are stripped of surrounding spaces and of control characters
(which PostgreSQL refuses, and which break email headers and calendar files).
"""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from events.counties import county_choices
from events.forms.fields import (
    MailboxAddress,
    PersonalName,
    clean_line,
    clean_name,
    clean_text,
    required,
)
from events.models import OrganizationType

LANGUAGES = [SelectChoice("pl", "polski"), SelectChoice("en", "English")]


class RegistrationForm(FlaskForm):
    first_name = StringField(
        _l("First name"),
        filters=[clean_name],
        validators=[
            required(_l("Enter your first name.")),
            PersonalName(
                _l(
                    "Enter your first name in letters (at most 60): spaces, hyphens "
                    "and apostrophes may join them; no digits, links or other signs."
                )
            ),
        ],
    )
    last_name = StringField(
        _l("Last name"),
        filters=[clean_name],
        validators=[
            required(_l("Enter your last name.")),
            PersonalName(
                _l(
                    "Enter your last name in letters (at most 60): spaces, hyphens "
                    "and apostrophes may join them; no digits, links or other signs."
                )
            ),
        ],
    )
    email = EmailField(
        _l("Email address"),
        description=_l("We will send the confirmation and your ticket to this address."),
        filters=[clean_line],
        validators=[
            required(_l("Enter your email address.")),
            Length(max=254, message=_l("The email address is too long.")),
            MailboxAddress(),
        ],
    )
    phone = StringField(
        _l("Phone (optional)"),
        description=_l("Only for urgent changes to the event, e.g. +48 600 100 200."),
        filters=[clean_line],
        validators=[
            Optional(),
            Length(max=40, message=_l("The phone number is too long.")),
            Regexp(
                r"^\+?[0-9 ()-]{6,}$",
                message=_l("Enter a phone number of digits, e.g. +48 600 100 200."),
            ),
        ],
    )
    organization = StringField(
        _l("Organization"),
        description=_l("The organization, institution or group you represent."),
        filters=[clean_line],
        validators=[
            required(_l("Enter the name of your organization.")),
            Length(max=200, message=_l("The name can have at most 200 characters.")),
        ],
    )
    organization_type = SelectField(
        _l("Type of organization"),
        choices=[],
        validators=[InputRequired(message=_l("Choose the type of your organization."))],
    )
    county = SelectField(
        _l("County (powiat)"),
        description=_l("Where your organization works."),
        choices=[],
        validators=[InputRequired(message=_l("Choose your county."))],
    )
    dr_member = RadioField(
        _l("Is your organization a member of the Działamy Razem network?"),
        choices=[],
        validators=[InputRequired(message=_l("Answer whether you are a network member."))],
    )
    needs = TextAreaField(
        _l("Accessibility or dietary needs (optional)"),
        description=_l("E.g. step-free access, sign language interpreter, vegetarian meal."),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=1000, message=_l("Please keep this under 1000 characters.")),
        ],
    )
    language = SelectField(
        _l("Language of messages"),
        choices=LANGUAGES,
        default="pl",
        validators=[InputRequired(message=_l("Choose a language."))],
    )
    data_consent = BooleanField(
        validators=[
            DataRequired(message=_l("Consent to the processing of personal data is required."))
        ],
    )
    image_consent = BooleanField()
    needs_consent = BooleanField()

    def validate_needs_consent(self, field):
        """Needs may concern health (GDPR art. 9): kept only with an explicit consent."""
        if self.needs.data and not field.data:
            raise ValidationError(
                _l(
                    "To tell us about your needs, tick the consent for this information, "
                    "or leave the needs field empty."
                )
            )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        empty = [SelectChoice("", _l("– choose –"))]
        self.organization_type.choices = empty + [
            SelectChoice(kind.value, kind.label) for kind in OrganizationType
        ]
        self.county.choices = empty + [SelectChoice(code, name) for code, name in county_choices()]
        self.dr_member.choices = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


class LostLinkForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        description=_l("The address you registered with."),
        filters=[clean_line],
        validators=[
            required(_l("Enter your email address.")),
            Length(max=254, message=_l("The email address is too long.")),
            MailboxAddress(),
        ],
    )


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token, for confirmation steps."""


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        filters=[clean_line],
        validators=[
            required(_l("Enter your email address.")),
            Length(max=254, message=_l("The email address is too long.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            required(_l("Enter your password.")),
            Length(max=200, message=_l("The password is too long.")),
        ],
    )


LINK_HOURS = [4, 12, 24, 72]


class CheckInLinkForm(FlaskForm):
    label = StringField(
        _l("Who is it for?"),
        description=_l("E.g. the volunteer's name or the entrance, to recognise the link later."),
        filters=[clean_line],
        validators=[
            required(_l("Say who the link is for.")),
            Length(max=100, message=_l("Please keep this under 100 characters.")),
        ],
    )
    hours = SelectField(
        _l("Valid for"),
        coerce=int,
        default=12,
        validators=[InputRequired(message=_l("Choose how long the link works."))],
    )
    may_add_walk_ins = BooleanField(_l("The volunteer may add people who came without registering"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hours.choices = [
            SelectChoice(hours, lazy_ngettext("%(num)d hour", "%(num)d hours", hours))
            for hours in LINK_HOURS
        ]

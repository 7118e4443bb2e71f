"""Flask-WTF forms of the public pages and the login page.

Text fields are stripped of surrounding spaces and of control characters
(which PostgreSQL refuses, and which break email headers and calendar files).
"""

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
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
from events.models import OrganizationType

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def clean_line(value):
    """One line of text: no control characters, no line breaks, no outer spaces."""
    if not isinstance(value, str):
        return value
    return _LINE_BREAKS.sub(" ", _CONTROL.sub("", value)).strip()


def clean_text(value):
    """Several lines of text: line breaks kept, other control characters removed."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value).replace("\r\n", "\n").strip()


class MailboxAddress:
    """An address our mail can reach: valid syntax, and no letters like "ł" before the @.

    Few mail servers accept such addresses (SMTPUTF8), and a message that
    cannot be delivered is a registration the person never hears about.
    """

    def __call__(self, form, field):
        try:
            validate_email(field.data, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError as error:
            if not field.data.split("@")[0].isascii():
                raise ValidationError(
                    _l(
                        "Addresses with letters such as ł or ą before the @ cannot receive our "
                        "messages. Please use another address."
                    )
                ) from error
            raise ValidationError(_l("Enter an email address like name@example.pl.")) from error


# A name as emails greet people with it: words of letters (any alphabet, Polish
# included), each may hold an apostrophe (O'Brien, D’Angelo) and end with a dot
# (an initial), joined by spaces or hyphens (Anna Maria, Nowak-Kowalska). No digits,
# no "@", ":", "/", so no address or link, and at most 4 words in 60 characters.
MAX_NAME_LENGTH = 60
_NAME_WORD = r"[^\W\d_]+(?:['’][^\W\d_]+)*\.?"
_NAME = re.compile(rf"{_NAME_WORD}(?:(?: | ?- ?){_NAME_WORD}){{0,3}}")


def clean_name(value):
    """One line, in composed Unicode (so that "ą" typed as "a" and a mark counts as a letter)."""
    value = clean_line(value)
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class PersonalName:
    """A first or last name: letters, spaces, hyphens, apostrophes, a dot after an initial."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data and (
            len(field.data) > MAX_NAME_LENGTH or _NAME.fullmatch(field.data) is None
        ):
            raise ValidationError(self.message)


LANGUAGES = [SelectChoice("pl", "polski"), SelectChoice("en", "English")]


def _required(message):
    return DataRequired(message=message)


class RegistrationForm(FlaskForm):
    first_name = StringField(
        _l("First name"),
        filters=[clean_name],
        validators=[
            _required(_l("Enter your first name.")),
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
            _required(_l("Enter your last name.")),
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
            _required(_l("Enter your email address.")),
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
            _required(_l("Enter the name of your organization.")),
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
            _required(_l("Enter your email address.")),
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
            _required(_l("Enter your email address.")),
            Length(max=254, message=_l("The email address is too long.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            _required(_l("Enter your password.")),
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
            _required(_l("Say who the link is for.")),
            Length(max=100, message=_l("Please keep this under 100 characters.")),
        ],
    )
    hours = SelectField(
        _l("Valid for"),
        coerce=int,
        default=12,
        validators=[InputRequired(message=_l("Choose how long the link works."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hours.choices = [
            SelectChoice(hours, lazy_ngettext("%(num)d hour", "%(num)d hours", hours))
            for hours in LINK_HOURS
        ]

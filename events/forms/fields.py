"""Filters and validators shared by the forms of every area.

Text fields are stripped of surrounding spaces and of control characters
(which PostgreSQL refuses, and which break email headers and calendar files).
"""

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

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


def required(message):
    """A field that must be filled in, with its own message."""
    return DataRequired(message=message)


class ChosenFromList:
    """A select's value must be one of its choices (one deleted meanwhile, or a value
    typed into the request, gets `message` next to the field)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        values = {
            str(choice.value if isinstance(choice, SelectChoice) else choice[0])
            for choice in field.choices or ()
        }
        if field.data and field.data not in values:
            raise ValidationError(self.message)


def programme_field(label=None, description=None) -> SelectField:
    """An optional select of the partnership programmes, for any form whose thing may
    belong to one (an event, a questionnaire, a series). The view fills its choices
    with `set_programme_choices(form.<field>, programme_choices())`
    (events.services.programmes); its value is read with `chosen_id`."""
    return SelectField(
        label or _l("Programme"),
        description=description,
        validate_choice=False,
        validators=[ChosenFromList(_l("Choose a programme from the list."))],
    )


def set_programme_choices(field: SelectField, choices, empty=None) -> None:
    """(id, name) pairs as the select's options, after an empty one (`empty`, default
    "No programme")."""
    options = [(str(programme_id), name) for programme_id, name in choices]
    field.choices = [("", empty or _l("No programme"))] + options


def chosen_id(field: SelectField) -> int | None:
    """The id chosen in a select of ids (its value a string of digits); None for none."""
    value = field.data
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (templates/macros/forms.html `choices_field`);
    whether the values are allowed is the service's to say."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)

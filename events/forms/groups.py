"""Forms of group registration: the coordinator, the capacity choice and the people."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from events.counties import county_choices
from events.forms.fields import MailboxAddress, PersonalName, clean_line, clean_name, required
from events.models import GroupMode, OrganizationType

START_WITH = 2  # people shown on an empty form; "Add a person" adds rows up to the maximum

NAME_RULE = _l(
    "Enter the name in letters (at most 60): spaces, hyphens and apostrophes may join "
    "them; no digits, links or other signs."
)


class MemberForm(Form):
    """One person of the group (inside GroupForm, which holds the CSRF token)."""

    first_name = StringField(
        _l("First name"),
        filters=[clean_name],
        validators=[required(_l("Enter the first name.")), PersonalName(NAME_RULE)],
    )
    last_name = StringField(
        _l("Last name"),
        filters=[clean_name],
        validators=[required(_l("Enter the last name.")), PersonalName(NAME_RULE)],
    )
    email = EmailField(
        _l("Email address (optional)"),
        description=_l("Their confirmation and ticket go here; without an address, to you."),
        filters=[clean_line],
        validators=[
            Optional(),
            Length(max=254, message=_l("The email address is too long.")),
            MailboxAddress(),
        ],
    )
    organization = StringField(
        _l("Organization"),
        filters=[clean_line],
        validators=[
            required(_l("Enter the organization.")),
            Length(max=200, message=_l("The name can have at most 200 characters.")),
        ],
    )
    organization_type = SelectField(
        _l("Type of organization"),
        choices=[],
        validators=[InputRequired(message=_l("Choose the type of the organization."))],
    )
    county = SelectField(
        _l("County (powiat)"),
        choices=[],
        validators=[InputRequired(message=_l("Choose the county."))],
    )
    dr_member = BooleanField(_l("The organization is a member of the Działamy Razem network"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        empty = [SelectChoice("", _l("– choose –"))]
        self.organization_type.choices = empty + [
            SelectChoice(kind.value, kind.label) for kind in OrganizationType
        ]
        self.county.choices = empty + [SelectChoice(code, name) for code, name in county_choices()]


class GroupForm(FlaskForm):
    coordinator_name = StringField(
        _l("Your name"),
        filters=[clean_line],
        validators=[
            required(_l("Enter your name.")),
            Length(max=120, message=_l("Please keep this under 120 characters.")),
        ],
    )
    coordinator_email = EmailField(
        _l("Your email address"),
        description=_l(
            "The link to the group's page and the tickets of people without an address come here."
        ),
        filters=[clean_line],
        validators=[
            required(_l("Enter your email address.")),
            Length(max=254, message=_l("The email address is too long.")),
            MailboxAddress(),
        ],
    )
    coordinator_organization = StringField(
        _l("Your organization"),
        filters=[clean_line],
        validators=[
            required(_l("Enter the name of your organization.")),
            Length(max=200, message=_l("The name can have at most 200 characters.")),
        ],
    )
    mode = RadioField(
        _l("If there are not enough seats for everyone"),
        choices=[],
        validators=[InputRequired(message=_l("Choose what happens if not everyone has a seat."))],
    )
    members = FieldList(FormField(MemberForm), min_entries=START_WITH, max_entries=20)
    consent = BooleanField(
        validators=[
            DataRequired(
                message=_l(
                    "Confirm that every person agreed, so that you give the consent on their "
                    "behalf."
                )
            )
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = [
            SelectChoice(
                GroupMode.TOGETHER.value,
                _l(
                    "Only together: everyone gets a seat, or the whole group goes to the "
                    "waiting list"
                ),
            ),
            SelectChoice(
                GroupMode.WAITLIST_REST.value,
                _l(
                    "As many as fit: people get the free seats in the order of this form, "
                    "the others go to the waiting list"
                ),
            ),
        ]


class AddMemberForm(FlaskForm):
    """The coordinator adds one person to the group."""

    member = FormField(MemberForm)

"""The forms of the organizer area's accounts: a new account, and an account's role,
state and events at the door. Who may give which role in which organization is
checked by events.services.organizations.members, every problem at once."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from events.forms.fields import CheckboxesField, ChosenFromList, chosen_id, clean_line
from events.models import Role
from events.services.organizations.members import AccountChange, NewAccount

ROLES_HINT = _l(
    "A coordinator manages the whole network (only in the lead organization); an "
    "organizer manages their organization's events; door staff check people in at the "
    "events they are sent to."
)


def _role_field() -> RadioField:
    return RadioField(
        _l("Role"),
        description=ROLES_HINT,
        validate_choice=False,
        validators=[ChosenFromList(_l("Choose a role."))],
    )


def _roles(roles) -> list[SelectChoice]:
    return [SelectChoice(role.value, role.label) for role in roles]


class NewAccountForm(FlaskForm):
    email = EmailField(_l("Email address"), filters=[clean_line])
    organization_id = SelectField(_l("Organization"), validate_choice=False)
    role = _role_field()
    password = PasswordField(
        _l("First password"),
        description=_l(
            "At least 12 characters, e.g. a few unrelated words. Give it to the person "
            "yourself (not in the same email as the address); they log in with it."
        ),
    )

    def __init__(self, *args, organizations=(), roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = [SelectChoice(str(o.id), o.name) for o in organizations]
        self.role.choices = _roles(roles)

    def account_data(self) -> NewAccount:
        return NewAccount(
            email=self.email.data or "",
            password=self.password.data or "",
            role=Role(self.role.data),
            organization_id=chosen_id(self.organization_id),
        )


class AccountForm(FlaskForm):
    role = _role_field()
    active = BooleanField(_l("Active: the person may log in"))
    events = CheckboxesField(_l("Events where they check people in"), coerce=int)

    def __init__(self, *args, roles=(), events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _roles(roles)
        self.events.choices = [SelectChoice(event.id, event.title) for event in events]

    def fill_from(self, account) -> None:
        self.role.data, self.active.data = account.role.value, account.active
        self.events.data = [event.id for event in account.events]

    def account_change(self, staff: bool) -> AccountChange:
        """`staff`: the events were on the form (an account of door staff)."""
        return AccountChange(
            role=Role(self.role.data),
            active=self.active.data,
            event_ids=list(self.events.data or []) if staff else None,
        )

"""The organizer's form of a new personal API token: a name, an expiry day, scopes."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length

from events.forms.fields import CheckboxesField, clean_line, required
from events.models import TokenScope

SCOPE_LABELS = {
    TokenScope.READ: _l("Read: events, registrations, reports, participant lists"),
    TokenScope.WRITE: _l("Change: create and edit events, register and cancel people"),
    TokenScope.CHECKIN: _l("Check-in: scan tickets and check people in at the door"),
}


class ApiTokenForm(FlaskForm):
    name = StringField(
        lazy_pgettext("the name of a thing", "Name"),
        description=_l("What the token is for, e.g. “the county's website”."),
        filters=[clean_line],
        validators=[required(_l("Give the token a name.")), Length(max=80)],
    )
    expires_on = DateField(
        _l("Valid until"),
        description=_l("A year at most. The token stops working at the end of this day."),
        validators=[InputRequired(_l("Enter the date."))],
    )
    scopes = CheckboxesField(
        _l("What the token may do"),
        choices=[(scope.value, label) for scope, label in SCOPE_LABELS.items()],
    )

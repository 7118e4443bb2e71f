"""The organizer's form of a new webhook: its address, a description, what it hears of
and whether its payloads name people. Whether the address and kinds are acceptable is
checked by events.services.webhooks, every problem at once."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from events.forms.fields import CheckboxesField, clean_line
from events.models import WebhookKind


class WebhookForm(FlaskForm):
    url = StringField(
        _l("Address (URL)"),
        description=_l("Where each message is sent (POST, JSON): http:// or https://."),
        filters=[clean_line],
    )
    description = StringField(
        _l("Description (optional)"),
        description=_l("For you to tell your webhooks apart, e.g. the tool that receives them."),
        filters=[clean_line],
        validators=[Optional(), Length(max=200)],
    )
    kinds = CheckboxesField(_l("What it hears of"))
    personal_data = BooleanField(
        _l("Include the person's name, email address and organization"),
        description=_l(
            "Without it, messages carry only ids, statuses, the event's address and title, "
            "and counts. With it, also the person's name, email address and organization: "
            "only of the events whose people you may see here."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds.choices = [SelectChoice(kind.value, kind.label) for kind in WebhookKind]

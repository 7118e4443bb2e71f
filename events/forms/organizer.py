"""Forms of the organizer area: events, a registration taken by phone, a message."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional, ValidationError

from events.counties import county_choices
from events.forms.fields import MailboxAddress, clean_line, clean_text, required
from events.forms.public import RegistrationForm
from events.models import EventKind, RegistrationMode
from events.services.broadcast import Audience
from events.services.courses.sessions import SessionData
from events.services.event_admin import EventData, Overflow
from events.timezone import from_local, to_local

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _when(label, required=True, description=None):
    validators = [InputRequired(message=_l("Enter a date and time."))] if required else [Optional()]
    return DateTimeLocalField(
        label, format=LOCAL_FORMAT, description=description, validators=validators
    )


class EventForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[clean_line],
        validators=[required(_l("Enter a title.")), Length(max=200)],
    )
    kind = SelectField(_l("Type"), validators=[InputRequired()])
    description = TextAreaField(
        _l("Description"), filters=[clean_text], validators=[Optional(), Length(max=5000)]
    )
    starts_at = _when(_l("Starts"), description=_l("Polish time."))
    ends_at = _when(_l("Ends"))
    venue_name = StringField(
        _l("Venue"),
        filters=[clean_line],
        validators=[required(_l("Enter the venue.")), Length(max=200)],
    )
    venue_address = StringField(
        _l("Address"), filters=[clean_line], validators=[Optional(), Length(max=300)]
    )
    county = SelectField(_l("County"), validators=[InputRequired()])
    online_url = URLField(
        _l("Online link (optional)"),
        filters=[clean_line],
        validators=[
            Optional(),
            Length(max=500),
            URL(message=_l("Enter a full address, https://...")),
        ],
    )
    capacity = IntegerField(
        _l("Seats"),
        description=_l("Leave empty for no limit."),
        validators=[Optional(), NumberRange(min=1, max=100000, message=_l("At least 1 seat."))],
    )
    registration_opens_at = _when(_l("Registration opens (optional)"), required=False)
    registration_closes_at = _when(
        _l("Registration closes (optional)"),
        required=False,
        description=_l("At the latest when the event starts."),
    )
    mode = SelectField(_l("Registration mode"), validators=[InputRequired()])
    waitlist_enabled = BooleanField(_l("Waiting list when full"), default=True)
    overflow = RadioField(
        _l("If fewer seats than confirmed people"),
        choices=[],
        validators=[Optional()],
    )
    contact_email = EmailField(
        _l("Contact address for registrants (optional)"),
        description=_l(
            "Replies to this event's emails go here, and the emails name it. "
            "Empty: the network's address, if one is set."
        ),
        filters=[clean_line],
        validators=[
            Optional(),
            Length(max=254),
            MailboxAddress(),
        ],
    )
    change_note = TextAreaField(
        _l("Note for registrants about a change of time or place (optional)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=2000)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in EventKind]
        self.county.choices = [SelectChoice(code, name) for code, name in county_choices()]
        self.mode.choices = [
            SelectChoice(RegistrationMode.OPEN.value, _l("Open: first come, first served")),
            SelectChoice(
                RegistrationMode.APPROVAL.value, _l("Approval: I accept each application")
            ),
        ]
        self.overflow.choices = [
            SelectChoice(Overflow.WAITLIST.value, _l("Move them to the waiting list")),
            SelectChoice(Overflow.CANCEL.value, _l("Cancel their registrations")),
        ]

    def fill_from(self, event) -> None:
        for name in (
            "title", "description", "venue_name", "venue_address", "online_url", "contact_email",
        ):  # fmt: skip
            getattr(self, name).data = getattr(event, name)
        self.kind.data, self.county.data, self.mode.data = (
            event.kind.value,
            event.county,
            event.mode.value,
        )
        self.capacity.data, self.waitlist_enabled.data = event.capacity, event.waitlist_enabled
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            getattr(self, name).data = to_local(getattr(event, name))

    def event_data(self) -> EventData:
        return EventData(
            title=self.title.data,
            kind=EventKind(self.kind.data),
            description=self.description.data or "",
            starts_at=from_local(self.starts_at.data),
            ends_at=from_local(self.ends_at.data),
            venue_name=self.venue_name.data,
            venue_address=self.venue_address.data or "",
            county=self.county.data,
            online_url=self.online_url.data or None,
            capacity=self.capacity.data,
            registration_opens_at=from_local(self.registration_opens_at.data),
            registration_closes_at=from_local(self.registration_closes_at.data),
            mode=RegistrationMode(self.mode.data),
            waitlist_enabled=self.waitlist_enabled.data,
            contact_email=(self.contact_email.data or "").lower() or None,
        )


class PhoneRegistrationForm(RegistrationForm):
    """The registration form as an organizer fills it in during a phone call."""

    notify = BooleanField(_l("Email the person a confirmation"), default=True)


class MessageForm(FlaskForm):
    audience = RadioField(_l("To"), choices=[], default=Audience.CONFIRMED.value)
    subject = StringField(
        _l("Subject"),
        filters=[clean_line],
        validators=[required(_l("Enter a subject.")), Length(max=150)],
    )
    body = TextAreaField(
        _l("Message"),
        description=_l(
            "Each email begins with a greeting in the registrant's language and ends "
            "with the event's details: start with what you have to say."
        ),
        filters=[clean_text],
        validators=[required(_l("Write the message.")), Length(max=5000)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.audience.choices = [
            SelectChoice(Audience.CONFIRMED.value, _l("People with a confirmed seat")),
            SelectChoice(Audience.ACTIVE.value, _l("Everyone registered, waiting list included")),
        ]


class SessionForm(FlaskForm):
    """A session of a course: when, where, and a note for registrants about a change."""

    title = StringField(
        _l("Name of the session (optional)"),
        description=_l("For example: Module 1. Empty: the date alone."),
        filters=[clean_line],
        validators=[Optional(), Length(max=200)],
    )
    starts_at = _when(_l("Starts"), description=_l("Polish time."))
    ends_at = _when(_l("Ends"))
    venue_name = StringField(
        _l("Venue (optional)"),
        description=_l("Empty: the course's venue."),
        filters=[clean_line],
        validators=[Optional(), Length(max=200)],
    )
    venue_address = StringField(
        _l("Address"), filters=[clean_line], validators=[Optional(), Length(max=300)]
    )
    change_note = TextAreaField(
        _l("Note for registrants about a change of time or place (optional)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=2000)],
    )

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def fill_from(self, session) -> None:
        self.title.data = session.title
        self.venue_name.data, self.venue_address.data = session.venue_name, session.venue_address
        self.starts_at.data, self.ends_at.data = (
            to_local(session.starts_at),
            to_local(session.ends_at),
        )

    def session_data(self) -> SessionData:
        return SessionData(
            starts_at=from_local(self.starts_at.data),
            ends_at=from_local(self.ends_at.data),
            venue_name=self.venue_name.data or "",
            venue_address=self.venue_address.data or "",
            title=self.title.data or "",
        )


class CertificateRuleForm(FlaskForm):
    certificate_min_percent = IntegerField(
        _l("Certificates: minimum share of the hours attended, in percent"),
        description=_l("Empty: no certificates. For a single event, any value means: checked in."),
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message=_l("Enter a whole number from 1 to 100.")),
        ],
    )


class InvitationSettingsForm(FlaskForm):
    invitation_only = BooleanField(
        _l("By invitation only: only people with an invitation's personal link can register")
    )
    invitee_seats = IntegerField(
        _l("Seats kept for invited people (optional)"),
        description=_l("Others see them as taken until the date below."),
        validators=[
            Optional(),
            NumberRange(min=1, max=100000, message=_l("At least 1 seat.")),
        ],
    )
    invitee_seats_until = _when(
        _l("Kept until (optional)"),
        required=False,
        description=_l("Polish time. Then the seats are anyone's: the waiting list moves up."),
    )

    def validate_invitee_seats_until(self, field):
        if self.invitee_seats.data and not field.data:
            raise ValidationError(_l("Enter until when the seats are kept."))

"""Forms of the organizer area: events, a registration taken by phone, a message."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional, ValidationError

from events.counties import county_choices
from events.forms.fields import (
    CheckboxesField,
    MailboxAddress,
    chosen_id,
    clean_line,
    clean_text,
    programme_field,
    required,
    set_programme_choices,
)
from events.forms.public import RegistrationForm
from events.models import CHECKIN_MOST_MINUTES, EventKind, RegistrationMode, utcnow
from events.services.broadcast import Audience
from events.services.checkin.corrections import REASON_MAX
from events.services.copies import FARTHEST_YEARS, CopyPlan
from events.services.courses.sessions import SessionData
from events.services.event_admin import EventData, Overflow
from events.services.organizations.running import Organizers
from events.timezone import from_local, local_date, to_local, years_ahead

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
    programme_id = programme_field(
        description=_l("The partnership programme the event is part of, if any.")
    )
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
    group_max = IntegerField(
        _l("Group registration: the largest group (optional)"),
        description=_l(
            "A coordinator may register up to this many people in one form, from 2 to 20. "
            "Empty: no group registration."
        ),
        validators=[
            Optional(),
            NumberRange(
                min=2, max=20, message=_l("Enter a number from 2 to 20, or leave it empty.")
            ),
        ],
    )
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
    organization_id = SelectField(
        _l("Organization running the event"),
        description=_l("Its organizers manage the event and see its people."),
        validators=[Optional()],  # not sent: the event's own, or the organizer's
    )
    coorganizers = CheckboxesField(
        _l("Co-organizers"),
        description=_l("Their organizers manage the event too and see its people."),
    )

    def __init__(
        self, *args, programmes=(), organizations=(), choose_organization=False,
        choose_coorganizers=False, **kwargs,
    ):  # fmt: skip
        """`programmes`, `organizations`: (id, name) pairs of the selects. Who runs the
        event is asked only of whom may choose it: a coordinator chooses the
        organization, the event's own organization its co-organizers."""
        super().__init__(*args, **kwargs)
        set_programme_choices(self.programme_id, programmes)
        choices = [SelectChoice(str(key), name) for key, name in organizations]
        if choose_organization:
            self.organization_id.choices = choices
        else:
            del self.organization_id
        if choose_coorganizers:
            self.coorganizers.choices = choices
        else:
            del self.coorganizers
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
        self.programme_id.data = str(event.programme_id or "")
        self.group_max.data = event.group_max
        if "organization_id" in self:
            self.organization_id.data = str(event.organization_id)
        if "coorganizers" in self:
            self.coorganizers.data = [str(partner.id) for partner in event.coorganizers]
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
            programme_id=chosen_id(self.programme_id),
            group_max=self.group_max.data,
        )

    def organizers(self, organization_id: int, coorganizer_ids: tuple[int, ...]) -> Organizers:
        """Who runs the event: as chosen on the form, else as given (the event's own, or
        the organizer's organization for a new one). A value that is no id is kept as
        -1, which the service names as not on the list."""
        if "organization_id" in self and self.organization_id.data:
            organization_id = _id(self.organization_id.data)
        if "coorganizers" in self:
            coorganizer_ids = tuple(_id(value) for value in self.coorganizers.data or ())
        return Organizers(organization_id, coorganizer_ids)


def _id(value) -> int:
    return int(value) if str(value).isdigit() else -1


class CopyForm(FlaskForm):
    """A copy asks first for its day, hours, county and venue: none is the original's."""

    title = StringField(
        _l("Title"),
        filters=[clean_line],
        validators=[required(_l("Enter a title.")), Length(max=200)],
    )
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    starts = TimeField(_l("Starts at"), description=_l("Polish time."))
    ends = TimeField(_l("Ends at"))
    county = SelectField(_l("County"), validators=[InputRequired(_l("Choose the county."))])
    venue_name = StringField(
        _l("Venue"),
        filters=[clean_line],
        validators=[required(_l("Enter the venue.")), Length(max=200)],
    )
    venue_address = StringField(
        _l("Address"), filters=[clean_line], validators=[Optional(), Length(max=300)]
    )
    # Shown when the title still names the original's county: the organizer confirms.
    keep_title = BooleanField(_l("Keep this title"))

    def __init__(self, event, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_course = bool(event.sessions)
        self.county.choices = [SelectChoice("", _l("Choose the county"))] + [
            SelectChoice(code, name) for code, name in county_choices()
        ]
        hours = [] if self.is_course else [InputRequired(_l("Enter the time."))]
        self.starts.validators = self.ends.validators = hours
        if self.is_course:
            self.day.label.text = _l("Date of the first session")
            self.day.description = _l("The other sessions keep their distance from it.")

    def fill_from(self, event) -> None:
        """The title and hours of the original; the day, county and venue are left empty."""
        self.title.data = event.title
        self.starts.data, self.ends.data = (
            to_local(event.starts_at).time(),
            to_local(event.ends_at).time(),
        )

    def validate_day(self, field):
        if field.data and field.data < local_date(utcnow()):
            raise ValidationError(_l("This day has passed. Choose a day to come."))
        if field.data and field.data > years_ahead(utcnow(), FARTHEST_YEARS):
            raise ValidationError(_l("At most %(years)d years ahead.", years=FARTHEST_YEARS))

    def plan(self) -> CopyPlan:
        return CopyPlan(
            title=self.title.data,
            day=self.day.data,
            starts=None if self.is_course else self.starts.data,
            ends=None if self.is_course else self.ends.data,
            county=self.county.data,
            venue_name=self.venue_name.data,
            venue_address=self.venue_address.data or "",
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


def _window_minutes(label, description) -> IntegerField:
    """Minutes of a check-in window, 0 to a day (CHECKIN_MOST_MINUTES)."""
    message = _l("Enter a whole number of minutes from 0 to 1440.")
    return IntegerField(
        label,
        description=description,
        validators=[
            InputRequired(message=message),
            NumberRange(min=0, max=CHECKIN_MOST_MINUTES, message=message),
        ],
    )


class CheckInWindowForm(FlaskForm):
    """When the door accepts check-ins (checkin.windows)."""

    opens_minutes = _window_minutes(
        _l("Check-in opens this many minutes before the start"),
        _l("Of the event, or of each session of a course. 0 to 1440 (a day)."),
    )
    closes_minutes = _window_minutes(
        _l("Check-in closes this many minutes after the end"),
        _l("0 to 1440 (a day). After that, enter presence from the paper sheet."),
    )
    door_may_override = BooleanField(
        _l("Door staff and check-in links may check people in outside this time, with a reason")
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


def _token(value) -> bool:
    return (
        isinstance(value, str) and 8 <= len(value) <= 64 and value.isascii() and value.isprintable()
    )


class CorrectionForm(FlaskForm):
    """A presence entered afterwards from the signed paper sheet, or taken back.
    `session`: which session's sheet, for a course (its choices set by the view)."""

    session = SelectField(_l("Session"), choices=[], validate_choice=False)
    present = RadioField(
        _l("On the paper sheet"),
        choices=[],
        validators=[InputRequired(message=_l("Choose: present or absent."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l(
            "Why the record is corrected, for example: signed the sheet, the phone at the "
            "door was offline. At most 500 characters."
        ),
        filters=[clean_text],
        validators=[
            required(_l("Write why the record is corrected.")),
            Length(max=REASON_MAX, message=_l("The reason may have at most %(max)d characters.")),
        ],
    )
    # Chosen when the page is shown: the form sent twice counts once. Not one of ours
    # (too long, odd characters): the correction is simply made without one.
    nonce = HiddenField(filters=[lambda value: value if _token(value) else None])

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.present.choices = [
            SelectChoice("yes", _l("Present: signed the sheet")),
            SelectChoice("no", _l("Absent: did not sign (takes back a presence)")),
        ]
        self.session.choices = [SelectChoice(str(item.id), label) for item, label in sessions]


class ErasureRequestForm(FlaskForm):
    """A coordinator finds the person of an erasure request by their address."""

    email = EmailField(
        _l("Email address"),
        description=_l("The address the person registered with, as in their request."),
        filters=[clean_line],
        validators=[
            required(_l("Enter the person's email address.")),
            Length(max=254, message=_l("The email address is too long.")),
            MailboxAddress(),
        ],
    )

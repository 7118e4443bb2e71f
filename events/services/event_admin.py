"""Creating and changing events: the organizer's side of the programme.

Every command validates, locks the event where seats are at stake and writes
the audit log, in one transaction. Changes of time or place and cancellations
tell the registrants (see `event_changes`); more seats go to the waiting list
first; fewer seats than confirmed people make the organizer choose, by name,
who leaves their seat (never a person already checked in).
"""

import enum
import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import (
    Event,
    EventKind,
    EventStatus,
    Programme,
    Registration,
    RegistrationMode,
    User,
    WebhookKind,
)
from events.services import DomainError, audit, webhooks
from events.services.event_changes import Schedule, apply_schedule
from events.services.lifecycle import (
    Action,
    ActorKind,
    LifecycleError,
    confirmed_count,
    ends_after_start,
    perform,
    refusal,
    seat_holders,
    seats_short,
)
from events.services.locking import lock_event
from events.services.organizations.running import Organizers, OrganizersError, apply_organizers
from events.services.organizations.scope import scope_of
from events.services.registration import promote_from_waitlist, queue_email
from events.timezone import local_date
from events.unit_of_work import command

AUDITED = (
    "title", "slug", "kind", "description", "starts_at", "ends_at", "venue_name",
    "venue_address", "county", "online_url", "capacity", "registration_opens_at",
    "registration_closes_at", "mode", "waitlist_enabled", "status", "contact_email",
    "programme_id",
    "group_max", "organization_id",
)  # fmt: skip


class EventAdminError(DomainError):
    """Codes: invalid, cancelled, over_capacity (with `extra`: how many must leave, and
    `movable`: the confirmed people who may, latest first), checked_in_over_capacity."""

    class Code(enum.StrEnum):
        CANCELLED = "cancelled"
        CHECKED_IN_OVER_CAPACITY = "checked_in_over_capacity"
        COPY_TITLE = "copy_title"
        INVALID = "invalid"
        OVER_CAPACITY = "over_capacity"

    def __init__(self, code, message, field_errors=None, extra=0, movable=()):
        super().__init__(code, message)
        self.field_errors = field_errors or {}
        self.extra = extra
        self.movable = list(movable)


class Overflow(enum.StrEnum):
    """What happens to confirmed people beyond a lowered capacity."""

    WAITLIST = "waitlist"  # they go back to the head of the waiting list
    CANCEL = "cancel"  # their registrations are cancelled (they are told)


COPY_MARK = re.compile(r"\((kopia|copy)\)\s*$", re.IGNORECASE)


@dataclass
class EventData:
    title: str
    kind: EventKind
    description: str
    starts_at: datetime
    ends_at: datetime
    venue_name: str
    venue_address: str
    county: str
    online_url: str | None
    capacity: int | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    mode: RegistrationMode
    waitlist_enabled: bool
    contact_email: str | None = None  # Reply-To of this event's emails
    programme_id: int | None = None  # the partnership programme it belongs to
    group_max: int | None = None  # the largest group a coordinator may register; None: none


def field_errors(data: EventData) -> dict[str, str]:
    """Rules between fields; each message belongs next to the field named."""
    errors = {}
    if not ends_after_start(data.starts_at, data.ends_at):
        errors["ends_at"] = _l("The end must be after the start.")
    if data.registration_closes_at and data.registration_closes_at > data.starts_at:
        errors["registration_closes_at"] = _l("Registration must close before the event starts.")
    if data.registration_opens_at and data.registration_opens_at >= data.starts_at:
        errors["registration_opens_at"] = _l("Registration must open before the event starts.")
    if (
        data.registration_opens_at
        and data.registration_closes_at
        and data.registration_opens_at >= data.registration_closes_at
    ):
        errors["registration_closes_at"] = _l("Registration must close after it opens.")
    return errors


def slugify(title: str) -> str:
    """A readable address from a title: "Szkolenie – Piła" becomes "szkolenie-pila"."""
    text = title.lower().replace("ł", "l")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "wydarzenie"


def unique_slug(title: str, exclude_id: int | None = None) -> str:
    base = slugify(title)
    slug, number = base, 1
    while db.session.scalar(
        sa.select(Event.id).where(Event.slug == slug, Event.id != (exclude_id or 0))
    ):
        number += 1
        slug = f"{base}-{number}"
    return slug


@command
def create_event(data: EventData, user: User, organizers: Organizers | None = None) -> Event:
    """A new draft event, by default of the user's organization. Raises EventAdminError
    "invalid"."""
    _check(data)
    event = Event(slug=unique_slug(data.title), status=EventStatus.DRAFT, **_values(data))
    _set_organizers(event, organizers or Organizers(user.organization_id), user)
    db.session.add(event)
    db.session.flush()
    audit.record("event_created", user, event.id, after=_audited(event))
    return event


@command
def update_event(
    event_id: int,
    data: EventData,
    user: User,
    overflow: Overflow | None = None,
    note: str | None = None,
    leaving: list[int] | None = None,
    organizers: Organizers | None = None,
) -> Event:
    """Change an event (and who runs it, when `organizers` is given). A new time or
    place notifies the registrants; more seats promote people from the waiting list.

    Fewer seats than confirmed people needs `overflow` (what happens to those who
    leave their seat) and `leaving` (their registration ids, exactly as many as
    are extra, none checked in); without them EventAdminError "over_capacity"
    carries how many are extra and who may leave, the latest registered first.
    A capacity below the number of people already checked in is refused
    ("checked_in_over_capacity").
    """
    _check(data)
    event = lock_event(event_id)
    if event.status == EventStatus.CANCELLED:
        raise EventAdminError(
            "cancelled", _l("A cancelled event cannot be changed. Duplicate it instead.")
        )
    if event.sessions:  # a course's times are those of its sessions (changed one by one)
        data.starts_at, data.ends_at = event.starts_at, event.ends_at
    before = _audited(event)
    extra = seats_short(data.capacity, confirmed_count(event.id))
    leavers = _choose_leavers(event, extra, overflow, leaving) if extra else []
    schedule = Schedule(
        data.starts_at, data.ends_at, data.venue_name, data.venue_address, data.online_url
    )
    apply_schedule(event, schedule, note)  # a draft has nobody registered to tell
    for name, value in _values(data).items():
        setattr(event, name, value)
    if organizers is not None:
        _set_organizers(event, organizers, user)
    for registration in leavers:
        _leave_seat(registration, overflow, user)
    promote_from_waitlist(event)
    audit.record("event_updated", user, event.id, before=before, after=_audited(event))
    webhooks.event_changed(WebhookKind.EVENT_UPDATED, event)
    return event


def _audited(event: Event) -> dict:
    """What the history keeps of an event: its fields and its co-organizers' short names."""
    return {
        **audit.snapshot(event, AUDITED),
        "coorganizers": sorted(partner.short_name for partner in event.coorganizers),
    }


def _set_organizers(event: Event, organizers: Organizers, user: User) -> None:
    scope = scope_of(user)
    if scope is None:  # the command line and staff make nothing of their own
        raise EventAdminError("invalid", _l("Only organizers make events."))
    try:
        apply_organizers(event, organizers, scope)
    except OrganizersError as error:
        raise EventAdminError(
            "invalid", _l("Please correct the marked fields."), {error.field: error.message}
        ) from error


def movable_people(event: Event) -> list[Registration]:
    """Confirmed people who may leave their seat (not checked in), latest registered first."""
    confirmed = db.session.scalars(seat_holders(event.id).order_by(Registration.id.desc())).all()
    return [r for r in confirmed if refusal(r, Action.DEMOTE, ActorKind.ORGANIZER) is None]


def _choose_leavers(event, extra, overflow, leaving) -> list[Registration]:
    movable = movable_people(event)
    if len(movable) < extra:
        raise EventAdminError(
            "checked_in_over_capacity",
            _l("More people are already checked in than this. Choose more seats."),
            {"capacity": _l("More people are already checked in than this.")},
        )
    chosen = [r for r in movable if r.id in set(leaving or ())]
    if overflow is None or len(chosen) != extra or len(set(leaving or ())) != extra:
        raise EventAdminError(
            "over_capacity",
            _l(
                "%(count)d confirmed people do not fit in the new capacity. "
                "Choose who leaves their seat and what happens to them.",
                count=extra,
            ),
            {"capacity": _l("More people are confirmed than this.")},
            extra,
            movable,
        )
    return chosen


def _leave_seat(registration: Registration, overflow: Overflow, user: User) -> None:
    """One person leaves their seat: back to the waiting list, or cancelled; told and audited."""
    action = Action.DEMOTE if overflow == Overflow.WAITLIST else Action.CANCEL
    before = audit.snapshot(registration, ("status",))
    try:
        email = perform(registration, action, ActorKind.ORGANIZER)
    except LifecycleError as refused:
        raise EventAdminError("invalid", _l("This person cannot leave their seat.")) from refused
    queue_email(email, registration, had_seat=True)
    audit.record(
        "seat_withdrawn",
        user,
        registration.event_id,
        registration_id=registration.id,
        before=before,
        after=audit.snapshot(registration, ("status",)),
    )
    db.session.flush()


@command
def publish_event(event_id: int, user: User) -> Event:
    """Publish a draft. Raises EventAdminError `copy_title` while its title still ends
    with "(kopia)" or "(copy)": a copy never goes public under the original's name."""
    event = lock_event(event_id)
    if is_copy_title(event.title):
        raise EventAdminError(
            EventAdminError.Code.COPY_TITLE,
            _l('The title still ends with "(kopia)": give the copy its own title first.'),
        )
    if event.status == EventStatus.DRAFT:
        event.status = EventStatus.PUBLISHED
        audit.record(
            "event_published",
            user,
            event.id,
            before={"status": "draft"},
            after={"status": "published"},
        )
        webhooks.event_changed(WebhookKind.EVENT_UPDATED, event)
    return event


def is_copy_title(title: str) -> bool:
    """Whether a title still carries the mark of a copy, "(kopia)" or "(copy)"."""
    return bool(COPY_MARK.search(title or ""))


def published_twins(event: Event) -> list[Event]:
    """Published events with the same title, county and Warsaw day as `event`: the
    publish confirmation warns about them (a copy published without its changes)."""
    day = local_date(event.starts_at)
    candidates = db.session.scalars(
        sa.select(Event).where(
            Event.id != event.id,
            Event.status == EventStatus.PUBLISHED,
            Event.county == event.county,
            sa.func.lower(Event.title) == event.title.strip().lower(),
            Event.starts_at > event.starts_at - timedelta(days=1),
            Event.starts_at < event.starts_at + timedelta(days=1),
        )
    ).all()
    return [other for other in candidates if local_date(other.starts_at) == day]


def _check(data: EventData) -> None:
    errors = field_errors(data)
    if data.programme_id is not None and db.session.get(Programme, data.programme_id) is None:
        errors["programme_id"] = _l("Choose a programme from the list.")  # deleted meanwhile
    if errors:
        raise EventAdminError("invalid", _l("Please correct the marked fields."), errors)


def _values(data: EventData) -> dict:
    return {field.name: getattr(data, field.name) for field in fields(EventData)}

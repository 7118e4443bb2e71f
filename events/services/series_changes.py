"""A change common to the events of a series: the description, the registration settings.

The drafts take it at once. The published events that differ are offered: the
organizer confirms which of them take it, and each goes through the normal update of
an event (`event_admin.update_event`: its lock, its audit entry, the promotions from
the waiting list it causes), with an optional note to its registrants, sent once per
person. An event that already has the change is left alone and nobody hears of it
again: confirming twice sends nothing more.
"""

from dataclasses import dataclass, field, fields
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import Event, EventStatus, RegistrationMode, User
from events.services import audit
from events.services.broadcast import Audience, send_to_registrants
from events.services.event_admin import EventData, field_errors, update_event
from events.services.series import SeriesError, series_events, series_or_404
from events.unit_of_work import command

CHANGED = ("description", "mode", "waitlist_enabled", "registration_opens_at",
           "registration_closes_at")  # fmt: skip


@dataclass
class RegistrationSettings:
    mode: RegistrationMode
    waitlist_enabled: bool
    opens_before: timedelta | None  # registration opens this long before the start; None: now
    closes_before: timedelta | None  # and closes this long before it; None: at the start


@dataclass
class CommonChange:
    description: str | None = None  # None: left as each event has it
    registration: RegistrationSettings | None = None


@dataclass
class ChangeResult:
    drafts: list[Event] = field(default_factory=list)  # changed at once
    offered: list[Event] = field(default_factory=list)  # published, differ, not confirmed
    published: list[Event] = field(default_factory=list)  # published, changed on confirmation
    told: int = 0  # notes queued for registrants


def settings_of(event: Event) -> RegistrationSettings:
    """An event's registration settings, its dates as distances from the start."""

    def before(moment):
        return event.starts_at - moment if moment else None

    return RegistrationSettings(
        event.mode,
        event.waitlist_enabled,
        before(event.registration_opens_at),
        before(event.registration_closes_at),
    )


def new_values(event: Event, change: CommonChange) -> dict:
    """What `change` would set on `event` that it does not have yet."""
    wanted = {}
    if change.description is not None:
        wanted["description"] = change.description
    settings = change.registration
    if settings is not None:
        wanted["mode"] = settings.mode
        wanted["waitlist_enabled"] = settings.waitlist_enabled
        for name, distance in (
            ("registration_opens_at", settings.opens_before),
            ("registration_closes_at", settings.closes_before),
        ):
            wanted[name] = event.starts_at - distance if distance is not None else None
    return {name: value for name, value in wanted.items() if getattr(event, name) != value}


@command
def apply_common_change(
    series_id: int,
    change: CommonChange,
    user: User,
    published_ids: tuple[int, ...] | list[int] = (),
    note: str | None = None,
) -> ChangeResult:
    """Apply `change` to the series' drafts, and to its published events in
    `published_ids` (with `note` to their registrants, if any); the other published
    events that differ are returned as `offered`. Cancelled events are left as they
    are. Raises SeriesError "invalid" when the change does not fit an event (the
    registration would close before it opens), naming the event; nothing is changed."""
    series_or_404(series_id)
    result = ChangeResult()
    for event in series_events(series_id):
        values = new_values(event, change)
        if not values or event.status == EventStatus.CANCELLED:
            continue
        data = _data(event, values)
        errors = field_errors(data)
        if errors:
            raise SeriesError(
                "invalid",
                _l(
                    "%(title)s: %(problem)s",
                    title=event.title,
                    problem=next(iter(errors.values())),
                ),
            )
        if event.status == EventStatus.DRAFT:
            before = audit.snapshot(event, CHANGED)
            for name, value in values.items():
                setattr(event, name, value)
            audit.record(
                "series_change",
                user,
                event.id,
                before=before,
                after=audit.snapshot(event, CHANGED),
            )
            result.drafts.append(event)
        elif event.id in set(published_ids):
            update_event(event.id, data, user)
            if note:
                subject = _("A change: %(title)s", title=event.title)
                result.told += send_to_registrants(event.id, subject, note, Audience.ACTIVE, user)
            result.published.append(event)
        else:
            result.offered.append(event)
    db.session.flush()
    return result


def offered_events(series_id: int, change: CommonChange) -> list[Event]:
    """The published events of the series that `change` would change."""
    return [
        event
        for event in series_events(series_id)
        if event.status == EventStatus.PUBLISHED and new_values(event, change)
    ]


def _data(event: Event, values: dict) -> EventData:
    current = {name.name: getattr(event, name.name) for name in fields(EventData)}
    return EventData(**{**current, **values})

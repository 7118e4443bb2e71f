"""Frozen facts: what a message is about, as JSON, taken when it is queued.

`freeze` turns a message's context (registrations, events, times, texts, numbers)
into plain JSON; `thaw` rebuilds it, with Registration and Event objects that are
transient copies (never added to a session) carrying the columns as they were.
Templates read them exactly as they read the live rows: `registration.event.title`,
`registration.status.label`, `registration.full_name`.
"""

from datetime import datetime
from enum import Enum

import sqlalchemy as sa

from events.models import CourseSession, Event, Registration, UTCDateTime


def _columns(model_class) -> dict[str, sa.Column]:
    return {column.key: column for column in sa.inspect(model_class).columns}


def _freeze_model(model) -> dict:
    values = {}
    for key, column in _columns(type(model)).items():
        value = getattr(model, key)
        if isinstance(value, bytes):
            continue
        values[key] = freeze(value) if not isinstance(value, Enum) else value.value
        if isinstance(column.type, UTCDateTime) and value is not None:
            values[key] = value.isoformat()
    return values


def _thaw_model(model_class, values: dict):
    columns = _columns(model_class)
    arguments = {}
    for key, value in values.items():
        column = columns.get(key)
        if column is None:
            continue  # a column dropped since the message was queued
        if value is not None and isinstance(column.type, UTCDateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, sa.Enum) and column.type.enum_class:
            value = column.type.enum_class(value)
        arguments[key] = value
    return model_class(**arguments)


def _freeze_event(event: Event) -> dict:
    """An event's columns, and a course's sessions (they make its calendar entries)."""
    frozen = {"$event": _freeze_model(event)}
    if event.sessions:
        frozen["$sessions"] = [_freeze_model(session) for session in event.sessions]
    return frozen


def _thaw_event(value: dict) -> Event:
    event = _thaw_model(Event, value["$event"])
    sessions = [_thaw_model(CourseSession, item) for item in value.get("$sessions", [])]
    event.sessions = sorted(sessions, key=lambda session: (session.starts_at, session.id))
    return event


def freeze(value):
    """JSON for `value`; a Registration carries its event (and a course its sessions)."""
    if isinstance(value, Registration):
        return {"$registration": _freeze_model(value), **_freeze_event(value.event)}
    if isinstance(value, Event):
        return _freeze_event(value)
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(key): freeze(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [freeze(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # lazy translations and the like: their text now


def thaw(value):
    if isinstance(value, list):
        return [thaw(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$datetime" in value:
        return datetime.fromisoformat(value["$datetime"])
    if "$registration" in value:
        registration = _thaw_model(Registration, value["$registration"])
        registration.event = _thaw_event(value)
        return registration
    if "$event" in value:
        return _thaw_event(value)
    return {key: thaw(item) for key, item in value.items()}

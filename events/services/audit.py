"""The audit log: every organizer action, written in the action's own transaction,
and every download of personal data (which file and how many rows, never whose)."""

from datetime import UTC, date, datetime, timedelta
from enum import Enum

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import (
    AuditEntry,
    EventKind,
    EventStatus,
    Organization,
    Presence,
    Programme,
    QuestionnaireKind,
    RegistrationStatus,
    Role,
    User,
    utcnow,
)
from events.unit_of_work import command

COMMAND_LINE = "command line"
LINK_ACTOR = "check-in link "  # and the link's id: a volunteer's link, which has no account
DOWNLOADED = "personal_data_downloaded"


def snapshot(model, fields: tuple[str, ...]) -> dict:
    """The named attributes of a model, as JSON-friendly values."""
    return {name: _plain(getattr(model, name)) for name in fields}


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def record(
    action: str,
    user: User | None,
    event_id: int | None = None,
    *,
    registration_id: int | None = None,
    organization_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    actor: str | None = None,
) -> AuditEntry:
    """Add an entry to the caller's transaction (the caller commits). `organization_id`:
    whose network entry it is (by default the actor's organization); `actor`: who acted
    without an account (by default the command line)."""
    entry = AuditEntry(
        action=action,
        user_id=user.id if user else None,
        actor=user.email if user else actor or COMMAND_LINE,
        event_id=event_id,
        registration_id=registration_id,
        organization_id=organization_id or getattr(user, "organization_id", None),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def downloaded(
    user: User | None,
    file: str,
    rows: int,
    event_id: int | None = None,
    *,
    link_id: int | None = None,
    registration_id: int | None = None,
    organization_id: int | None = None,
    once_per: timedelta | None = None,
) -> None:
    """Audit a download of personal data, before it is sent: the file's name and how many
    rows (people) it holds, never a name or an email from it. `link_id`: a volunteer's
    check-in link downloaded it (`user` None); `organization_id` as for `record`.
    `once_per`: for a file a device fetches again and again (the door's offline list),
    at most one entry per account or link, event and file in that time. A command: the
    entry is stored before the file leaves (or with the caller's unit of work)."""
    actor = user.email if user else f"{LINK_ACTOR}{link_id}"
    if once_per is not None and _downloaded_since(actor, file, event_id, utcnow() - once_per):
        return
    _record_download(user, actor, file, rows, event_id, registration_id, organization_id)


def _downloaded_since(actor: str, file: str, event_id: int | None, since: datetime) -> bool:
    """Whether `actor` downloaded `file` of the event since then (a few entries at most)."""
    query = sa.select(AuditEntry.after).where(
        AuditEntry.action == DOWNLOADED,
        AuditEntry.event_id == event_id,
        AuditEntry.actor == actor,
        AuditEntry.at >= since,
    )
    return any((after or {}).get("file") == file for after in db.session.scalars(query))


@command(keep_values=True)  # on PostgreSQL what the view loaded stays loaded (SQLite
# reads it again after any command: the views make a PDF first, then audit it)
def _record_download(user, actor, file, rows, event_id, registration_id, organization_id):
    record(
        DOWNLOADED,
        user,
        event_id,
        registration_id=registration_id,
        organization_id=organization_id,
        after={"file": file, "rows": rows},
        actor=actor,
    )


def event_log(event_id: int, limit: int = 500) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.event_id == event_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )


ACTIONS = {
    "event_created": _l("Event created"),
    "event_updated": _l("Event changed"),
    "event_published": _l("Event published"),
    "event_cancelled": _l("Event cancelled"),
    "event_duplicated": _l("Made as a copy"),
    "webhook_created": _l("Webhook made"),
    "webhook_enabled": _l("Webhook enabled again"),
    "webhook_deleted": _l("Webhook deleted"),
    "approved": _l("Application accepted"),
    "declined": _l("Application declined"),
    "promoted": _l("Given a seat"),
    "cancelled_by_organizer": _l("Registration cancelled"),
    "confirmation_resent": _l("Email sent again"),
    "added_by_organizer": _l("Registration added by phone"),
    "checked_in_by_organizer": _l("Checked in"),
    "check_in_undone_by_organizer": _l("Check-in undone"),
    "corrected_from_sheet": _l("Presence corrected from the paper sheet"),
    "message_sent": _l("Message to registrants"),
    "person_erased": _l("Personal data erased"),
    "retention_anonymized": _l("Old registrations anonymized"),
    "offline_search_changed": _l("Offline search by name at the door"),
    "door_search_changed": _l("Whom the search at the door finds"),
    "questionnaire_created": _l("Questionnaire created"),
    "questionnaire_links_sent": _l("Personal questionnaire links sent"),
    "session_added": _l("Session added"),
    "session_changed": _l("Session changed"),
    "session_deleted": _l("Session deleted"),
    "certificate_rule_changed": _l("Certificate rule changed"),
    "certificate_issued": _l("Certificate issued"),
    "certificate_revoked": _l("Certificate revoked"),
    "invitations_sent": _l("Invitations sent"),
    "invitations_reminded": _l("Invitation reminders sent"),
    "invitation_settings_changed": _l("Invitation settings changed"),
    "programme_created": _l("Programme added"),
    "programme_changed": _l("Programme changed"),
    "programme_moved": _l("Programme moved in the order"),
    "programme_deleted": _l("Programme deleted"),
    "series_created": _l("Series made from this event"),
    "series_change": _l("Change for the whole series"),
    "organization_created": _l("Organization added"),
    "organization_changed": _l("Organization changed"),
    "account_created": _l("Account made"),
    "account_changed": _l("Account changed"),
    "personal_data_downloaded": _l("Personal data downloaded"),
    "seat_withdrawn": _l("Seat withdrawn"),
    "check_in_window_overridden": _l("Checked in outside the check-in time"),
    "walk_in_added": _l("Person added at the door"),
    "checkin_window_changed": _l("Check-in time changed"),
}
FIELDS = {
    "title": _l("Title"), "slug": _l("Address"), "kind": _l("Type"),
    "description": _l("Description"), "starts_at": _l("Starts"), "ends_at": _l("Ends"),
    "venue_name": _l("Venue"), "venue_address": _l("Address"), "county": _l("County"),
    "online_url": _l("Online link (optional)"), "capacity": _l("Seats"),
    "registration_opens_at": _l("Registration opens (optional)"),
    "registration_closes_at": _l("Registration closes (optional)"),
    "mode": _l("Registration mode"), "waitlist_enabled": _l("Waiting list when full"),
    "status": _l("Status"), "first_name": _l("First name"), "last_name": _l("Last name"),
    "email": _l("Email address"), "organization": _l("Organization"),
    "subject": _l("Subject"), "recipients": _l("To"), "result": _l("Status"),
    "offline_name_search": _l("Offline search by name at the door"),
    "certificate_min_percent": _l("Certificates: minimum share of the hours attended, in percent"),
    "invitation_only": _l("Invitation only"), "invited": _l("Invited"),
    "reminded": _l("Reminded"), "invitee_seats": _l("Seats kept for invited people"),
    "invitee_seats_until": _l("Kept until"),
    "number": _l("Number"), "hours": _l("Hours"), "session": _l("Session"),
    "present": _l("Presence"), "how": _l("How present"), "reason": _l("Reason"),
    "url": _l("Address (URL)"), "kinds": _l("What it hears of"),
    "personal_data": _l("Personal data"),
    "programme_id": _l("Programme"), "name_pl": _l("Name in Polish"),
    "name_en": _l("Name in English"), "description_pl": _l("Short description in Polish"),
    "description_en": _l("Short description in English"), "position": _l("Place in the order"),
    "series": _l("Series"), "events": _l("Events"),
    "organization_id": _l("Organization"), "coorganizers": _l("Co-organizers"),
    "name": _l("Name"), "short_name": _l("Short name"), "counties": _l("Counties"),
    "contact_phone": _l("Phone"), "role": _l("Role"), "active": _l("Active"),
    "file": _l("File"), "rows": _l("Rows"),
    "checkin_opens_minutes": _l("Check-in opens this many minutes before the start"),
    "checkin_closes_minutes": _l("Check-in closes this many minutes after the end"),
    "door_may_override": _l(
        "Door staff and check-in links may check people in outside this time, with a reason"
    ),
}  # fmt: skip


def changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(field label, before, after) for what differs, with times shown in Warsaw."""
    before, after = entry.before or {}, entry.after or {}
    rows = []
    for key in list(before) + [key for key in after if key not in before]:
        old, new = before.get(key), after.get(key)
        if old != new:
            if key == "status":  # a registration's when the entry is about one, else the event's
                kind = RegistrationStatus if entry.registration_id else EventStatus
                old, new = _label(kind, old), _label(kind, new)
            elif key == "how":
                old, new = _label(Presence, old), _label(Presence, new)
            elif key in ("present", "active"):
                old, new = _yes_no(old), _yes_no(new)
            elif key == "role":
                old, new = _label(Role, old), _label(Role, new)
            elif key == "kind":
                kind = QuestionnaireKind if entry.action.startswith("questionnaire") else EventKind
                old, new = _label(kind, old), _label(kind, new)
            elif key == "programme_id":
                old, new = _programme(old), _programme(new)
            elif key == "organization_id":
                old, new = _organization(old), _organization(new)
            elif key == "coorganizers":
                old, new = ", ".join(old or []) or None, ", ".join(new or []) or None
            rows.append((str(FIELDS.get(key, key)), _shown(old), _shown(new)))
    return rows


def _programme(value):
    """A programme by its name (as it is called now); its id once it is deleted."""
    programme = db.session.get(Programme, value) if isinstance(value, int) else None
    return programme.name() if programme else value


def _organization(value):
    """An organization by its short name; its id once it is gone."""
    organization = db.session.get(Organization, value) if isinstance(value, int) else None
    return organization.short_name if organization else value


def _label(kind, value):
    """A stored enum value in words; anything else as it is."""
    return str(kind(value).label) if value in kind._value2member_map_ else value


def _yes_no(value):
    return value if value is None else str(_l("yes") if value else _l("no"))


def _shown(value):
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return format_datetime(datetime.fromisoformat(value), "d MMM y, HH:mm")
        except ValueError:
            return value
    return "–" if value is None else value


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def actor_label(actor: str) -> str:
    """Who acted, as shown: an account's email, the command line, or a check-in link."""
    if actor.startswith(LINK_ACTOR):
        return _("Check-in link no. %(number)s", number=actor.removeprefix(LINK_ACTOR))
    return _("command line") if actor == COMMAND_LINE else actor

"""People who came without registering, added at the door and checked in at once.

Door staff (an account that may scan the event, or a check-in link whose organizer
allowed it: `CheckInLink.may_add_walk_ins`) type a name, organization and county,
optionally an email address and a phone number, and either the consent given on
the device or "consent on the paper sheet". In one transaction, under the event's
lock:

1. a nonce seen before answers with its first outcome (a retry, or a batch synced
   twice, adds nobody twice);
2. the same address at the same event is one person: a second device adding it
   checks in the registration that exists (`merged`);
3. otherwise a confirmed registration is made, marked `walk_in`, and
   `beyond_capacity` when every seat was taken: the room is the limit, not the form;
4. the door's one decision (checkin.decision) checks the person in, recorded as
   added at the door (Presence.WALK_IN), inside the check-in window like any
   check-in; the audit log records who added whom.

A walk-in with an address gets the usual messages afterwards (certificate,
evaluation); one without appears on the attendance sheet and in the reports, and
receives nothing. No confirmation is sent: the person is already in the room.
"""

import enum
from dataclasses import dataclass, replace

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from events.counties import BY_CODE
from events.extensions import db
from events.identifiers import normalize_email
from events.models import (
    CheckInLink,
    OrganizationType,
    Presence,
    RegistrationStatus,
    Scan,
    ScanMethod,
    User,
    utcnow,
)
from events.services import DomainError, audit, webhooks
from events.services.checkin.decision import Actor, CheckInRequest, Verdict, perform_check_in
from events.services.checkin.windows import window_of
from events.services.lifecycle import seats_taken
from events.services.locking import lock_event
from events.services.registration import Attendee, find_active_registration, new_registration
from events.unit_of_work import command

MAX_NAME = 60
MAX_ORGANIZATION = 200
MAX_PHONE = 40


class WalkInError(DomainError):
    """Codes: not_allowed, no_first_name, no_last_name, too_long, no_county, bad_email,
    no_consent, outside_window, not_confirmed. `field`: the form field it concerns."""

    class Code(enum.StrEnum):
        BAD_EMAIL = "bad_email"
        NO_CONSENT = "no_consent"
        NO_COUNTY = "no_county"
        NO_FIRST_NAME = "no_first_name"
        NO_LAST_NAME = "no_last_name"
        NOT_ALLOWED = "not_allowed"
        NOT_CONFIRMED = "not_confirmed"
        OUTSIDE_WINDOW = "outside_window"
        TOO_LONG = "too_long"

    status = 400

    def __init__(self, code: str, message, field: str | None = None):
        super().__init__(code, message)
        self.field = field


@dataclass(frozen=True)
class WalkIn:
    """What door staff type for a person who came without registering."""

    first_name: str
    last_name: str
    organization: str
    county: str
    email: str = ""
    phone: str = ""
    consent_on_device: bool = False  # the person ticked the consent on the screen
    consent_on_paper: bool = False  # or signed it on the paper attendance sheet
    language: str = "pl"


@dataclass
class WalkInOutcome:
    verdict: Verdict
    merged: bool  # the address was registered already: that registration was checked in
    beyond_capacity: bool


def walk_in_from(data: dict, language: str = "pl") -> WalkIn:
    """The walk-in a scanner sends as JSON (online, or queued offline): what is not
    text counts as empty, overlong text stays overlong enough to be refused."""

    def text(key: str, most: int = MAX_NAME) -> str:
        value = data.get(key)
        if not isinstance(value, str):
            return ""
        return "".join(char for char in value[: most + 1] if char.isprintable())

    consent = data.get("consent")
    return WalkIn(
        first_name=text("first_name"),
        last_name=text("last_name"),
        organization=text("organization", MAX_ORGANIZATION),
        county=text("county"),
        email=text("email", 254),
        phone=text("phone", MAX_PHONE),
        consent_on_device=consent == "device",
        consent_on_paper=consent == "paper",
        language=language if language in ("pl", "en") else "pl",
    )


def checked(person: WalkIn) -> WalkIn:
    """The walk-in with its text tidied. Raises WalkInError for what cannot be taken."""
    first, last = " ".join(person.first_name.split()), " ".join(person.last_name.split())
    organization, phone = " ".join(person.organization.split()), person.phone.strip()
    if not first:
        raise WalkInError("no_first_name", _l("Enter the first name."), "first_name")
    if not last:
        raise WalkInError("no_last_name", _l("Enter the last name."), "last_name")
    for field, value, most in (
        ("first_name", first, MAX_NAME),
        ("last_name", last, MAX_NAME),
        ("organization", organization, MAX_ORGANIZATION),
        ("phone", phone, MAX_PHONE),
    ):
        if len(value) > most:
            raise WalkInError(
                "too_long", _l("Please keep this under %(count)d characters.", count=most), field
            )
    if person.county not in BY_CODE:
        raise WalkInError("no_county", _l("Choose the county."), "county")
    email = person.email.strip()
    if email:
        try:
            validate_email(email, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError:
            raise WalkInError(
                "bad_email", _l("Enter an email address like name@example.pl."), "email"
            ) from None
        email = normalize_email(email)
    if not (person.consent_on_device or person.consent_on_paper):
        raise WalkInError(
            "no_consent",
            _l("Ask for the consent to the processing of data, or mark it as signed on paper."),
            "consent",
        )
    return replace(
        person, first_name=first, last_name=last, organization=organization, phone=phone,
        email=email,
    )  # fmt: skip


def may_add_walk_ins(actor: Actor) -> bool:
    """Accounts at the door may; a check-in link where its organizer allowed it."""
    if actor.link_id is None:
        return actor.user_id is not None
    link = db.session.get(CheckInLink, actor.link_id)
    return link is not None and link.may_add_walk_ins


@command(keep_values=True)
def add_walk_in(request: CheckInRequest, person: WalkIn) -> WalkInOutcome:
    """Add `person` at the door of `request.event` (at its session, for a course) and
    check them in, at `request.at` (now by default).

    Raises WalkInError (see the class), or the decision's errors (a nonce of another
    scanner)."""
    person = checked(person)
    if not may_add_walk_ins(request.actor):
        raise WalkInError("not_allowed", _l("This check-in link may not add people at the door."))
    event = lock_event(request.event_id)  # two devices adding one address: one after the other
    at = request.at or utcnow()
    request = replace(request, at=at, presence=Presence.WALK_IN, method=ScanMethod.WALK_IN)
    first = _first_answer(request)
    if first is not None:
        return first
    if not window_of(event, request.session).holds(at):
        raise WalkInError(
            "outside_window", _l("People can be added at the door only during check-in time.")
        )
    existing = find_active_registration(event.id, person.email) if person.email else None
    if existing is not None and existing.status != RegistrationStatus.CONFIRMED:
        raise WalkInError(
            "not_confirmed",
            _l("This address is registered without a confirmed seat: find the person by name."),
            "email",
        )
    beyond = False
    registration = existing
    if registration is None:
        beyond = event.capacity is not None and seats_taken(event, at) >= event.capacity
        registration = new_registration(event, _attendee(person), RegistrationStatus.CONFIRMED, at)
        registration.walk_in, registration.beyond_capacity = True, beyond
        registration.consent_on_paper = person.consent_on_paper and not person.consent_on_device
        db.session.add(registration)
        db.session.flush()
        webhooks.registration_created(registration)
    verdict = perform_check_in(request, registration.id)
    user = db.session.get(User, request.actor.user_id) if request.actor.user_id else None
    audit.record(
        "walk_in_added",
        user,
        event.id,
        registration_id=registration.id,
        after={"merged": existing is not None, "beyond_capacity": beyond}
        | ({"link": request.actor.link_id} if request.actor.link_id else {})
        | ({"session": request.session_id} if request.session_id else {}),
    )
    return WalkInOutcome(verdict, merged=existing is not None, beyond_capacity=beyond)


def _first_answer(request: CheckInRequest) -> WalkInOutcome | None:
    """The outcome of this nonce's first walk-in, when it came before."""
    if not request.nonce:
        return None
    scan = db.session.scalar(sa.select(Scan).where(Scan.nonce == request.nonce).limit(1))
    if scan is None or scan.registration_id is None:
        return None
    verdict = perform_check_in(request, scan.registration_id)  # replays the first verdict
    registration = verdict.registration
    return WalkInOutcome(
        verdict, merged=not registration.walk_in, beyond_capacity=registration.beyond_capacity
    )


def _attendee(person: WalkIn) -> Attendee:
    return Attendee(
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        organization=person.organization,
        organization_type=OrganizationType.OTHER,
        county=person.county,
        dr_member=False,
        data_consent=True,
        phone=person.phone or None,
        language=person.language,
    )

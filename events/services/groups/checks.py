"""Checking a group's form: every error at once, per person (see events.services.groups)."""

import enum
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from events.counties import BY_CODE
from events.extensions import db
from events.identifiers import normalize_email
from events.models import ACTIVE_STATUSES, OrganizationType, Registration
from events.services import DomainError
from events.services.questionnaires.answering import QuestionnaireError
from events.services.questionnaires.at_registration import checked_answers

MAX_NAME = 60
MAX_ORGANIZATION = 200


class GroupError(DomainError):
    """Codes: invalid (`coordinator_errors` by field, `member_errors` and `answer_errors`
    by member index, then by field or question key), not_allowed, too_many, no_room,
    not_member."""

    class Code(enum.StrEnum):
        INVALID = "invalid"
        NOT_ALLOWED = "not_allowed"
        NOT_MEMBER = "not_member"
        NO_ROOM = "no_room"
        TOO_MANY = "too_many"

    status = 422

    def __init__(self, code, message, coordinator=None, members=None, answers=None):
        super().__init__(code, message)
        self.coordinator_errors: dict[str, object] = coordinator or {}
        self.member_errors: dict[int, dict[str, object]] = members or {}
        self.answer_errors: dict[int, dict[str, object]] = answers or {}


@dataclass
class Coordinator:
    """Who registers the group: the group's page and messages go to them."""

    name: str
    email: str
    organization: str
    language: str = "pl"


@dataclass
class Member:
    """One person of the group; `email` may be empty. `answers`: the posted answers to
    the event's own questions, named as in a single registration form (q-<key>)."""

    first_name: str
    last_name: str
    organization: str
    county: str
    email: str = ""
    organization_type: OrganizationType = OrganizationType.NGO
    dr_member: bool = False
    answers: MultiDict = field(default_factory=MultiDict)


def _email_error(email: str):
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return _l("Enter an email address like name@example.pl, or leave it empty.")
    return None


def _member_errors(member: Member) -> dict[str, object]:
    errors = {}
    for name, value in (("first_name", member.first_name), ("last_name", member.last_name)):
        if not value.strip():
            errors[name] = (
                _l("Enter the first name.") if name == "first_name" else _l("Enter the last name.")
            )
        elif len(value) > MAX_NAME:
            errors[name] = _l("Please keep this under %(count)d characters.", count=MAX_NAME)
    if not member.organization.strip():
        errors["organization"] = _l("Enter the organization.")
    elif len(member.organization) > MAX_ORGANIZATION:
        errors["organization"] = _l(
            "Please keep this under %(count)d characters.", count=MAX_ORGANIZATION
        )
    if member.county not in BY_CODE:
        errors["county"] = _l("Choose the county.")
    if member.email and (error := _email_error(member.email)):
        errors["email"] = error
    return errors


def _coordinator_errors(coordinator: Coordinator, consent: bool) -> dict[str, object]:
    errors = {}
    if not coordinator.name.strip():
        errors["coordinator_name"] = _l("Enter your name.")
    if not coordinator.email.strip():
        errors["coordinator_email"] = _l("Enter your email address.")
    elif _email_error(coordinator.email):
        errors["coordinator_email"] = _l("Enter an email address like name@example.pl.")
    if not coordinator.organization.strip():
        errors["coordinator_organization"] = _l("Enter the name of your organization.")
    if not consent:
        errors["consent"] = _l(
            "Confirm that every person agreed, so that you give the consent on their behalf."
        )
    return errors


def check_group(
    event_id: int,
    coordinator: Coordinator,
    members: list[Member],
    version_id: int | None,
    consent: bool,
) -> list[tuple]:
    """Check the whole form, writing nothing; returns each member's checked answers.

    Raises GroupError `invalid` with every error at once: the coordinator's, and per
    person their details, an address given twice in the group or already registered
    for this event, and their answers. QuestionnaireError `changed` when the questions
    changed meanwhile."""
    coordinator_errors = _coordinator_errors(coordinator, consent)
    member_errors, answer_errors, answers, seen = {}, {}, [], {}
    registered = _registered(event_id, [m.email for m in members if m.email])
    if not members:
        coordinator_errors["members"] = _l("Enter at least one person.")
    for index, member in enumerate(members):
        errors = _member_errors(member)
        if member.email and "email" not in errors:
            address = normalize_email(member.email)
            if address in seen:
                errors["email"] = _l(
                    "This address is also given for person %(number)d: each person needs "
                    "their own address, or none.",
                    number=seen[address] + 1,
                )
            elif address in registered:
                errors["email"] = _l(
                    "%(email)s is already registered for this event: this person need not "
                    "be registered again.",
                    email=address,
                )
            seen.setdefault(address, index)
        try:
            answers.append(checked_answers(event_id, version_id, member.answers))
        except QuestionnaireError as error:
            if error.code != "invalid":
                raise
            answer_errors[index] = error.errors
        if errors:
            member_errors[index] = errors
    if coordinator_errors or member_errors or answer_errors:
        raise GroupError(
            "invalid",
            _l("Some details need correcting."),
            coordinator_errors,
            member_errors,
            answer_errors,
        )
    return answers


def _registered(event_id: int, emails: list[str]) -> set[str]:
    """Those of these addresses that hold an active registration at the event (one query)."""
    addresses = {normalize_email(email) for email in emails}
    if not addresses:
        return set()
    return set(
        db.session.scalars(
            sa.select(Registration.email).where(
                Registration.event_id == event_id,
                Registration.email.in_(addresses),
                Registration.status.in_(ACTIVE_STATUSES),
            )
        )
    )

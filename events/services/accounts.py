"""Organizer and staff accounts: creation, passwords, throttled login, sessions.

Login attempts are counted in the database (events.services.throttle), per
address *and* client, and per client: someone guessing from elsewhere cannot
lock an organizer out of their own device, and parallel guesses cannot pass a
count made before any of them was recorded. An attempt is counted before the
password is checked and given back when it was right. Guesses spread over many
clients meet a third count, per address, which devices that logged in to the
account before (a signed cookie, see events.views.auth) do not count against
and are not stopped by.

Each account has a session version, part of the id kept in the session cookie:
a logout or a new password raises it, and every earlier cookie opens nothing.
"""

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from events.extensions import db
from events.identifiers import normalize_email
from events.models import Organization, Role, User, utcnow
from events.services import DomainError, throttle
from events.services.organizations.scope import lead_organization
from events.services.passwords import password_problem
from events.unit_of_work import command

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5  # per address and client
MAX_FAILURES_PER_IP = 30  # per client, whatever the address
MAX_FAILURES_PER_ADDRESS = 50  # per address, from devices new to the account
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(DomainError):
    """Codes: invalid_email, exists, weak_password, not_lead, unknown_user, throttled, invalid."""

    class Code(enum.StrEnum):
        EXISTS = "exists"
        INVALID = "invalid"
        INVALID_EMAIL = "invalid_email"
        NOT_LEAD = "not_lead"
        THROTTLED = "throttled"
        UNKNOWN_USER = "unknown_user"
        WEAK_PASSWORD = "weak_password"  # noqa: S105 - a refusal code, not a password


@command
def create_user(
    email: str, password: str, role: Role, organization: Organization | None = None
) -> User:
    """Create an active account of `organization` (by default the lead one).

    Raises AccountError "invalid_email", "exists", "weak_password" or "not_lead" (a
    coordinator belongs to the lead organization).
    """
    organization = organization or lead_organization()
    if role == Role.COORDINATOR and not organization.is_lead:
        raise AccountError(
            "not_lead", _l("Coordinators belong to the lead organization of the network.")
        )
    email = normalize_email(email)
    problem = email_problem(email)
    if problem is not None:
        raise AccountError("invalid_email", problem)
    _check_password(password, email)
    if db.session.scalar(sa.select(User).where(User.email == email)):
        raise AccountError("exists", _l("An account with this email already exists."))
    user = User(email=email, role=role, active=True, organization=organization)
    user.set_password(password)
    db.session.add(user)
    return user


def email_problem(email: str):
    """None for an address an account may have (normalized already), else what is wrong
    with it (translatable)."""
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return _l("This is not a valid email address.")
    return None


def _check_password(password: str, email: str) -> None:
    problem = password_problem(password, email)
    if problem is not None:
        raise AccountError("weak_password", problem)


@command
def change_password(email: str, password: str) -> User:
    """Set a new password; every session of the account ends.

    Raises AccountError "unknown_user" or "weak_password".
    """
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise AccountError("unknown_user", _l("There is no account with this email."))
    _check_password(password, user.email)
    user.set_password(password)
    user.session_version += 1
    return user


@command
def end_sessions(user_id: int) -> None:
    """Log the account out everywhere: session cookies saved earlier stop working."""
    db.session.execute(
        sa.update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
    )


def user_for_session(session_id: str) -> User | None:
    """The active account a session's "id:version" belongs to, if still current."""
    user_id, _sep, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 10:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def _keys(email: str, client: str) -> tuple[str, str, str]:
    """The counters of a login, in the order they are locked (always the same order,
    so that two logins never wait for each other in a circle)."""
    client = client[:64]
    return f"login:{email}|{client}", f"login-client:{client}", f"login-address:{email}"


@command
def _count_attempt(email: str, client: str, now: datetime, known_device: bool) -> None:
    """Count one attempt against the address from this client, against the client,
    and (from a device new to the account) against the address; raises AccountError
    "throttled" (counting nothing) when any of them is used up."""
    pair, per_client, per_address = _keys(email, client)
    if not (
        throttle.take(pair, MAX_FAILURES_PER_EMAIL, THROTTLE_WINDOW, now)
        and throttle.take(per_client, MAX_FAILURES_PER_IP, THROTTLE_WINDOW, now)
        and (
            known_device
            or throttle.take(per_address, MAX_FAILURES_PER_ADDRESS, THROTTLE_WINDOW, now)
        )
    ):
        raise AccountError(
            "throttled",
            _l("Too many failed attempts. Please wait 15 minutes and try again."),
        )


@command
def _forgive(email: str, client: str, now: datetime, known_device: bool) -> None:
    """A right password: this client's guesses at this address are forgotten, and the
    attempt does not count against the client or the address."""
    pair, per_client, per_address = _keys(email, client)
    throttle.forget(pair)
    throttle.give_back(per_client)
    if not known_device:
        throttle.give_back(per_address)
    throttle.prune(now - 2 * THROTTLE_WINDOW)


def authenticate(
    email: str,
    password: str,
    ip: str,
    now: datetime | None = None,
    known_device: bool = False,
) -> User:
    """Return the active user with this email and password.

    Raises AccountError "throttled" after too many recent failures for the
    address from this client (`ip`), from this client whatever the address, or
    (unless `known_device`: this device logged in to this address before) for the
    address from anywhere; "invalid" for a wrong address or password (without
    saying which).
    """
    now = now or utcnow()
    email = normalize_email(email)
    _count_attempt(email, ip, now, known_device)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # same time as for a real account
    if user is None or not user.active or not user.check_password(password):
        raise AccountError("invalid", _l("Wrong email or password."))
    _forgive(email, ip, now, known_device)
    return user

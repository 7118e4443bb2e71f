"""Organizer and staff accounts: creation and throttled login.

Failed logins are rows in the database, not counters in process memory, so
the throttle holds across several app processes and hosts.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from events.extensions import db
from events.models import LoginFailure, Role, User, utcnow
from events.services import DomainError
from events.services.registration import normalize_email
from events.unit_of_work import command

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 30
MIN_PASSWORD_LENGTH = 10
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(DomainError):
    """Codes: exists, weak_password, throttled, invalid."""


@command
def create_user(email: str, password: str, role: Role) -> User:
    """Create an active account.

    Raises AccountError "invalid_email", "exists" or "weak_password".
    """
    email = normalize_email(email)
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise AccountError("invalid_email", _l("This is not a valid email address.")) from error
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "weak_password",
            _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
        )
    if db.session.scalar(sa.select(User).where(User.email == email)):
        raise AccountError("exists", _l("An account with this email already exists."))
    user = User(email=email, role=role, active=True)
    user.set_password(password)
    db.session.add(user)
    return user


def _recent_failures(column, value, now: datetime) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(column == value, LoginFailure.at > now - THROTTLE_WINDOW)
    )


def authenticate(email: str, password: str, ip: str, now: datetime | None = None) -> User:
    """Return the active user with this email and password.

    Raises AccountError "throttled" after too many recent failures for the
    address or the client, and "invalid" for a wrong address or password
    (without saying which).
    """
    now = now or utcnow()
    email = normalize_email(email)
    if (
        _recent_failures(LoginFailure.email, email, now) >= MAX_FAILURES_PER_EMAIL
        or _recent_failures(LoginFailure.ip, ip, now) >= MAX_FAILURES_PER_IP
    ):
        raise AccountError(
            "throttled",
            _l("Too many failed attempts. Please wait 15 minutes and try again."),
        )
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # same time as for a real account
    if user is None or not user.active or not user.check_password(password):
        _record_failure(email, ip, now)
        raise AccountError("invalid", _l("Wrong email or password."))
    _forget_failures(email)
    return user


@command
def _record_failure(email: str, ip: str, now: datetime) -> None:
    """A failed login counts, even though the login itself is refused."""
    db.session.add(LoginFailure(email=email, ip=ip, at=now))
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < now - THROTTLE_WINDOW))


@command
def _forget_failures(email: str) -> None:
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))

"""Personal API tokens: made, listed and revoked by their owner; checked on each
request of the organizer API.

A token is `drt_` and 43 URL-safe characters (256 random bits). Only its SHA-256
is stored, so a copy of the database opens nothing; the first characters stay,
for the owner to tell their tokens apart. A token acts as its owner, within the
scopes it was given: it never sees more than the owner would in the organizer
area, and an account switched off or a token revoked or expired opens nothing.
"""

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import ApiToken, TokenScope, User, utcnow
from events.services import DomainError, audit
from events.unit_of_work import command

PREFIX = "drt_"
SHOWN = 8  # characters after the prefix kept in clear
LONGEST = timedelta(days=366)


class TokenError(DomainError):
    """Refusals of the token API. `status` 401: no token, or not a valid one now."""

    class Code(enum.StrEnum):
        MISSING = "token_missing"
        INVALID = "token_invalid"  # unknown, revoked, expired, or its account is off
        SCOPE = "token_scope"  # valid, without the scope the route needs (403)
        INVALID_REQUEST = "invalid_token_request"  # a new token's name, expiry or scopes

    status = 401

    def __init__(self, code, message, field_errors: dict | None = None):
        super().__init__(code, message)
        self.field_errors = field_errors or {}
        if field_errors:
            self.status = 400


class ScopeMissing(TokenError):
    status = 403


@dataclass
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_request(name: str, expires_at: datetime | None, scopes: list[str], now: datetime) -> dict:
    """The field errors of a new token, each next to its field (empty: none); no
    `expires_at`: its field has its own message already (no date, or not a date)."""
    errors = {}
    if expires_at is None:
        pass
    elif expires_at <= now:
        errors["expires_on"] = _l("The expiry must be in the future.")
    elif expires_at > now + LONGEST:
        errors["expires_on"] = _l("A token lasts a year at most.")
    if not scopes or any(scope not in TokenScope._value2member_map_ for scope in scopes):
        errors["scopes"] = _l("Choose what the token may do.")
    if not name.strip():
        errors["name"] = _l("Give the token a name.")
    return errors


@command
def create_token(
    user: User,
    name: str,
    expires_at: datetime | None,
    scopes: list[str],
    now: datetime | None = None,
) -> NewToken:
    """A new token of `user`; raises TokenError when a field is wrong."""
    now = now or utcnow()
    errors = check_request(name, expires_at, scopes, now)
    if expires_at is None:
        errors.setdefault("expires_on", _l("Enter the date."))
    if errors:
        raise TokenError(TokenError.Code.INVALID_REQUEST, next(iter(errors.values())), errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:80],
        prefix=secret[: len(PREFIX) + SHOWN],
        secret_hash=hash_secret(secret),
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    audit.record("api_token_created", user, after={"token": token.prefix, "scopes": token.scopes})
    return NewToken(token, secret)


def tokens_of(user: User) -> list[ApiToken]:
    """The account's tokens, newest first."""
    query = sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(db.session.scalars(query))


@command
def revoke_token(user: User, token_id: int, now: datetime | None = None) -> ApiToken | None:
    """Revoke one of the account's own tokens (None: no such token of theirs)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        audit.record("api_token_revoked", user, before={"token": token.prefix})
    return token


def authenticate(header: str | None, address: str | None, now: datetime | None = None) -> ApiToken:
    """The token of an `Authorization: Bearer …` header, usable now; records its use.
    Raises TokenError (401) for a missing, unknown, revoked or expired one."""
    now = now or utcnow()
    scheme, _, secret = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise TokenError(
            TokenError.Code.MISSING, _l("Send a personal API token: Authorization: Bearer …")
        )
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret.strip()))
    )
    if token is None or not token.usable(now):
        raise TokenError(TokenError.Code.INVALID, _l("This token is unknown, revoked or expired."))
    _record_use(token, address, now)
    return token


def require_scope(token: ApiToken, scope: TokenScope) -> None:
    if not token.allows(scope):
        raise ScopeMissing(
            TokenError.Code.SCOPE,
            _l("This token may not do this: it needs the “%(scope)s” scope.", scope=scope.value),
        )


@command
def _record_use(token: ApiToken, address: str | None, now: datetime) -> None:
    """Every use: when, from where, how many so far (its own short transaction)."""
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(last_used_at=now, last_used_from=(address or "")[:45], uses=ApiToken.uses + 1)
    )

"""The organizer API's door: a personal API token on every request, never the session.

`token_route(scope)` wraps a view: it reads `Authorization: Bearer drt_…`, refuses a
missing, unknown, revoked or expired token (401) or one without the scope the route
needs (403), records the use, counts the request against the token's own rate limit
and leaves the token, its owner and the owner's part of the network in `g`. Views
find their objects through `g.api_scope`, so a token never reaches further than its
owner would in the organizer area; another organization's event answers 404.
"""

from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _

from events.extensions import csrf, limiter
from events.models import TokenScope
from events.services import DomainError
from events.services.api_tokens import (
    ScopeMissing,
    TokenError,
    authenticate,
    hash_secret,
    require_scope,
)
from events.services.organizations.scope import Scope, scope_of, visible_event
from events.views.access import Rule
from events.views.problems import field_problems, problem


def _token_limit() -> str:
    return current_app.config["RATELIMIT_API_TOKEN"]


def _token_key() -> str:
    """Whom the token limit counts: the token (by its hash), else the client address."""
    _scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if secret.strip():
        return "token:" + hash_secret(secret.strip())[:32]
    return f"client:{request.remote_addr}"


def refusal(error: DomainError):
    """A DomainError as a problem: its status, its message, its code, its fields."""
    fields = getattr(error, "field_errors", None) or {}
    response = problem(
        error.status,
        error.message,
        code=str(error.code),
        errors=field_problems(fields) if fields else None,
    )
    if isinstance(error, TokenError) and not isinstance(error, ScopeMissing):
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def token_route(scope: TokenScope):
    """Open the view to a token with `scope`, acting as its owner."""

    def decorator(view):
        limited = limiter.limit(_token_limit, key_func=_token_key)(view)

        @wraps(view)
        def guarded(*args, **kwargs):
            try:
                token = authenticate(request.headers.get("Authorization"), request.remote_addr)
                require_scope(token, scope)
            except TokenError as error:
                return refusal(error)
            owner_scope = scope_of(token.user)
            if owner_scope is None:  # the account is no longer an organizer
                return problem(
                    403, _("This token's account may not use the API."), code="token_scope"
                )
            g.api_token, g.api_user, g.api_scope = token, token.user, owner_scope
            return limited(*args, **kwargs)

        guarded.access_rule = Rule.TOKEN
        return csrf.exempt(guarded)

    return decorator


def api_scope() -> Scope:
    return g.api_scope


def managed_event(event_id: int):
    """The event if the token's owner manages it, else None (the view answers 404)."""
    return visible_event(g.api_scope, event_id)


def not_found():
    return problem(404, _("No such event among yours."), code="not_found")

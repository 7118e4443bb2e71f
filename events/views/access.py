"""Who may open each route: every view declares its rule (`@access(Rule...)`), and the
access test walks the whole URL map, so that a route without a rule fails it.

The rule's role part is checked here; the object part (an event, questionnaire,
series or account of another organization) by the view's lookup, which answers
404 exactly as for one that does not exist (events.services.organizations.scope).
A refusal by role is a 403 that names nothing.
"""

import enum
import hashlib
from functools import wraps

from flask import abort, request, session
from flask_login import current_user

from events.extensions import login_manager

# Where a check-in link's secret is kept in the session once opened (the scanner
# page and the check-in API both read it).
LINK_SESSION_KEY = "checkin_link"


class Rule(enum.StrEnum):
    PUBLIC = "public"  # anyone
    SECRET = "secret"  # noqa: S105 - anyone holding the secret in the URL (a personal or volunteer's link)
    SIGNED_IN = "signed_in"  # any account
    DOOR = "door"  # who may check people in at the event: its organizers, its staff, its links
    ORGANIZER = "organizer"  # coordinators and organizers; what they see is their organization's
    SCOPED = "scoped"  # as ORGANIZER, and the event, questionnaire, series or account in the
    # URL is their organization's (or one it co-organizes); others answer 404
    COORDINATOR = "coordinator"  # the network's coordinators only
    TOKEN = "token"  # noqa: S105 - a personal API token (Authorization: Bearer), never the session;
    # it acts as its owner, within its scopes (events.views.api.token_auth)
    OWN = "own"  # as ORGANIZER, and the object in the URL is the account's own (a webhook);
    # another account's answers 404, a coordinator's too


_ROLE_CHECKED = {Rule.SIGNED_IN, Rule.ORGANIZER, Rule.SCOPED, Rule.COORDINATOR, Rule.OWN}


def access(rule: Rule):
    """Declare (and check the role part of) who may open a view."""

    def decorator(view):
        if rule not in _ROLE_CHECKED:
            view.access_rule = rule
            return view

        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if rule != Rule.SIGNED_IN and not current_user.is_organizer:
                abort(403)
            if rule == Rule.COORDINATOR and not current_user.is_coordinator:
                abort(403)
            return view(*args, **kwargs)

        guarded.access_rule = rule
        return guarded

    return decorator


def door_searcher() -> str:
    """Whom the door's limits count (searches, badges printed at the door): the account,
    or the volunteer's link (whichever phone uses it), else the client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    token = session.get(LINK_SESSION_KEY)
    if token:
        return "link:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return f"client:{request.remote_addr}"

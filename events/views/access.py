"""Route guards for the non-public areas, and who the door's limits count."""

import hashlib
from functools import wraps

from flask import abort, request, session
from flask_login import current_user

from events.extensions import login_manager
from events.models import Role

# Where a check-in link's secret is kept in the session once opened (the scanner
# page and the check-in API both read it).
LINK_SESSION_KEY = "checkin_link"


def role_required(*roles: Role):
    """Let only logged-in, active users with one of `roles` in; others log in or get a 403."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator


organizer_required = role_required(Role.ORGANIZER)


def door_searcher() -> str:
    """Whom the door's limits count (searches, badges printed at the door): the account,
    or the volunteer's link (whichever phone uses it), else the client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    token = session.get(LINK_SESSION_KEY)
    if token:
        return "link:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return f"client:{request.remote_addr}"

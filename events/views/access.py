"""Route guards for the non-public areas."""

from functools import wraps

from flask import abort
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

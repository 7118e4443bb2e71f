"""The one-click unsubscribe link of organizer messages (RFC 8058).

The link names the registration by its ticket secret and carries a signature
made with SECRET_KEY, so that it can neither be guessed nor derived from a
ticket link seen in a shared calendar.
"""

import hashlib
import hmac

from flask import current_app


def signature(ticket_token: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"stop-organizer-messages:{ticket_token}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def is_valid(ticket_token: str, given: str) -> bool:
    return hmac.compare_digest(signature(ticket_token), given)

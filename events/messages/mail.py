"""Composing emails from the template pairs in templates/email/."""

from flask import current_app, render_template
from flask_babel import force_locale

from events.services.outbox import queue_email


def queue_templated(kind: str, recipient: str, language: str, subject, **context):
    """Render templates/email/<kind>.txt and .html in `language` and queue the message.

    `subject` is a lazy string, translated here in the recipient's language.
    """
    with force_locale(language):
        text = render_template(f"email/{kind}.txt", **context)
        html = render_template(f"email/{kind}.html", **context)
        subject_text = str(subject)
    return queue_email(kind, recipient, subject_text, text, html)


def absolute_url(endpoint: str, **values) -> str:
    """A link for an email or a calendar: BASE_URL plus the route's path.

    Built without the request, so that commands run from cron make the same
    links as the web pages.
    """
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return current_app.config["BASE_URL"] + adapter.build(endpoint, values)

"""The consent texts shown on the registration form, with their versions.

Change a text, change its version: each registration stores the version the
person agreed to and when. Every text names the data controller (from the
configuration) and the form links it to the privacy notice.
"""

from flask import current_app
from flask_babel import gettext as _

# -2: the texts name the controller and point to the privacy notice (before: "-1").
DATA_PROCESSING_VERSION = "2026-11-rodo-2"
IMAGE_USE_VERSION = "2026-11-image-2"
# The "needs" field may tell about health (GDPR art. 9): its own explicit consent.
NEEDS_VERSION = "2026-11-needs-1"


def _controller() -> str:
    return current_app.config.get("CONTROLLER_NAME") or ""


def data_processing_text() -> str:
    return _(
        "I agree to the processing of my personal data by %(controller)s, the data "
        "controller, in order to register me for this event and to account for the project "
        "(Art. 6(1)(a) GDPR). I may withdraw consent at any time by cancelling my registration.",
        controller=_controller(),
    )


def image_use_text() -> str:
    return _(
        "I agree to photographs or recordings of me taken during the event being published "
        "by %(controller)s in the project's information and promotional materials (optional).",
        controller=_controller(),
    )


def needs_text() -> str:
    return _(
        "I explicitly agree that %(controller)s processes what I wrote about my needs, which "
        "may concern my health, only to prepare the event for me; it is deleted after the "
        "event (Art. 9(2)(a) GDPR). Required if you describe your needs.",
        controller=_controller(),
    )

"""The consent texts shown on the registration form, with their versions.

Change a text, change its version: each registration stores the version the
person agreed to and when.
"""

from flask_babel import lazy_gettext as _l

DATA_PROCESSING_VERSION = "2026-11-rodo-1"
IMAGE_USE_VERSION = "2026-11-image-1"

DATA_PROCESSING_TEXT = _l(
    "I agree to the processing of my personal data by the project organizer in order "
    "to register me for this event and to account for the project (Art. 6(1)(a) GDPR). "
    "I may withdraw consent at any time by cancelling my registration."
)
IMAGE_USE_TEXT = _l(
    "I agree to photographs or recordings of me taken during the event being published "
    "in the project's information and promotional materials (optional)."
)

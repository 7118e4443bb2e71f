"""The organizer area (/organizer): events, registrations, downloads, reports,
the network's organizations and accounts.

`blueprint` holds the blueprint and its access check; each module adds the
routes of one part of the area.
"""

from events.views.organizer import (
    accounts,
    api_tokens,
    audit,
    corrections,
    courses,
    downloads,
    erasure,
    events,
    invitations,
    organizations,
    programmes,
    questionnaire_results,
    questionnaires,
    registrations,
    reports,
    series,
    webhooks,
)
from events.views.organizer.blueprint import bp

__all__ = [
    "accounts",
    "api_tokens",
    "audit",
    "bp",
    "corrections",
    "courses",
    "downloads",
    "erasure",
    "events",
    "invitations",
    "organizations",
    "programmes",
    "questionnaire_results",
    "questionnaires",
    "registrations",
    "reports",
    "series",
    "webhooks",
]

"""Database models, one module per area; every name is re-exported here, so
`from events.models import Event` works and Alembic sees every table.

All times are stored in UTC and come back timezone-aware on both SQLite and
PostgreSQL; they are shown in Europe/Warsaw by the templates.
"""

from events.models.accounts import Role, ThrottleCounter, User, event_staff
from events.models.api_tokens import ApiToken, TokenScope
from events.models.audit import AuditEntry
from events.models.base import UTCDateTime, enum_column, new_secret, utcnow
from events.models.checkin import CheckInLink, Scan, ScanMethod, ScanResult
from events.models.courses import (
    Certificate,
    CourseSession,
    SessionAttendance,
    new_certificate_number,
)
from events.models.events import (
    CHECKIN_MOST_MINUTES,
    Event,
    EventKind,
    EventStatus,
    RegistrationMode,
)
from events.models.groups import GroupMode, RegistrationGroup
from events.models.invitations import Invitation, InvitationOptOut, InvitationStatus
from events.models.organizations import Organization, OrganizationKind, event_coorganizer
from events.models.outbox import OutboxMessage, OutboxStatus
from events.models.programmes import Programme
from events.models.questionnaires import (
    Questionnaire,
    QuestionnaireInvitation,
    QuestionnaireKind,
    QuestionnaireResponse,
    QuestionnaireVersion,
    ResponseSource,
    new_public_key,
    new_response_key,
)
from events.models.registrations import (
    ACTIVE_STATUSES,
    OrganizationType,
    Presence,
    Registration,
    RegistrationStatus,
)
from events.models.series import Series
from events.models.webhooks import (
    PING,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookKind,
)

__all__ = [
    "ApiToken",
    "DeliveryStatus",
    "PING",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookKind",
    "TokenScope",
    "ACTIVE_STATUSES",
    "AuditEntry",
    "Certificate",
    "CheckInLink",
    "CourseSession",
    "Event",
    "CHECKIN_MOST_MINUTES",
    "EventKind",
    "EventStatus",
    "Invitation",
    "GroupMode",
    "InvitationOptOut",
    "InvitationStatus",
    "OrganizationType",
    "Organization",
    "OrganizationKind",
    "OutboxMessage",
    "OutboxStatus",
    "Presence",
    "Programme",
    "Questionnaire",
    "QuestionnaireInvitation",
    "QuestionnaireKind",
    "QuestionnaireResponse",
    "QuestionnaireVersion",
    "Registration",
    "RegistrationGroup",
    "RegistrationMode",
    "RegistrationStatus",
    "ResponseSource",
    "Role",
    "Scan",
    "ScanMethod",
    "ScanResult",
    "Series",
    "SessionAttendance",
    "ThrottleCounter",
    "UTCDateTime",
    "User",
    "enum_column",
    "event_coorganizer",
    "event_staff",
    "new_certificate_number",
    "new_public_key",
    "new_response_key",
    "new_secret",
    "utcnow",
]

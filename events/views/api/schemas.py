"""The API's bodies, queries and answers as pydantic models: what the OpenAPI document
says, what requests are checked against, what answers are checked against."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from events.models import (
    EventKind,
    OrganizationType,
    RegistrationMode,
    RegistrationStatus,
    TokenScope,
)
from events.services.lifecycle import RegistrationState

Text = Field(max_length=200)
Slug = Field(default=None, max_length=120, pattern=r"^[A-Za-z0-9_.-]+$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Errors ------------------------------------------------------------------------------


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; `code` is the refusal's code, `errors` the fields."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldProblem] | None = None


# The public programme ------------------------------------------------------------------


class ProgrammeQuery(Strict):
    kind: EventKind | None = None
    county: str | None = Field(default=None, max_length=40)
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    programme: str | None = Slug
    organization: str | None = Field(default=None, max_length=40)
    include_past: bool = False
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=20, ge=1, le=100)
    lang: Literal["pl", "en"] | None = None


class LanguageQuery(Strict):
    lang: Literal["pl", "en"] | None = None


class Named(BaseModel):
    slug: str
    name: str


class Seats(BaseModel):
    state: RegistrationState
    state_label: str
    capacity: int | None
    seats_left: int | None = Field(description="None: no limit")
    waitlist: bool
    mode: RegistrationMode
    opens_at: datetime | None
    closes_at: datetime


class SessionOut(BaseModel):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    venue_name: str
    venue_address: str


class EventOut(BaseModel):
    id: int
    slug: str
    title: str
    kind: EventKind
    kind_label: str
    status: str
    starts_at: datetime
    ends_at: datetime
    venue_name: str
    venue_address: str
    county: str
    county_name: str
    online: bool
    programme: Named | None
    organization: Named
    coorganizers: list[Named]
    registration: Seats
    url: str = Field(description="The event's public page, where people register")


class EventDetail(EventOut):
    description: str
    sessions: list[SessionOut]


class EventPage(BaseModel):
    items: list[EventOut]
    page: int
    per_page: int
    total: int
    pages: int


# The organizer API ----------------------------------------------------------------------


class TokenOut(BaseModel):
    name: str
    prefix: str
    scopes: list[TokenScope]
    expires_at: datetime
    account: str
    organization: str
    network: bool = Field(description="True: the token sees the whole network")


class EventListQuery(Strict):
    status: Literal["draft", "published", "cancelled"] | None = None
    past: bool = False
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=50, ge=1, le=200)
    lang: Literal["pl", "en"] | None = None


class ManagedEvent(EventDetail):
    counts: dict[str, int] = Field(description="Registrations by status")
    checked_in: int


class ManagedEventPage(BaseModel):
    items: list[ManagedEvent]
    page: int
    per_page: int
    total: int
    pages: int


class EventIn(Strict):
    """An event's fields; times are ISO 8601 with an offset (or UTC)."""

    title: str = Field(min_length=1, max_length=200)
    kind: EventKind
    description: str = Field(default="", max_length=20_000)
    starts_at: datetime
    ends_at: datetime
    venue_name: str = Field(default="", max_length=200)
    venue_address: str = Field(default="", max_length=300)
    county: str = Field(max_length=40)
    online_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    mode: RegistrationMode = RegistrationMode.OPEN
    waitlist_enabled: bool = True
    contact_email: str | None = Field(default=None, max_length=254)
    programme: str | None = Slug
    group_max: int | None = Field(default=None, ge=2, le=500)


class EventPatch(Strict):
    """The fields to change; those left out keep their values."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    kind: EventKind | None = None
    description: str | None = Field(default=None, max_length=20_000)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    venue_name: str | None = Field(default=None, max_length=200)
    venue_address: str | None = Field(default=None, max_length=300)
    county: str | None = Field(default=None, max_length=40)
    online_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    mode: RegistrationMode | None = None
    waitlist_enabled: bool | None = None
    contact_email: str | None = Field(default=None, max_length=254)
    programme: str | None = Slug
    group_max: int | None = Field(default=None, ge=2, le=500)


class CancelIn(Strict):
    confirm: Literal[True] = Field(description="Cancelling tells every registered person")


class RegistrationQuery(Strict):
    q: str = Field(
        default="", max_length=200, description="Words of the name, email or organization"
    )
    status: RegistrationStatus | None = None
    county: str | None = Field(default=None, max_length=40)
    organization_type: OrganizationType | None = None
    page: int = Field(default=1, ge=1, le=10_000)


class RegistrationOut(BaseModel):
    """A registration as the organizer's table shows it (the needs told in confidence
    and the consents stay on the pages)."""

    id: int
    event_id: int
    status: RegistrationStatus
    status_label: str
    first_name: str
    last_name: str
    email: str | None = Field(description="None once the person is erased")
    phone: str | None
    organization: str
    organization_type: OrganizationType
    county: str
    dr_member: bool
    walk_in: bool
    registered_at: datetime
    checked_in_at: datetime | None
    actions: list[str] = Field(description="What the organizer may do with it now")


class RegistrationPage(BaseModel):
    items: list[RegistrationOut]
    page: int
    pages: int
    total: int


class RegistrationIn(Strict):
    """A person registered by hand (by phone, on paper): the same rules as online."""

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: str = Field(min_length=3, max_length=254)
    phone: str = Field(default="", max_length=40)
    organization: str = Field(min_length=1, max_length=200)
    organization_type: OrganizationType
    county: str = Field(max_length=40)
    dr_member: bool = False
    language: Literal["pl", "en"] = "pl"
    notify: bool = Field(default=True, description="Send the person the confirmation email")
    data_consent: Literal[True] = Field(
        description="The person agreed to the processing of their data (told by phone, on paper)"
    )


class DoorIn(Strict):
    """A request at the door; the same `nonce` sent again gets the first answer again."""

    nonce: str = Field(default="", max_length=64)
    session: int | None = Field(default=None, ge=1, le=2**31 - 1, description="A course's session")
    reason: str = Field(default="", max_length=200, description="Why, outside the check-in window")


class ScanIn(DoorIn):
    code: str = Field(min_length=1, max_length=1000, description="The ticket's QR code or its text")
    method: Literal["scanner", "camera"] = "scanner"


class CheckInIn(DoorIn):
    registration_id: int = Field(ge=1, le=2**31 - 1)


class VerdictOut(BaseModel):
    """The door's answer, as the scanner page gets it (docs/checkin-api.md)."""

    result: str
    title: str
    detail: str
    name: str | None
    organization: str | None
    registration_id: int | None
    scan_id: int
    replayed: bool
    may_override: bool
    counts: dict[str, int | None]


class Figures(BaseModel):
    events: int
    registered: int
    confirmed: int
    attended: int


class ReportOut(BaseModel):
    """The report's figures (the page's, as numbers)."""

    registered: int
    confirmed: int
    waitlisted: int
    pending: int
    cancelled: int
    attended: int
    attended_by_how: dict[str, int]
    no_shows: int
    beyond_capacity: int
    dr_members: int
    in_groups: int
    groups: int
    by_county: dict[str, dict[str, int]]
    by_organization_type: dict[str, dict[str, int]]
    sessions: int
    session_attendances: int
    hours_attended: float


class ExportQuery(Strict):
    q: str = Field(default="", max_length=200)
    status: RegistrationStatus | None = None
    county: str | None = Field(default=None, max_length=40)
    format: Literal["csv", "xlsx"] = "csv"

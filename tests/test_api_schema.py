"""The API against its own OpenAPI document (schemathesis): for every operation,
generated requests, valid and not (positive and negative modes), never get an answer
>= 500, and every answer matches what the document says of it (status, content type,
body).

Requests carry a token of every scope; the event and registration in a URL are the
ones of the token's owner (another organization's are tested in test_api_tokens.py),
so the generated bodies reach the services rather than stopping at a 404."""

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from events.models import RegistrationStatus, Role, utcnow
from events.services.api_tokens import create_token
from tests.factories import make_event, make_organization, make_registration, make_user

EXAMPLES = 20  # per operation and mode: bounded in time (about 20 operations, two databases)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_world(app):
    with app.app_context():
        organization = make_organization("P", name="Stowarzyszenie Pomorskie")
        owner = make_user("p@example.org", role=Role.ORGANIZER, organization=organization)
        event = make_event(organization=organization, capacity=3)
        make_event(organization=organization, slug="seminarium-w-pile")
        people = [
            make_registration(event, status)
            for status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
        ]
        secret = create_token(
            owner, "schemathesis", utcnow() + timedelta(days=1), ["read", "write", "checkin"]
        ).secret
        return {"token": secret, "event_id": event.id, "registration_ids": [p.id for p in people]}


def _check_operation(operation, world, mode: GenerationMode) -> None:
    """Generated requests of one operation, each sent and its answer checked."""

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same requests on every run: a failure comes back when rerun
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case):
        path = case.path_parameters or {}
        if "event_id" in path:
            path["event_id"] = world["event_id"]
        if "registration_id" in path:
            ids = world["registration_ids"]
            path["registration_id"] = ids[len(str(case.body)) % len(ids)]
        case.call_and_validate(headers={"Authorization": f"Bearer {world['token']}"}, checks=CHECKS)

    run()


def test_every_answer_matches_the_document(app, api_world):
    """(schemathesis's pytest loader does not run under this pytest: the operations
    are walked here, each a Hypothesis test of its own.)"""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _check_operation(operation, api_world, mode)
            except Exception as error:  # noqa: BLE001 - each operation's failure is reported
                failures.append(f"{operation.method.upper()} {operation.path} ({mode}): {error}")
    assert not failures, "\n\n".join(failures)


def test_the_document_is_openapi_3_1_and_lists_both_apis(client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    assert "/api/v1/events" in paths and "/api/v1/organizer/events/{event_id}/checkin/scan" in paths
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/v1/organizer/events/{event_id}/registrations" in page

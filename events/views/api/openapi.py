"""The OpenAPI 3.1 document, generated from the code, and its documentation page.

Spectree reads the pydantic models each route declares (`@spec.validate`), checks
requests and responses against them and writes the document from them: one
description, used by the validation, the document and the page alike. Only the
routes that declare their models are in it (`mode="strict"`): the door's API
keeps its own description (docs/checkin-api.md). Spectree's own pages are not
registered (they load their scripts from elsewhere): the page here is rendered
from the document, on this site.
"""

import copy

from flask import abort, current_app, jsonify, render_template
from flask_babel import gettext as _
from spectree import SecurityScheme, SecuritySchemeData, SpecTree

from events.documents import XLSX_MIME
from events.views.access import Rule, access
from events.views.api.blueprint import bp
from events.views.api.schemas import Problem
from events.views.problems import PROBLEM_JSON, problem

VERSION = "1.0.0"
DESCRIPTION = """The programme of the Działamy Razem network (public, no login) and the
organizer API (a personal API token, made on the organizer's "API tokens" page, sent
as `Authorization: Bearer drt_…`). Errors are RFC 9457 problem details
(`application/problem+json`) whose `code` is the refusal the pages give too.
Answers are in Polish or English: `?lang=pl|en`, else `Accept-Language`."""


class InvalidRequest(Exception):
    """A request that does not match its route's models (raised by the hook below)."""

    def __init__(self, errors: list[dict]):
        super().__init__("invalid request")
        self.errors = errors


def _refuse_invalid(_request, _response, error, _instance, _adapter) -> None:
    if error is not None:
        raise InvalidRequest(
            [
                {"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
                for item in error.errors(include_context=False, include_url=False)
            ]
        )


def _answer_must_match(_request, _response, error, _instance, _adapter) -> None:
    """An answer that does not match its own model is a bug: logged, answered 500."""
    if error is not None:
        current_app.logger.error("API answer does not match its schema: %s", error)
        abort(500)


spec = SpecTree(
    "flask",
    title="Działamy Razem — API",
    description=DESCRIPTION,
    version=VERSION,
    mode="strict",
    annotations=True,
    security_schemes=[
        SecurityScheme(
            name="token",
            data=SecuritySchemeData(
                type="http", scheme="bearer", description="A personal API token"
            ),
        )
    ],
    before=_refuse_invalid,
    after=_answer_must_match,
    validation_error_status=422,
    validation_error_model=Problem,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


@bp.errorhandler(InvalidRequest)
def invalid_request(error: InvalidRequest):
    return problem(
        422, _("The request has mistakes in the fields named."), code="invalid", errors=error.errors
    )


# Answers that are files, not JSON: what they are, for the document.
FILES = {
    "/api/v1/organizer/events/{event_id}/participants": {
        "text/csv": {"schema": {"type": "string"}},
        XLSX_MIME: {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}},
    }
}


# Refusals any operation may give, before its own rules: a request the server does not
# read (a NUL character in it), and too many requests (the rate limits).
EVERY_OPERATION = {"400": "A request that cannot be read", "429": "Too many requests"}


def _problem_answer(description: str) -> dict:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def document() -> dict:
    """Spectree's document, its refusals said as what they are (problem details) and
    its files as files."""
    described = copy.deepcopy(spec.spec)
    for path, operations in described["paths"].items():
        if path in FILES:
            operations["get"]["responses"]["200"]["content"] = FILES[path]
        for operation in operations.values():
            for status, description in EVERY_OPERATION.items():
                operation["responses"].setdefault(status, _problem_answer(description))
            if "requestBody" in operation:
                operation["responses"].setdefault("413", _problem_answer("A body too large"))
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if status.startswith(("4", "5")) and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return described


@bp.get("/openapi.json")
@access(Rule.PUBLIC)
def openapi_document():
    response = jsonify(document())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/docs")
@access(Rule.PUBLIC)
def documentation():
    """The document as a page: every operation, its parameters, body and answers."""
    return render_template("api/docs.html", document=document())

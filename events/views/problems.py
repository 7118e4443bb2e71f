"""Errors of the JSON API as RFC 9457 problem details (`application/problem+json`).

`type` names the refusal's code under the API's documentation page, `title` says
it in the reader's language, `code` is the same refusal code the pages use
(events.services.DomainError), `errors` lists the fields a request got wrong,
each with its message.
"""

from flask import Response, json, url_for

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, title: str, detail: str = "", code: str = "", errors: list | None = None
) -> Response:
    body = {
        "type": url_for("api.documentation", _external=True) + f"#problem-{code or status}",
        "title": str(title),
        "status": status,
        "detail": str(detail or title),
        "code": code or str(status),
    }
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def field_problems(field_errors: dict) -> list[dict]:
    """`{"field": message}` as the problem's `errors` list."""
    return [{"field": name, "message": str(message)} for name, message in field_errors.items()]

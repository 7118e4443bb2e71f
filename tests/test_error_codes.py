"""Refusal codes are enums, one per error class, and the HTTP status comes from the class."""

import ast
import importlib
from pathlib import Path

import pytest

from events.services import DomainError, NotFound, Throttled

ROOT = Path(__file__).resolve().parents[1]


def _error_classes() -> dict[str, type]:
    found = {}
    for path in (ROOT / "events").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, DomainError):
                found[value.__name__] = value
    return found


def test_every_code_a_service_raises_is_listed_by_its_class():
    """Read from the code itself, so that a mistyped code fails here, not in production."""
    classes = _error_classes()
    unlisted = []
    for path in (ROOT / "events").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            cls = classes.get(node.func.id)
            if cls is None or cls in (NotFound, Throttled) or not node.args:
                continue
            code = node.args[0]
            if isinstance(code, ast.Constant) and code.value not in set(cls.Code):
                unlisted.append(
                    f"{path.relative_to(ROOT)}:{node.lineno} {cls.__name__} {code.value!r}"
                )
    assert unlisted == []


def test_each_error_class_has_its_own_codes_and_refuses_others():
    for cls in _error_classes().values():
        if cls is not DomainError:
            assert list(cls.Code), f"{cls.__name__} lists no codes"
    from events.services.checkin.decision import CheckInError

    assert CheckInError("nonce_used", "x").code is CheckInError.Code.NONCE_USED
    with pytest.raises(ValueError):
        CheckInError("no_such_code", "x")


def test_the_status_comes_from_the_class():
    assert (NotFound("x").status, Throttled("x").status, DomainError.status) == (404, 429, 409)


def test_a_refusal_no_view_handles_is_a_page_with_its_status_not_a_500(app):
    def refuse():
        raise NotFound("Nie ma takiego zgłoszenia.")

    app.add_url_rule("/test-refusal", "test_refusal", refuse)
    response = app.test_client().get("/test-refusal")
    assert response.status_code == 404 and "Nie ma takiego zgłoszenia." in response.text

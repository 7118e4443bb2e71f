"""A consultation questionnaire answered on a phone (390×844) with the keyboard only:
an answer missing, the error summary, every answer kept, then sent."""

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from events.extensions import db
from events.models import QuestionnaireResponse
from tests.e2e.keyboard import tab_to, wait_for_focus
from tests.test_questionnaires import make_questionnaire

pytestmark = pytest.mark.browser


def test_a_questionnaire_filled_with_the_keyboard_only_keeps_answers_after_an_error(live_app, page):
    with live_app.app_context():
        questionnaire, keys = make_questionnaire()
        url = f"{live_app.url}/q/{questionnaire.public_key}"
    short, long_text, single, multiple, scale, yes_no, number, _date = keys
    page.goto(url)
    assert page.viewport_size == {"width": 390, "height": 844}

    tab_to(page, "#county")
    page.keyboard.type("tur")  # a plain select finds "turecki (powiat)" as you type
    tab_to(page, f"#q-{long_text}")
    page.keyboard.type("Więcej spotkań w gminach")
    tab_to(page, f"#q-{multiple}-2")
    page.keyboard.press("Space")
    tab_to(page, f"#q-{scale}-0")
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # radio buttons: the arrows choose 4
    tab_to(page, f"#q-{number}")
    page.keyboard.type("dwanaście")
    tab_to(page, "button[type=submit].button-primary")
    page.keyboard.press("Enter")

    wait_for_focus(page, "error-summary")
    summary = page.inner_text("#error-summary")
    assert "Odpowiedz na to pytanie." in summary  # the organization's name, required
    assert "Wybierz odpowiedź." in summary and "Wpisz liczbę" in summary
    violations = Axe().run(page).response["violations"]
    assert violations == [], [violation["id"] for violation in violations]
    # Nothing typed was lost.
    assert page.input_value("#county") == "turecki"
    assert page.input_value(f"#q-{long_text}") == "Więcej spotkań w gminach"
    assert page.is_checked(f"#q-{multiple}-2") and page.is_checked(f"#q-{scale}-3")
    assert page.input_value(f"#q-{number}") == "dwanaście"

    # The summary's link takes the keyboard to the question.
    tab_to(page, f'#error-summary a[href="#q-{short}"]')
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == f"q-{short}"
    page.keyboard.type("Stowarzyszenie Razem dla Wsi")
    tab_to(page, f"#q-{single}-0")
    page.keyboard.press("Space")
    tab_to(page, f"#q-{number}")
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    tab_to(page, f"#q-{yes_no}-0")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].button-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks")
    assert "Dziękujemy za odpowiedzi" in page.inner_text("h1")

    with live_app.app_context():
        response = db.session.scalars(sa.select(QuestionnaireResponse)).one()
        assert response.county == "turecki"
        assert response.answers[scale] == 4 and response.answers[number] == 12
        assert response.answers[multiple] == {"choices": ["o3"]}
        assert response.answers[yes_no] is True

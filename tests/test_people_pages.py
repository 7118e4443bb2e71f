"""What people read and print: the poster's last day and its PDF, bars scaled to 100 %,
the certificate check's labels, the calendar feed's freshness, page descriptions."""

import io
import re
from datetime import datetime
from decimal import Decimal

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from events.models import Role
from events.services.questionnaires.results import Row, bar_chart_svg
from events.timezone import WARSAW
from tests.factories import make_event, make_user
from tests.test_questionnaire_pages import _log_in
from tests.test_questionnaires import PASSWORD, make_questionnaire

CLOSING = datetime(2027, 3, 1, tzinfo=WARSAW)  # the form's "closes on 28 February"


def _poster_questionnaire(app):
    with app.app_context():
        make_user(password=PASSWORD, role=Role.COORDINATOR)
        questionnaire, _keys = make_questionnaire(closes_at=CLOSING)
        return questionnaire.id, questionnaire.public_key


def test_the_poster_names_the_last_day_and_comes_as_a_pdf_with_a_readable_qr(app, client):
    questionnaire_id, key = _poster_questionnaire(app)
    _log_in(client)
    base = f"/organizer/questionnaires/{questionnaire_id}"
    poster = client.get(f"{base}/poster").get_data(as_text=True)
    assert "do 28 lutego 2027 włącznie" in poster and "1 marca" not in poster
    assert f'href="{base}/poster.pdf"' in poster

    answer = client.get(f"{base}/poster.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "attachment" in answer.headers["Content-Disposition"]
    [page] = PdfReader(io.BytesIO(answer.data)).pages
    assert round(float(page.mediabox.width) / 72 * 25.4) == 210  # A4
    text = " ".join(page.extract_text().split())
    assert "28 lutego 2027 włącznie" in text and "1 marca" not in text
    assert "Konsultacje programu partnerstw" in text
    url = f"https://rejestracja.example.org/q/{key}"
    [image] = page.images
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))
    assert code.text == url and url in text.replace(" ", "")


def test_bars_are_shares_of_the_answers_not_of_the_largest_answer():
    third = Decimal("33.3")
    svg = bar_chart_svg("c", "Trzy odpowiedzi", [Row(name, 1, third) for name in "abc"])
    widths = [int(width) for width in re.findall(r'<rect x="0" y="\d+" width="(\d+)"', svg)]
    assert widths == [83, 83, 83]  # a third of the 250 px scale, not full width
    full = bar_chart_svg("d", "Wszyscy", [Row("tak", 4, Decimal("100.0"))])
    assert 'width="250"' in full


def test_the_feed_says_how_long_a_calendar_may_keep_it(app, client):
    with app.app_context():
        make_event(title="Seminarium w Pile")
    first = client.get("/events.ics")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.get("/events.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/").headers["Cache-Control"] == "no-cache"  # pages still revalidate


def test_public_pages_have_a_description(app, client):
    with app.app_context():
        slug = make_event(title="Seminarium w Pile", description="Rozmawiamy o partnerstwie.").slug
    index = client.get("/").get_data(as_text=True)
    assert re.search(r'<meta name="description" content="Seminaria, szkolenia [^"]+">', index)
    page = client.get(f"/events/{slug}").get_data(as_text=True)
    assert re.search(r'<meta name="description" content="[^"]*Seminarium w Pile\. Rozmawiamy', page)

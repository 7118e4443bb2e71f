"""What a partner's organizer downloads, reads and searches names only their own
people: every page and file of the organizer area that P's organizer may open (the
whole-programme lists and reports, and each of P's event, questionnaire and series
pages, searched for a name), read as text (CSV, XLSX, PDF, HTML), holds no person of
Q or of the lead organization. C, which co-organizes P's event, sees P's people and
no others; a coordinator sees everyone."""

import io

import pypdf
import pytest
from openpyxl import load_workbook

from events.views.access import Rule
from tests.network import EMAILS, build_world, log_in, route_url

PEOPLE = {"P": "OsobaP", "Q": "OsobaQ", "DR": "OsobaDR"}


def _text(response) -> str:
    """The response as text, whatever the file."""
    kind = response.mimetype
    data = response.get_data()
    if kind == "application/pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    if "spreadsheetml" in kind:
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            " ".join(str(cell) for cell in row if cell is not None)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return data.decode("utf-8", errors="replace")


def _everything_read_by(app, client, objects) -> dict[str, str]:
    """Every GET page or file of the organizer area the client may open, with P's ids,
    and each table searched for "Osoba": url → text."""
    texts = {}
    for rule in app.url_map.iter_rules():
        declared = getattr(app.view_functions[rule.endpoint], "access_rule", None)
        if declared not in (Rule.ORGANIZER, Rule.SCOPED, Rule.DOOR) or "GET" not in rule.methods:
            continue
        url = route_url(app, rule, "GET", objects, programme_id=0)
        for searched in (url, url + ("&" if "?" in url else "?") + "q=Osoba"):
            response = client.get(searched, buffered=True)
            if response.status_code == 200:
                texts[searched] = _text(response)
    return texts


@pytest.mark.parametrize(
    ("actor", "sees", "never"),
    [
        ("organizer P", {"P"}, {"Q", "DR"}),
        ("co-organizer", {"P"}, {"Q", "DR"}),
        ("organizer Q", set(), {"P", "DR"}),
        ("coordinator", {"P"}, set()),
    ],
)
def test_an_organizer_reads_no_person_of_another_organization(app, actor, sees, never):
    with app.app_context():
        world = build_world()
    client = app.test_client()
    client.set_cookie("lang", "en")
    log_in(client, EMAILS[actor])
    texts = _everything_read_by(app, client, world["P"])
    downloads = [url for url in texts if url.split("?")[0].endswith((".csv", ".xlsx", ".pdf"))]
    if sees:
        assert len(downloads) >= 8, downloads  # the lists, sheets, badges and results
    for owner in sees:
        assert any(PEOPLE[owner] in text for text in texts.values()), f"{actor} sees {owner}"
    for owner in never:
        leaks = [url for url, text in texts.items() if PEOPLE[owner] in text]
        assert leaks == [], f"{actor} reads {owner}'s person in {leaks}"


def test_the_programme_lists_of_a_partner_hold_their_own_people_only(app):
    with app.app_context():
        build_world()
    client = app.test_client()
    log_in(client, EMAILS["organizer P"])
    for url in ("/organizer/participants.csv", "/organizer/participants.xlsx"):
        text = _text(client.get(url, buffered=True))
        assert PEOPLE["P"] in text and PEOPLE["Q"] not in text and PEOPLE["DR"] not in text, url

"""Downloads opened by real readers: csv, openpyxl, pypdf. Formula payloads neutralized."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from events.extensions import db
from events.models import Event, Registration, Role
from events.services.checkin.door import Actor, check_in_registration
from events.services.participants import TableQuery
from events.services.registration import cancel_registration, register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, make_user

PASSWORD = "haslo-organizatora"
PAYLOADS = ['=HYPERLINK("http://x","klik")', "+48 600 100 200", "-2+3", "@SUM(A1)", "\tTab"]


@pytest.fixture
def event_id(app):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        event = make_event(title="Seminarium „Zażółć gęślą jaźń”", capacity=None)
        people = [
            register_attendee(
                event.id,
                attendee(first_name="Zażółć", last_name="Gęślą Jaźń", organization=payload,
                         county="m-poznan", phone="+48 600 100 200"),
                notify=False,
            )
            for payload in PAYLOADS
        ]  # fmt: skip
        check_in_registration(event.id, people[0].id, Actor(user_id=1))
        cancel_registration(people[-1].id)
        return event.id


@pytest.fixture
def organizer(app, event_id):
    client = app.test_client()
    client.set_cookie("lang", "pl")
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": "org@example.org", "password": PASSWORD, "csrf_token": token}
    )
    return client


def test_csv_opens_in_polish_excel_and_neutralizes_formulas(organizer, event_id):
    response = organizer.get(f"/organizer/events/{event_id}/participants.csv")
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Nazwisko", "Imię", "Adres e-mail"]
    assert len(body) == len(PAYLOADS)
    organizations = [row[header.index("Organizacja")] for row in body]
    assert organizations == ["'" + payload for payload in PAYLOADS]
    assert body[0][header.index("Nazwisko")] == "Gęślą Jaźń"
    checked = [row[header.index("Obecność")] for row in body]
    assert checked[0] and not any(checked[1:])
    assert body[-1][header.index("Status")] == "Anulowana"


def test_xlsx_reads_back_with_dates_bold_frozen_header_and_no_formulas(organizer, event_id):
    response = organizer.get(f"/organizer/events/{event_id}/participants.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet.auto_filter.ref == f"A1:O{len(PAYLOADS) + 1}"  # O: the group
    assert sheet.column_dimensions["E"].width >= 20
    column = header.index("Organizacja")
    for row_number, payload in enumerate(PAYLOADS, start=2):
        cell = sheet.cell(row=row_number, column=column + 1)
        assert cell.data_type == "s" and cell.value == payload  # text, never a formula
    registered = rows[1][header.index("Zarejestrowano")]
    assert isinstance(registered, datetime)


def test_the_programme_download_has_the_event_of_each_row(organizer, event_id):
    response = organizer.get("/organizer/participants.xlsx")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)
    )
    assert rows[0][:2] == ("Wydarzenie", "Data wydarzenia")
    assert rows[1][0] == "Seminarium „Zażółć gęślą jaźń”"
    assert isinstance(rows[1][1], datetime)
    csv_rows = organizer.get("/organizer/participants.csv").data.decode("utf-8-sig").splitlines()
    assert len(csv_rows) == len(PAYLOADS) + 1


def test_the_attendance_sheet_keeps_polish_letters_and_has_a_signature_column(
    app, organizer, event_id
):
    with app.app_context():
        for number in range(40):  # enough people for several pages
            register_attendee(event_id, attendee(last_name=f"Źdźbło{number:02d}"), notify=False)
    response = organizer.get(f"/organizer/events/{event_id}/attendance.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 2
    text = [page.extract_text() for page in reader.pages]
    assert "Zażółć gęślą jaźń" in text[0]
    assert "Zażółć Gęślą Jaźń" in text[0]
    for page in text:  # the event and the table's header on every page
        assert "Lista obecności" in page and "Podpis" in page
    assert "Źdźbło39" in "".join(text)


def test_a_long_organization_takes_two_lines_on_the_sheet_then_ends_with_an_ellipsis(
    app, organizer, event_id
):
    long_name = (
        "Stowarzyszenie na rzecz rozwoju obszarów wiejskich gminy Żółkiewka "
        "i okolic oraz współpracy międzynarodowej młodzieży"
    )
    with app.app_context():
        register_attendee(event_id, attendee(organization=long_name), notify=False)
    response = organizer.get(f"/organizer/events/{event_id}/attendance.pdf")
    text = " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
    assert "Stowarzyszenie na rzecz rozwoju" in text and "…" in text
    assert "międzynarodowej młodzieży" not in text  # cut, not printed over the next column


def test_downloads_follow_the_tables_filters(organizer, event_id):
    response = organizer.get(f"/organizer/events/{event_id}/participants.csv?status=cancelled")
    rows = response.data.decode("utf-8-sig").splitlines()
    assert len(rows) == 2


def test_ten_thousand_registrations_give_ten_thousand_lines(app, event_id):
    """The CSV generator (a query read in batches of 500, written line by line) loses
    nothing at 10,000 rows. It checks completeness, not memory use."""
    from events.services.exports import csv_lines

    with app.app_context():
        event = db.session.get(Event, event_id)
        rows = [
            {
                "event_id": event.id, "status": "confirmed", "first_name": "Jan",
                "last_name": f"Kowalski{number}", "email": f"jan{number}@example.org",
                "organization": "Fundacja", "organization_type": "ngo", "county": "pilski",
                "dr_member": True, "data_consent_at": event.created_at,
                "data_consent_version": "v1", "language": "pl",
                "manage_token": f"t{number}", "ticket_code": f"C{number}",
                "created_at": event.created_at, "updated_at": event.created_at,
            }
            for number in range(10_000)
        ]  # fmt: skip
        db.session.execute(sa.insert(Registration), rows)
        db.session.commit()
        with app.test_request_context():
            lines = csv_lines(event.id, TableQuery())
            assert next(lines).startswith("\ufeff")
            count = sum(1 for _line in lines)
    assert count == 10_000 + len(PAYLOADS)

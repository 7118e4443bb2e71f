"""Name badges read back: pypdf finds each text and each QR image where it is printed,
zxing-cpp decodes the images, so a badge is checked as a person and a scanner see it."""

import io
import itertools
import math

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream

from events.extensions import db
from events.models import Event, Registration, RegistrationStatus, Role, User
from events.services.badges import LEADING, PT, SHEETS, BadgePdf, fit
from events.services.checkin.access import assign_staff, create_link
from events.services.checkin.door import Actor, check_in_registration
from events.services.checkin.search import set_door_search_waiting
from tests.conftest import csrf_token
from tests.factories import make_event, make_registration, make_user

PASSWORD = "haslo-do-identyfikatorow"
# Confirmed people, in the order the badges must come in (Polish alphabet: Ć after C,
# Ł after L, Ś after S, Ź and Ż at the end).
IN_ORDER = [
    ("Jan", "Abacki"),
    ("Piotr", "Cichy"),
    ("Zofia", "Ćwik"),
    ("Anna", "Lis"),
    ("Ewa", "Łoś"),
    ("Ola", "Sowa"),
    ("Marta", "Śliwa"),
    ("Olga", "Zięba"),
    ("Iga", "Źrebiec"),
    ("Łukasz", "Żak"),
]


@pytest.fixture
def event_id(app):
    """An event with ten confirmed people (entered out of order), one pending, one on the
    waiting list and one cancelled; an organizer, staff of this event and staff of
    another one."""
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        make_user(email="staff@example.org", password=PASSWORD, role=Role.STAFF)
        make_user(email="other@example.org", password=PASSWORD, role=Role.STAFF)
        event = make_event(title="Forum organizacji pozarządowych", capacity=None)
        other = make_event(title="Konsultacje w Turku")
        assign_staff("staff@example.org", event.slug)
        assign_staff("other@example.org", other.slug)
        for first, last in reversed(IN_ORDER):
            make_registration(
                event,
                RegistrationStatus.CONFIRMED,
                first_name=first,
                last_name=last,
                organization=f"Fundacja {last}",
                county="m-poznan" if last == "Żak" else "gnieznienski",
            )
        for status in ("pending", "waitlisted", "cancelled"):
            make_registration(event, RegistrationStatus(status), first_name="Nie", last_name="Ma")
        return event.id


def log_in(app, email: str):
    client = app.test_client()
    client.set_cookie("lang", "pl")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client


def tickets(app, event_id: int) -> dict[str, str]:
    """Full name → ticket code of the event's registrations."""
    with app.app_context():
        people = db.session.scalars(db.select(Registration).filter_by(event_id=event_id))
        return {person.full_name: person.ticket_code for person in people}


def slug_of(app, event_id: int) -> str:
    with app.app_context():
        return db.session.get(Event, event_id).slug


def person_id(app, last_name: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Registration.id).filter_by(last_name=last_name))


def badges(document: bytes, key: str = "a4") -> list[list[dict]]:
    """Per page, the badges in slot order: {"slot", "text" (lines), "qr" (decoded)}."""
    reader = PdfReader(io.BytesIO(document))
    return [page_badges(reader, page, SHEETS[key]) for page in reader.pages]


def page_badges(reader: PdfReader, page, sheet) -> list[dict]:
    """Each text and each image goes to the slot of the sheet its position falls in."""
    found: dict[int, dict] = {}

    def slot_at(x_pt: float, y_pt: float) -> dict:
        x, y = x_pt * PT, 297 - y_pt * PT  # mm from the top left corner
        column = math.floor((x - sheet.origin[0]) / sheet.badge[0])
        row = math.floor((y - sheet.origin[1]) / sheet.badge[1])
        assert 0 <= column < sheet.columns and 0 <= row < sheet.rows, (x, y)
        slot = row * sheet.columns + column + 1
        return found.setdefault(slot, {"slot": slot, "text": [], "sizes": [], "qr": []})

    def visit(text, cm, tm, font, size):
        if text.strip():
            badge = slot_at(tm[4], tm[5])
            badge["text"].append(text.strip())
            badge["sizes"].append(size)

    page.extract_text(visitor_text=visit)
    placed = None
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"cm":
            placed = [float(number) for number in operands]
        elif operator == b"Do":
            image = page.images[str(operands[0])].image
            # The centre of the image on the page decides the slot.
            badge = slot_at(placed[4] + placed[0] / 2, placed[5] + placed[3] / 2)
            badge["qr"] += [code.text for code in zxingcpp.read_barcodes(image)]
    return [found[slot] for slot in sorted(found)]


def test_a4_sheets_hold_eight_badges_of_confirmed_people_in_polish_order(app, event_id):
    organizer = log_in(app, "org@example.org")
    response = organizer.get(f"/organizer/events/{event_id}/badges.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "identyfikatory-" in response.headers["Content-Disposition"]
    pages = badges(response.data)
    assert [len(page) for page in pages] == [8, 2]
    assert [badge["slot"] for badge in pages[1]] == [1, 2]
    printed = [badge for page in pages for badge in page]
    names = [f"{first} {last}" for first, last in IN_ORDER]
    assert [badge["text"][1] for badge in printed] == names  # after the event's title
    codes = tickets(app, event_id)
    for badge, name in zip(printed, names, strict=True):
        assert badge["qr"] == [codes[name]], name  # this badge's QR is this person's ticket
        assert badge["text"][0] == "Forum organizacji pozarządowych"
        assert f"Fundacja {name.split()[-1]}" in badge["text"]
    assert "powiat gnieźnieński" in printed[0]["text"]
    sheet = SHEETS["a4"]  # a short name at the largest size, the other texts at theirs
    title, name, organization, county = sheet.title, sheet.name, sheet.organization, sheet.county
    expected = [title.largest, name.largest, organization.largest, county.largest]
    assert printed[0]["sizes"] == expected
    assert "Poznań" in printed[-1]["text"]  # a city county by its name
    assert "Nie Ma" not in str(pages)


def test_the_badge_qr_holds_what_the_ticket_qr_holds(app, event_id):
    """The door reads the badge as the ticket page's (and the email's) QR code."""
    with app.app_context():
        person = db.session.scalar(db.select(Registration).filter_by(last_name="Łoś"))
        token = person.ticket_token
    ticket = app.test_client().get(f"/t/{token}/qr.png")
    [on_ticket] = zxingcpp.read_barcodes(Image.open(io.BytesIO(ticket.data)))
    organizer = log_in(app, "org@example.org")
    document = organizer.get(f"/organizer/events/{event_id}/badges.pdf").data
    [badge] = [badge for badge in badges(document)[0] if "Ewa Łoś" in badge["text"]]
    assert badge["qr"] == [on_ticket.text]


def test_the_fonts_are_embedded(app, event_id):
    document = log_in(app, "org@example.org").get(f"/organizer/events/{event_id}/badges.pdf")
    fonts = PdfReader(io.BytesIO(document.data)).pages[0]["/Resources"]["/Font"]
    embedded = []
    for font in fonts.values():
        font = font.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        embedded.append((str(font["/BaseFont"]), "/FontFile2" in descriptor))
    assert embedded and all("DejaVuSans" in name and inside for name, inside in embedded)


def test_labels_come_24_a_sheet_from_the_first_free_label(app, event_id):
    with app.app_context():
        event = db.session.get(Event, event_id)
        for number in range(14):
            make_registration(event, RegistrationStatus.CONFIRMED, last_name=f"Zet{number:02d}")
    organizer = log_in(app, "org@example.org")
    response = organizer.get(f"/organizer/events/{event_id}/badges.pdf?layout=labels&start=7")
    pages = badges(response.data, "labels")
    assert [[badge["slot"] for badge in page] for page in pages] == [
        list(range(7, 25)),
        [1, 2, 3, 4, 5, 6],
    ]
    first = pages[0][0]
    assert first["text"][0] == "Jan Abacki" and first["qr"] == [
        tickets(app, event_id)["Jan Abacki"]
    ]
    assert all(len(badge["qr"]) == 1 for page in pages for badge in page)


def test_only_people_not_checked_in_yet(app, event_id):
    with app.app_context():
        for last_name in ("Abacki", "Żak"):  # at the door, through its one decision
            check_in_registration(event_id, person_id(app, last_name), Actor(user_id=1))
    organizer = log_in(app, "org@example.org")
    url = f"/organizer/events/{event_id}/badges.pdf?absent=1"
    printed = [badge["text"][1] for page in badges(organizer.get(url).data) for badge in page]
    assert printed == [f"{first} {last}" for first, last in IN_ORDER[1:-1]]
    everyone = badges(organizer.get(f"/organizer/events/{event_id}/badges.pdf").data)
    assert sum(len(page) for page in everyone) == len(IN_ORDER)


def test_nobody_to_print_says_so(app):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        event_id = make_event().id
    document = log_in(app, "org@example.org").get(f"/organizer/events/{event_id}/badges.pdf")
    text = PdfReader(io.BytesIO(document.data)).pages[0].extract_text()
    assert "Brak identyfikatorów" in text


def test_long_names_are_set_smaller_then_wrapped(app):
    with app.test_request_context():
        pdf = BadgePdf(Event(title="Forum"), SHEETS["a4"])
        box = SHEETS["a4"].name
        assert fit(pdf, "Jan Abacki", box) == (box.largest, ["Jan Abacki"])
        size, lines = fit(pdf, "Małgorzata Wiśniewska", box)  # smaller, on one line
        assert box.single <= size < box.largest and lines == ["Małgorzata Wiśniewska"]
        size, lines = fit(pdf, "Małgorzata Wiśniewska-Kowalczyk", box)  # too small: wrapped
        assert size > box.single and lines == ["Małgorzata", "Wiśniewska-Kowalczyk"]
        name = "Maria Magdalena Konstancja Wiśniewska-Grzegorzewska"
        size, lines = fit(pdf, name, box)
        assert len(lines) == 2 and " ".join(lines) == name
        assert all(pdf.width(line, size, box.style) <= box.w for line in lines)
        endless = "Konstantynopolitańczykowianeczka " * 6
        size, lines = fit(pdf, endless, box)
        assert size == box.smallest and len(lines) == box.lines and lines[-1].endswith("…")
        assert all(pdf.width(line, size, box.style) <= box.w for line in lines)


def test_a_double_surname_is_broken_after_its_hyphen_only_when_nothing_else_fits(app):
    with app.test_request_context():
        pdf = BadgePdf(Event(title="Forum"), SHEETS["labels"])
        box = SHEETS["labels"].name
        size, lines = fit(pdf, "Ewa Wiśniewska-Kowalczyk", box)
        assert lines == ["Ewa", "Wiśniewska-Kowalczyk"]
        size, lines = fit(pdf, "Ewa Konstantynopolitańska-Grzegorzewska", box)
        assert lines == ["Ewa", "Konstantynopolitańska-", "Grzegorzewska"]


def test_a_long_name_is_printed_whole_on_two_lines(app, event_id):
    with app.app_context():
        event = db.session.get(Event, event_id)
        make_registration(
            event,
            RegistrationStatus.CONFIRMED,
            first_name="Maria Magdalena Konstancja",
            last_name="Wiśniewska-Grzegorzewska",
        )
    organizer = log_in(app, "org@example.org")
    printed = [
        b
        for page in badges(organizer.get(f"/organizer/events/{event_id}/badges.pdf").data)
        for b in page
    ]
    [badge] = [b for b in printed if "Maria Magdalena" in " ".join(b["text"])]
    assert "Konstancja" in " ".join(badge["text"]) and "Grzegorzewska" in " ".join(badge["text"])


def test_one_badge_at_the_door(app, event_id):
    slug = slug_of(app, event_id)
    with app.app_context():
        person = db.session.scalar(db.select(Registration).filter_by(last_name="Śliwa"))
        pending = db.session.scalar(db.select(Registration).filter_by(status="pending"))
        person_id, pending_id, code = person.id, pending.id, person.ticket_code
    staff = log_in(app, "staff@example.org")
    response = staff.get(f"/checkin/{slug}/badges/{person_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    [[badge]] = badges(response.data)
    assert badge["slot"] == 1 and badge["text"][1] == "Marta Śliwa" and badge["qr"] == [code]
    [[label]] = badges(
        staff.get(f"/checkin/{slug}/badges/{person_id}.pdf?layout=labels&start=5").data, "labels"
    )
    assert label["slot"] == 5 and label["qr"] == [code]
    assert staff.get(f"/checkin/{slug}/badges/{pending_id}.pdf").status_code == 404
    assert staff.get(f"/checkin/{slug}/badges/999999.pdf").status_code == 404
    assert staff.get(f"/checkin/{slug}/badges/{person_id}.pdf?layout=a3").status_code == 404


def test_a_check_in_link_prints_badges_of_its_event_only(app, event_id):
    slug = slug_of(app, event_id)
    with app.app_context():
        organizer = db.session.scalar(db.select(User).filter_by(email="org@example.org"))
        _link, token = create_link(event_id, "Wolontariusz", organizer, 4)
        other = make_event(title="Inne wydarzenie")
        stranger = make_registration(other, RegistrationStatus.CONFIRMED).id
        other_slug = other.slug
    volunteer = app.test_client()
    volunteer.get(f"/checkin/link/{token}")
    assert volunteer.get(f"/checkin/{slug}/badges/{person_id(app, 'Żak')}.pdf").status_code == 200
    assert volunteer.get(f"/checkin/{slug}/badges/{stranger}.pdf").status_code == 404
    assert volunteer.get(f"/checkin/{other_slug}/badges/{stranger}.pdf").status_code == 302
    assert volunteer.get(f"/organizer/events/{event_id}/badges.pdf").status_code == 302


def test_badges_need_an_organizer_or_the_events_door_staff(app, event_id):
    slug = slug_of(app, event_id)
    sheet = f"/organizer/events/{event_id}/badges.pdf"
    single = f"/checkin/{slug}/badges/{person_id(app, 'Żak')}.pdf"
    anonymous = app.test_client()
    for url in (sheet, single):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    staff = log_in(app, "staff@example.org")
    assert staff.get(sheet).status_code == 403
    assert staff.get(single).status_code == 200
    other = log_in(app, "other@example.org")
    assert other.get(sheet).status_code == 403 and other.get(single).status_code == 403
    assert log_in(app, "org@example.org").get(single).status_code == 200


def test_the_organizer_finds_the_badges_next_to_the_attendance_sheet(app, event_id):
    html = log_in(app, "org@example.org").get(f"/organizer/events/{event_id}/registrations")
    page = html.get_data(as_text=True)
    assert f'action="/organizer/events/{event_id}/badges.pdf"' in page
    assert 'name="absent"' in page and 'value="labels"' in page
    assert page.index("attendance.pdf") < page.index("badges.pdf")
    row_badge = f"/checkin/{slug_of(app, event_id)}/badges/{person_id(app, 'Żak')}.pdf"
    assert row_badge in page  # and one in each confirmed person's row


def test_the_door_search_offers_a_confirmed_persons_badge(app, event_id):
    slug = slug_of(app, event_id)
    staff = log_in(app, "staff@example.org")
    found = staff.get(f"/api/checkin/{slug}/search?q=Sliwa").get_json()["results"]
    assert found[0]["badge_url"].endswith(
        f"/checkin/{slug}/badges/{found[0]['registration_id']}.pdf"
    )
    with app.app_context():
        organizer = db.session.scalar(db.select(User).filter_by(email="org@example.org"))
        set_door_search_waiting(db.session.get(Event, event_id), True, organizer)
    waiting = staff.get(f"/api/checkin/{slug}/search?q=Nie Ma").get_json()["results"]
    assert {person["status"] for person in waiting} == {"pending", "waitlisted"}
    assert all(person["badge_url"] is None for person in waiting)  # no seat, no badge


def test_a_badge_in_english_names_the_county_in_english(app, event_id):
    slug = slug_of(app, event_id)
    staff = log_in(app, "staff@example.org")
    staff.set_cookie("lang", "en")
    [[badge]] = badges(staff.get(f"/checkin/{slug}/badges/{person_id(app, 'Lis')}.pdf").data)
    assert badge["text"][1:] == ["Anna Lis", "Fundacja Lis", "Gniezno County"]
    [[city]] = badges(staff.get(f"/checkin/{slug}/badges/{person_id(app, 'Żak')}.pdf").data)
    assert city["text"][-1] == "Poznań"


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_CHECKIN_SEARCH": "3 per minute"}]
)
def test_a_check_in_link_cannot_walk_the_numbers_for_badges(app, event_id):
    """The door's badges are throttled per scanner, as its search is: a volunteer's link
    is no way to collect the list of people."""
    slug = slug_of(app, event_id)
    with app.app_context():
        organizer = db.session.scalar(db.select(User).filter_by(email="org@example.org"))
        _link, token = create_link(event_id, "Wolontariusz", organizer, 4)
    volunteer = app.test_client()
    volunteer.get(f"/checkin/link/{token}")
    statuses = [
        volunteer.get(f"/checkin/{slug}/badges/{number}.pdf").status_code for number in (1, 2, 3, 4)
    ]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize("key", sorted(SHEETS))
def test_each_layout_keeps_its_texts_inside_the_badge_and_off_the_qr_code(key):
    sheet = SHEETS[key]
    width, height = sheet.badge
    assert sheet.origin[0] + sheet.columns * width <= 210
    assert sheet.origin[1] + sheet.rows * height <= 297
    left, top, side = sheet.qr
    assert 0 < left < width - side and 0 < top < height - side
    boxes = [box for box in (sheet.title, sheet.name, sheet.organization, sheet.county) if box]
    for box in boxes:
        assert 0 < box.x < width - box.w and 0 < box.y < height - box.h
        assert box.x + box.w <= left or box.y + box.h <= top, box  # beside or above the code
        line = PT * LEADING  # mm of a line per point
        assert box.largest * line <= box.h and box.lines * box.smallest * line <= box.h, box
    for upper, lower in itertools.pairwise(boxes):
        assert upper.y + upper.h <= lower.y  # one under the other, in reading order


def test_a_badge_without_an_organization_still_prints(app, event_id):
    with app.app_context():
        person = db.session.scalar(db.select(Registration).filter_by(last_name="Lis"))
        person.organization = ""
        db.session.commit()
    staff = log_in(app, "staff@example.org")
    slug = slug_of(app, event_id)
    [[badge]] = badges(staff.get(f"/checkin/{slug}/badges/{person_id(app, 'Lis')}.pdf").data)
    assert badge["text"][1:] == ["Anna Lis", "powiat gnieźnieński"] and len(badge["qr"]) == 1

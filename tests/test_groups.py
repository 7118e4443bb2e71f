"""Group registration: a coordinator registers several people in one form (issue 21)."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.messages.outbox import deliver_due
from events.models import (
    Event,
    GroupMode,
    OutboxMessage,
    Registration,
    RegistrationGroup,
    RegistrationMode,
    RegistrationStatus,
)
from events.services.groups import (
    Coordinator,
    GroupError,
    Member,
    add_member,
    cancel_member,
    register_group,
)
from events.services.lifecycle import LifecycleError
from events.services.registration import register_attendee, waitlist_position
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, next_week
from tests.test_concurrency import run_in_parallel

S = RegistrationStatus
TOGETHER, REST = GroupMode.TOGETHER, GroupMode.WAITLIST_REST


def coordinator(email="koordynatorka@example.org") -> Coordinator:
    return Coordinator("Halina Koordynująca", email, "Stowarzyszenie Razem")


def member(number: int, email: str | None = None, **overrides) -> Member:
    values = {
        "first_name": "Osoba",
        "last_name": f"Numer{'abcdefghijklmnopqrstuvwxyz'[number % 26]}",
        "organization": "Koło Gospodyń Wiejskich",
        "county": "m-kalisz",
        "email": f"osoba{number}@example.org" if email is None else email,
    }
    values.update(overrides)
    return Member(**values)


def group_event(**overrides):
    values = {"group_max": 5, **next_week()}
    values.update(overrides)
    return make_event(**values)


def statuses(group_id: int) -> list[str]:
    return [
        str(r.status)
        for r in db.session.scalars(
            sa.select(Registration).where(Registration.group_id == group_id).order_by("id")
        )
    ]


# What is checked --------------------------------------------------------------------


def test_every_error_is_told_at_once_per_person(ctx):
    event = group_event()
    register_attendee(event.id, attendee(email="juz@example.org"))
    people = [
        member(1, first_name=""),
        member(2, email="nie-adres"),
        member(3, email="juz@example.org"),
        member(4, email="osoba1@example.org", county=""),
    ]
    with pytest.raises(GroupError) as refused:
        register_group(event.id, coordinator(email=""), people, TOGETHER, consent=False)

    error = refused.value
    assert error.code == "invalid"
    assert set(error.coordinator_errors) == {"coordinator_email", "consent"}
    assert set(error.member_errors) == {0, 1, 2, 3}
    assert "first_name" in error.member_errors[0]
    assert "email" in error.member_errors[1]
    assert "juz@example.org jest już zarejestrowany" in str(error.member_errors[2]["email"])
    assert "podano już przy osobie nr 1" in str(error.member_errors[3]["email"])
    assert "county" in error.member_errors[3]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationGroup)) == 0


def test_an_event_without_groups_or_a_group_too_big_is_refused(ctx):
    with pytest.raises(GroupError) as refused:
        register_group(group_event(group_max=None).id, coordinator(), [member(1)], TOGETHER)
    assert refused.value.code == "not_allowed"
    people = [member(number) for number in range(6)]
    with pytest.raises(GroupError) as refused:
        register_group(group_event(group_max=5).id, coordinator(), people, TOGETHER)
    assert refused.value.code == "too_many"


def test_a_closed_event_refuses_a_group_as_it_refuses_one_person(ctx):
    event = group_event(registration_closes_at=next_week()["starts_at"] - timedelta(days=8))
    with pytest.raises(LifecycleError) as refused:
        register_group(event.id, coordinator(), [member(1)], TOGETHER)
    assert refused.value.code == "closed"


# Seats ---------------------------------------------------------------------------


def test_together_goes_whole_to_the_waiting_list_when_not_all_fit(ctx):
    event = group_event(capacity=3)
    group = register_group(event.id, coordinator(), [member(n) for n in range(4)], TOGETHER)
    assert statuses(group.id) == ["waitlisted"] * 4
    assert [waitlist_position(r) for r in group.members] == [1, 2, 3, 4]


def test_together_without_a_waiting_list_is_refused_saying_how_many_seats_are_left(ctx):
    event = group_event(capacity=3, waitlist_enabled=False)
    with pytest.raises(GroupError) as refused:
        register_group(event.id, coordinator(), [member(n) for n in range(4)], TOGETHER)
    assert refused.value.code == "no_room"
    assert "Wolnych miejsc: 3" in str(refused.value.message)


def test_the_rest_waits_in_form_order(ctx):
    event = group_event(capacity=2)
    group = register_group(event.id, coordinator(), [member(n) for n in range(4)], REST)
    assert statuses(group.id) == ["confirmed", "confirmed", "waitlisted", "waitlisted"]


def test_an_approval_event_makes_every_member_an_application(ctx):
    event = group_event(mode=RegistrationMode.APPROVAL)
    group = register_group(event.id, coordinator(), [member(1), member(2)], TOGETHER)
    assert statuses(group.id) == ["pending", "pending"]


def test_consents_are_recorded_as_given_by_the_coordinator(ctx):
    group = register_group(group_event().id, coordinator(), [member(1, email="")], TOGETHER)
    [person] = group.members
    assert person.consent_by_coordinator and person.data_consent_at is not None
    assert person.email is None and person.image_consent_at is None


# At once: 20 groups of 4 for 30 seats --------------------------------------------------


def _twenty_groups(app, mode):
    with app.app_context():
        event_id = group_event(capacity=30).id

    def work(index):
        people = [member(index * 10 + n, first_name="Osoba") for n in range(4)]
        return register_group(event_id, coordinator(f"k{index}@example.org"), people, mode).id

    results = run_in_parallel(app, 20, work)
    assert [r for r in results if isinstance(r, Exception)] == []
    with app.app_context():
        rows = db.session.execute(
            sa.select(Registration.group_id, Registration.status, Registration.id)
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        ).all()
        positions = [
            waitlist_position(db.session.get(Registration, row.id))
            for row in rows
            if row.status == S.WAITLISTED
        ]
    return rows, positions


def test_twenty_groups_of_four_for_thirty_seats_only_together(app):
    rows, positions = _twenty_groups(app, TOGETHER)

    by_group = {}
    for group_id, status, _id in rows:
        by_group.setdefault(group_id, set()).add(status)
    assert all(len(found) == 1 for found in by_group.values()), "a group was split"
    confirmed = sum(1 for row in rows if row.status == S.CONFIRMED)
    assert confirmed % 4 == 0 and confirmed <= 30
    assert confirmed == 28  # 7 whole groups; the 2 seats left fit no group of 4
    assert sorted(positions) == list(range(1, 81 - confirmed))


def test_twenty_groups_of_four_for_thirty_seats_the_rest_waiting(app):
    rows, positions = _twenty_groups(app, REST)

    assert sum(1 for row in rows if row.status == S.CONFIRMED) == 30
    assert sorted(positions) == list(range(1, 51))


# Messages ------------------------------------------------------------------------


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": smtp_server.hostname, "MAIL_PORT": smtp_server.port}


def test_members_without_an_address_have_their_tickets_sent_to_the_coordinator(app, smtp_server):
    with app.app_context():
        event = group_event(title="Forum Sołtysów")
        people = [member(1), member(2, email="", last_name="Bezadresowa")]
        group = register_group(event.id, coordinator(), people, TOGETHER)
        ticket_code = group.members[1].ticket_code
        ticket_token = group.members[1].ticket_token
        deliver_due()

    [own] = smtp_server.inbox.to("osoba1@example.org")
    assert own["Subject"] == "Potwierdzenie rejestracji: Forum Sołtysów"
    [for_coordinator] = smtp_server.inbox.to("koordynatorka@example.org")
    text = for_coordinator.get_body(("plain",)).get_content()
    assert for_coordinator["Subject"] == "Rejestracja grupy: Forum Sołtysów"
    assert "Osoba Bezadresowa" in text and f"/t/{ticket_token}" in text
    assert " ".join(re.findall(".{1,4}", ticket_code)) in text
    assert "/g/" in text


def test_a_seat_from_the_waiting_list_for_a_member_without_address_goes_to_the_coordinator(
    app, smtp_server
):
    with app.app_context():
        event = group_event(capacity=1)
        holder = register_attendee(event.id, attendee(email="zajeta@example.org"))
        group = register_group(event.id, coordinator(), [member(1, email="")], TOGETHER)
        deliver_due()
        smtp_server.inbox.messages.clear()
        from events.services.registration import cancel_registration

        cancel_registration(holder.id)
        deliver_due()
        assert statuses(group.id) == ["confirmed"]

    [promoted] = smtp_server.inbox.to("koordynatorka@example.org")
    assert promoted["Subject"].startswith("Masz miejsce")


# The coordinator's actions ---------------------------------------------------------


def test_the_coordinator_cancels_one_and_the_seat_goes_to_the_waiting_list(ctx):
    event = group_event(capacity=2)
    group = register_group(event.id, coordinator(), [member(1), member(2)], TOGETHER)
    waiting = register_attendee(event.id, attendee(email="czeka@example.org"))
    cancel_member(group.token, group.members[0].id)
    assert statuses(group.id) == ["cancelled", "confirmed"]
    assert db.session.get(Registration, waiting.id).status == S.CONFIRMED


def test_the_coordinator_cancels_only_their_own_members(ctx):
    event = group_event()
    group = register_group(event.id, coordinator(), [member(1)], TOGETHER)
    stranger = register_attendee(event.id, attendee(email="obca@example.org"))
    with pytest.raises(GroupError) as refused:
        cancel_member(group.token, stranger.id)
    assert refused.value.code == "not_member"


def test_the_coordinator_adds_one_while_seats_remain(ctx):
    event = group_event(capacity=3, group_max=3)
    group = register_group(event.id, coordinator(), [member(1), member(2)], TOGETHER)
    with pytest.raises(GroupError) as refused:
        add_member(group.token, member(1))
    assert "już zarejestrowany" in str(refused.value.member_errors[0]["email"])
    added = add_member(group.token, member(3))
    assert added.status == S.CONFIRMED and added.group_id == group.id
    with pytest.raises(GroupError) as refused:
        add_member(group.token, member(4))
    assert refused.value.code == "too_many"


def test_no_one_is_added_when_no_seat_remains(ctx):
    event = group_event(capacity=2)
    group = register_group(event.id, coordinator(), [member(1), member(2)], TOGETHER)
    with pytest.raises(GroupError) as refused:
        add_member(group.token, member(3))
    assert refused.value.code == "no_room"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 3


# The pages --------------------------------------------------------------------------

PASSWORD = "haslo-organizatora"


def person_fields(index: int, first: str, last: str, email: str = "") -> dict:
    prefix = f"members-{index}-"
    return {
        prefix + "first_name": first,
        prefix + "last_name": last,
        prefix + "email": email,
        prefix + "organization": "Stowarzyszenie Razem",
        prefix + "organization_type": "ngo",
        prefix + "county": "m-kalisz",
    }


def group_form(client, url: str, **people) -> dict:
    return {
        "csrf_token": csrf_token(client, url),
        "coordinator_name": "Halina Koordynująca",
        "coordinator_email": "koordynatorka@example.org",
        "coordinator_organization": "Stowarzyszenie Razem",
        "mode": "together",
        "consent": "y",
        **people,
    }


def test_the_event_page_offers_the_group_form_only_where_the_event_allows_it(app, client):
    with app.app_context():
        allowed, alone = group_event().slug, group_event(group_max=None).slug
    assert "Zarejestruj grupę" in client.get(f"/events/{allowed}").get_data(as_text=True)
    assert "Zarejestruj grupę" not in client.get(f"/events/{alone}").get_data(as_text=True)
    assert client.get(f"/events/{alone}/group").status_code == 404


def test_a_coordinator_adds_a_row_fixes_an_error_and_registers_the_group(app, client):
    with app.app_context():
        slug = group_event(capacity=10).slug
    url = f"/events/{slug}/group"
    assert client.get(url).get_data(as_text=True).count('class="group-member"') == 2

    data = group_form(client, url, **person_fields(0, "Anna", "Nowak", "anna@example.org"),
                      **person_fields(1, "Jan", "Kowal"))  # fmt: skip
    added = client.post(url, data={**data, "add_person": "1"})
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and html.count('class="group-member"') == 3
    assert 'value="anna@example.org"' in html and 'value="Kowal"' in html  # kept

    data.update(person_fields(2, "Ewa", "Lis", "anna@example.org"))
    refused = client.post(url, data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert '<a href="#members-2-email">' in html  # the summary links to the field
    assert 'id="members-2-email-error"' in html and "podano już przy osobie nr 1" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0

    data["members-2-email"] = ""
    done = client.post(url, data=data)
    assert done.status_code == 302 and done.headers["Location"].startswith("/g/")
    page = client.get(done.headers["Location"])
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert all(name in html for name in ("Anna Nowak", "Jan Kowal", "Ewa Lis"))
    assert html.count("Potwierdzona") == 3


def test_rows_left_empty_are_left_out(app, client):
    with app.app_context():
        slug = group_event().slug
    url = f"/events/{slug}/group"
    data = group_form(client, url, **person_fields(1, "Jan", "Kowal"))
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        [person] = db.session.scalars(sa.select(Registration)).all()
        assert person.full_name == "Jan Kowal"


def test_a_form_without_its_csrf_token_registers_nobody(app, client):
    with app.app_context():
        slug = group_event().slug
    url = f"/events/{slug}/group"
    data = group_form(client, url, **person_fields(0, "Jan", "Kowal"))
    del data["csrf_token"]
    assert client.post(url, data=data).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_the_coordinator_cancels_a_person_after_confirming_and_adds_another(app, client):
    with app.app_context():
        event = group_event(capacity=3)
        group = register_group(event.id, coordinator(), [member(1), member(2)], TOGETHER)
        token, first_id = group.token, group.members[0].id
    page = f"/g/{token}"
    cancel_url = f"{page}/cancel/{first_id}"
    assert "Tak, anuluj rejestrację" in client.get(cancel_url).get_data(as_text=True)
    assert client.post(cancel_url, data={}).status_code == 400  # no CSRF token: nothing
    with app.app_context():
        assert statuses(group.id) == ["confirmed", "confirmed"]
    client.post(cancel_url, data={"csrf_token": csrf_token(client, cancel_url)})
    with app.app_context():
        assert statuses(group.id) == ["cancelled", "confirmed"]

    add_url = f"{page}/add"
    fields = {
        key.replace("members-0-", "member-"): value
        for key, value in person_fields(0, "Ola", "Nowa", "ola@example.org").items()
    }
    added = client.post(add_url, data={"csrf_token": csrf_token(client, add_url), **fields})
    assert added.status_code == 302
    with app.app_context():
        assert statuses(group.id) == ["cancelled", "confirmed", "confirmed"]
    assert "Ola Nowa" in client.get(page).get_data(as_text=True)


def test_an_unknown_group_link_is_not_found(client):
    assert client.get("/g/nie-ma-takiego").status_code == 404
    assert client.get("/g/nie-ma-takiego/add").status_code == 404


def _organizer(app, client):
    from events.models import Role
    from tests.factories import make_user

    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": "org@example.org", "password": PASSWORD,
                                "csrf_token": token})  # fmt: skip


def test_the_organizer_sees_the_group_in_the_table_and_the_export(app, client):
    with app.app_context():
        event = group_event()
        group = register_group(event.id, coordinator(), [member(1), member(2)], TOGETHER)
        event_id, number = event.id, group.id
    _organizer(app, client)
    label = f"Grupa nr {number}: Halina Koordynująca"
    table = client.get(f"/organizer/events/{event_id}/registrations").get_data(as_text=True)
    assert table.count(label) == 2 and "zgody udzielone przez koordynatora" in table
    exported = client.get(f"/organizer/events/{event_id}/participants.csv")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig")), delimiter=";"))
    column = rows[0].index("Grupa")
    assert [row[column] for row in rows[1:]] == [label, label]
    report = client.get(f"/organizer/events/{event_id}/report").get_data(as_text=True)
    assert "Osoby potwierdzone zarejestrowane w grupie" in report


def test_erasing_a_member_drops_the_coordinators_message_that_names_them(ctx):
    from events.services.privacy import erase_person

    event = group_event()
    register_group(event.id, coordinator(), [member(1), member(2)], TOGETHER)
    assert erase_person("osoba1@example.org", None) == 1
    kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert "group_registered" not in kinds


def test_each_member_is_one_person_on_the_sheet_and_the_badges(app, client):
    from pypdf import PdfReader

    with app.app_context():
        event = group_event()
        group = register_group(
            event.id, coordinator(), [member(1, last_name="Źdźbło"), member(2)], TOGETHER
        )
        event_id, number = event.id, group.id
    _organizer(app, client)
    sheet = client.get(f"/organizer/events/{event_id}/attendance.pdf")
    text = " ".join(PdfReader(io.BytesIO(sheet.data)).pages[0].extract_text().split())
    assert "Osoba Źdźbło (grupa nr" in text and text.count(f"(grupa nr {number})") == 2
    badges = client.get(f"/organizer/events/{event_id}/badges.pdf")
    assert badges.status_code == 200
    text = PdfReader(io.BytesIO(badges.data)).pages[0].extract_text()
    assert "Źdźbło" in text and "Numerc" in text


def test_the_organizer_sets_the_largest_group_from_2_to_20(app, client):
    from tests.test_organizer import event_form

    _organizer(app, client)
    url = "/organizer/events/new"
    token = csrf_token(client, url)
    refused = client.post(url, data={**event_form(group_max="1"), "csrf_token": token})
    assert refused.status_code in (200, 422)
    assert "od 2 do 20" in refused.get_data(as_text=True)
    client.post(url, data={**event_form(group_max="12"), "csrf_token": token})
    with app.app_context():
        assert db.session.scalar(sa.select(Event.group_max)) == 12


def test_each_person_answers_the_events_own_questions(app, client):
    from events.models import QuestionnaireResponse
    from tests.test_registration_questions import _event_with_questions

    slug, _event_id, programme, _source, version = _event_with_questions(app, group_max=3)
    url = f"/events/{slug}/group"
    html = client.get(url).get_data(as_text=True)
    assert f'name="members-1-q-{programme}"' in html  # a set of questions per person
    data = group_form(client, url, version=version, **person_fields(0, "Anna", "Nowak"),
                      **person_fields(1, "Jan", "Kowal"))  # fmt: skip
    data[f"members-0-q-{programme}"] = "o1"
    refused = client.post(url, data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'href="#members-1-q-{programme}-0"' in html  # only the second person's
    assert f'href="#members-0-q-{programme}-0"' not in html
    data[f"members-1-q-{programme}"] = "o2"
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        answers = db.session.execute(
            sa.select(Registration.first_name, QuestionnaireResponse.answers)
            .join(Registration, Registration.id == QuestionnaireResponse.registration_id)
            .order_by(Registration.id)
        ).all()
        assert [(name, answer[programme]) for name, answer in answers] == [
            ("Anna", "o1"),
            ("Jan", "o2"),
        ]


def test_adding_rows_is_not_counted_as_registering_by_the_rate_limit(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'limits.db'}", RATELIMIT_ENABLED=True,
                   RATELIMIT_REGISTRATION="3 per minute")  # fmt: skip
    with app.app_context():
        db.create_all()
        slug = group_event(group_max=10).slug
    client = app.test_client()
    url = f"/events/{slug}/group"
    data = group_form(client, url, **person_fields(0, "Jan", "Kowal"))
    for rows in range(2, 8):  # more rows than registrations the limit allows
        response = client.post(url, data={**data, "add_person": "1"})
        assert response.status_code == 200, rows
        data.update(person_fields(rows - 1, "Ewa", f"Lis-{'abcdefgh'[rows]}"))
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 7
        db.session.remove()
        db.engine.dispose()


def test_a_groups_link_reaches_only_its_own_people(app, client):
    with app.app_context():
        event = group_event()
        mine = register_group(event.id, coordinator(), [member(1)], TOGETHER)
        other = register_group(event.id, coordinator("inna@example.org"), [member(2)], TOGETHER)
        token, stranger = mine.token, other.members[0].id
    url = f"/g/{token}/cancel/{stranger}"
    assert client.get(url).status_code == 404
    assert (
        client.post(url, data={"csrf_token": csrf_token(client, f"/g/{token}/add")}).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(Registration, stranger).status == S.CONFIRMED


def test_a_group_sent_larger_than_the_event_takes_is_refused_whole(app, client):
    """The organizer lowered the largest group while the coordinator typed: nobody is
    registered, everyone typed stays on the page, the reason is told."""
    with app.app_context():
        slug = group_event(capacity=30).slug
    url = f"/events/{slug}/group"
    names = ["Anna", "Jan", "Ewa", "Adam", "Maria", "Zofia", "Tomasz", "Piotr"]
    people = {}
    for index, name in enumerate(names):
        people.update(person_fields(index, name, "Nowak"))
    answer = client.post(url, data=group_form(client, url, **people))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Liczba osób w grupie nie może przekroczyć 5." in page
    assert all(f'value="{name}"' in page for name in names)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0

"""Demo questionnaires: a consultation on each of the four programmes with answers from
the counties, and the evaluation of a consultation meeting held last week."""

import random
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from events.demo.organizations import assign_organizers
from events.extensions import db
from events.models import (
    Event,
    EventKind,
    EventStatus,
    OrganizationType,
    Presence,
    Programme,
    QuestionnaireInvitation,
    QuestionnaireKind,
    Registration,
    RegistrationStatus,
    ResponseSource,
    utcnow,
)
from events.services.questionnaires.answering import Respondent, latest_version, submit_response
from events.services.questionnaires.builder import (
    Settings,
    add_section,
    create_questionnaire,
    save_question,
)
from events.services.registration import Attendee, new_registration

SUPPORT = ["Szkolenia", "Doradztwo prawne", "Małe granty", "Wymiana doświadczeń"]
SUPPORT_EN = ["Training", "Legal advice", "Small grants", "Exchange of experience"]
GOALS = [
    "Lepsza współpraca z samorządem",
    "Więcej mieszkańców zaangażowanych w działania",
    "Stabilne finansowanie organizacji",
]
GOALS_EN = [
    "Better cooperation with local government",
    "More residents involved",
    "Stable funding for organizations",
]
IDEAS = [
    "Więcej spotkań w mniejszych gminach, po południu.",
    "Uprościć wnioski o małe granty.",
    "Mentoring dla nowych organizacji.",
    "Wspólny kalendarz wydarzeń w powiecie.",
    "Szkolenia z pisania projektów i rozliczeń.",
]
COUNTIES = ["gnieznienski", "wrzesinski", "koscianski", "zlotowski", "turecki", "szamotulski"]


def _consultation_questions(questionnaire_id: int) -> list[str]:
    def ask(section, **values):
        return save_question(questionnaire_id, section, values)

    keys = [
        ask("s1", type="scale", text_pl="Jak oceniasz projekt programu?",
            text_en="How do you rate the draft programme?", required=True,
            low_pl="bardzo źle", low_en="very poor", high_pl="bardzo dobrze", high_en="very good"),
        ask("s1", type="single", text_pl="Który cel programu jest dla Was najważniejszy?",
            text_en="Which goal of the programme matters most to you?", required=True,
            options_pl=GOALS, options_en=GOALS_EN),
        ask("s1", type="multiple", text_pl="Jakiego wsparcia potrzebuje Wasza organizacja?",
            text_en="What support does your organization need?", other=True,
            options_pl=SUPPORT, options_en=SUPPORT_EN, help_pl="Można wybrać kilka."),
        ask("s1", type="yes_no", text_pl="Czy chcecie współrealizować program?",
            text_en="Would you like to take part in carrying out the programme?"),
        ask("s1", type="long_text", text_pl="Co zmienić lub dodać w projekcie programu?",
            text_en="What should be changed or added to the draft?"),
    ]  # fmt: skip
    section = add_section(questionnaire_id, "O organizacji", "About the organization")
    keys += [
        ask(section, type="number", text_pl="Ilu członków i wolontariuszy macie?",
            text_en="How many members and volunteers do you have?"),
        ask(section, type="date", text_pl="Od kiedy działa organizacja?",
            text_en="Since when has the organization been active?"),
        ask(section, type="short_text", text_pl="Gmina", text_en="Municipality"),
    ]  # fmt: skip
    return keys


def _answers(keys: list[str], chance: random.Random) -> MultiDict:
    form = MultiDict()
    form.add(f"q-{keys[0]}", str(chance.choice([2, 3, 4, 4, 5, 5])))
    form.add(f"q-{keys[1]}", chance.choice(["o1", "o1", "o2", "o3"]))
    for option in chance.sample(["o1", "o2", "o3", "o4"], chance.randint(1, 3)):
        form.add(f"q-{keys[2]}", option)
    if chance.random() < 0.2:
        form.add(f"q-{keys[2]}", "other")
        form.add(f"q-{keys[2]}-other", "Pomoc w promocji działań")
    form.add(f"q-{keys[3]}", chance.choice(["yes", "yes", "no"]))
    if chance.random() < 0.6:
        form.add(f"q-{keys[4]}", chance.choice(IDEAS))
    form.add(f"q-{keys[5]}", str(chance.randint(3, 60)))
    return form


def _consultations(
    meetings: list[Event], programmes: list[Programme], chance: random.Random
) -> None:
    now = utcnow()
    for number, programme in enumerate(programmes):
        questionnaire = create_questionnaire(
            Settings(
                kind=QuestionnaireKind.CONSULTATION,
                title_pl=f"Konsultacje: {programme.name_pl}",
                title_en=f"Consultation: {programme.name_en}",
                purpose_pl=(
                    "Zbieramy opinie organizacji pozarządowych i samorządów o projekcie "
                    "programu. Wyniki trafią do raportu z konsultacji dla grantodawcy."
                ),
                purpose_en=(
                    "We collect the opinions of NGOs and local governments on the draft "
                    "programme. The results go into the consultation report for the funder."
                ),
                programme_id=programme.id,
                anonymous=True,
                opens_at=now - timedelta(days=14),
                closes_at=now + timedelta(days=45),
            ),
            None,
        )
        keys = _consultation_questions(questionnaire.id)
        version = latest_version(questionnaire.id).id
        for index in range(6 + 3 * number):
            meeting = chance.choice(meetings + [None, None])
            respondent = Respondent(
                county=meeting.county if meeting else chance.choice(COUNTIES),
                event_id=meeting.id if meeting else None,
                source=ResponseSource.PAPER if index % 5 == 4 else ResponseSource.ONLINE,
            )
            submit_response(questionnaire.id, version, _answers(keys, chance), respondent)


def _past_meeting(chance: random.Random, people, programme: Programme, organizations) -> Event:
    """A consultation meeting held last week, with most of its people checked in."""
    start = (utcnow() - timedelta(days=6)).replace(hour=14, minute=0, second=0, microsecond=0)
    meeting = Event(
        slug="konsultacje-ostrow",
        title="Spotkanie konsultacyjne – powiat ostrowski",
        kind=EventKind.CONSULTATION,
        description="Spotkanie konsultacyjne z organizacjami i samorządem powiatu.",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        venue_name="Ostrowskie Centrum Kultury",
        venue_address="ul. Wolności 1, 63-400 Ostrów Wielkopolski",
        county="ostrowski",
        capacity=30,
        status=EventStatus.PUBLISHED,
        programme=programme,
    )
    assign_organizers([meeting], organizations)
    db.session.add(meeting)
    db.session.flush()
    for index, attendee in enumerate(people):
        registration = new_registration(meeting, attendee, RegistrationStatus.CONFIRMED, start)
        if index < 8:
            registration.checked_in_at = start - timedelta(minutes=10 - index)
            registration.checked_in_by = "demo"
            registration.checked_in_how = Presence.DOOR
        elif index == 8:  # signed the paper sheet, entered by the organizer afterwards
            registration.checked_in_at = start + timedelta(days=1)
            registration.checked_in_by = "demo"
            registration.checked_in_how = Presence.SHEET
        db.session.add(registration)
    # Came without registering: added at the door, no address, consent on the sheet.
    walk_in = Attendee(
        first_name="Teresa", last_name="Przybylska", email="", organization="Sołectwo Wtórek",
        organization_type=OrganizationType.INFORMAL_GROUP, county="ostrowski",
        dr_member=False, data_consent=True,
    )  # fmt: skip
    registration = new_registration(meeting, walk_in, RegistrationStatus.CONFIRMED, start)
    registration.email, registration.walk_in, registration.consent_on_paper = None, True, True
    registration.checked_in_at, registration.checked_in_by = start + timedelta(minutes=5), "demo"
    registration.checked_in_how = Presence.WALK_IN
    db.session.add(registration)
    return meeting


def _evaluation(meeting: Event, chance: random.Random) -> None:
    questionnaire = create_questionnaire(
        Settings(
            kind=QuestionnaireKind.EVALUATION,
            title_pl=f"Ocena spotkania: {meeting.title}",
            title_en="Evaluation of the consultation meeting",
            purpose_pl="Twoja ocena pomoże nam lepiej przygotować kolejne spotkania.",
            purpose_en="Your rating helps us prepare the next meetings better.",
            event_id=meeting.id,
            anonymous=True,
            opens_at=meeting.ends_at,
            closes_at=meeting.ends_at + timedelta(days=21),
        ),
        None,
    )
    rating = save_question(questionnaire.id, "s1", {
        "type": "scale", "text_pl": "Jak oceniasz spotkanie?", "text_en": "How was the meeting?",
        "required": True, "low_pl": "słabo", "low_en": "poor", "high_pl": "świetnie",
        "high_en": "excellent"})  # fmt: skip
    length = save_question(questionnaire.id, "s1", {
        "type": "single", "text_pl": "Czas spotkania był", "text_en": "The meeting was",
        "options_pl": ["za krótki", "w sam raz", "za długi"],
        "options_en": ["too short", "just right", "too long"]})  # fmt: skip
    useful = save_question(questionnaire.id, "s1", {
        "type": "yes_no", "text_pl": "Czy informacje były przydatne?",
        "text_en": "Was the information useful?"})  # fmt: skip
    better = save_question(questionnaire.id, "s1", {
        "type": "long_text", "text_pl": "Co możemy poprawić?",
        "text_en": "What could we do better?"})  # fmt: skip
    version = latest_version(questionnaire.id).id
    for index in range(6):
        form = MultiDict({
            f"q-{rating}": str(chance.choice([3, 4, 5, 5])),
            f"q-{length}": chance.choice(["o1", "o2", "o2", "o3"]),
            f"q-{useful}": "yes" if index != 2 else "no",
        })  # fmt: skip
        if index % 2:
            form.add(f"q-{better}", chance.choice(IDEAS))
        respondent = Respondent(county=meeting.county, event_id=meeting.id)
        submit_response(questionnaire.id, version, form, respondent, now=meeting.ends_at)
    # The links went to the people present with an address; 6 answered (which 6,
    # nobody knows).
    came = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == meeting.id,
            Registration.checked_in_at.is_not(None),
            Registration.email.is_not(None),
        )
        .order_by(Registration.id)
    ).all()
    for index, registration in enumerate(came):
        db.session.add(
            QuestionnaireInvitation(
                questionnaire_id=questionnaire.id,
                registration_id=registration.id,
                event_id=meeting.id,
                sent_at=meeting.ends_at + timedelta(hours=questionnaire.send_after_hours),
                used=index < 6,
            )
        )


def seed_questionnaires(
    events: list[Event], people, programmes: dict[str, Programme], organizations
) -> None:
    """Part of `seed_demo`'s unit of work; `programmes`: the demo's, by slug."""
    chance = random.Random(13)  # the same demo every time
    meetings = [event for event in events if event.kind == EventKind.CONSULTATION]
    _consultations(meetings, list(programmes.values()), chance)
    _evaluation(_past_meeting(chance, people, programmes["cooperation"], organizations), chance)

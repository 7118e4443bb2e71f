"""The demo programme: realistic events of the project, dated from today on."""

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from events.counties import county_adjective
from events.demo.organizations import assign_organizers, demo_organizations
from events.demo.partnerships import demo_programmes, programme_of
from events.demo.questionnaires import seed_questionnaires
from events.extensions import db
from events.models import (
    CourseSession,
    Event,
    EventKind,
    EventStatus,
    OrganizationType,
    Registration,
    RegistrationMode,
    ScanMethod,
    SessionAttendance,
    utcnow,
)
from events.services.checkin.door import Actor, scan_code
from events.services.courses.certificates import issue_certificates, set_rule
from events.services.invitations.invite import decline_invitation, invite_people, register_invited
from events.services.invitations.lists import ImportRow
from events.services.registration import Attendee, approve_registration, register_attendee
from events.timezone import from_local, local_date
from events.unit_of_work import command

SEMINAR_TEXT = (
    "Seminarium przedstawiające ideę partnerstwa lokalnego: jak organizacje pozarządowe, "
    "samorząd i lokalny biznes mogą wspólnie rozwiązywać problemy swojej społeczności. "
    "W programie: przykłady działających partnerstw z Wielkopolski, dyskusja i networking."
)
TRAINING_TEXT = (
    "Cykl szkoleń dla 18 liderek i liderów lokalnych – przyszłych założycieli partnerstw "
    "lokalnych. Rekrutacja: zgłoszenia są rozpatrywane przez organizatora."
)
CONSULTATION_TEXT = (
    "Spotkanie konsultacyjne z organizacjami pozarządowymi i samorządem powiatu: "
    "potrzeby organizacji, współpraca z samorządem, pomysły na partnerstwo lokalne."
)
PARTNER_TEXT = (
    "Spotkanie robocze lokalnych zespołów partnerskich z ekspertami tematycznymi "
    "(ekonomia społeczna, fundraising, prawo organizacji pozarządowych)."
)


COURSE_DAYS = (19, 33, 47)
COURSE_MODULES = (
    "Moduł 1: lider i jego społeczność",
    "Moduł 2: jak zbudować partnerstwo lokalne",
    "Moduł 3: plan działania i finansowanie",
)


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = local_date(utcnow()) + timedelta(days=days)
    return from_local(datetime.combine(day, time(hour, minute)))


def _event(slug, title, kind, days, county, venue, address, text, **extra) -> Event:
    start = _at(days, extra.pop("hour", 10))
    return Event(
        slug=slug,
        title=title,
        kind=kind,
        description=text,
        starts_at=start,
        ends_at=start + timedelta(hours=extra.pop("hours", 4)),
        venue_name=venue,
        venue_address=address,
        county=county,
        status=EventStatus.PUBLISHED,
        registration_opens_at=_at(-30, 8),
        **extra,
    )


def demo_events() -> list[Event]:
    seminars = [
        (
            "seminarium-poznan",
            "Poznań",
            "m-poznan",
            "Centrum Wspierania Organizacji",
            "ul. Zielona 8, 61-851 Poznań",
            12,
        ),
        (
            "seminarium-kalisz",
            "Kalisz",
            "m-kalisz",
            "Centrum Kultury i Sztuki",
            "ul. Łazienna 6, 62-800 Kalisz",
            26,
        ),
        (
            "seminarium-pila",
            "Piła",
            "pilski",
            "Regionalne Centrum Kultury",
            "ul. Sienkiewicza 19, 64-920 Piła",
            40,
        ),
        (
            "seminarium-leszno",
            "Leszno",
            "m-leszno",
            "Miejska Biblioteka Publiczna",
            "ul. Chrobrego 3, 64-100 Leszno",
            54,
        ),
    ]
    events = [
        _event(
            slug,
            f"Seminarium: partnerstwo lokalne w praktyce – {town}",
            EventKind.SEMINAR,
            days,
            county,
            venue,
            address,
            SEMINAR_TEXT,
            capacity=60,
            group_max=5,  # an NGO's coordinator may register up to five people at once
        )
        for slug, town, county, venue, address, days in seminars
    ]
    # One course of three sessions: one application, one seat of 18, three days.
    course = _event(
        "szkolenie-liderow",
        "Szkolenie liderów lokalnych",
        EventKind.TRAINING,
        COURSE_DAYS[0],
        "m-poznan",
        "Dom Organizacji Pozarządowych",
        "ul. Kołłątaja 4, 61-001 Poznań",
        TRAINING_TEXT,
        capacity=18,
        mode=RegistrationMode.APPROVAL,
        hour=9,
        certificate_min_percent=80,
    )
    course.ends_at = _at(COURSE_DAYS[-1], 16)
    course.sessions = [
        CourseSession(
            title=title,
            starts_at=_at(days, 9),
            ends_at=_at(days, 16),
            venue_name=course.venue_name if number != 2 else "Centrum Wspierania Organizacji",
            venue_address=course.venue_address if number != 2 else "ul. Zielona 8, 61-851 Poznań",
        )
        for number, (days, title) in enumerate(zip(COURSE_DAYS, COURSE_MODULES, strict=True), 1)
    ]
    events.append(course)
    consultations = [
        (
            "konsultacje-gniezno",
            "gnieznienski",
            "Gniezno",
            "Starostwo Powiatowe w Gnieźnie, sala sesyjna",
            "ul. Papieża Jana Pawła II 9/10, 62-200 Gniezno",
            8,
        ),
        (
            "konsultacje-wrzesnia",
            "wrzesinski",
            "Września",
            "Wrzesiński Ośrodek Kultury",
            "ul. Szeroka 9, 62-300 Września",
            10,
        ),
        (
            "konsultacje-koscian",
            "koscianski",
            "Kościan",
            "Kościański Ośrodek Kultury",
            "ul. Mickiewicza 1, 64-000 Kościan",
            15,
        ),
        (
            "konsultacje-zlotow",
            "zlotowski",
            "Złotów",
            "Złotowskie Centrum Kultury",
            "ul. Wojska Polskiego 3, 77-400 Złotów",
            22,
        ),
        (
            "konsultacje-turek",
            "turecki",
            "Turek",
            "Turecki Dom Kultury",
            "ul. Kaliska 46, 62-700 Turek",
            29,
        ),
        (
            "konsultacje-szamotuly",
            "szamotulski",
            "Szamotuły",
            "Gminny Ośrodek Kultury",
            "ul. Wojska Polskiego 1, 64-500 Szamotuły",
            36,
        ),
    ]
    for slug, county, _town, venue, address, days in consultations:
        events.append(
            _event(
                slug,
                f"Spotkanie konsultacyjne – powiat {county_adjective(county)}",
                EventKind.CONSULTATION,
                days,
                county,
                venue,
                address,
                CONSULTATION_TEXT,
                capacity=30,
                hour=16,
                hours=3,
            )
        )
    events.append(_at_the_door_now())
    events.append(
        _event(
            "zespoly-partnerskie-spotkanie-robocze",
            "Spotkanie robocze zespołów partnerskich z ekspertami",
            EventKind.PARTNER_MEETING,
            17,
            "m-konin",
            "Konińskie Centrum Organizacji Pozarządowych",
            "ul. Zakładowa 4, 62-510 Konin",
            PARTNER_TEXT,
            capacity=8,
            waitlist_enabled=True,
            online_url="https://meet.example.org/dr-zespoly",
        )
    )
    return events


def _at_the_door_now() -> Event:
    """A consultation meeting starting half an hour after the demo is loaded, so that its
    check-in window (open an hour before the start) lets the door be tried at once."""
    start = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=30)
    return Event(
        slug="konsultacje-sroda",
        title="Spotkanie konsultacyjne – powiat średzki",
        kind=EventKind.CONSULTATION,
        description=CONSULTATION_TEXT,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        venue_name="Środzki Ośrodek Kultury",
        venue_address="ul. Dąbrowskiego 12, 63-000 Środa Wielkopolska",
        county="sredzki",
        status=EventStatus.PUBLISHED,
        registration_opens_at=_at(-30, 8),
        capacity=30,
    )


NGO, GOVERNMENT, GROUP = (
    OrganizationType.NGO,
    OrganizationType.LOCAL_GOVERNMENT,
    OrganizationType.INFORMAL_GROUP,
)
DEMO_PEOPLE = [
    ("Anna", "Kowalska", "Stowarzyszenie Razem dla Wsi", NGO, "gnieznienski"),
    ("Piotr", "Nowak", "Fundacja Zielona Dolina", NGO, "wrzesinski"),
    ("Małgorzata", "Wiśniewska", "Koło Gospodyń Wiejskich w Żółkowie", GROUP, "koscianski"),
    ("Łukasz", "Wójcik", "Urząd Gminy Śrem", GOVERNMENT, "sremski"),
    ("Zofia", "Kamińska", "Stowarzyszenie Młodzi Aktywni", NGO, "pilski"),
    ("Grzegorz", "Lewandowski", "Ochotnicza Straż Pożarna w Kórniku", NGO, "poznanski"),
    ("Katarzyna", "Zielińska", "Fundacja Ekonomii Społecznej", NGO, "m-poznan"),
    ("Tomasz", "Szymański", "Starostwo Powiatowe w Grodzisku Wlkp.", GOVERNMENT, "grodziski"),
    ("Ewa", "Woźniak", "Stowarzyszenie Przyjaciół Ziemi Kępińskiej", NGO, "kepinski"),
    ("Jakub", "Dąbrowski", "Uniwersytet Trzeciego Wieku w Koninie", NGO, "m-konin"),
]
ASCII = str.maketrans("ąćęłńóśźż", "acelnoszz")


def demo_attendee(index: int) -> Attendee:
    first, last, organization, kind, county = DEMO_PEOPLE[index % len(DEMO_PEOPLE)]
    return Attendee(
        first_name=first,
        last_name=last,
        email=f"{first}.{last}.{index}@example.org".lower().translate(ASCII),
        organization=organization,
        organization_type=kind,
        county=county,
        dr_member=kind != GOVERNMENT,
        data_consent=True,
        image_consent=index % 2 == 0,
    )


def _invitations(seminar: Event) -> None:
    """The Leszno seminar is by invitation: six people invited, two registered through
    their link, one declined, three have not answered yet."""
    seminar.invitation_only = True
    rows = [
        ImportRow(index + 1, f"{first} {last}", demo_attendee(index).email, organization, county)
        for index, (first, last, organization, _kind, county) in enumerate(DEMO_PEOPLE[:6])
    ]
    invited = invite_people(seminar.id, rows, None)
    for index, invitation in enumerate(invited[:2]):
        register_invited(invitation.token, demo_attendee(index))
    decline_invitation(invited[2].token)


PAST_COURSE_DAYS = (-47, -40, -33)
# Which modules each of the spring edition's eight leaders came to.
PAST_ATTENDANCE = [(0, 1, 2), (0, 1, 2), (0, 1, 2), (0, 2), (1, 2), (0,), (), (0, 1, 2)]


def _finished_course(organizations) -> Event:
    """Last spring's edition of the leaders' training, over: who came to which module,
    and certificates for those who attended at least 80% of the hours (all three)."""
    course = _event(
        "szkolenie-liderow-wiosna",
        "Szkolenie liderów lokalnych – edycja wiosenna",
        EventKind.TRAINING,
        PAST_COURSE_DAYS[0],
        "m-poznan",
        "Dom Organizacji Pozarządowych",
        "ul. Kołłątaja 4, 61-001 Poznań",
        TRAINING_TEXT,
        capacity=18,
        mode=RegistrationMode.APPROVAL,
        hour=9,
    )
    course.registration_opens_at = _at(PAST_COURSE_DAYS[0] - 30, 8)
    course.ends_at = _at(PAST_COURSE_DAYS[-1], 16)
    course.sessions = [
        CourseSession(title=title, starts_at=_at(days, 9), ends_at=_at(days, 16))
        for days, title in zip(PAST_COURSE_DAYS, COURSE_MODULES, strict=True)
    ]
    assign_organizers([course], organizations)
    db.session.add(course)
    db.session.flush()
    applied = course.registration_opens_at + timedelta(days=1)
    for index, modules in enumerate(PAST_ATTENDANCE):
        person = register_attendee(course.id, demo_attendee(index), now=applied, notify=False)
        approve_registration(person.id, now=applied + timedelta(days=1))
        for module in modules:
            session = course.sessions[module]
            came = session.starts_at + timedelta(minutes=index)
            scan_code(course.id, person.ticket_code, ScanMethod.SCANNER, Actor(), now=came,
                      session_id=session.id)  # fmt: skip
    door = "wolontariuszka na wejściu"
    session_ids = [session.id for session in course.sessions]
    db.session.execute(
        sa.update(SessionAttendance)
        .where(SessionAttendance.session_id.in_(session_ids))
        .values(checked_in_by=door)
    )
    db.session.execute(
        sa.update(Registration)
        .where(Registration.event_id == course.id, Registration.checked_in_at.is_not(None))
        .values(checked_in_by=door)
    )
    set_rule(course.id, 80, None)
    issue_certificates(course.id, None)
    return course


@command
def seed_demo() -> list[Event]:
    """Add the demo programme, with registrations on the first seminar, applications to the
    leaders' course, an invitation-only seminar with its answers, last spring's edition of
    the course with its attendance and certificates, a full partner meeting, a consultation
    questionnaire on each programme with answers, and the evaluation of a consultation
    meeting held last week."""
    programmes = demo_programmes()
    organizations = demo_organizations()
    events = demo_events()
    for event in events:
        event.programme = programme_of(event, programmes)
    assign_organizers(events, organizations)
    db.session.add_all(events)
    db.session.flush()
    by_slug = {event.slug: event for event in events}
    for index in range(12):
        register_attendee(by_slug["seminarium-poznan"].id, demo_attendee(index), notify=False)
    for index in range(8):  # applications to the course: six accepted, two still to decide
        applied = register_attendee(
            by_slug["szkolenie-liderow"].id, demo_attendee(index), notify=False
        )
        if index < 6:
            approve_registration(applied.id)
    for index in range(6):  # the meeting whose door is open now
        register_attendee(by_slug["konsultacje-sroda"].id, demo_attendee(index), notify=False)
    _invitations(by_slug["seminarium-leszno"])
    finished = _finished_course(organizations)
    finished.programme = programmes["partnerships"]
    events.append(finished)
    for index in range(10):  # capacity 8: two people end up on the waiting list
        register_attendee(
            by_slug["zespoly-partnerskie-spotkanie-robocze"].id, demo_attendee(index), notify=False
        )
    seed_questionnaires(
        events, [demo_attendee(index) for index in range(20, 30)], programmes, organizations
    )
    return events

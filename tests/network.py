"""The network's test world: partner organizations P and Q, the lead DR, and C, which
co-organizes P's event; each owner's course with everything hanging from it (a
session, a checked-in person named "Osoba<owner>", a group, a certificate, an
invitation, a questionnaire with a question, a series, a check-in link); and the
accounts: P's door staff, organizers of P, Q and C, a coordinator (each owner's
`user_id`: P's door staff, Q's organizer, the coordinator; `endpoint_id`: a webhook of P's
organizer, of Q's, of the coordinator)."""

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from events.extensions import db
from events.messages.unsubscribe import signature
from events.models import (
    Certificate,
    GroupMode,
    Invitation,
    QuestionnaireInvitation,
    QuestionnaireKind,
    RegistrationGroup,
    RegistrationStatus,
    Role,
    Series,
    User,
    WebhookEndpoint,
    event_staff,
    new_secret,
    utcnow,
)
from events.services.checkin.access import create_link
from events.services.questionnaires.builder import Settings, create_questionnaire, save_question
from tests.conftest import csrf_token
from tests.factories import make_course, make_organization, make_registration, make_user

PASSWORD = "bardzo-tajne-haslo"
OWNERS = ("P", "Q", "DR")


@dataclass
class Objects:
    """One organization's objects, by the URL variable that names them."""

    values: dict = field(default_factory=dict)


def build_world() -> dict[str, Objects]:
    organizations = {
        "P": make_organization("P", name="Stowarzyszenie Pomorskie"),
        "Q": make_organization("Q", name="Fundacja Kwiatowa"),
        "C": make_organization("C", name="Starostwo Powiatowe w Czarnkowie"),
        "DR": make_organization(),
    }
    world = {}
    for owner in OWNERS:
        world[owner] = _objects(owner, organizations[owner])
    p_event = world["P"].values["_event"]
    p_event.coorganizers = [organizations["C"]]
    staff = make_user("staff@example.org", PASSWORD, Role.STAFF, organizations["P"])
    db.session.execute(sa.insert(event_staff).values(event_id=p_event.id, user_id=staff.id))
    p = make_user("p@example.org", PASSWORD, Role.ORGANIZER, organizations["P"])
    q = make_user("q@example.org", PASSWORD, Role.ORGANIZER, organizations["Q"])
    make_user("c@example.org", PASSWORD, Role.ORGANIZER, organizations["C"])
    coordinator = make_user(
        "coordinator@example.org", PASSWORD, Role.COORDINATOR, organizations["DR"]
    )
    db.session.commit()
    for owner, account in (("P", staff), ("Q", q), ("DR", coordinator)):
        world[owner].values["user_id"] = account.id
    for owner, account in (("P", p), ("Q", q), ("DR", coordinator)):  # webhooks: their own
        world[owner].values["endpoint_id"] = _endpoint(account).id
    return world


def _endpoint(account: User) -> WebhookEndpoint:
    """A switched-off webhook of `account` (nothing is sent to it)."""
    endpoint = WebhookEndpoint(
        user_id=account.id, url="http://127.0.0.1:9/hook", kinds=["event.updated"],
        secret="whsec_" + "A" * 43 + "=", active=False,
    )  # fmt: skip
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def _objects(owner: str, organization) -> Objects:
    """A course of `organization` (its door open now) with everything hanging from it."""
    event = make_course(slug=f"kurs-{owner.lower()}", organization=organization)
    event.certificate_min_percent = 50
    event.group_max = 5
    series = Series(title=event.title, organization_id=organization.id, template_event_id=event.id)
    db.session.add(series)
    db.session.flush()
    event.series_id = series.id
    person = make_registration(
        event, RegistrationStatus.CONFIRMED, checked_in=True, first_name=f"Osoba{owner}"
    )
    group = RegistrationGroup(
        event_id=event.id, coordinator_name="Koordynator", coordinator_email=None,
        coordinator_organization="Koło", token=new_secret(), mode=GroupMode.TOGETHER,
    )  # fmt: skip
    db.session.add(group)
    db.session.flush()
    person.group_id = group.id
    certificate = Certificate(
        event_id=event.id, registration_id=person.id, holder_name="Osoba", rule_percent=50,
        issued_by="test", details=_stated(event),
    )  # fmt: skip
    invitation = Invitation(event_id=event.id, name="Zaproszona", email=f"i-{owner}@example.org")
    db.session.add_all([certificate, invitation])
    db.session.commit()
    now = utcnow()
    questionnaire = create_questionnaire(
        Settings(
            kind=QuestionnaireKind.EVALUATION, title_pl=f"Ocena {owner}", event_id=event.id,
            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30),
        ),
        None,
    )  # fmt: skip
    question = save_question(
        questionnaire.id, "s1", {"type": "yes_no", "text_pl": "Czy było warto?", "text_en": ""}
    )
    personal = QuestionnaireInvitation(
        questionnaire_id=questionnaire.id, registration_id=person.id, event_id=event.id
    )
    db.session.add(personal)
    link, link_token = create_link(event.id, "Wolontariusz", _any_user(organization), 24)
    db.session.commit()
    return Objects(
        {
            "_event": event,
            "_link_token": link_token,
            "event_id": event.id,
            "organization_id": organization.id,
            "slug": event.slug,
            "registration_id": person.id,
            "session_id": event.sessions[0].id,
            "certificate_id": certificate.id,
            "questionnaire_id": questionnaire.id,
            "question_key": question,
            "section_key": "s1",
            "series_id": series.id,
            "link_id": link.id,
            "number": certificate.number,
            "manage_token": person.manage_token,
            "ticket_token": person.ticket_token,
            "_signature": signature(person.ticket_token),
            "group_token": group.token,
            "invitation_token": invitation.token,
            "questionnaire_key": questionnaire.public_key,
            "personal_token": personal.token,
        }
    )


def _stated(event) -> dict:
    """What a certificate of the whole `event` says (as certificates.py freezes it)."""
    starts, ends = event.starts_at.isoformat(), event.ends_at.isoformat()
    return {
        "title": event.title, "starts_at": starts, "ends_at": ends, "attended_from": starts,
        "attended_until": ends, "sessions": [], "issuer": "Działamy Razem",
    }  # fmt: skip


def _any_user(organization) -> User:
    found = db.session.scalar(sa.select(User).where(User.organization_id == organization.id))
    return found or make_user(f"maker-{organization.short_name}@example.org", PASSWORD,
                              Role.ORGANIZER, organization)  # fmt: skip


EMAILS = {
    "staff": "staff@example.org", "organizer P": "p@example.org", "organizer Q": "q@example.org",
    "co-organizer": "c@example.org", "coordinator": "coordinator@example.org",
}  # fmt: skip


def log_in(client, email: str) -> None:
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert client.get("/checkin/").status_code == 200, email


# The URL variables that are secrets: which object's secret each route takes.
SECRETS = {
    "registration": "manage_token",
    "ticket": "ticket_token",
    "groups": "group_token",
    "invitations": "invitation_token",
    "checkin": "_link_token",
}
FIXED = {
    "action": "approve",
    "code": "en",
    "token_id": 1,
}  # token_id: revoking is of one's own only


def route_url(app, rule, method: str, objects: Objects, programme_id: int) -> str:
    """The URL of a rule of the URL map with `objects`' ids and secrets in its variables."""
    values = objects.values
    args = {}
    for name in rule.arguments:
        if name == "programme_id":
            args[name] = programme_id
        elif name in FIXED:
            args[name] = FIXED[name]
        elif name == "token":
            args[name] = values[SECRETS[rule.endpoint.split(".")[0]]]
        elif name == "key":
            args[name] = values["questionnaire_key"]
        elif name == "invitation":
            args[name] = values["personal_token"]
        elif name == "signature":
            args[name] = values["_signature"]
        else:
            args[name] = values[name]
    if rule.endpoint == "checkin.badge":
        args["layout"] = "a4"
    return app.url_map.bind("localhost").build(rule.endpoint, args, method=method)

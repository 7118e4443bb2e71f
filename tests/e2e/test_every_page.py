"""Every page of the URL map in Chromium, with data and empty, in Polish:

- axe-core finds no violation of any impact, at 390×844 and at 1366×900;
- every visible button and link has text that contrasts with the background it
  is drawn on (WCAG AA: 4.5:1, 3:1 for large text), measured from the computed
  colours, the first non-transparent background up the ancestors: axe leaves
  such elements "incomplete" and white-on-white buttons went unnoticed;
- every page state is valid HTML for the W3C Nu checker (vnu-jar from tests/js,
  run with Java): without them the check skips loudly, REQUIRE_HTML_CHECKER=1
  (or REQUIRE_ICALJS=1, set by CI with the Node tools) makes it a failure;
- nothing scrolls sideways at 320, 390 and 640 px (document width ≤ viewport);
- no two pages share a title, unless listed in SHARED_TITLES.

The walk takes its pages from `app.url_map`: a new page is covered without
editing this test, and a new URL argument fails it until SAMPLES knows a value.
States that no URL reaches (a form with errors, a notice after a POST, error
pages) are listed in EXTRA_STATES.
"""

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from flask import url_for

from events.extensions import db
from events.messages import unsubscribe
from events.models import (
    Event,
    GroupMode,
    QuestionnaireInvitation,
    QuestionnaireKind,
    RegistrationMode,
    Role,
    WebhookKind,
    utcnow,
)
from events.services.checkin.access import create_link
from events.services.checkin.door import Actor, check_in_registration
from events.services.courses.certificates import issue_certificates, set_rule
from events.services.groups import Coordinator, Member, register_group
from events.services.invitations.invite import invite_people
from events.services.invitations.lists import ImportRow
from events.services.questionnaires.answering import Respondent, invite_registrants, submit_response
from events.services.registration import cancel_registration, register_attendee
from events.services.series import SeriesRow, create_series, publish_series_events
from events.services.webhooks import create_endpoint
from events.timezone import local_date
from tests.conftest import skip_or_fail
from tests.e2e.keyboard import wait_for_focus
from tests.factories import attendee, check_in_at, make_course, make_event, make_user
from tests.test_questionnaires import answers, make_questionnaire, version_id

pytestmark = pytest.mark.browser

PASSWORD = "haslo-do-przegladu"
AXE_VIEWPORTS = [(390, 844), (1366, 900)]
NARROW_WIDTHS = (320, 390, 640)
# Pages that are not HTML (calendars, tickets, downloads, JSON) are recognised by
# their content type and left out; these endpoints only answer POST or need one.
NOT_PAGES_WITHOUT_DATA = {"static"}
# Two states may share a title only when they are the same page, listed here.
SHARED_TITLES = [
    # The tokens page, and the same page with the new token shown once.
    {"organizer.api_tokens", "new API token"},
    # A check-in link opens the scanner: the same page as an organizer's scanner.
    {"checkin.open_link", "checkin.scanner"},
    # Without a fresh "sent" note, the confirmation page sends people back to the form.
    {"registration.lost_link", "registration.lost_link_sent"},
    # The language switch redirects to the programme.
    {"public.set_language", "public.index"},
    # Two people's "cancel my registration" pages for one event.
    {"registration.cancel"},
    # A personal link opens the same questionnaire as the public link, and thanks alike.
    {"questionnaire.public", "questionnaire.personal"},
    {"questionnaire.thanks", "questionnaire answered with a personal link"},
    # Declining an invitation: the page before and after its one button.
    {"invitations.decline", "invitation declined"},
]
VNU_JAR = Path(__file__).parents[1] / "js/node_modules/vnu-jar/build/dist/vnu.jar"
# Every visible button and link: its text colour against the first non-transparent
# background found walking up from it (colours with alpha blended on white).
CONTRAST_SCRIPT = """() => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r, g, b, a};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const luminance = ({r, g, b}) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (element) => {
    const layers = [];
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) { layers.push(colour); if (colour.a >= 1) break; }
    }
    return layers.reduceRight((under, top) => over(top, under), {r: 255, g: 255, b: 255, a: 1});
  };
  const found = [];
  const targets = "a[href], button, input[type=submit], input[type=button], summary";
  for (const element of document.querySelectorAll(targets)) {
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility !== "visible" || box.width < 2 || box.height < 2) continue;
    if (!(element.innerText || element.value || "").trim()) continue;
    if (element.closest(".visually-hidden, [hidden]")) continue;
    const back = background(element);
    const text = over(parse(style.color), back);
    const [light, dark] = [luminance(text), luminance(back)].sort((x, y) => y - x);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) {
      found.push(`${(element.innerText || element.value).trim().slice(0, 40)} ` +
                 `(${element.tagName.toLowerCase()}.${[...element.classList].join(".")}): ` +
                 `${ratio.toFixed(2)}:1, ${style.color} on ${JSON.stringify(back)}`);
    }
  }
  return found;
}"""
# Sample values that rightly find no page: a ticket exists only for a confirmed seat.
EXPECTED_NOT_FOUND = {"registration.ticket waiting", "registration.ticket cancelled"}


@dataclass
class Site:
    url: str
    values: dict = field(default_factory=dict)


def _seed(app) -> dict:
    """An event full of people in every state, an empty one, and the accounts."""
    with app.app_context():
        organizer = make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        # A webhook hearing of everything: its page lists the deliveries the seed makes.
        endpoint = create_endpoint(
            organizer, "https://arkusz.example.org/hook", "Arkusz", list(WebhookKind), True
        )
        full = make_event(
            title="Seminarium: partnerstwo lokalne w praktyce",
            capacity=2,
            venue_address="ul. Święty Marcin 80/82, 61-809 Poznań",
            group_max=5,
        )
        empty = make_event(title="Szkolenie liderów lokalnych w Koninie", capacity=None)
        approval = make_event(
            title="Spotkanie zespołu partnerskiego", mode=RegistrationMode.APPROVAL
        )
        confirmed = register_attendee(
            full.id,
            attendee(
                first_name="Bartłomiej",
                last_name="Grzegorzewski-Szczepańczyk",
                email="bartlomiej.grzegorzewski-szczepanczyk@stowarzyszenie-przykladowe.org.pl",
                organization="Stowarzyszenie na rzecz Rozwoju Gmin Powiatu Czarnkowskiego",
                county="czarnkowsko-trzcianecki",
                needs="Podjazd dla wózka, posiłek wegetariański.",
                needs_consent=True,
                phone="+48 600 100 200",
            ),
            notify=False,
        )
        second = register_attendee(full.id, attendee(first_name="Ewa"), notify=False)
        waiting = register_attendee(full.id, attendee(first_name="Jan"), notify=False)
        group = register_group(
            full.id,
            Coordinator("Halina Sołtys", "halina@example.org", "Koło Gospodyń Wiejskich"),
            [Member("Anna", "Nowak", "Koło Gospodyń Wiejskich", "m-poznan"),
             Member("Jan", "Kowal", "Koło Gospodyń Wiejskich", "m-poznan", "jan@example.org")],
            GroupMode.TOGETHER,
        )  # fmt: skip
        cancelled = register_attendee(approval.id, attendee(first_name="Ola"), notify=False)
        register_attendee(approval.id, attendee(first_name="Piotr"), notify=False)
        cancel_registration(cancelled.id)
        check_in_registration(full.id, second.id, Actor(user_id=organizer.id))
        link, link_token = create_link(full.id, "Wolontariuszka Ola", organizer, 12)
        asked = make_questionnaire(kind=QuestionnaireKind.REGISTRATION, event_id=full.id)[0]
        assert asked.anonymous is False  # the full event's form asks its own questions
        questionnaire, question_keys = make_questionnaire()
        full.programme_id = questionnaire.programme_id  # its card and page name the programme
        for county in ("gnieznienski", "gnieznienski", "turecki", "pilski"):
            form = answers(question_keys)
            submit_response(
                questionnaire.id, version_id(questionnaire), form, Respondent(county=county)
            )
        invite_registrants(questionnaire.id, full.id, None)
        questionnaire_invitation = db.session.scalars(sa.select(QuestionnaireInvitation)).first()
        # A course of three sessions: a leader came to the first.
        course = make_course(hours=(2, 6, 6))
        beginner = register_attendee(
            course.id, attendee(first_name="Halina", last_name="Łęcka"), notify=False
        )
        register_attendee(course.id, attendee(first_name="Mieczysław"), notify=False)
        first_session = course.sessions[0]
        check_in_registration(
            course.id, beginner.id, Actor(user_id=organizer.id), session_id=first_session.id
        )
        set_rule(course.id, 10, organizer)
        # Its last edition is over: a leader came to the first session and has a certificate.
        past = make_course(
            hours=(2, 6, 6), start=utcnow().replace(microsecond=0) - timedelta(weeks=3)
        )
        leader = register_attendee(
            past.id,
            attendee(first_name="Grażyna", last_name="Łęcka"),
            notify=False,
            now=past.starts_at - timedelta(days=7),
        )
        check_in_at(past, leader.id, past.sessions[0].starts_at, past.sessions[0])
        set_rule(past.id, 10, organizer)
        [certificate] = issue_certificates(past.id, organizer)
        # An invitation-only seminar with one invitation.
        seminar = make_event(title="Seminarium dla zaproszonych", invitation_only=True)
        [invitation] = invite_people(
            seminar.id,
            [ImportRow(1, "Henryka Źrebięć", "henryka@example.org", "Fundacja Łąki", "m-poznan")],
            organizer,
        )
        # A series of two consultations from the empty event: one published, one a draft.
        day = local_date(utcnow()) + timedelta(days=20)
        rows = [
            SeriesRow(f"Spotkanie konsultacyjne – {place}", day + timedelta(days=number),
                      time(10), time(13), "Starostwo Powiatowe", "", 20, "", county)
            for number, (place, county) in enumerate((("powiat pilski", "pilski"),
                                                      ("Poznań", "m-poznan")))
        ]  # fmt: skip
        series = create_series(empty.id, rows, organizer)
        series_drafts = db.session.scalars(
            sa.select(Event.id).where(Event.series_id == series.id).order_by(Event.starts_at)
        ).all()
        publish_series_events(series.id, series_drafts[:1], organizer)
        door = make_user(email="bramka@example.org", password=PASSWORD, role=Role.STAFF)
        door.events.append(full)  # sent to the full event's door
        db.session.commit()
        return {
            "endpoint_id": endpoint.id,
            "series_id": series.id,
            "full_id": full.id,
            "full_slug": full.slug,
            "empty_id": empty.id,
            "empty_slug": empty.slug,
            "registration_id": confirmed.id,
            "email": confirmed.email,
            "confirmed": confirmed.manage_token,
            "waiting": waiting.manage_token,
            "cancelled": cancelled.manage_token,
            "link_token": link_token,
            "link_id": link.id,
            "ticket": confirmed.ticket_token,
            "stop_signature": unsubscribe.signature(confirmed.ticket_token),
            "questionnaire_id": questionnaire.id,
            "questionnaire_key": questionnaire.public_key,
            "question_key": question_keys[3],
            "questionnaire_invitation": questionnaire_invitation.token,
            "course_id": course.id,
            "course_slug": course.slug,
            "session_id": first_session.id,
            "leader": leader.manage_token,
            "certificate": certificate.number,
            "invitation": invitation.token,
            "seminar_id": seminar.id,
            "programme_id": questionnaire.programme_id,
            "group": group.token,
            "group_member": group.members[0].id,
            "user_id": door.id,
            "organization_id": organizer.organization_id,
        }


def _variants(rule, data) -> list[tuple[str, dict]]:
    """(label, URL values) for a rule: the full event and the empty one; for a
    registration's page each status. Fails for an argument it does not know."""
    arguments = set(rule.arguments)
    if not arguments:
        return [("", {})]
    if rule.endpoint == "public.set_language":
        return [("", {"code": "pl"})]
    if rule.endpoint == "checkin.open_link":
        return [("", {"token": data["link_token"]})]
    if rule.endpoint == "ticket.stop_messages":
        return [("", {"token": data["ticket"], "signature": data["stop_signature"]})]
    if rule.endpoint.startswith("invitations."):
        return [("", {"token": data["invitation"]})]
    if rule.endpoint == "groups.register":  # only where the event takes groups
        return [("", {"slug": data["full_slug"]})]
    if rule.endpoint.startswith("groups."):
        values = {"token": data["group"], "registration_id": data["group_member"]}
        return [("", {name: values[name] for name in arguments})]
    if rule.endpoint.startswith("ticket."):
        return [("", {"token": data["ticket"]})]
    if arguments == {"token"}:
        return [
            (status, {"token": data[status]})
            for status in ("confirmed", "waiting", "cancelled", "leader")
        ]
    if arguments == {"token", "number"}:
        return [("", {"token": data["leader"], "number": data["certificate"]})]
    if arguments == {"number"}:
        return [("", {"number": data["certificate"]})]
    if arguments == {"event_id", "session_id"}:
        return [("", {"event_id": data["course_id"], "session_id": data["session_id"]})]
    if arguments == {"event_id", "registration_id"}:
        return [("", {"event_id": data["full_id"], "registration_id": data["registration_id"]})]
    if arguments == {"event_id"}:
        return [
            ("with people", {"event_id": data["full_id"]}),
            ("empty", {"event_id": data["empty_id"]}),
            ("course", {"event_id": data["course_id"]}),
        ]
    if arguments == {"slug"}:
        return [
            ("with people", {"slug": data["full_slug"]}),
            ("empty", {"slug": data["empty_slug"]}),
            ("course", {"slug": data["course_slug"]}),
        ]
    if arguments == {"endpoint_id"}:
        return [("", {"endpoint_id": data["endpoint_id"]})]
    if arguments == {"series_id"}:
        return [("", {"series_id": data["series_id"]})]
    if arguments == {"key"}:
        return [("", {"key": data["questionnaire_key"]})]
    if arguments == {"invitation"}:
        return [("", {"invitation": data["questionnaire_invitation"]})]
    if arguments == {"programme_id"}:
        return [("", {"programme_id": data["programme_id"]})]
    if arguments == {"user_id"}:
        return [("", {"user_id": data["user_id"]})]
    if arguments == {"organization_id"}:
        return [("", {"organization_id": data["organization_id"]})]
    if arguments == {"questionnaire_id"}:
        return [("", {"questionnaire_id": data["questionnaire_id"]})]
    if arguments == {"questionnaire_id", "question_key"}:
        return [("", {"questionnaire_id": data["questionnaire_id"],
                      "question_key": data["question_key"]})]  # fmt: skip
    if arguments == {"slug", "registration_id"}:
        return [("", {"slug": data["full_slug"], "registration_id": data["registration_id"]})]
    if arguments == {"slug", "link_id"}:
        return [("", {"slug": data["full_slug"], "link_id": data["link_id"]})]
    raise AssertionError(f"Give the page walk a sample value for {rule.rule} ({rule.endpoint})")


def _organizer_area(path: str) -> bool:
    return path.startswith(("/organizer", "/checkin/")) and not path.startswith("/checkin/link/")


def _new_page(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="pl-PL")
    context.add_cookies([{"name": "lang", "value": "pl", "url": site.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _log_in(page, site, email):
    page.goto(site.url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_load_state()


# States no GET reaches: (name, who, what to do on the page). `who` is "anonymous",
# "organizer" or "staff".
def _fill_registration(page, email):
    page.fill("#first_name", "Zofia")
    page.fill("#last_name", "Wiśniewska")
    page.fill("#email", email)
    page.fill("#organization", "Stowarzyszenie Razem")
    page.select_option("#organization_type", "ngo")
    page.select_option("#county", "gnieznienski")
    page.check("#dr_member-0")
    page.check("#data_consent")
    if page.query_selector("input[name^='q-']"):  # the event's own questions, required ones
        page.fill("input[type=text][name^='q-']", "Stowarzyszenie Razem")
        page.check("input[type=radio][name^='q-'][value=o1]")
    page.click("button[type=submit].button-primary")
    page.wait_for_load_state()


def _extra_states(site, data):
    full_id, full_slug = data["full_id"], data["full_slug"]
    register = f"/events/{full_slug}/register"

    def form_errors(page):
        page.goto(site.url + register)
        page.fill("#needs", "Pętla indukcyjna")
        page.click("button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")
        # A summary link leads to the first control of a group, then to a consent.
        page.click('#error-summary a[href="#dr_member-0"]')
        assert page.evaluate("document.activeElement.id") == "dr_member-0"
        page.click('#error-summary a[href="#needs_consent"]')
        assert page.evaluate("document.activeElement.id") == "needs_consent"

    def duplicate(page):
        page.goto(site.url + register)
        _fill_registration(page, data["email"])
        wait_for_focus(page, "duplicate")  # read first

    def lost_link_sent(page):
        page.goto(site.url + "/lost-link")
        page.fill("#email", "ktos@example.org")
        page.click("button[type=submit].button-primary")
        page.wait_for_url("**/lost-link/sent")

    def lost_link_error(page):
        page.goto(site.url + "/lost-link")
        page.click("button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")

    def login_failed(page):
        page.context.clear_cookies()
        page.goto(site.url + "/login")
        page.fill("#email", "org@example.org")
        page.fill("#password", "zle-haslo-zle")
        page.press("#password", "Enter")
        page.wait_for_selector("#login-error")

    def new_link(page):
        page.goto(site.url + f"/checkin/{full_slug}/links")
        page.fill("#label", "Wejście od ul. Głównej")
        page.click("button[type=submit].button-primary")
        wait_for_focus(page, "new-link")  # shown once

    def event_form_errors(page):
        page.goto(site.url + "/organizer/events/new")
        page.click("main button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")

    def message_preview(page):
        page.goto(site.url + f"/organizer/events/{full_id}/message")
        page.fill("#subject", "Zmiana sali")
        page.fill("#body", "Spotykamy się w sali 2.")
        page.click("button[name=confirm][value=preview]")
        page.wait_for_selector("button[name=confirm][value=send]")

    def questionnaire_errors(page):
        page.goto(site.url + f"/q/{data['questionnaire_key']}")
        page.fill("input[type=text]", "Stowarzyszenie")
        page.click("button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")
        assert page.input_value("input[type=text]") == "Stowarzyszenie"  # kept

    def questionnaire_used(page):
        page.goto(site.url + f"/q/link/{data['questionnaire_invitation']}")
        page.fill("input[type=text]", "Fundacja")
        page.check("input[type=radio][value=o1]")
        page.click("button[type=submit].button-primary")
        page.wait_for_url("**/thanks")

    def builder_errors(page):
        page.goto(site.url + f"/organizer/questionnaires/{data['questionnaire_id']}/questions/new")
        page.click("main button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")

    def invitation_preview(page):
        page.goto(site.url + f"/organizer/events/{data['seminar_id']}/invitations")
        listing = "imię i nazwisko;e-mail;powiat\nAla Kot;ala@example.org;Atlantyda\n"
        page.set_input_files(
            "#list", {"name": "lista.csv", "mimeType": "text/csv", "buffer": listing.encode()}
        )
        page.click("#list ~ button, form[enctype] button[type=submit]")
        page.wait_for_selector("#preview")

    def invitation_file_error(page):
        page.goto(site.url + f"/organizer/events/{data['seminar_id']}/invitations")
        page.set_input_files(
            "#list", {"name": "lista.xlsx", "mimeType": "text/plain", "buffer": b"nie arkusz"}
        )
        page.click("form[enctype] button[type=submit]")
        page.wait_for_selector("#error-summary")

    def invitation_declined(page):
        page.goto(site.url + f"/i/{data['invitation']}/decline")
        page.click("main button[type=submit]")
        page.wait_for_selector("#declined")

    def series_start_errors(page):
        page.goto(site.url + f"/organizer/events/{data['empty_id']}/series/new")
        page.fill("#counties_typed", "Atlantyda")
        page.click("main button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")

    def series_table(page):
        page.goto(site.url + f"/organizer/events/{data['empty_id']}/series/new")
        page.fill("#counties_typed", "kolski, powiat gnieźnieński, Poznań")
        page.fill("#first_day", (local_date(utcnow()) + timedelta(days=30)).isoformat())
        page.click("main button[type=submit].button-primary")
        page.wait_for_selector("#rows-2-title")

    def series_table_errors(page):
        series_table(page)
        page.fill("#rows-1-ends", "08:00")
        page.fill("#rows-2-capacity", "0")
        page.click("button[name=action][value=preview]")
        page.wait_for_selector("#error-summary")

    def series_preview(page):
        series_table(page)
        page.click("button[name=action][value=preview]")
        page.wait_for_selector("button[name=action][value=create]")

    def series_publish(page):
        page.goto(site.url + f"/organizer/series/{data['series_id']}/publish?all=1")

    def series_change(page):
        page.goto(site.url + f"/organizer/series/{data['series_id']}")
        page.check("#change_description")
        page.fill("#description", "Nowy opis konsultacji.")
        page.click("#common-change ~ form button[type=submit]")
        page.wait_for_selector("input[name=confirm]", state="attached")

    def not_found(page):
        page.goto(site.url + "/no-such-page")

    def withdrawn_link(page):
        page.goto(site.url + "/checkin/link/not-a-valid-link")

    def programme_errors(page):
        page.goto(site.url + "/organizer/programmes/new")
        page.fill("#name_en", "Partnerships")
        page.click("main button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")
        page.click('#error-summary a[href="#name_pl"]')
        assert page.evaluate("document.activeElement.id") == "name_pl"

    def erasure_found(page):
        page.goto(site.url + "/organizer/erasure")
        page.fill(
            "#email", "bartlomiej.grzegorzewski-szczepanczyk@stowarzyszenie-przykladowe.org.pl"
        )
        page.click("main button[type=submit]")
        page.wait_for_selector("#affected-heading")

    def organization_errors(page):
        page.goto(site.url + "/organizer/organizations/new")
        page.fill("#short_name", "DR")  # the lead organization's
        page.check("#counties-3")
        page.fill("#contact_email", "sekretariat")
        page.click("main button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")
        page.click('#error-summary a[href="#name"]')
        assert page.evaluate("document.activeElement.id") == "name"

    def account_errors(page):
        page.goto(site.url + "/organizer/accounts/new")
        page.fill("#email", "nowa@example.org")
        page.fill("#password", "haslo")
        page.click("main button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")

    def staff_forbidden(page):
        page.goto(site.url + f"/organizer/events/{data['empty_id']}/report")

    def token_errors(page):
        page.goto(site.url + "/organizer/tokens")
        page.fill("#expires_on", "2020-01-01")
        page.uncheck("#scopes-0")
        page.click("main button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")
        page.click('#error-summary a[href="#name"]')
        assert page.evaluate("document.activeElement.id") == "name"

    def token_made(page):
        page.goto(site.url + "/organizer/tokens")
        page.fill("#name", "Strona starostwa")
        page.click("main button[type=submit].button-primary")
        page.wait_for_selector("#token-secret")

    def webhook_errors(page):
        page.goto(site.url + "/organizer/webhooks/new")
        page.fill("#url", "ftp://arkusz.example.org")
        page.click("main button[type=submit].button-primary")
        page.wait_for_selector("#error-summary")
        page.click('#error-summary a[href="#url"]')
        assert page.evaluate("document.activeElement.id") == "url"

    return [
        ("webhook form with errors", "organizer", webhook_errors),
        ("API token form with errors", "organizer", token_errors),
        ("new API token", "organizer", token_made),
        ("form with errors", "anonymous", form_errors),
        ("duplicate registration", "anonymous", duplicate),
        ("lost link sent", "anonymous", lost_link_sent),
        ("lost link form with errors", "anonymous", lost_link_error),
        ("page not found", "anonymous", not_found),
        ("questionnaire with errors", "anonymous", questionnaire_errors),
        ("questionnaire answered with a personal link", "anonymous", questionnaire_used),
        ("question form with errors", "organizer", builder_errors),
        ("check-in link not valid", "anonymous", withdrawn_link),
        ("new check-in link", "organizer", new_link),
        ("event form with errors", "organizer", event_form_errors),
        ("programme form with errors", "organizer", programme_errors),
        ("erasure request, registrations found", "organizer", erasure_found),
        ("organization form with errors", "organizer", organization_errors),
        ("account form with errors", "organizer", account_errors),
        ("message preview", "organizer", message_preview),
        ("invitation list preview", "organizer", invitation_preview),
        ("invitation list not read", "organizer", invitation_file_error),
        ("invitation declined", "anonymous", invitation_declined),
        ("organizer page for staff", "staff", staff_forbidden),
        ("series, step 1 with errors", "organizer", series_start_errors),
        ("series table", "organizer", series_table),
        ("series table with errors", "organizer", series_table_errors),
        ("series preview", "organizer", series_preview),
        ("series publish confirmation", "organizer", series_publish),
        ("series change for published events", "organizer", series_change),
        ("login failed", "login", login_failed),
    ]


def _check(page, axe_script, name, problems, html_dir):
    """axe and the contrast of every button and link at both sizes, and the widths,
    with every folded menu opened; the page as the browser has it kept for the Nu
    checker."""
    html_dir.joinpath(f"{len(list(html_dir.iterdir())):03d}-{_file_name(name)}.html").write_text(
        page.content(), encoding="utf-8"
    )
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.evaluate(axe_script)
    for width, height in AXE_VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        results = page.evaluate("axe.run({resultTypes: ['violations']})")
        for violation in results["violations"]:
            targets = [str(node["target"]) for node in violation["nodes"][:3]]
            problems.append(
                f"{name} at {width}px: {violation['id']} ({violation['impact']}) {targets}"
            )
        for low in page.evaluate(CONTRAST_SCRIPT):
            problems.append(f"{name} at {width}px: contrast {low}")
    for width in NARROW_WIDTHS:
        page.set_viewport_size({"width": width, "height": 844})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{name}: {scroll}px wide in a {width}px screen")
    return page.title()


def _file_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _html_errors(html_dir: Path) -> list[str]:
    """The Nu checker's errors for every kept page, in one run of the checker."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        return None
    output = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--exit-zero-always",
         str(html_dir)],
        capture_output=True, check=True, timeout=900,
    )  # fmt: skip
    errors = []
    for message in json.loads(output.stdout)["messages"]:
        if message["type"] != "error":
            continue
        page = Path(message.get("url", "")).name.removesuffix(".html")
        errors.append(f"{page} line {message.get('lastLine')}: {message['message']}")
    return errors


def _html_checker_required() -> str:
    return next(
        (name for name in ("REQUIRE_HTML_CHECKER", "REQUIRE_ICALJS")
         if os.environ.get(name, "").lower() in {"1", "true", "yes"}),
        "REQUIRE_HTML_CHECKER",
    )  # fmt: skip


def test_every_page_is_accessible_fits_a_phone_and_has_its_own_title(live_app, browser, tmp_path):
    html_dir = tmp_path / "pages"
    html_dir.mkdir()
    data = _seed(live_app)
    site = Site(url=live_app.url)
    pages = {
        "anonymous": _new_page(browser, site),
        "organizer": _new_page(browser, site),
        "staff": _new_page(browser, site),
        "login": _new_page(browser, site),
    }
    with live_app.app_context():
        make_user(email="staff@example.org", password=PASSWORD, role=Role.STAFF)
    _log_in(pages["organizer"], site, "org@example.org")
    _log_in(pages["staff"], site, "staff@example.org")
    axe_script = Axe().axe_script
    problems, titles, walked, seen, not_found = [], {}, [], set(), []

    for rule in sorted(live_app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES_WITHOUT_DATA:
            continue
        for label, values in _variants(rule, data):
            with live_app.test_request_context():
                path = url_for(rule.endpoint, **values)
            page = pages["organizer" if _organizer_area(path) else "anonymous"]
            response = page.request.get(site.url + path)
            name = f"{rule.endpoint} {label}".strip()
            if response.status == 404:
                not_found.append(name)
                continue
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue  # a calendar, an image, a download, JSON
            page.goto(site.url + path)
            final = urlsplit(page.url).path
            walked.append(name)
            if final in seen and final != path:
                continue  # a redirect to a page already walked
            seen.add(final)
            title = _check(page, axe_script, name, problems, html_dir)
            titles.setdefault(title, []).append(rule.endpoint)

    for name, who, action in _extra_states(site, data):
        page = pages[who]
        action(page)
        titles.setdefault(_check(page, axe_script, name, problems, html_dir), []).append(name)

    shared = [
        f"{title!r}: {', '.join(names)}"
        for title, names in titles.items()
        if len(names) > 1 and set(names) not in SHARED_TITLES
    ]
    assert len(walked) >= 30, walked
    assert set(not_found) == EXPECTED_NOT_FOUND
    html_errors = _html_errors(html_dir)
    problems += html_errors or []
    assert problems == [], "\n".join(problems)
    assert shared == [], "\n".join(shared)
    if html_errors is None:
        skip_or_fail(
            "Java or the Nu HTML checker is not installed (make test runs npm ci in tests/js): "
            "the pages were not validated as HTML",
            _html_checker_required(),
        )

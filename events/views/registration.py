"""Registering, the "my registration" page behind its secret link, and lost links."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from events.extensions import limiter
from events.forms.public import ConfirmForm, LostLinkForm, RegistrationForm
from events.identifiers import normalize_email
from events.messages.certificate import certificate_pdf
from events.messages.ics import calendar_file, registration_entries
from events.messages.links import absolute_url
from events.messages.qr import ticket_png
from events.models import RegistrationStatus, utcnow
from events.services.courses.certificates import certificates_of, find_certificate
from events.services.courses.sessions import attended_sessions
from events.services.lifecycle import Action, ActorKind, allowed_actions
from events.services.listings import find_public_event, listing_for
from events.services.lost_link import request_links
from events.services.personal_pages import manage_page_version
from events.services.questionnaires.at_registration import (
    answer_list,
    answers_of,
    can_change_answers,
    change_answers,
    questions_for,
    register_with_answers,
)
from events.services.questionnaires.questions import form_values, questions
from events.services.registration import (
    RegistrationError,
    cancel_registration,
    find_by_manage_token,
    waitlist_position,
)
from events.views.access import Rule, access
from events.views.answers import language, questions_form, registration_form
from events.views.page_cache import personal_page

bp = Blueprint("registration", __name__)

SENT_SESSION_KEY = "lost_link_sent_to"


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTRATION"], methods=["POST"])
def register(slug: str):
    event = find_public_event(slug)
    if event is None:
        abort(404)
    form = RegistrationForm()
    if request.method == "GET":
        form.language.data = str(get_locale())

    def submit(attendee, version_id, answers):
        return register_with_answers(event.id, attendee, version_id, answers)

    done, page = registration_form(event.id, form, submit)
    return done or render_template(
        "registration/form.html", listing=listing_for(event, utcnow()), **page
    )


def _registration_or_404(token: str):
    registration = find_by_manage_token(token)
    if registration is None:
        abort(404)
    return registration


@bp.get("/r/<token>")
@access(Rule.SECRET)
@personal_page(manage_page_version)
def manage(token: str):
    """The person's page, from the cache while nothing on it has changed (page_cache)."""
    registration = _registration_or_404(token)
    now = utcnow()
    return render_template(
        "registration/manage.html",
        registration=registration,
        event=registration.event,
        position=waitlist_position(registration),
        can_cancel=_may_cancel(registration, now),
        answers=answer_list(registration, language()),
        can_change_answers=can_change_answers(registration, now),
        attended=attended_sessions([registration.id])[registration.id],
        certificates=certificates_of(registration.id),
    )


@bp.route("/r/<token>/answers", methods=["GET", "POST"])
@access(Rule.SECRET)
def answers(token: str):
    """The person changes their answers to the event's questions, until registration closes."""
    registration = _registration_or_404(token)
    asked = questions_for(registration.event_id)
    if asked is None:
        return redirect(url_for(".manage", token=token))

    def submit(version_id, form):
        return change_answers(registration.id, version_id, form)

    def done(_response):
        flash(_("Your answers were saved."), "success")
        return redirect(url_for(".manage", token=token))

    return questions_form(
        "registration/answers.html",
        asked[1],
        submit,
        done,
        values=_stored_values(registration, asked[1]),
        headers={"Cache-Control": "no-store"},
        registration=registration,
        event=registration.event,
        open=can_change_answers(registration, utcnow()),
    )


def _stored_values(registration, version) -> MultiDict:
    """The person's stored answers as the form shows them."""
    stored, values = answers_of(registration), MultiDict()
    for question in questions(version.structure):
        answer = stored.answers.get(question["key"]) if stored else None
        for name, value in form_values(question, answer).items():
            values.setlist(name, value if isinstance(value, list) else [value])
    return values


@bp.get("/r/<token>/ticket.png")
@access(Rule.SECRET)
def ticket(token: str):
    registration = _registration_or_404(token)
    if registration.status != RegistrationStatus.CONFIRMED:
        abort(404)
    response = Response(ticket_png(registration.ticket_code), mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/r/<token>/certificates/<number>.pdf")
@access(Rule.SECRET)
def certificate(token: str, number: str):
    """The person's certificate as a PDF, in their language (also sent by email)."""
    registration = _registration_or_404(token)
    found = find_certificate(number)
    if found is None or found.registration_id != registration.id:
        abort(404)
    with force_locale(found.language):
        body = certificate_pdf(found, absolute_url("certificates.verify", number=found.number))
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="zaswiadczenie-{number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/r/<token>/calendar.ics")
@access(Rule.SECRET)
def calendar(token: str):
    registration = _registration_or_404(token)
    # The entry links to the ticket page: calendars are shared, this page is private.
    link = absolute_url("ticket.show", token=registration.ticket_token)
    tentative = registration.status != RegistrationStatus.CONFIRMED
    body = calendar_file(registration_entries(registration, link, tentative=tentative))
    response = Response(body, mimetype="text/calendar")
    disposition = f'attachment; filename="{registration.event.slug}.ics"'
    response.headers["Content-Disposition"] = disposition
    return response


def _may_cancel(registration, now=None) -> bool:
    return Action.CANCEL in allowed_actions(registration, ActorKind.REGISTRANT, now)


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
@access(Rule.SECRET)
def cancel(token: str):
    registration = _registration_or_404(token)
    form = ConfirmForm()
    if not registration.is_active:
        return redirect(url_for(".manage", token=token))
    if form.validate_on_submit():
        try:
            cancel_registration(registration.id)
        except RegistrationError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Your registration has been cancelled."), "success")
        return redirect(url_for(".manage", token=token))
    if not _may_cancel(registration):
        return redirect(url_for(".manage", token=token))
    return render_template("registration/cancel.html", registration=registration, form=form)


@bp.route("/lost-link", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.limit(lambda: current_app.config["RATELIMIT_LOST_LINK"], methods=["POST"])
def lost_link():
    form = LostLinkForm()
    if form.validate_on_submit():
        request_links(form.email.data, str(get_locale()))
        # Shown once on the next page, so that the person sees where we wrote.
        session[SENT_SESSION_KEY] = normalize_email(form.email.data)
        return redirect(url_for(".lost_link_sent"))
    return render_template("registration/lost_link.html", form=form)


@bp.get("/lost-link/sent")
@access(Rule.PUBLIC)
def lost_link_sent():
    address = session.pop(SENT_SESSION_KEY, None)
    if not address:
        return redirect(url_for(".lost_link"))
    return render_template("registration/lost_link_sent.html", address=address)

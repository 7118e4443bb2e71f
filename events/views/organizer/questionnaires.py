"""Organizer: questionnaires: the builder, paper entry, personal links and the poster."""

import base64

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from events.counties import county_choices
from events.forms.questionnaires import QuestionForm, SectionForm, SettingsForm
from events.messages.links import absolute_url
from events.messages.qr import ticket_png
from events.models import OrganizationType, Questionnaire, QuestionnaireKind, ResponseSource
from events.services.organizations.scope import visible_event, visible_events
from events.services.programmes import find_programme, list_programmes, programme_choices
from events.services.questionnaires.answering import (
    QuestionnaireError,
    consultation_meetings,
    invite_registrants,
    latest_version,
    list_questionnaires,
    response_count,
    response_counts,
    submit_response,
)
from events.services.questionnaires.builder import (
    add_section,
    create_questionnaire,
    delete_question,
    delete_section,
    move_question,
    rename_section,
    save_question,
    update_settings,
)
from events.services.questionnaires.evaluations import send_evaluation_now
from events.services.questionnaires.pdf import poster_pdf as poster_pdf_file
from events.services.questionnaires.questions import QuestionType, find_question
from events.services.questionnaires.results import evaluation_overview
from events.views import form_id, query_id
from events.views.access import Rule, access
from events.views.answers import questions_form
from events.views.organizer.blueprint import bp, current_scope, questionnaire_or_404


def _events():
    return list(reversed(visible_events(current_scope())))


@bp.get("/questionnaires")
@access(Rule.ORGANIZER)
def questionnaires():
    programme = find_programme(request.args.get("programme"))
    programme_id = programme.id if programme else None
    scope = current_scope()
    event = visible_event(scope, query_id("event"))
    return render_template(
        "organizer/questionnaires/list.html",
        items=list_questionnaires(scope, programme_id, event.id if event else None),
        event=event,
        counts=response_counts(),
        programme=programme,
        programmes=list_programmes(),
        evaluations=evaluation_overview(scope, programme_id),
    )


@bp.route("/questionnaires/new", methods=["GET", "POST"])
@access(Rule.ORGANIZER)
def new_questionnaire():
    form = SettingsForm()
    form.set_choices(_events(), programme_choices())
    if request.method == "GET":
        form.anonymous.data = True
        event_id = query_id("event")
        if event_id:  # from an event's page: an evaluation of it, say
            form.event_id.data, form.kind.data = str(event_id), QuestionnaireKind.EVALUATION.value
    if form.validate_on_submit():
        questionnaire = create_questionnaire(form.settings(), current_user)
        flash(_("The questionnaire was created. Add its questions."), "success")
        return redirect(url_for("organizer.questionnaire", questionnaire_id=questionnaire.id))
    return render_template("organizer/questionnaires/settings.html", form=form, questionnaire=None)


@bp.route("/questionnaires/<int:questionnaire_id>/settings", methods=["GET", "POST"])
@access(Rule.SCOPED)
def questionnaire_settings(questionnaire_id: int):
    questionnaire = questionnaire_or_404(questionnaire_id)
    form = SettingsForm()
    form.set_choices(_events(), programme_choices())
    if request.method == "GET":
        form.fill(questionnaire)
    if form.validate_on_submit():
        update_settings(questionnaire.id, form.settings())
        flash(_("The settings were saved."), "success")
        return redirect(url_for("organizer.questionnaire", questionnaire_id=questionnaire.id))
    return render_template(
        "organizer/questionnaires/settings.html", form=form, questionnaire=questionnaire
    )


@bp.get("/questionnaires/<int:questionnaire_id>")
@access(Rule.SCOPED)
def questionnaire(questionnaire_id: int):
    questionnaire = questionnaire_or_404(questionnaire_id)
    version = latest_version(questionnaire.id)
    return render_template(
        "organizer/questionnaires/builder.html",
        questionnaire=questionnaire,
        version=version,
        answered=response_count(questionnaire.id, version.id),
        total=response_count(questionnaire.id),
        section_form=SectionForm(),
        meetings=consultation_meetings(current_scope()),
        public_url=absolute_url("questionnaire.public", key=questionnaire.public_key),
        programme_name=questionnaire.programme.name() if questionnaire.programme else "",
        types={kind.value: kind.label for kind in QuestionType},
    )


@bp.post("/questionnaires/<int:questionnaire_id>/sections")
@access(Rule.SCOPED)
def new_section(questionnaire_id: int):
    questionnaire = questionnaire_or_404(questionnaire_id)
    form = SectionForm()
    if form.validate_on_submit():
        add_section(questionnaire.id, form.title_pl.data, form.title_en.data or "")
        flash(_("The section was added."), "success")
    else:
        flash(_("Enter the section's title in Polish."), "error")
    return redirect(url_for("organizer.questionnaire", questionnaire_id=questionnaire.id))


@bp.post("/questionnaires/<int:questionnaire_id>/sections/<section_key>")
@access(Rule.SCOPED)
def change_section(questionnaire_id: int, section_key: str):
    """Rename a section, or remove it (an empty one) when `remove` is sent."""
    questionnaire = questionnaire_or_404(questionnaire_id)
    back = redirect(url_for("organizer.questionnaire", questionnaire_id=questionnaire.id))
    if request.form.get("remove"):
        try:
            delete_section(questionnaire.id, section_key)
        except QuestionnaireError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The section was removed."), "success")
        return back
    form = SectionForm()
    if form.validate_on_submit():
        rename_section(questionnaire.id, section_key, form.title_pl.data, form.title_en.data or "")
        flash(_("The section was renamed."), "success")
    else:
        flash(_("Enter the section's title in Polish."), "error")
    return back


@bp.route("/questionnaires/<int:questionnaire_id>/questions/new", methods=["GET", "POST"])
@access(Rule.SCOPED)
def new_question(questionnaire_id: int):
    return _question_page(questionnaire_or_404(questionnaire_id), None)


@bp.route(
    "/questionnaires/<int:questionnaire_id>/questions/<question_key>", methods=["GET", "POST"]
)
@access(Rule.SCOPED)
def edit_question(questionnaire_id: int, question_key: str):
    return _question_page(questionnaire_or_404(questionnaire_id), question_key)


def _question_page(questionnaire: Questionnaire, question_key: str | None):
    version = latest_version(questionnaire.id)
    section_key = request.args.get("section", "")
    sections = {section["key"]: section for section in version.structure["sections"]}
    question = None
    if question_key:
        section, question = find_question(version.structure, question_key)
        if question is None:
            abort(404)
        section_key = section["key"]
    elif section_key not in sections:
        section_key = version.structure["sections"][-1]["key"]
    form = QuestionForm()
    form.set_choices(version.structure["sections"])
    if request.method == "GET":
        form.section.data = section_key
        if question:
            form.fill(question)
        else:
            form.type.data = "single"
    if form.validate_on_submit():
        target = form.section.data if form.section.data in sections else section_key
        save_question(questionnaire.id, target, form.values(), question_key)
        flash(_("The question was saved."), "success")
        return redirect(url_for("organizer.questionnaire", questionnaire_id=questionnaire.id))
    return render_template(
        "organizer/questionnaires/question.html",
        form=form,
        questionnaire=questionnaire,
        question=question,
        answered=response_count(questionnaire.id, version.id),
    )


@bp.post("/questionnaires/<int:questionnaire_id>/questions/<question_key>/delete")
@access(Rule.SCOPED)
def remove_question(questionnaire_id: int, question_key: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    delete_question(questionnaire.id, question_key)
    flash(_("The question was removed."), "success")
    return redirect(url_for("organizer.questionnaire", questionnaire_id=questionnaire.id))


@bp.post("/questionnaires/<int:questionnaire_id>/questions/<question_key>/move")
@access(Rule.SCOPED)
def reorder_question(questionnaire_id: int, question_key: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    move_question(questionnaire.id, question_key, -1 if request.form.get("to") == "up" else 1)
    anchor = f"question-{question_key}"
    return redirect(
        url_for("organizer.questionnaire", questionnaire_id=questionnaire.id) + "#" + anchor
    )


@bp.route("/questionnaires/<int:questionnaire_id>/paper", methods=["GET", "POST"])
@access(Rule.SCOPED)
def paper_entry(questionnaire_id: int):
    """Staff type in a paper questionnaire; it is marked as paper. The page answers to
    the version it shows (staff type one sheet after another: no "changed")."""
    questionnaire = questionnaire_or_404(questionnaire_id)
    version = latest_version(questionnaire.id)

    def submit(_version_id, form):
        return submit_response(questionnaire.id, version.id, form, source=ResponseSource.PAPER,
                               meeting_id=form_id("meeting"))  # fmt: skip

    def done(_response):
        flash(_("The paper questionnaire was saved. You can type in the next one."), "success")
        return redirect(url_for("organizer.paper_entry", questionnaire_id=questionnaire.id))

    return questions_form(
        "organizer/questionnaires/paper.html",
        version,
        submit,
        done,
        questionnaire=questionnaire,
        counties=county_choices(),
        organization_types=list(OrganizationType),
        meetings=consultation_meetings(current_scope()) if questionnaire.event_id is None else [],
        language="pl",
    )


@bp.post("/questionnaires/<int:questionnaire_id>/invitations")
@access(Rule.SCOPED)
def send_invitations(questionnaire_id: int):
    questionnaire = questionnaire_or_404(questionnaire_id)
    event_id = form_id("event_id")
    if visible_event(current_scope(), event_id) is None:
        flash(_("Choose a meeting."), "error")
    else:
        try:
            sent = invite_registrants(questionnaire.id, event_id, current_user)
        except QuestionnaireError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Personal links sent: %(count)d.", count=sent), "success")
    return redirect(url_for("organizer.questionnaire", questionnaire_id=questionnaire.id))


@bp.post("/questionnaires/<int:questionnaire_id>/evaluation")
@access(Rule.SCOPED)
def send_evaluation(questionnaire_id: int):
    """Send the evaluation now to the people checked in (the cron job would later)."""
    questionnaire = questionnaire_or_404(questionnaire_id)
    try:
        sent = send_evaluation_now(questionnaire.id, current_user)
    except QuestionnaireError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Personal links sent: %(count)d.", count=sent), "success")
    return redirect(url_for("organizer.questionnaire", questionnaire_id=questionnaire.id))


def _poster_link(questionnaire_id: int):
    """The questionnaire, the meeting of ?meeting= (or None) and the link its QR holds."""
    questionnaire = questionnaire_or_404(questionnaire_id)
    meeting = visible_event(current_scope(), query_id("meeting"))
    values = {"key": questionnaire.public_key}
    if meeting:
        values["meeting"] = meeting.slug
    return questionnaire, meeting, absolute_url("questionnaire.public", **values)


@bp.get("/questionnaires/<int:questionnaire_id>/poster.pdf")
@access(Rule.SCOPED)
def poster_pdf(questionnaire_id: int):
    """The same poster as a PDF file, for a print shop."""
    questionnaire, meeting, url = _poster_link(questionnaire_id)
    response = Response(
        poster_pdf_file(questionnaire, url, meeting.title if meeting else ""),
        mimetype="application/pdf",
    )
    filename = f"plakat-ankiety-{questionnaire.id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/questionnaires/<int:questionnaire_id>/poster")
@access(Rule.SCOPED)
def poster(questionnaire_id: int):
    """An A4 page to print and hang in the meeting room, with the link's QR code."""
    questionnaire, meeting, url = _poster_link(questionnaire_id)
    qr = base64.b64encode(ticket_png(url, box_size=10)).decode()
    return render_template(
        "organizer/questionnaires/poster.html",
        questionnaire=questionnaire,
        meeting=meeting,
        url=url,
        qr=qr,
        programme_name=questionnaire.programme.name() if questionnaire.programme else "",
    )

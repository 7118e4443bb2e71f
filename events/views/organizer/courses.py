"""Organizer: the sessions of a course, its attendance matrix, per-session sheets and
certificates."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from events.extensions import db
from events.forms.organizer import CertificateRuleForm, SessionForm
from events.forms.public import ConfirmForm
from events.models import CourseSession, EventStatus, Presence
from events.services.checkin.corrections import has_started
from events.services.courses.certificate_check import breaking_certificates
from events.services.courses.certificates import (
    CertificateError,
    certificates_of_event,
    ends_at,
    has_ended,
    issue_certificates,
    revoke_certificate,
    set_rule,
    standings,
)
from events.services.courses.sessions import (
    CourseError,
    add_session,
    attendance_count,
    attendance_matrix,
    delete_session,
    session_people_for_sheet,
    update_session,
)
from events.services.exports import attendance_pdf
from events.views import form_id
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp, event_or_404
from events.views.organizer.downloads import audited_pdf


def _session_or_404(event, session_id: int) -> CourseSession:
    session = db.session.get(CourseSession, session_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


@bp.route("/events/<int:event_id>/sessions", methods=["GET", "POST"])
@access(Rule.SCOPED)
def sessions(event_id: int):
    """The sessions of an event, and a form to add one (an event with sessions is a course)."""
    event = event_or_404(event_id)
    form = SessionForm()
    if event.status != EventStatus.CANCELLED and form.validate_on_submit():
        try:
            add_session(event.id, form.session_data(), current_user)
        except CourseError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The session was added."), "success")
            return redirect(url_for(".sessions", event_id=event.id))
    present = {session.id: attendance_count(session.id) for session in event.sessions}
    return render_template(
        "organizer/sessions.html",
        event=event,
        form=form,
        present=present,
        action_form=ConfirmForm(),
    )


@bp.route("/events/<int:event_id>/sessions/<int:session_id>", methods=["GET", "POST"])
@access(Rule.SCOPED)
def edit_session(event_id: int, session_id: int):
    event = event_or_404(event_id)
    session = _session_or_404(event, session_id)
    form = SessionForm()
    if request.method == "GET":
        form.fill_from(session)
    if form.validate_on_submit():
        try:
            told = update_session(
                event.id, session.id, form.session_data(), current_user, form.change_note.data
            )
        except CourseError as error:
            flash(str(error.message), "error")
        else:
            flash(
                _("The session was saved; %(count)d people are being told.", count=told), "success"
            )
            return redirect(url_for(".sessions", event_id=event.id))
    return render_template("organizer/session_form.html", event=event, session=session, form=form)


@bp.post("/events/<int:event_id>/sessions/<int:session_id>/delete")
@access(Rule.SCOPED)
def remove_session(event_id: int, session_id: int):
    event = event_or_404(event_id)
    session = _session_or_404(event, session_id)
    if ConfirmForm().validate_on_submit():
        try:
            delete_session(event.id, session.id, current_user)
        except CourseError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The session was deleted."), "success")
    return redirect(url_for(".sessions", event_id=event.id))


@bp.get("/events/<int:event_id>/attendance")
@access(Rule.SCOPED)
def attendance(event_id: int):
    """People × sessions: who came to which session, hours and share attended; the
    certificate rule, who meets it, issuing (once it has ended) and revoking, and the
    certificates already issued that break the rule."""
    event = event_or_404(event_id)
    rule_form = CertificateRuleForm(certificate_min_percent=event.certificate_min_percent)
    return _attendance_page(event, rule_form)


def _attendance_page(event, rule_form):
    everyone = standings(event)
    return render_template(
        "organizer/attendance.html",
        event=event,
        matrix=attendance_matrix(event),
        presences=list(Presence),
        started={item.id for item in event.sessions if has_started(event, item)},
        rule_form=rule_form,
        standings=everyone,
        eligible=[s for s in everyone if s.eligible and s.certificate is None],
        revoked=[c for c in certificates_of_event(event.id) if c.is_revoked],
        ended=has_ended(event),
        ends_at=ends_at(event),
        breaking=breaking_certificates(event),
        action_form=ConfirmForm(),
    )


@bp.post("/events/<int:event_id>/certificates/rule")
@access(Rule.SCOPED)
def certificate_rule(event_id: int):
    event = event_or_404(event_id)
    form = CertificateRuleForm()
    if not form.validate_on_submit():
        return _attendance_page(event, form), 400
    issued = set_rule(event.id, form.certificate_min_percent.data, current_user)
    flash(_("The certificate rule was saved."), "success")
    if issued:
        flash(
            ngettext(
                "%(num)d certificate was already issued under the earlier rule: it stays "
                "valid. Revoke it below if it should not stand.",
                "%(num)d certificates were already issued under the earlier rule: they stay "
                "valid. Revoke them below if they should not stand.",
                issued,
            ),
            "info",
        )
    return redirect(url_for(".attendance", event_id=event.id) + "#certificates")


@bp.post("/events/<int:event_id>/certificates/issue")
@access(Rule.SCOPED)
def certificate_issue(event_id: int):
    """Issue to everyone who meets the rule, or to one person (`registration_id`)."""
    event = event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        one = form_id("registration_id")
        try:
            issued = issue_certificates(event.id, current_user, one)
        except CertificateError as error:
            flash(str(error.message), "error")
        else:
            flash(
                ngettext(
                    "%(num)d certificate was issued and is being emailed.",
                    "%(num)d certificates were issued and are being emailed.",
                    len(issued),
                ),
                "success",
            )
    return redirect(url_for(".attendance", event_id=event.id) + "#certificates")


@bp.post("/events/<int:event_id>/certificates/<int:certificate_id>/revoke")
@access(Rule.SCOPED)
def certificate_revoke(event_id: int, certificate_id: int):
    event = event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        try:
            certificate = revoke_certificate(event.id, certificate_id, current_user)
        except CertificateError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Certificate %(number)s was revoked.", number=certificate.number), "success")
    return redirect(url_for(".attendance", event_id=event.id) + "#certificates")


@bp.get("/events/<int:event_id>/sessions/<int:session_id>/attendance.pdf")
@access(Rule.SCOPED)
def session_sheet(event_id: int, session_id: int):
    """The printable attendance list of one session of a course."""
    event = event_or_404(event_id)
    session = _session_or_404(event, session_id)
    project = _("Działamy Razem: seminars, training courses and meetings")
    people = session_people_for_sheet(event)
    pdf = attendance_pdf(event, people, project, session=session)
    filename = f"lista-{event.slug}-{session.starts_at:%Y-%m-%d}.pdf"
    return audited_pdf(pdf, filename, len(people), event.id)

"""Group registration: the coordinator's form, and the group's page behind its secret link.

The form works without JavaScript: "Add a person" is a submit button that shows the
page again with one more row, everything typed kept; rows left entirely empty are
left out. The service checks the whole form and answers with every error at once;
each is shown next to its field and in the summary.
"""

import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from events import consents
from events.extensions import limiter
from events.forms.groups import START_WITH, AddMemberForm, GroupForm
from events.forms.public import ConfirmForm
from events.models import GroupMode, OrganizationType, RegistrationStatus, utcnow
from events.services import DomainError
from events.services.groups import (
    Coordinator,
    GroupError,
    Member,
    add_member,
    cancel_member,
    check_group,
    find_group,
    may_add,
    register_group,
)
from events.services.lifecycle import Action, ActorKind, allowed_actions
from events.services.listings import find_public_event, listing_for
from events.services.questionnaires.answering import QuestionnaireError
from events.services.questionnaires.at_registration import questions_for
from events.services.registration import waitlist_position
from events.views import form_id, parse_id
from events.views.access import Rule, access
from events.views.answers import error_links, language

bp = Blueprint("groups", __name__)

_MEMBER_KEY = re.compile(r"^members-(\d+)-(.+)$")
_TEXT = ("first_name", "last_name", "email", "organization")
NO_STORE = {"Cache-Control": "no-store"}


def compacted(formdata: MultiDict) -> MultiDict:
    """The posted form with the rows left entirely empty taken out and the others
    numbered again from 0 (the first row stays, so that an empty form says what is
    missing)."""
    rows: dict[int, list[tuple[str, str]]] = {}
    kept = MultiDict()
    for key, value in formdata.items(multi=True):
        match = _MEMBER_KEY.match(key)
        if match:
            rows.setdefault(int(match.group(1)), []).append((match.group(2), value))
        else:
            kept.add(key, value)
    filled = [
        index
        for index in sorted(rows)
        if any(value.strip() for name, value in rows[index] if name in _TEXT)
    ]
    for number, index in enumerate(filled or sorted(rows)[:1]):
        for name, value in rows[index]:
            kept.add(f"members-{number}-{name}", value)
    return kept


def member_from(subform, formdata: MultiDict, prefix: str) -> Member:
    """A person as the service takes them; `prefix` names their answers (members-0-)."""
    answers = MultiDict(
        [(key[len(prefix) :], value) for key, value in formdata.items(multi=True)
         if key.startswith(prefix + "q-")]
    )  # fmt: skip
    kind = subform.organization_type.data
    return Member(
        first_name=subform.first_name.data or "",
        last_name=subform.last_name.data or "",
        organization=subform.organization.data or "",
        county=subform.county.data or "",
        email=subform.email.data or "",
        organization_type=OrganizationType(kind if kind in set(OrganizationType) else "other"),
        dr_member=bool(subform.dr_member.data),
        answers=answers,
    )


def _show(field, message) -> None:
    """Add the service's message to a field, unless the form already says what is wrong."""
    if not field.errors:
        field.errors = [str(message)]


def _attach(error: GroupError, form, subforms) -> dict[int, dict]:
    """The service's errors next to their fields; returns the answers' errors per person."""
    for name, message in error.coordinator_errors.items():
        if name in form:
            _show(form[name], message)
    for index, errors in error.member_errors.items():
        for name, message in errors.items():
            _show(subforms[index][name], message)
    return error.answer_errors


def _person(index: int, message) -> str:
    """A person's error as the summary lists it: whose it is, then what."""
    return _("Person %(number)d: %(message)s", number=index + 1, message=message)


def _summary(form, subforms, prefixes, asked, answer_errors) -> list[tuple[str, str]]:
    """(anchor, message) in the order of the page."""
    links = []
    for name in ("coordinator_name", "coordinator_email", "coordinator_organization"):
        links.extend((form[name].id, message) for message in form[name].errors)
    for index, subform in enumerate(subforms):
        found = [(field.id, message) for field in subform for message in field.errors]
        if asked and index in answer_errors:
            found += [
                (prefixes[index] + anchor, message)
                for anchor, message in error_links(asked.structure, answer_errors[index])
            ]
        links += [(anchor, _person(index, message)) for anchor, message in found]
    links.extend((form.mode.id + "-0", message) for message in form.mode.errors)
    for name in ("consent", "csrf_token"):
        links.extend((form[name].id, message) for message in form[name].errors)
    return links


def _submit(event_id: int, form, formdata):
    """Register the posted group; None when the form's own checks failed and the
    service's found nothing more. Raises what `register_group` raises; for a form with
    errors, GroupError `invalid` with the service's findings too (duplicates, answers),
    so that every error shows at once."""
    valid = form.validate()
    members = [
        member_from(subform, formdata, f"members-{index}-")
        for index, subform in enumerate(form.members)
    ]
    coordinator = Coordinator(
        form.coordinator_name.data or "",
        form.coordinator_email.data or "",
        form.coordinator_organization.data or "",
        language(),
    )
    if not valid:
        check_group(event_id, coordinator, members, form_id("version"), form.consent.data)
        return None
    return register_group(
        event_id, coordinator, members, GroupMode(form.mode.data), form_id("version"),
        form.consent.data,
    )  # fmt: skip


@bp.route("/events/<slug>/group", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_REGISTRATION"],
    methods=["POST"],
    exempt_when=lambda: "add_person" in request.form,  # a row more registers nobody
)
def register(slug: str):
    event = find_public_event(slug)
    if event is None or event.group_max is None:
        abort(404)
    formdata = compacted(request.form) if request.method == "POST" else None
    form = GroupForm(formdata=formdata)
    posted = len({m.group(1) for m in map(_MEMBER_KEY.match, formdata or ()) if m})
    submitted = request.method == "POST" and "add_person" not in request.form
    # No empty rows added to a post; a group sent larger than the event now takes (the
    # organizer lowered it meanwhile) keeps every person on the page, and is refused.
    most = posted if submitted and posted else min(posted or START_WITH, event.group_max)
    while len(form.members) > most:
        form.members.pop_entry()
    asked = questions_for(event.id)
    refusal, answer_errors, added = None, {}, False
    if submitted and posted > event.group_max:
        refusal = _("A group may have at most %(count)d people.", count=event.group_max)
    elif request.method == "POST" and "add_person" in request.form:
        if len(form.members) < event.group_max:
            form.members.append_entry()
            added = True
    elif request.method == "POST":
        try:
            group = _submit(event.id, form, formdata)
        except GroupError as error:
            if error.code != "invalid":
                refusal = error.message
            answer_errors = _attach(error, form, form.members)
        except QuestionnaireError as error:  # the questions changed meanwhile
            refusal, asked = error.message, questions_for(event.id)
        except DomainError as error:
            refusal = error.message
        else:
            if group is not None:
                flash(_("The group is registered. We sent you the link to this page."), "success")
                return redirect(url_for(".page", token=group.token))
    prefixes = [f"members-{index}-" for index in range(len(form.members))]
    links = _summary(form, form.members, prefixes, asked and asked[1], answer_errors)
    status = 422 if request.method == "POST" and not added and (links or refusal) else 200
    body = render_template(
        "groups/form.html",
        listing=listing_for(event, utcnow()),
        form=form,
        asked=asked[1] if asked else None,
        values=formdata or MultiDict(),
        answer_errors=answer_errors,
        error_links=links,
        refusal=refusal,
        added=added,
        start_with=START_WITH,
        consents=consents,
        language=language(),
    )
    return body, status, NO_STORE


def _group_or_404(token: str):
    group = find_group(token)
    if group is None:
        abort(404)
    return group


@bp.get("/g/<token>")
@access(Rule.SECRET)
def page(token: str):
    group = _group_or_404(token)
    people = [
        {
            "registration": registration,
            "position": waitlist_position(registration),
            "may_cancel": Action.CANCEL in allowed_actions(registration, ActorKind.REGISTRANT),
        }
        for registration in group.members
    ]
    body = render_template(
        "groups/page.html",
        group=group,
        event=group.event,
        people=people,
        may_add=may_add(group),
        confirmed=RegistrationStatus.CONFIRMED,
    )
    return body, 200, NO_STORE


@bp.route("/g/<token>/cancel/<registration_id>", methods=["GET", "POST"])
@access(Rule.SECRET)
def cancel(token: str, registration_id: str):
    group = _group_or_404(token)
    number = parse_id(registration_id)
    person = next((r for r in group.members if r.id == number), None)
    if person is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            cancel_member(token, person.id)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("%(name)s's registration is cancelled.", name=person.full_name), "success")
        return redirect(url_for(".page", token=token))
    if Action.CANCEL not in allowed_actions(person, ActorKind.REGISTRANT):
        return redirect(url_for(".page", token=token))
    body = render_template("groups/cancel.html", group=group, person=person, form=form)
    return body, 200, NO_STORE


@bp.route("/g/<token>/add", methods=["GET", "POST"])
@access(Rule.SECRET)
def add(token: str):
    group = _group_or_404(token)
    event_id = group.event_id
    form = AddMemberForm()
    asked = questions_for(event_id)
    refusal, answer_errors = None, {}
    if request.method == "POST":
        valid = form.validate()
        person = member_from(form.member.form, request.form, "member-")
        try:
            if valid:
                registration = add_member(token, person, form_id("version"))
                flash(_("%(name)s is added to the group.", name=registration.full_name), "success")
                return redirect(url_for(".page", token=token))
            coordinator = Coordinator(
                group.coordinator_name, group.coordinator_email or "",
                group.coordinator_organization,
            )  # fmt: skip
            check_group(event_id, coordinator, [person], form_id("version"), True)
        except GroupError as error:
            if error.code == "invalid":
                answer_errors = _attach(error, form, [form.member.form]).get(0, {})
            else:
                refusal = error.message
        except DomainError as error:
            refusal = error.message
            asked = questions_for(event_id)
    links = [(field.id, message) for field in form.member.form for message in field.errors]
    if asked and answer_errors:
        links += [("member-" + a, m) for a, m in error_links(asked[1].structure, answer_errors)]
    links += [(form.csrf_token.id, message) for message in form.csrf_token.errors]
    body = render_template(
        "groups/add.html",
        group=group,
        form=form,
        open=may_add(group),
        asked=asked[1] if asked else None,
        values=request.form if request.method == "POST" else MultiDict(),
        answer_errors=answer_errors,
        error_links=links,
        refusal=refusal,
        language=language(),
    )
    return body, 422 if links or refusal else 200, NO_STORE

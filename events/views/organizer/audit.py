"""Organizer: the history of changes, of one event and of the whole network (who did
what, downloads of personal data included)."""

from flask import render_template, request
from flask_login import current_user

from events.models import Event
from events.search import polish_sort_key
from events.services.audit import ACTIONS, action_label, actor_label, changes, event_log
from events.services.organizations.audit_log import network_log
from events.services.organizations.directory import list_organizations
from events.services.organizations.scope import visible_events
from events.views import query_id
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp, current_scope, cut_by_organization, event_or_404

SHOWN = {"changes": changes, "action_label": action_label, "actor_label": actor_label}


@bp.get("/events/<int:event_id>/audit")
@access(Rule.SCOPED)
def audit_log(event_id: int):
    event = event_or_404(event_id)
    return render_template(
        "organizer/audit.html", event=event, entries=event_log(event.id), **SHOWN
    )


@bp.get("/audit")
@access(Rule.ORGANIZER)
def network_audit():
    """The latest entries the organizer may read (events.services.organizations.audit_log):
    `?action=` one kind, `?organization=<short name>` (coordinators) one organization's,
    `?before=<id>` the next page. Unknown values are ignored."""
    scope, organization = cut_by_organization()
    action = request.args.get("action")
    action = action if action in ACTIONS else None
    page = network_log(scope, action, query_id("before"))
    ids = {entry.event_id for entry in page.entries if entry.event_id is not None}
    shown = visible_events(current_scope(), Event.id.in_(ids)) if ids else []
    return render_template(
        "organizer/network_audit.html",
        page=page,
        events={event.id: event for event in shown},
        action=action,
        actions=sorted(
            ((key, str(label)) for key, label in ACTIONS.items()),
            key=lambda item: polish_sort_key(item[1]),
        ),
        organization=organization,
        organizations=list_organizations() if current_user.is_coordinator else [],
        **SHOWN,
    )

"""Group registration: a coordinator registers several people in one form.

An event allows it when its organizer set `Event.group_max` (2 to 20). Each member
becomes an ordinary registration with their own ticket (`Registration.group_id`);
the consents are given by the coordinator on their behalf (`consent_by_coordinator`).
Nobody's needs are asked: they may concern health, and only the person may consent
to that (GDPR art. 9).

`register_group` checks everything first and refuses with every error at once, per
person (GroupError `invalid`). Then, in one transaction under the event's lock, the
lifecycle decides the seats of the whole group (`lifecycle.group_statuses`):

- "together" (GroupMode.TOGETHER): everyone is confirmed, or nobody is. When not all
  fit, the whole group goes to the waiting list (in form order, side by side), if the
  event has one; otherwise the group is refused (`no_room`, saying how many seats are
  left). A group is never split.
- "waitlist_rest": as many as fit are confirmed, in form order; the rest wait, in
  form order, with contiguous positions. Without a waiting list: refused `no_room`.
- An event with approval: every member awaits the organizer's decision.

Afterwards each member is a registration like any other: a seat freed later goes to
the first on the waiting list (`registration.promote_from_waitlist`), person by
person, so a group waiting "together" gets its seats one by one, in its order, as
they free up; the organizer approves or declines each application on its own.

Emails go through the outbox after the commit: each member with an address gets
their usual message (ticket and calendar invite when confirmed); the coordinator
gets one message with the link to the group's page (/g/<token>), everyone's status
and the tickets of the members without an address. Later messages about such a
member (a seat from the waiting list) go to the coordinator (`registration.queue_email`).
"""

from events.services.groups.checks import Coordinator, GroupError, Member, check_group
from events.services.groups.registering import (
    GROUP_EMAIL,
    active_count,
    add_member,
    cancel_member,
    find_group,
    may_add,
    queue_group_email,
    register_group,
)

__all__ = [
    "GROUP_EMAIL",
    "Coordinator",
    "GroupError",
    "Member",
    "active_count",
    "add_member",
    "cancel_member",
    "check_group",
    "find_group",
    "may_add",
    "queue_group_email",
    "register_group",
]

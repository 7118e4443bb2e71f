"""Command-line tools: `flask --app app <command>`."""

import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from events import backup, unit_of_work
from events.extensions import db
from events.messages.outbox import deliver_due, deliver_pending, outbox_summary, prune_sent
from events.messages.webhooks import deliver_webhooks
from events.models import Event, Organization, OutboxStatus, Role, utcnow
from events.services.accounts import AccountError, change_password, create_user
from events.services.checkin.access import AccessError, assign_staff
from events.services.courses.certificate_check import breaking_everywhere
from events.services.invitations.invite import release_invitee_seats
from events.services.privacy import anonymize_before, forget_needs
from events.services.questionnaires.evaluations import send_evaluations
from events.services.reminders import DEFAULT_HOURS_BEFORE, send_reminders
from events.timezone import from_local, local_date


def register(app: Flask) -> None:
    for command in (
        seed_demo_command,
        create_user_command,
        set_password_command,
        outbox_worker_command,
        outbox_status_command,
        prune_outbox_command,
        send_reminders_command,
        release_seats_command,
        assign_staff_command,
        anonymize_command,
        backup_command,
        restore_command,
        send_evaluations_command,
        certificates_group,
    ):
        app.cli.add_command(command)


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has events.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo programme (seminars, training, consultations, a partner meeting)."""
    from events.demo.programme import seed_demo

    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Event)):
        click.echo("The database already has events: demo data not loaded.")
        return
    events = seed_demo()
    click.echo(f"Demo programme loaded: {len(events)} events.")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option(
    "--organization",
    metavar="SHORT_NAME",
    help="The organization's short name (by default the lead organization).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(
    email: str, role: str, organization: str | None, password_stdin: bool
) -> None:
    """Create a coordinator, organizer or staff account; the password is prompted for.
    Later accounts are made on the organizer area's Accounts page."""
    found = None
    if organization:
        found = db.session.scalar(
            sa.select(Organization).where(Organization.short_name == organization)
        )
        if found is None:
            raise click.ClickException(f"There is no organization {organization!r}.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, Role(role), found)
    except AccountError as error:
        with force_locale("en"):  # the commands speak English
            raise click.ClickException(str(error.message)) from error
    click.echo(f"Created {user.role.value} account {user.email} of {user.organization.short_name}.")


@click.command("set-password")
@with_appcontext
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(email: str, password_stdin: bool) -> None:
    """Give an account a new password; it is logged out everywhere."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        user = change_password(email, password)
    except AccountError as error:
        with force_locale("en"):
            raise click.ClickException(str(error.message)) from error
    click.echo(f"New password set for {user.email}; its sessions have ended.")


@click.command("outbox-worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver until nothing is due, then stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@click.option("--batch", default=50, show_default=True, help="Messages claimed per round.")
def outbox_worker_command(once: bool, interval: float, batch: int) -> None:
    """Deliver the mail outbox and the webhooks; several workers may run at once."""
    click.echo("Outbox worker started." + ("" if once else " Ctrl+C stops it."))
    while True:
        report = deliver_pending(limit=batch)
        for line in report.errors:
            click.echo(f"not sent: {line}", err=True)
        if report.sent or report.failed or report.retrying:
            click.echo(f"sent {report.sent}, failed {report.failed}, retrying {report.retrying}")
        hooks = deliver_webhooks(limit=batch)
        for line in hooks.errors:
            click.echo(f"webhook not delivered: {line}", err=True)
        if hooks.tried:
            click.echo(f"webhooks delivered {hooks.delivered}, retrying {hooks.retrying}")
        for endpoint_id in hooks.disabled:
            click.echo(f"webhook endpoint #{endpoint_id} switched off: failing for a day")
        mail_full = report.sent + report.failed + report.retrying >= batch
        if not mail_full and hooks.tried + hooks.untried < batch:
            if once:
                return
            time.sleep(interval)


@click.command("outbox-status")
@with_appcontext
def outbox_status_command() -> None:
    """Show how many messages are pending, sent and failed, and the unsent ones."""
    summary = outbox_summary()
    counts = summary["counts"]
    click.echo(", ".join(f"{status.value}: {counts.get(status, 0)}" for status in OutboxStatus))
    for message in summary["unsent"]:
        when = message.next_attempt_at.strftime("%Y-%m-%d %H:%M UTC")
        click.echo(
            f"#{message.id} {message.status.value} {message.kind} to {message.recipient}, "
            f"{message.attempts} attempt(s), next {when}: {message.last_error or '-'}"
        )


@click.command("prune-outbox")
@with_appcontext
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3650),
    help="Delete messages sent more than this many days ago.",
)
def prune_outbox_command(days: int) -> None:
    """Delete old sent messages (they hold personal data); failed ones stay (run from cron)."""
    count = unit_of_work.command(prune_sent)(timedelta(days=days))
    click.echo(f"{count} sent message(s) older than {days} days deleted.")


@click.command("send-reminders")
@with_appcontext
@click.option(
    "--hours",
    default=DEFAULT_HOURS_BEFORE,
    show_default=True,
    type=click.IntRange(1, 24 * 14),
    help="Remind people of events starting within this many hours.",
)
def send_reminders_command(hours: int) -> None:
    """Queue one reminder per confirmed registration (run it from cron, e.g. hourly)."""
    count = send_reminders(hours_before=hours)
    report = deliver_due()
    click.echo(f"{count} reminder(s) queued; {report.sent} message(s) sent.")


@click.command("release-invitee-seats")
@with_appcontext
def release_seats_command() -> None:
    """Seats kept for invited people whose date has passed go to the waiting list
    (run it from cron, e.g. hourly)."""
    promoted = release_invitee_seats()
    report = deliver_due()
    click.echo(f"{promoted} person(s) given a seat; {report.sent} message(s) sent.")


@click.command("assign-staff")
@with_appcontext
@click.argument("email")
@click.argument("event_slug")
def assign_staff_command(email: str, event_slug: str) -> None:
    """Let the staff account EMAIL check people in at the event EVENT_SLUG."""
    try:
        user, event = assign_staff(email, event_slug)
    except AccessError as error:
        with force_locale("en"):
            raise click.ClickException(str(error.message)) from error
    click.echo(f"{user.email} may now check people in at {event.slug}.")


@click.command("anonymize")
@with_appcontext
@click.option(
    "--before",
    "cutoff",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Anonymize registrations of events that ended before this date (YYYY-MM-DD); "
    "default: RETENTION_MONTHS months ago.",
)
def anonymize_command(cutoff) -> None:
    """Retention (run it daily from cron): delete the needs of people at events that have
    ended, and drop who registered for events that ended before the cutoff, keeping
    the figures for reports. The privacy notice promises both."""
    if cutoff is None:
        months = current_app.config["RETENTION_MONTHS"]
        today = local_date(utcnow())
        cutoff = datetime.combine(months_before(today, months), datetime.min.time())
    forgotten = forget_needs()
    click.echo(f"{forgotten} registration(s) lost their needs (events that have ended).")
    moment = from_local(cutoff)
    count = anonymize_before(moment)
    click.echo(f"{count} registration(s) anonymized (events that ended before {cutoff:%Y-%m-%d}).")


@click.command("backup")
@with_appcontext
@click.argument("target", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_command(target: Path) -> None:
    """Write a backup of the database to TARGET (SQLite: online copy; PostgreSQL: pg_dump)."""
    try:
        backup.backup(db.engine, target)
    except backup.BackupError as error:
        raise click.ClickException(f"Backup failed: {error}") from error
    click.echo(f"Backup written to {target} ({target.stat().st_size:,} bytes).")


@click.command("restore")
@with_appcontext
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database's contents.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database's contents with the backup SOURCE. Stop the app first."""
    if not yes:
        click.confirm(
            "Everything in the database will be replaced by the backup. Go on?", abort=True
        )
    db.session.remove()
    try:
        backup.restore(db.engine, source)
    except backup.BackupError as error:
        raise click.ClickException(f"Restore failed: {error}") from error
    click.echo(f"Database restored from {source}.")


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the last day of a shorter month)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@click.command("send-evaluations")
@with_appcontext
def send_evaluations_command() -> None:
    """Send the evaluations that are due (to checked-in people only) and their one reminder;
    run it from cron, e.g. hourly."""
    sent, reminded = send_evaluations()
    click.echo(f"Evaluations sent: {sent}; reminders: {reminded}.")


@click.group("certificates")
def certificates_group() -> None:
    """Certificates of completion."""


@certificates_group.command("check")
@with_appcontext
def check_certificates_command() -> None:
    """List the standing certificates that break the rule (issued before the end, dated
    after their issue, or resting on presences outside their check-in windows), for
    the organizer to revoke on the event's attendance page. Exits 1 when any are found."""
    found = breaking_everywhere()
    with force_locale("en"):  # the commands speak English
        for item in found:
            certificate = item.certificate
            reasons = "; ".join(str(breach.label) for breach in item.breaches)
            click.echo(
                f"{certificate.number}  event {certificate.event.slug} (id {certificate.event_id})"
                f"  issued {certificate.issued_at:%Y-%m-%d %H:%M} UTC: {reasons}"
            )
    if not found:
        click.echo("No issued certificate breaks the rule.")
        return
    click.echo(
        f"{len(found)} certificate(s) break the rule: revoke them on the event's attendance page."
    )
    sys.exit(1)

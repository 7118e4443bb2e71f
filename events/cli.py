"""Command-line tools: `flask --app app <command>`."""

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale

from events.extensions import db
from events.models import Event, Role
from events.services.accounts import AccountError, create_user


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has events.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo programme (seminars, training, consultations, a partner meeting)."""
    from events.demo import seed_demo

    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Event)):
        click.echo("The database already has events: demo data not loaded.")
        return
    events = seed_demo()
    click.echo(f"Demo programme loaded: {len(events)} events.")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, role: str, password_stdin: bool) -> None:
    """Create an organizer or staff account; the password is prompted for."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, Role(role))
    except AccountError as error:
        with force_locale("en"):  # the commands speak English
            raise click.ClickException(str(error.message)) from error
    click.echo(f"Created {user.role.value} account {user.email}.")

"""Login and logout for organizer and staff accounts.

Logging in is limited per client address (Flask-Limiter, RATELIMIT_LOGIN) on top
of the service's throttle per address and client. Logging out ends every
session of the account, cookies saved earlier included.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from events.extensions import limiter
from events.forms import ConfirmForm, LoginForm
from events.services.accounts import AccountError, authenticate, end_sessions
from events.views import local_path

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except AccountError as refusal:
            error = refusal.message
        else:
            login_user(user)
            flash(_("You are logged in as %(email)s.", email=user.email), "success")
            home = url_for("organizer.dashboard" if user.is_organizer else "checkin.events")
            return redirect(local_path(request.args.get("next"), home))
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        end_sessions(current_user.id)
        logout_user()
        flash(_("You have been logged out."), "success")
        response = redirect(url_for("public.index"))
        # Erase what scanners kept on this device: ticket lists, queues, cached pages.
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response
    return redirect(url_for("public.index"))

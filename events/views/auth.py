"""Login and logout for organizer and staff accounts.

Logging in is limited per client address (Flask-Limiter, RATELIMIT_LOGIN) on top
of the service's throttle per address and client. A device that logged in keeps
a signed cookie naming the address (no secret, no session): guesses at that
address spread over many other clients do not stop it. Logging out ends every
session of the account, cookies saved earlier included.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from events.extensions import limiter
from events.forms.public import ConfirmForm, LoginForm
from events.identifiers import normalize_email
from events.services.accounts import AccountError, authenticate, end_sessions
from events.views import local_path
from events.views.access import Rule, access

bp = Blueprint("auth", __name__)

KNOWN_DEVICE_COOKIE = "known_login"
KNOWN_DEVICE_SECONDS = 365 * 24 * 3600


def _known_devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-login-device")


def _known_device(email: str) -> bool:
    """Whether this browser logged in to `email` before (within a year)."""
    raw = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if not raw or len(raw) > 1000:
        return False
    try:
        vouched = _known_devices().loads(raw, max_age=KNOWN_DEVICE_SECONDS)
    except BadSignature:
        return False
    return vouched == normalize_email(email)


def _remember_device(response, email: str) -> None:
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        _known_devices().dumps(email),
        max_age=KNOWN_DEVICE_SECONDS,
        path=url_for("auth.login"),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


@bp.route("/login", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(
                form.email.data,
                form.password.data,
                request.remote_addr or "",
                known_device=_known_device(form.email.data),
            )
        except AccountError as refusal:
            error = refusal.message
        else:
            login_user(user)
            flash(_("You are logged in as %(email)s.", email=user.email), "success")
            home = url_for("organizer.dashboard" if user.is_organizer else "checkin.events")
            response = redirect(local_path(request.args.get("next"), home))
            _remember_device(response, user.email)
            return response
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
@access(Rule.SIGNED_IN)
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

"""Public verification of certificates (/verify/<number>): anyone holding a
certificate's number (printed, and in its QR code) can check that it is genuine."""

from flask import Blueprint, render_template

from events.services.courses.certificates import find_certificate
from events.views.access import Rule, access

bp = Blueprint("certificates", __name__)


@bp.get("/verify/<number>")
@access(Rule.PUBLIC)
def verify(number: str):
    """Name, course and dates of a certificate, or "revoked"; 404 for an unknown number."""
    certificate = find_certificate(number)
    status = 200 if certificate is not None else 404
    response = render_template("certificates/verify.html", certificate=certificate, number=number)
    return response, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}

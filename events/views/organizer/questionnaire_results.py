"""Organizer: a questionnaire's results, and its raw answers as CSV and XLSX."""

import os

from flask import Response, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from events.counties import BY_CODE, county_choices, county_name
from events.documents import XLSX_MIME
from events.models import OrganizationType, Questionnaire
from events.services.audit import downloaded
from events.services.questionnaires.exports import response_count, responses_csv, responses_xlsx
from events.services.questionnaires.pdf import results_pdf
from events.services.questionnaires.results import (
    MINIMUM_GROUP,
    Filters,
    build_results,
)
from events.views import parse_enum, parse_id
from events.views.access import Rule, access
from events.views.answers import language
from events.views.organizer.blueprint import bp, questionnaire_or_404

FILTER_NAMES = ("county", "type", "meeting", "q")


def _filters(args) -> Filters:
    county = args.get("county", "")
    return Filters(
        county=county if county in BY_CODE else None,
        organization_type=parse_enum(OrganizationType, args.get("type")),
        event_id=parse_id(args.get("meeting")),
        search=args.get("q", "")[:100],
    )


@bp.get("/questionnaires/<int:questionnaire_id>/results")
@access(Rule.SCOPED)
def questionnaire_results(questionnaire_id: int):
    questionnaire = questionnaire_or_404(questionnaire_id)
    filters = _filters(request.args)
    results = build_results(questionnaire, filters, language())
    for item in results.questions:
        item.chart = Markup(item.chart)  # noqa: S704 - bar_chart_svg escapes every text
    return render_template(
        "organizer/questionnaires/results.html",
        pdf_url=url_for(
            "organizer.questionnaire_pdf",
            questionnaire_id=questionnaire.id,
            **{name: request.args[name] for name in FILTER_NAMES if request.args.get(name)},
        ),
        questionnaire=questionnaire,
        results=results,
        filters=filters,
        counties=county_choices(),
        organization_types=list(OrganizationType),
        minimum=MINIMUM_GROUP,
    )


def _described(filters: Filters, results) -> str:
    """The filters in words, for the PDF."""
    meetings = dict(results.meetings)
    parts = [
        (_("County"), county_name(filters.county) if filters.county else None),
        (
            _("Type of organization"),
            filters.organization_type.label if filters.organization_type else None,
        ),
        (_("Meeting"), meetings.get(filters.event_id) if filters.event_id else None),
        (_("Search the written answers"), filters.search or None),
    ]
    return "; ".join(f"{name}: {value}" for name, value in parts if value)


@bp.get("/questionnaires/<int:questionnaire_id>/results.pdf")
@access(Rule.SCOPED)
def questionnaire_pdf(questionnaire_id: int):
    """The summary for the funder, with the filters of the results page."""
    questionnaire = questionnaire_or_404(questionnaire_id)
    filters = _filters(request.args)
    results = build_results(questionnaire, filters, language())
    content = results_pdf(questionnaire, results, language(), _described(filters, results))
    response = Response(content, mimetype="application/pdf")
    filename = f"wyniki-ankiety-{questionnaire.id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _audited(questionnaire: Questionnaire, filename: str) -> None:
    """The responses of a questionnaire that is not anonymous carry the person's name and
    email: their download is audited. An anonymous response stores nothing that links it
    to a person (events.models.questionnaires), nor does the results PDF (figures, and
    written answers without their authors)."""
    if not questionnaire.anonymous:
        downloaded(
            current_user,
            filename,
            response_count(questionnaire),
            questionnaire.event_id,
            organization_id=questionnaire.organization_id,
        )


@bp.get("/questionnaires/<int:questionnaire_id>/responses.csv")
@access(Rule.SCOPED)
def questionnaire_csv(questionnaire_id: int):
    questionnaire = questionnaire_or_404(questionnaire_id)
    filename = f"ankieta-{questionnaire.id}.csv"
    _audited(questionnaire, filename)
    response = Response(responses_csv(questionnaire, language()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/questionnaires/<int:questionnaire_id>/responses.xlsx")
@access(Rule.SCOPED)
def questionnaire_xlsx(questionnaire_id: int):
    questionnaire = questionnaire_or_404(questionnaire_id)
    filename = f"ankieta-{questionnaire.id}.xlsx"
    _audited(questionnaire, filename)
    path = responses_xlsx(questionnaire, language())
    response = send_file(path, mimetype=XLSX_MIME, as_attachment=True, download_name=filename)
    response.call_on_close(lambda: os.remove(path))
    return response

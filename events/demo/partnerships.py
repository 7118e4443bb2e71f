"""The four partnership programmes of the demo, and which demo events belong to which.

Their slugs are the codes of the placeholders the migration made, so a database
upgraded from those gets them renamed, never a second set.
"""

import sqlalchemy as sa

from events.extensions import db
from events.models import Event, EventKind, Programme

DEMO_PROGRAMMES = [
    (
        "partnerships",
        "Program rozwoju partnerstw lokalnych w Wielkopolsce 2027–2030",
        "Programme for the development of local partnerships in Wielkopolska 2027–2030",
        "Lokalne zespoły partnerskie organizacji, samorządów i firm w powiatach: seminaria, "
        "szkolenia liderów i wspólne plany działania.",
        "Local partner teams of NGOs, local governments and businesses in the counties: "
        "seminars, training for leaders and joint action plans.",
    ),
    (
        "cooperation",
        "Wielkopolski program współpracy samorządów z organizacjami pozarządowymi 2027–2029",
        "Wielkopolska programme of cooperation between local governments and NGOs 2027–2029",
        "Konsultacje rocznych programów współpracy w powiatach i wspólne standardy "
        "zlecania zadań publicznych.",
        "Consultations of the yearly cooperation programmes in the counties and shared "
        "standards for commissioning public tasks.",
    ),
    (
        "social-economy",
        "Program rozwoju ekonomii społecznej „Razem w gospodarce” 2027–2030",
        "Social economy programme “Together in the economy” 2027–2030",
        "Wsparcie spółdzielni socjalnych, klubów integracji społecznej i organizacji "
        "prowadzących działalność gospodarczą.",
        "Support for social cooperatives, social integration clubs and NGOs that run a business.",
    ),
    (
        "civic-activity",
        "Program wspierania aktywności obywatelskiej w małych miejscowościach 2027–2030",
        "Programme in support of civic activity in small towns and villages 2027–2030",
        "Małe granty, wolontariat i rady mieszkańców: dla grup nieformalnych i młodych "
        "organizacji.",
        "Small grants, volunteering and residents' councils: for informal groups and young "
        "organizations.",
    ),
]
# Consultation meetings on the civic activity programme; the others consult cooperation.
CIVIC_MEETINGS = {"konsultacje-zlotow", "konsultacje-turek", "konsultacje-szamotuly"}


def demo_programmes() -> dict[str, Programme]:
    """The demo's programmes by slug: the placeholders renamed, or added when missing."""
    found = {
        programme.slug: programme
        for programme in db.session.scalars(
            sa.select(Programme).where(Programme.slug.in_([row[0] for row in DEMO_PROGRAMMES]))
        )
    }
    for position, (slug, name_pl, name_en, about_pl, about_en) in enumerate(DEMO_PROGRAMMES, 1):
        programme = found.get(slug) or Programme(slug=slug, position=position)
        programme.name_pl, programme.name_en = name_pl, name_en
        programme.description_pl, programme.description_en = about_pl, about_en
        db.session.add(programme)
        found[slug] = programme
    db.session.flush()
    return {slug: found[slug] for slug, *_rest in DEMO_PROGRAMMES}


def programme_of(event: Event, programmes: dict[str, Programme]) -> Programme:
    """Seminars and training build partnerships; consultation meetings consult cooperation
    or civic activity; the partner teams meet experts of the social economy."""
    if event.kind == EventKind.CONSULTATION:
        return programmes["civic-activity" if event.slug in CIVIC_MEETINGS else "cooperation"]
    if event.kind == EventKind.PARTNER_MEETING:
        return programmes["social-economy"]
    return programmes["partnerships"]

"""The network of the demo: the lead association and three partners, and which demo
events each runs (by county), one of them run jointly with a county office."""

import sqlalchemy as sa

from events.extensions import db
from events.models import Event, Organization, OrganizationKind

LEAD = (
    "Wielkopolskie Stowarzyszenie Działamy Razem",
    "DR",
    ["m-poznan", "poznanski"],
    "biuro@dzialamyrazem.example.org",
)
PARTNERS = [
    (
        "Stowarzyszenie Razem dla Kalisza", "Razem Kalisz", OrganizationKind.NGO,
        ["m-kalisz", "kaliski", "ostrowski", "turecki"], "kalisz@example.org",
    ),
    (
        "Fundacja Aktywni w Gnieźnie", "Aktywni Gniezno", OrganizationKind.NGO,
        ["gnieznienski", "wrzesinski", "sredzki"], "gniezno@example.org",
    ),
    (
        "Starostwo Powiatowe w Pile", "Starostwo Piła", OrganizationKind.LOCAL_GOVERNMENT,
        ["pilski", "zlotowski"], "pila@example.org",
    ),
]  # fmt: skip
# A consultation run by a partner together with the county office.
JOINT = ("konsultacje-zlotow", "Starostwo Piła")
RUN_BY_PARTNER = {
    "seminarium-kalisz": "Razem Kalisz",
    "konsultacje-turek": "Razem Kalisz",
    "konsultacje-ostrow": "Razem Kalisz",
    "konsultacje-gniezno": "Aktywni Gniezno",
    "konsultacje-wrzesnia": "Aktywni Gniezno",
    "konsultacje-sroda": "Aktywni Gniezno",
    "seminarium-pila": "Starostwo Piła",
    "konsultacje-zlotow": "Aktywni Gniezno",
}


def demo_organizations() -> dict[str, Organization]:
    """The lead (the migration's, renamed) and the partners, by short name."""
    lead = db.session.scalar(sa.select(Organization).where(Organization.is_lead))
    name, short, counties, email = LEAD
    lead.name, lead.short_name, lead.counties, lead.contact_email = name, short, counties, email
    found = {lead.short_name: lead}
    for name, short, kind, counties, email in PARTNERS:
        partner = Organization(
            name=name, short_name=short, kind=kind, counties=counties, contact_email=email
        )
        db.session.add(partner)
        found[short] = partner
    db.session.flush()
    return found


def assign_organizers(events: list[Event], organizations: dict[str, Organization]) -> None:
    """Each demo event to the organization that runs it (the lead's by default)."""
    for event in events:
        event.organization = organizations[RUN_BY_PARTNER.get(event.slug, LEAD[1])]
        if event.slug == JOINT[0]:
            event.coorganizers = [organizations[JOINT[1]]]

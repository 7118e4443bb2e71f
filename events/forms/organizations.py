"""The coordinators' form of an organization of the network. What is allowed (names,
a short name no other organization has, counties of the list, a valid address) is
checked by events.services.organizations.directory, every problem at once."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice

from events.counties import county_choices
from events.forms.fields import CheckboxesField, ChosenFromList, clean_line
from events.models import OrganizationKind
from events.services.organizations.directory import OrganizationData


class OrganizationForm(FlaskForm):
    name = StringField(_l("Full name"), filters=[clean_line])
    short_name = StringField(
        _l("Short name"),
        description=_l("Shown where space is short: lists, reports, the command line."),
        filters=[clean_line],
    )
    kind = RadioField(
        _l("Kind"),
        default=OrganizationKind.NGO.value,
        choices=[SelectChoice(kind.value, kind.label) for kind in OrganizationKind],
        validate_choice=False,
        validators=[ChosenFromList(_l("Choose the kind of organization."))],
    )
    counties = CheckboxesField(_l("Counties where it works (optional)"))
    contact_email = EmailField(_l("Contact email (optional)"), filters=[clean_line])
    contact_phone = StringField(_l("Contact phone (optional)"), filters=[clean_line])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counties.choices = [SelectChoice(code, name) for code, name in county_choices()]

    def fill_from(self, organization) -> None:
        for name in ("name", "short_name", "counties", "contact_email", "contact_phone"):
            getattr(self, name).data = getattr(organization, name)
        self.kind.data = organization.kind.value

    def organization_data(self) -> OrganizationData:
        return OrganizationData(
            name=self.name.data or "",
            short_name=self.short_name.data or "",
            kind=OrganizationKind(self.kind.data),
            counties=list(self.counties.data or []),
            contact_email=self.contact_email.data or "",
            contact_phone=self.contact_phone.data or "",
        )

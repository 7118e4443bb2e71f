"""The organizers' form of a partnership programme: names and short descriptions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from events.forms.fields import clean_line, clean_text, required
from events.models.programmes import DESCRIPTION_LENGTH, NAME_LENGTH
from events.services.programmes import ProgrammeData

SHORT = _l("At most %(max)d characters.", max=DESCRIPTION_LENGTH)


class ProgrammeForm(FlaskForm):
    name_pl = StringField(
        _l("Name in Polish"),
        filters=[clean_line],
        validators=[required(_l("Enter the name in Polish.")), Length(max=NAME_LENGTH)],
    )
    name_en = StringField(
        _l("Name in English (optional)"),
        description=_l("Shown to visitors who chose English; empty: the Polish name."),
        filters=[clean_line],
        validators=[Optional(), Length(max=NAME_LENGTH)],
    )
    description_pl = TextAreaField(
        _l("Short description in Polish (optional)"),
        description=_l("One or two sentences, shown above the events of the programme."),
        filters=[clean_text],
        validators=[Optional(), Length(max=DESCRIPTION_LENGTH, message=SHORT)],
    )
    description_en = TextAreaField(
        _l("Short description in English (optional)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=DESCRIPTION_LENGTH, message=SHORT)],
    )

    def fill_from(self, programme) -> None:
        for name in ("name_pl", "name_en", "description_pl", "description_en"):
            getattr(self, name).data = getattr(programme, name)

    def programme_data(self) -> ProgrammeData:
        return ProgrammeData(
            name_pl=self.name_pl.data,
            name_en=self.name_en.data or "",
            description_pl=self.description_pl.data or "",
            description_en=self.description_en.data or "",
        )

"""The four long-term programmes the project drafts and consults in the counties.

Codes are stored with the consultation questionnaires; names are shown in the
visitor's language.
"""

from dataclasses import dataclass

from flask_babel import get_locale


@dataclass(frozen=True)
class Programme:
    code: str
    name_pl: str
    name_en: str

    def name(self, locale: str | None = None) -> str:
        language = locale or str(get_locale() or "pl")
        return self.name_en if language.startswith("en") else self.name_pl


PROGRAMMES = [
    Programme(
        "partnerships",
        "Program rozwoju partnerstw lokalnych",
        "Programme for the development of local partnerships",
    ),
    Programme(
        "cooperation",
        "Program współpracy samorządów z organizacjami pozarządowymi",
        "Programme of cooperation between local governments and NGOs",
    ),
    Programme(
        "social-economy",
        "Program rozwoju ekonomii społecznej",
        "Programme for the development of the social economy",
    ),
    Programme(
        "civic-activity",
        "Program wspierania aktywności obywatelskiej",
        "Programme in support of civic activity",
    ),
]
BY_CODE = {programme.code: programme for programme in PROGRAMMES}


def programme_name(code: str | None) -> str:
    programme = BY_CODE.get(code or "")
    return programme.name() if programme else (code or "")


def programme_choices() -> list[tuple[str, str]]:
    return [(programme.code, programme.name()) for programme in PROGRAMMES]

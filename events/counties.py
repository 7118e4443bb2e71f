"""The 35 counties (powiaty) of Wielkopolska, plus "outside Wielkopolska".

Codes are stored in the database; names are shown in the visitor's language.
Each name starts with the word people know ("gnieźnieński (powiat)", "Gniezno
County"), so that typing in a plain select finds it; choices are listed in the
alphabetical order of the visitor's language, the entry for people from
outside the voivodeship last. "Poznań (miasto na prawach powiatu)" and
"poznański (powiat)" both start with "poznań": the city comes first, typing on
("poznańs") reaches the county.
"""

from dataclasses import dataclass

from flask_babel import get_locale


@dataclass(frozen=True)
class County:
    code: str
    name_pl: str
    name_en: str
    city: bool = False

    def name(self, locale: str | None = None) -> str:
        language = locale or str(get_locale() or "pl")
        return self.name_en if language.startswith("en") else self.name_pl


_LAND = [
    ("chodzieski", "Chodzież"),
    ("czarnkowsko-trzcianecki", "Czarnków-Trzcianka"),
    ("gnieznienski", "Gniezno"),
    ("gostynski", "Gostyń"),
    ("grodziski", "Grodzisk Wielkopolski"),
    ("jarocinski", "Jarocin"),
    ("kaliski", "Kalisz"),
    ("kepinski", "Kępno"),
    ("kolski", "Koło"),
    ("koninski", "Konin"),
    ("koscianski", "Kościan"),
    ("krotoszynski", "Krotoszyn"),
    ("leszczynski", "Leszno"),
    ("miedzychodzki", "Międzychód"),
    ("nowotomyski", "Nowy Tomyśl"),
    ("obornicki", "Oborniki"),
    ("ostrowski", "Ostrów Wielkopolski"),
    ("ostrzeszowski", "Ostrzeszów"),
    ("pilski", "Piła"),
    ("pleszewski", "Pleszew"),
    ("poznanski", "Poznań"),
    ("rawicki", "Rawicz"),
    ("slupecki", "Słupca"),
    ("szamotulski", "Szamotuły"),
    ("sredzki", "Środa Wielkopolska"),
    ("sremski", "Śrem"),
    ("turecki", "Turek"),
    ("wagrowiecki", "Wągrowiec"),
    ("wolsztynski", "Wolsztyn"),
    ("wrzesinski", "Września"),
    ("zlotowski", "Złotów"),
]
_LAND_PL = {
    "chodzieski": "chodzieski",
    "czarnkowsko-trzcianecki": "czarnkowsko-trzcianecki",
    "gnieznienski": "gnieźnieński",
    "gostynski": "gostyński",
    "grodziski": "grodziski",
    "jarocinski": "jarociński",
    "kaliski": "kaliski",
    "kepinski": "kępiński",
    "kolski": "kolski",
    "koninski": "koniński",
    "koscianski": "kościański",
    "krotoszynski": "krotoszyński",
    "leszczynski": "leszczyński",
    "miedzychodzki": "międzychodzki",
    "nowotomyski": "nowotomyski",
    "obornicki": "obornicki",
    "ostrowski": "ostrowski",
    "ostrzeszowski": "ostrzeszowski",
    "pilski": "pilski",
    "pleszewski": "pleszewski",
    "poznanski": "poznański",
    "rawicki": "rawicki",
    "slupecki": "słupecki",
    "szamotulski": "szamotulski",
    "sredzki": "średzki",
    "sremski": "śremski",
    "turecki": "turecki",
    "wagrowiecki": "wągrowiecki",
    "wolsztynski": "wolsztyński",
    "wrzesinski": "wrzesiński",
    "zlotowski": "złotowski",
}
_CITIES = [
    ("m-kalisz", "Kalisz"),
    ("m-konin", "Konin"),
    ("m-leszno", "Leszno"),
    ("m-poznan", "Poznań"),
]

OUTSIDE = "spoza"

COUNTIES: list[County] = (
    [County(code, f"{_LAND_PL[code]} (powiat)", f"{seat} County") for code, seat in _LAND]
    + [
        County(code, f"{city} (miasto na prawach powiatu)", f"{city} (city)", city=True)
        for code, city in _CITIES
    ]
    + [County(OUTSIDE, "spoza Wielkopolski", "outside Wielkopolska")]
)
BY_CODE: dict[str, County] = {county.code: county for county in COUNTIES}


def county_adjective(code: str) -> str:
    """The Polish adjective of a land county, as in "powiat gnieźnieński"."""
    return _LAND_PL[code]


def county_name(code: str | None) -> str:
    """The display name of a county code; unknown codes are shown as they are."""
    county = BY_CODE.get(code or "")
    return county.name() if county else (code or "")


def county_short_name(code: str | None) -> str:
    """A county as one line of print says it: "powiat gnieźnieński" ("Gniezno County"),
    a city by its name ("Poznań"); anything else as `county_name`."""
    county = BY_CODE.get(code or "")
    if county is None or county.code == OUTSIDE:
        return county_name(code)
    if county.city:
        return dict(_CITIES)[county.code]
    language = str(get_locale() or "pl")
    return county.name_en if language.startswith("en") else f"powiat {_LAND_PL[county.code]}"


_POLISH_ORDER = " ()-aąbcćdeęfghijklłmnńoóprsśtuvwxyzźż"


def _alphabetical(name: str) -> list[int]:
    """A sort key in the Polish alphabet (ł after l, ś after s...), case ignored."""
    return [_POLISH_ORDER.find(letter) for letter in name.lower()]


def sorted_counties() -> list[County]:
    """The counties in the alphabetical order of their names in the current language,
    "outside Wielkopolska" last."""
    inside = [county for county in COUNTIES if county.code != OUTSIDE]
    return sorted(inside, key=lambda county: _alphabetical(county.name())) + [BY_CODE[OUTSIDE]]


def county_choices() -> list[tuple[str, str]]:
    """(code, name) pairs for a select field, in the current language and its order."""
    return [(county.code, county.name()) for county in sorted_counties()]

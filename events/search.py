"""Text folded for searching: "Łukasz Wójcik" is found by "lukasz wojcik", as people
type on a phone keyboard, on SQLite and PostgreSQL alike."""

import unicodedata

_EXTRA = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss"})


def fold(text: str) -> str:
    """Lower case, without diacritics."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_EXTRA))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def word_filters(column, query: str, most: int = 5) -> list:
    """LIKE conditions on a folded column, one per word of `query` (all must match).

    % and _ typed by a person are matched literally, not as wildcards.
    """
    conditions = []
    for word in fold(query).split()[:most]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(column.like(f"%{escaped}%", escape="\\"))
    return conditions


def search_text(first_name: str, last_name: str, email: str | None, organization: str) -> str:
    return fold(" ".join((first_name, last_name, email or "", organization)))


_POLISH = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"
_RANK = {letter: index for index, letter in enumerate(_POLISH)}


def polish_sort_key(text: str) -> tuple:
    """Alphabetical order as Polish readers expect it: Ł after L, Ż at the end."""
    return tuple(_RANK.get(char, 100 + ord(char)) for char in text.lower())

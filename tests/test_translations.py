"""The Polish catalogue covers every text of the interface and the emails."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}


def extracted_ids() -> set[str]:
    method_map = [
        ("events/**.py", "python"),
        ("app.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_text_has_a_polish_translation():
    with open(ROOT / "translations/pl/LC_MESSAGES/messages.po", "rb") as file:
        catalogue = read_po(file)
    translated = {
        message.id[0] if isinstance(message.id, tuple) else message.id
        for message in catalogue
        if message.id
        and not message.fuzzy
        and (all(message.string) if isinstance(message.string, tuple) else message.string)
    }
    missing = sorted(extracted_ids() - translated)
    assert missing == [], "run `make extract-messages` and translate: " + "; ".join(missing)

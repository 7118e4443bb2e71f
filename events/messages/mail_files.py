"""The mail folder of the embedded run: without MAIL_SERVER, each message is written
to instance/mail/ as an .eml file (see events.messages.outbox). Those files are
personal data too, and an erasure removes them."""

from email.parser import BytesHeaderParser
from email.policy import default
from email.utils import getaddresses
from pathlib import Path

from flask import current_app


def mail_folder() -> Path:
    return Path(current_app.instance_path) / "mail"


def _recipients(path: Path) -> set[str]:
    with path.open("rb") as file:
        headers = BytesHeaderParser(policy=default).parse(file)
    fields = [str(value) for name in ("To", "Cc", "Bcc") for value in headers.get_all(name, [])]
    return {address.strip().lower() for _name, address in getaddresses(fields)}


def erase_mail_files(addresses: set[str]) -> int:
    """Delete the .eml files addressed to any of `addresses`; returns how many."""
    folder = mail_folder()
    wanted = {address.strip().lower() for address in addresses}
    if not wanted or not folder.is_dir():
        return 0
    erased = 0
    for path in folder.glob("*.eml"):
        if _recipients(path) & wanted:
            path.unlink(missing_ok=True)
            erased += 1
    return erased

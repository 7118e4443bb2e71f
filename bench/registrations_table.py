"""How the organizers' registrations table scales: 50 rows against 5,000.

Run: .venv/bin/python bench/registrations_table.py [DATABASE_URL]
(default: a SQLite file in a temporary folder). It fills one event with 50 and
another with 5,000 registrations, then times the first page, a filtered and
sorted page, a search, and the last page of each. Figures are printed as
ratios of the 5,000-row event to the 50-row one, measured in the same run:
the machines are shared and noisy, so absolute times mean little.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from events.extensions import db  # noqa: E402
from events.models import Registration, utcnow  # noqa: E402
from events.search import search_text  # noqa: E402
from events.services.participants import TableQuery, registration_table  # noqa: E402
from tests.factories import make_event  # noqa: E402

QUERIES = {
    "first page": TableQuery(),
    "county + sort by name": TableQuery(county="pilski", sort="name"),
    "search": TableQuery(search="kowalski 42"),
    "last page": TableQuery(page=10_000),
}


def fill(event_id: int, count: int) -> None:
    now = utcnow()
    rows = []
    for number in range(count):
        last = f"Kowalski{number}"
        email = f"osoba{event_id}-{number}@example.org"
        rows.append(
            {
                "event_id": event_id, "status": "confirmed", "first_name": "Jan",
                "last_name": last, "email": email, "organization": "Fundacja Wsi",
                "organization_type": "ngo", "county": "pilski" if number % 3 else "kolski",
                "dr_member": True, "data_consent_at": now, "data_consent_version": "v1",
                "language": "pl", "manage_token": f"m{event_id}-{number}",
                "ticket_code": f"T{event_id}X{number}", "created_at": now, "updated_at": now,
                "search_text": search_text("Jan", last, email, "Fundacja Wsi"),
            }
        )  # fmt: skip
    db.session.execute(sa.insert(Registration), rows)
    db.session.commit()


def timed(event_id: int, query: TableQuery, rounds: int = 15) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        registration_table(event_id, query)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
        small, large = make_event(capacity=None).id, make_event(capacity=None).id
        fill(small, 50)
        fill(large, 5_000)
        print(f"database: {db.engine.dialect.name}")
        for name, query in QUERIES.items():
            a, b = timed(small, query), timed(large, query)
            print(f"{name:24s} 50 rows {a * 1000:7.2f} ms   5,000 rows {b * 1000:7.2f} ms   "
                  f"ratio {b / a:5.2f}")  # fmt: skip
        db.session.remove()  # end the reading transaction before dropping the tables
        db.drop_all()


if __name__ == "__main__":
    main()

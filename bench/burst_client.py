"""A registration burst from its own process: N people, C at a time, for one event.

Each client opens the form once (its session and CSRF token), then sends
registrations, one person after another, as people do when the link arrives
and they all press "register" within minutes. The form pages are not in the
figures (they are served as any page is); the sending is.
Prints JSON: attempts, seconds, statuses, p50/p99 of each sending in ms.
Run: python bench/burst_client.py BASE_URL SLUG ATTEMPTS CLIENTS [BASE_URL2 ...]
(several base URLs: the clients are spread over the servers).
"""

import json
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Client, Server  # noqa: E402


def open_form(base: str, slug: str) -> tuple[Client, str]:
    client = Client(Server(urlparse(base).port, None, None))
    return client, client.csrf_token(f"/events/{slug}/register")


def attempt(client: Client, token: str, slug: str) -> tuple[int, float]:
    """One registration sent with the form's session (what the answer sets is dropped:
    each person's notice would otherwise pile up in one cookie)."""
    session = dict(client.cookies)
    started = time.perf_counter()
    path = f"/events/{slug}/register"
    status, _headers, _body = client.post_form(
        path,
        {
            "csrf_token": token, "first_name": "Zofia", "last_name": "Wiśniewska",
            "email": f"burst-{uuid.uuid4().hex[:12]}@example.org", "phone": "",
            "organization": "Stowarzyszenie Razem", "organization_type": "ngo",
            "county": "gnieznienski", "dr_member": "yes", "needs": "", "language": "pl",
            "data_consent": "y",
        },
    )  # fmt: skip
    client.cookies = session
    return status, (time.perf_counter() - started) * 1000


def main() -> None:
    slug, attempts, clients = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    bases = [sys.argv[1], *sys.argv[5:]]
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    remaining = iter(range(attempts))

    forms = [open_form(bases[index % len(bases)], slug) for index in range(clients)]

    def work(client: Client, token: str):
        while True:
            with lock:
                number = next(remaining, None)
            if number is None:
                return
            try:
                outcome = attempt(client, token, slug)
            except Exception as error:  # noqa: BLE001 - counted, the burst goes on
                outcome = (f"error: {type(error).__name__}", 0.0)
            with lock:
                results.append(outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=form) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    latencies = sorted(latency for _status, latency in results)
    print(
        json.dumps(
            {
                "attempts": len(results),
                "seconds": seconds,
                "statuses": dict(Counter(str(status) for status, _ in results)),
                "p50_ms": statistics.median(latencies),
                "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
            }
        )
    )


if __name__ == "__main__":
    main()

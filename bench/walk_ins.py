"""The walk-in case: people added at the door of a full event, timed on the server.

An event at its door (check-in open), full: every seat taken, so each walk-in goes
beyond the limit. Door staff add a new person with each request (a new nonce,
every other one with an address of their own). Two loads:

- wrk, as the other web cases (16 connections, interleaved with the floor: the
  ratio of requests per second), the walk-ins made in each run removed before
  the next, so each run starts from the same number of people;
- one device alone, `ALONE` walk-ins one after another, as a door adds them.

The times are the server's side: gunicorn's request time from its access log
(the request read, handled and answered; not the wait for a free worker); the
median and p99 under wrk are those of every walk-in of the three runs together.
"""

import json
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from harness import BENCH, Client, Comparison, interleaved, wrk

SIZES = (500, 10_000)
GOAL_MS = 200
ALONE = 60
PERSON = {
    "first_name": "Halina",
    "organization": "KGW Brzezie",
    "county": "kaliski",
    "consent": "device",
}


@dataclass
class ServerTimes:
    """Milliseconds of each walk-in request in the server, and the answers other than 200."""

    ms: list[float] = field(default_factory=list)
    failures: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.ms)
        return ordered[max(0, int(len(ordered) * 0.99) - 1)]


@dataclass
class WalkInFigures:
    comparison: Comparison  # wrk against the floor
    loaded: ServerTimes  # the server's times under wrk, every run
    alone: ServerTimes  # one device, one walk-in after another
    added: int  # walk-ins found in the database after the last wrk run
    answered: int  # 200s of the server in that run


def settle(log: Path, quiet: float = 0.5) -> None:
    """Wait until the log stops growing: when wrk stops, the workers still answer the
    requests queued for them, and log each after answering."""
    size = -1
    while size != log.stat().st_size:
        size = log.stat().st_size
        time.sleep(quiet)


def read_times(log: Path, since: int, path: str) -> ServerTimes:
    """The times of the POSTs to `path` logged after byte `since` of the access log."""
    settle(log)
    times = ServerTimes()
    with log.open("rb") as lines:
        lines.seek(since)
        for line in lines.read().decode().splitlines():
            method, logged, status, microseconds = line.split()
            if method == "POST" and logged == path:
                times.ms.append(int(microseconds) / 1000)
                times.failures += status != "200"
    return times


def walk_ins_of(url: str, slug: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            sa.text(
                "SELECT count(*) FROM registration JOIN event ON event.id = registration.event_id "
                "WHERE event.slug = :slug AND registration.walk_in AND registration.beyond_capacity"
            ),
            {"slug": slug},
        ).scalar_one()
    engine.dispose()
    return count


def measure(server, log: Path, floor, client: Client, slug: str, url: str, reset) -> WalkInFigures:
    """`client` is logged in as door staff; `reset` removes the walk-ins made so far."""
    path = f"/api/checkin/{slug}/walk-in"
    csrf = client.csrf_token(f"/checkin/{slug}")
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    loaded = ServerTimes()
    last_run = {}

    def run_case():
        last_run["since"] = log.stat().st_size
        run = uuid.uuid4().hex[:8]
        env = {"BENCH_COOKIE": cookie, "BENCH_CSRF": csrf, "BENCH_RUN": run}
        result = wrk(server.url + path, BENCH / "walk_in.lua", env)
        times = read_times(log, last_run["since"], path)
        loaded.ms += times.ms
        loaded.failures += times.failures
        last_run["answered"] = len(times.ms) - times.failures
        return result

    comparison = interleaved(floor.url, run_case, lambda: (settle(log), reset()))
    added = walk_ins_of(url, slug)
    reset()
    since = log.stat().st_size
    headers = {"Content-Type": "application/json", "X-CSRFToken": csrf}
    for number in range(ALONE):
        person = {
            **PERSON,
            "last_name": f"Zurawska-{number}",
            "email": f"sama-{uuid.uuid4().hex[:12]}@example.org" if number % 2 else "",
            "nonce": f"alone-{uuid.uuid4().hex}",
        }
        client.request("POST", path, json.dumps(person).encode(), headers)
    alone = read_times(log, since, path)
    reset()
    return WalkInFigures(comparison, loaded, alone, added, last_run["answered"])

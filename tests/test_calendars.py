"""Calendars: the embedded time zone, and the public feed as subscribers read it."""

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from dateutil.rrule import rrulestr

from events.extensions import db
from events.messages import ics
from events.models import Event, EventStatus
from events.services.event_changes import cancel_event
from events.services.registration import register_attendee
from tests.conftest import skip_or_fail
from tests.factories import attendee, make_event

CALENDAR_READERS = Path(__file__).parent / "js"

WARSAW_TEN = [(datetime(2027, 7, 14, 10), "080000Z"), (datetime(2027, 1, 13, 10), "090000Z")]


def offset_from_vtimezone(vtimezone: icalendar.Timezone, local: datetime) -> timedelta:
    """The UTC offset at a local time, worked out from the VTIMEZONE's own rules.

    Each STANDARD/DAYLIGHT block starts at DTSTART (local time before the
    change) and recurs by its RRULE; the latest onset before `local` wins.
    No time zone database is asked: only what the file says.
    """
    latest = None
    for block in vtimezone.subcomponents:
        start = block.decoded("DTSTART").replace(tzinfo=None)
        onsets = [start]
        if "RRULE" in block:
            rule = block["RRULE"].to_ical().decode()
            onsets = list(rrulestr(rule, dtstart=start).between(start, local, inc=True))
        onsets = [onset for onset in onsets if onset <= local]
        if onsets and (latest is None or onsets[-1] > latest[0]):
            latest = (onsets[-1], block.decoded("TZOFFSETTO"))
    return latest[1]


def test_the_embedded_time_zone_writes_its_rules_as_rrules():
    vtimezone = ics.warsaw_timezone()
    blocks = {block.name: block for block in vtimezone.subcomponents}
    assert set(blocks) == {"STANDARD", "DAYLIGHT"}
    assert all("RRULE" in block and "RDATE" not in block for block in blocks.values())
    # RFC 5545: the onset is the local time before the change (02:00 in spring).
    assert blocks["DAYLIGHT"].decoded("DTSTART").hour == 2
    assert blocks["STANDARD"].decoded("DTSTART").hour == 3


@pytest.mark.parametrize(("local", "expected_utc"), WARSAW_TEN)
def test_summer_and_winter_times_convert_through_the_embedded_vtimezone_alone(
    app, local, expected_utc
):
    with app.app_context():
        start = local.replace(tzinfo=ics.WARSAW).astimezone(UTC)
        event = make_event(starts_at=start, ends_at=start + timedelta(hours=2))
        registration = register_attendee(event.id, attendee(), notify=False)
        data = ics.invite(registration, "https://example.org/t/x", ics.REQUEST)
    # Another name for the zone: no reader can look "Europe/Warsaw" up.
    data = data.replace(b"Europe/Warsaw", b"Strefa-z-pliku")
    calendar = icalendar.Calendar.from_ical(data)
    [vtimezone] = calendar.walk("VTIMEZONE")
    [entry] = calendar.walk("VEVENT")
    assert entry["DTSTART"].params["TZID"] == "Strefa-z-pliku"
    wall = datetime.strptime(entry["DTSTART"].to_ical().decode(), "%Y%m%dT%H%M%S")
    assert wall == local
    utc = wall - offset_from_vtimezone(vtimezone, wall)
    assert utc.strftime("%H%M%SZ") == expected_utc
    # icalendar builds its own tzinfo from the component: the same answer.
    converted = wall.replace(tzinfo=vtimezone.to_tz()).astimezone(UTC)
    assert converted.strftime("%H%M%SZ") == expected_utc


def read_with_icaljs(paths: list[Path]) -> list[dict]:
    """Each VEVENT's start in UTC as Mozilla's ical.js (Thunderbird's parser) reads it."""
    node = shutil.which("node")
    if node is None or not (CALENDAR_READERS / "node_modules" / "ical.js").is_dir():
        skip_or_fail(
            "Node.js with ical.js is not installed (make test runs npm ci in tests/js)",
            "REQUIRE_ICALJS",
        )
    script = CALENDAR_READERS / "utc_times.mjs"
    output = subprocess.run(
        [node, str(script), *map(str, paths)], capture_output=True, check=True, timeout=60
    )
    return json.loads(output.stdout)


def test_icaljs_converts_summer_and_winter_invites_and_the_feed_like_python(app, client, tmp_path):
    """ical.js has no time zone database: it can only use the VTIMEZONE we embed."""
    files, expected = [], {}
    with app.app_context():
        for local, utc_time in WARSAW_TEN:
            start = local.replace(tzinfo=ics.WARSAW).astimezone(UTC)
            event = make_event(starts_at=start, ends_at=start + timedelta(hours=2))
            registration = register_attendee(event.id, attendee(), notify=False)
            invite = tmp_path / f"invite-{local.month}.ics"
            invite.write_bytes(ics.invite(registration, "https://example.org/t/x", ics.REQUEST))
            files.append(invite)
            expected[invite.name] = f"{local:%Y-%m-%d}T{utc_time[:2]}:00:00.000Z"
    feed = tmp_path / "feed.ics"
    feed.write_bytes(client.get("/events.ics").data)
    results = read_with_icaljs([*files, feed])
    invites = {Path(row["file"]).name: row for row in results if "invite" in row["file"]}
    assert {name: row["utc"] for name, row in invites.items()} == expected
    assert all(row["tzid"] == "Europe/Warsaw" for row in invites.values())
    # The feed lists the same two events at the same instants.
    from_feed = sorted(row["utc"] for row in results if row["file"].endswith("feed.ics"))
    assert from_feed == sorted(expected.values())
    # And Python's icalendar agrees with ical.js on every entry of the feed.
    python = sorted(
        entry.decoded("DTSTART").astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for entry in icalendar.Calendar.from_ical(feed.read_bytes()).walk("VEVENT")
    )
    assert python == from_feed


def test_the_embedded_rules_agree_with_the_time_zone_database_for_twenty_years():
    vtimezone = ics.warsaw_timezone()
    for year in range(2026, 2046):
        for month in (3, 10):
            last_sunday = max(
                datetime(year, month, day)
                for day in range(25, 32)
                if datetime(year, month, day).weekday() == 6
            )
            for hours in (-12, 1.5, 3.5, 36):  # 02:00-03:00 in spring does not exist
                moment = last_sunday + timedelta(hours=hours)
                expected = moment.replace(tzinfo=ics.WARSAW).utcoffset()
                assert offset_from_vtimezone(vtimezone, moment) == expected, moment


def test_the_feed_names_itself_and_stamps_entries_with_their_last_change(app, client):
    with app.app_context():
        event = make_event(title="Seminarium w Pile")
        changed = event.updated_at
    response = client.get("/events.ics")
    calendar = icalendar.Calendar.from_ical(response.data)
    assert calendar["X-WR-CALNAME"] == "Działamy Razem: wydarzenia"
    [entry] = calendar.walk("VEVENT")
    assert entry.decoded("DTSTAMP") == changed.replace(microsecond=0)
    assert entry.decoded("LAST-MODIFIED") == changed.replace(microsecond=0)
    assert client.get("/events.ics").data == response.data  # the same bytes each time


def test_a_conditional_request_gets_304_until_something_changes(app, client):
    with app.app_context():
        event_id = make_event(title="Seminarium w Pile").id
    first = client.get("/events.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified
    again = client.get("/events.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/events.ics", headers={"If-Modified-Since": modified})
    assert since.status_code == 304

    with app.app_context():
        event = db.session.get(Event, event_id)
        event.title = "Seminarium w Pile (nowa nazwa)"
        event.updated_at = event.updated_at + timedelta(seconds=5)
        db.session.commit()
    changed = client.get("/events.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and b"nowa nazwa" in changed.data
    assert changed.headers["ETag"] != etag


def test_a_cancelled_event_rises_in_sequence_and_says_so_in_its_summary(app, client):
    with app.app_context():
        event_id = make_event(title="Konsultacje w Turku").id
    [before] = icalendar.Calendar.from_ical(client.get("/events.ics").data).walk("VEVENT")
    etag = client.get("/events.ics").headers["ETag"]
    with app.app_context():
        cancel_event(event_id)
        assert db.session.get(Event, event_id).status == EventStatus.CANCELLED
    response = client.get("/events.ics", headers={"If-None-Match": etag})
    assert response.status_code == 200
    [after] = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["SUMMARY"] == "Odwołane: Konsultacje w Turku"
    assert after["STATUS"] == "CANCELLED"
    client.set_cookie("lang", "en")
    [english] = icalendar.Calendar.from_ical(client.get("/events.ics").data).walk("VEVENT")
    assert english["SUMMARY"] == "Cancelled: Konsultacje w Turku"

"""The one way between a stored time and the Warsaw wall clock."""

from datetime import UTC, date, datetime

from events.timezone import from_local, local_date, to_local


def test_a_stored_time_is_shown_on_the_warsaw_wall_clock_in_winter_and_in_summer():
    assert to_local(datetime(2026, 1, 15, 23, 30, tzinfo=UTC)) == datetime(2026, 1, 16, 0, 30)
    assert to_local(datetime(2026, 7, 1, 8, 0, tzinfo=UTC)) == datetime(2026, 7, 1, 10, 0)


def test_a_time_typed_in_warsaw_is_stored_as_the_same_moment():
    assert from_local(datetime(2026, 1, 16, 0, 30)) == datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
    assert from_local(datetime(2026, 7, 1, 10, 0)) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    moment = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)  # the day the clocks move forward
    assert from_local(to_local(moment)) == moment


def test_the_calendar_day_is_warsaw_s_and_an_empty_time_stays_empty():
    assert local_date(datetime(2026, 5, 31, 22, 30, tzinfo=UTC)) == date(2026, 6, 1)
    assert to_local(None) is None and from_local(None) is None

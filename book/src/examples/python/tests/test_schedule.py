"""The application's schedule over March 2027, held in a snapshot next to this test."""
from datetime import datetime
from pathlib import Path

import schedctl
import schedctl.pytest

from myapp.scheduling import build_scheduler

SNAPSHOTS = Path(__file__).parent / "schedules"


def test_march_2027():
    schedctl.pytest.assert_schedule(
        build_scheduler(), SNAPSHOTS / "app.snap", datetime(2027, 3, 1), datetime(2027, 4, 1)
    )


def test_the_report_fires_an_hour_late_on_the_night_of_the_change():
    fires = schedctl.next_fires(
        "cron:hour=2 minute=30", datetime(2027, 3, 27), count=3, tz="Europe/Berlin"
    )
    assert [f.strftime("%d %H:%M %z") for f in fires] == [
        "27 02:30 +0100", "28 03:30 +0200", "29 02:30 +0200",
    ]

"""schedctl.pytest.assert_schedule on a real APScheduler 3.11.3 scheduler: the first run
writes the snapshot, an unchanged schedule passes, a change fails with check's diff, an update
rewrites, another window is refused, and CI never writes a missing snapshot."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

apscheduler = pytest.importorskip("apscheduler")
from apscheduler.schedulers.background import BackgroundScheduler  # noqa: E402

import schedctl.pytest  # noqa: E402
from schedctl.pytest import ScheduleChanged, assert_schedule  # noqa: E402

BERLIN = ZoneInfo("Europe/Berlin")
MARCH = (datetime(2027, 3, 1), datetime(2027, 4, 1))


def job():
    pass


def scheduler(hour=2):
    s = BackgroundScheduler(timezone=BERLIN)
    s.add_job(job, "cron", hour=hour, minute=30, id="nightly", misfire_grace_time=30)
    return s


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv("SCHEDCTL_UPDATE", raising=False)
    monkeypatch.delenv("CI", raising=False)


def test_the_first_run_writes_then_an_unchanged_schedule_passes(tmp_path):
    snap = tmp_path / "app.snap"
    assert_schedule(scheduler(), snap, *MARCH)
    text = snap.read_text()
    assert text.startswith("# schedctl snapshot") and "[nightly]" in text
    # The DST night: 02:30 does not exist, APScheduler fires at 03:30.
    assert "2027-03-28T03:30:00+02:00 executed" in text
    assert (tmp_path / "app.toml").read_text().startswith("# schedctl job file")
    assert_schedule(scheduler(), snap, *MARCH)


def test_a_change_fails_with_the_diff_and_an_update_accepts_it(tmp_path, monkeypatch):
    snap = tmp_path / "app.snap"
    assert_schedule(scheduler(), snap, *MARCH)
    before = snap.read_text()
    with pytest.raises(ScheduleChanged) as e:
        assert_schedule(scheduler(hour=3), snap, *MARCH)
    message = str(e.value)
    assert "[nightly]: every fire moved" in message and "SCHEDCTL_UPDATE=1" in message
    assert snap.read_text() == before
    monkeypatch.setenv("SCHEDCTL_UPDATE", "1")
    assert_schedule(scheduler(hour=3), snap, *MARCH)
    monkeypatch.delenv("SCHEDCTL_UPDATE")
    assert_schedule(scheduler(hour=3), snap, *MARCH)
    assert "hour=3" in (tmp_path / "app.toml").read_text()


def test_another_window_is_refused_not_checked_over_the_old_one(tmp_path):
    snap = tmp_path / "app.snap"
    assert_schedule(scheduler(), snap, *MARCH)
    with pytest.raises(ScheduleChanged, match="the test asks for"):
        assert_schedule(scheduler(), snap, datetime(2027, 3, 1), datetime(2027, 5, 1))


def test_ci_never_writes_a_missing_snapshot(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(ScheduleChanged, match="does not exist"):
        assert_schedule(scheduler(), tmp_path / "app.snap", *MARCH)
    assert not (tmp_path / "app.snap").exists()
    assert schedctl.pytest.__name__ == "schedctl.pytest"

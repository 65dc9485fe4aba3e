"""The package's functions against the engine's known answers (the same as the CLI's book
examples), its errors, its command and its import time."""
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

schedctl = pytest.importorskip("schedctl._native") and __import__("schedctl")

ROOT = Path(__file__).resolve().parents[3]
MONTH = ROOT / "fixtures" / "jobs" / "month.toml"
BERLIN = ZoneInfo("Europe/Berlin")


def test_next_fires_across_the_march_gap_are_aware_datetimes_in_the_zone():
    fires = schedctl.next_fires("cron:hour=2 minute=30", datetime(2027, 3, 27), count=3, tz="Europe/Berlin")
    assert fires == [
        datetime(2027, 3, 27, 2, 30, tzinfo=BERLIN),
        # 02:30 does not exist on 2027-03-28: APScheduler fires at 03:30+02:00.
        datetime(2027, 3, 28, 3, 30, tzinfo=BERLIN),
        datetime(2027, 3, 29, 2, 30, tzinfo=BERLIN),
    ]
    assert [f.utcoffset() for f in fires] == [timedelta(hours=1), timedelta(hours=2), timedelta(hours=2)]
    assert all(isinstance(f.tzinfo, ZoneInfo) for f in fires)


def test_next_fires_start_forms_agree_and_a_fold_fires_twice():
    aware = datetime(2027, 10, 30, tzinfo=BERLIN)
    for start in (aware, datetime(2027, 10, 30), date(2027, 10, 30), "2027-10-30T00:00:00+02:00"):
        fires = schedctl.next_fires("cron:hour=2 minute=30", start, count=3, tz="Europe/Berlin")
        assert [f.astimezone(timezone.utc).hour for f in fires] == [0, 0, 1], start


def test_next_fires_ends_with_the_trigger_and_keeps_microseconds():
    fires = schedctl.next_fires("date:run_date=2026-03-01T09:00:00.250000+01:00", "2026-01-01", count=5)
    assert fires == [datetime(2026, 3, 1, 8, 0, 0, 250000, tzinfo=timezone.utc)]
    # A date trigger's first answer is its run date even from a later start, as APScheduler's
    # DateTrigger gives it (the scheduler then counts it as a misfire).
    assert schedctl.next_fires("date:run_date=2026-03-01T09:00", "2027-01-01") == [
        datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    ]
    assert schedctl.next_fires("interval:hours=1 start_date=2026-01-01T00:30:00+00:00 end_date=2026-01-01T03:00",
                               "2026-01-01T01:30:00+00:00",
                               count=5) == [datetime(2026, 1, 1, h, 30, tzinfo=timezone.utc) for h in (1, 2)]


def test_a_bad_trigger_is_a_schedule_error_with_its_column():
    with pytest.raises(schedctl.ScheduleError) as e:
        schedctl.next_fires("cron:hour=24 minute=x", "2026-01-01")
    assert "`hour` value `24` is above the maximum `23`" in e.value.message
    assert (e.value.line, e.value.column) == (1, 11)
    assert [col for (_m, _h, _l, col) in e.value.errors] == [11, 21]
    with pytest.raises(schedctl.ScheduleError, match="Europe/Berln"):
        schedctl.next_fires("cron:hour=2", "2026-01-01", tz="Europe/Berln")


def test_simulate_gives_the_ledger_of_the_cli():
    ledger = schedctl.simulate(MONTH, "2026-03-28", "2026-03-30")
    nightly = ledger.of("nightly-report")
    assert [(r.fire, r.status) for r in nightly] == [
        (datetime(2026, 3, 28, 2, 30, tzinfo=timezone(timedelta(hours=1))), "executed"),
        (datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2))), "missed"),
    ]
    assert nightly[1].rule.startswith("started 20m late, beyond misfire_grace_time 30s")
    s = ledger.summary["nightly-report"]
    assert (s.fires, s.executed, s.missed) == (2, 1, 1)
    assert ledger.peak_workers >= 1 and ledger.frozen is None
    # The same as the CLI's JSON lines, fire by fire.
    out = subprocess.run(
        [sys.executable, "-m", "schedctl", "simulate", str(MONTH), "--from", "2026-03-28", "--to", "2026-03-30",
         "--format", "jsonl"], capture_output=True, text=True, check=True).stdout
    import json

    cli = [json.loads(line) for line in out.splitlines()][:-1]
    assert [(r["job"], r["status"], r["rule"]) for r in cli] == [(r.job, r.status, r.rule) for r in ledger.rows]


def test_a_job_file_error_carries_line_and_column(tmp_path):
    text = textwrap.dedent("""\
        timezone = "Europe/Berlin"
        [[job]]
        id = "a"
        trigger = "cron:hour=2 minute=61"
        """)
    with pytest.raises(schedctl.ScheduleError) as e:
        schedctl.simulate(text, "2026-01-01", "2026-01-02")
    assert (e.value.line, e.value.column) == (4, 31)
    assert "above the maximum `59`" in e.value.message


def test_lint_explain_and_snapshot_check(tmp_path):
    lints = schedctl.lint("crontab:0 9 * * 1-5", "2026-01-01", "2027-01-01")
    assert "crontab-numeric-weekday" in [l.code for l in lints]
    doc = schedctl.explain("cron:day=1 minute=20", start="2026-01-01", count=2)
    assert doc["next_fires"] == ["2026-01-01T00:20:00+00:00", "2026-01-01T01:20:00+00:00"]
    snap = tmp_path / "month.snap"
    schedctl.snapshot(MONTH, "2026-03-27", "2026-03-31", output=snap)
    assert schedctl.check_snapshot(snap, MONTH)
    edited = MONTH.read_text().replace('minute=30', 'minute=45', 1)
    result = schedctl.check_snapshot(snap, edited)
    assert not result and "moved" in result.report


def test_the_schedctl_command_is_the_cli():
    out = subprocess.run([sys.executable, "-m", "schedctl", "next", "cron:day=last sun", "--from", "2026-01-01",
                          "--count", "2"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["2026-01-25T00:00:00+00:00", "2026-02-22T00:00:00+00:00"]
    bad = subprocess.run([sys.executable, "-m", "schedctl", "next", "cron:hour=25"], capture_output=True, text=True)
    assert bad.returncode == 2 and "above the maximum" in bad.stderr


def test_import_is_fast():
    code = "import time; t = time.perf_counter(); import schedctl; print(time.perf_counter() - t)"
    best = min(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(3))
    assert best < 0.05, f"import schedctl took {best * 1000:.1f} ms"


def test_the_bundled_tz_release_is_named():
    assert schedctl.tzdb_version() == "2026f"
    assert schedctl.__version__

"""Unit tests of the APScheduler 3.x -> schedctl conversion: each trigger kind and option, the
executors, job defaults and job stores, the errors, and a SQLite job store round trip."""
import importlib.util
import os
import sqlite3
import sys
import tomllib
import types
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.executors.pool import ProcessPoolExecutor, ThreadPoolExecutor
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
from apscheduler.triggers.combining import AndTrigger, OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

import aps_jobs
from aps_walk import canonical, key, walk
from schedctl._apscheduler import (
    ConversionError,
    from_apscheduler,
    from_jobstore,
    toml_string,
    trigger_to_string,
)

BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")
UTC = timezone.utc
ALL_STARS = "year=* month=* day=* week=* day_of_week=*"


def job_table(text):
    doc = tomllib.loads(text)
    return doc, {job["id"]: job for job in doc.get("job", [])}


# ---------------------------------------------------------------------------------------------
# cron
# ---------------------------------------------------------------------------------------------


def test_cron_writes_all_eight_fields_and_zone():
    t = CronTrigger(hour=2, minute=30, timezone="Europe/Berlin")
    assert trigger_to_string(t) == (
        f"cron:{ALL_STARS} hour=2 minute=30 second=0 timezone=Europe/Berlin")


def test_cron_defaults_of_apscheduler_are_spelled_out():
    # day=1 minute=20: hour stays `*` (before the least significant field given), second 0.
    t = CronTrigger(day=1, minute=20, timezone="UTC")
    assert trigger_to_string(t) == (
        "cron:year=* month=* day=1 week=* day_of_week=* hour=* minute=20 second=0 timezone=UTC")


def test_cron_expressions():
    t = CronTrigger(year="2026-2030/2", month="jan-mar,jul", day="last fri,1st mon,last,15",
                    day_of_week="mon-fri,sun", hour="*/4", minute="5/20", second="0,30",
                    timezone=NY)
    assert trigger_to_string(t) == (
        "cron:year=2026-2030/2 month=jan-mar,jul day=last fri,1st mon,last,15 week=* "
        "day_of_week=mon-fri,sun hour=*/4 minute=5/20 second=0,30 timezone=America/New_York")


def test_cron_zero_range_with_step_is_one_value():
    # APScheduler's own str() writes `0-0/5` as `0/5` (0, 5, 10, ...), but the expression
    # selects 0 only (its validation reads `last or MAX`).
    t = CronTrigger(minute="0-0/5", timezone="UTC")
    assert "minute=0 " in trigger_to_string(t)
    nxt = t.get_next_fire_time(None, datetime(2026, 3, 1, 0, 1, tzinfo=UTC))
    assert nxt == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


def test_crontab_becomes_cron_with_every_field():
    t = CronTrigger.from_crontab("30 2 * * mon-fri", timezone="Europe/Berlin")
    assert trigger_to_string(t) == (
        "cron:year=* month=* day=* week=* day_of_week=mon-fri hour=2 minute=30 second=0 "
        "timezone=Europe/Berlin")


def test_cron_start_end_jitter():
    t = CronTrigger(hour=9, timezone="Europe/Berlin", jitter=30,
                    start_date=datetime(2026, 3, 1, 8, 0, 0, 250000, tzinfo=UTC),
                    end_date="2026-12-31 23:00:00")
    s = trigger_to_string(t)
    assert "start_date=2026-03-01T08:00:00.250000+00:00" in s
    # end_date in the trigger's own zone: a wall time (see the next test)
    assert "end_date=2026-12-31T23:00:00 " in s
    assert s.endswith("timezone=Europe/Berlin jitter=30")


def test_cron_end_date_in_another_zone_is_an_instant():
    t = CronTrigger(hour=9, timezone="Europe/Berlin",
                    end_date=datetime(2026, 12, 31, 12, tzinfo=NY))
    assert "end_date=2026-12-31T12:00:00-05:00" in trigger_to_string(t)


def test_cron_end_date_in_own_zone_compares_by_wall_clock(next_fires):
    # Berlin, 29 March 2026: 02:00-03:00 does not exist. From midnight, CronTrigger sets the
    # hour to 2 and returns the gap's wall time 02:30 (the instant 03:30+02:00), because it
    # compares wall clocks with its end_date 03:10 when the end_date's tzinfo is its own zone.
    # Written with an offset, end_date would be compared as an instant and the fire lost.
    t = CronTrigger(hour=2, minute=30, timezone="Europe/Berlin", end_date="2026-03-29 03:10:00")
    s = trigger_to_string(t)
    assert "end_date=2026-03-29T03:10:00 " in s
    start = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    aps, _ = walk(t, start, 5)
    assert [canonical(f).isoformat() for f in aps] == ["2026-03-29T03:30:00+02:00"]
    assert [key(f) for f in next_fires(s, start, 5, "Europe/Berlin")] == [
        key(canonical(f)) for f in aps]
    offset_form = s.replace("end_date=2026-03-29T03:10:00", "end_date=2026-03-29T03:10:00+02:00")
    assert next_fires(offset_form, start, 5, "Europe/Berlin") == []


def test_cron_end_date_in_a_gap_is_refused():
    t = CronTrigger(minute=30, timezone="Europe/Berlin",
                    end_date=datetime(2026, 3, 29, 2, 30, tzinfo=BERLIN))
    with pytest.raises(ConversionError, match="does not exist"):
        trigger_to_string(t, job_id="j")


def test_cron_end_date_second_of_a_fold():
    end = datetime(2026, 10, 25, 2, 20, fold=1, tzinfo=BERLIN)
    t = CronTrigger(minute="*/15", timezone="Europe/Berlin", end_date=end)
    assert "end_date=2026-10-25T02:20:00 " in trigger_to_string(t)
    t = CronTrigger(minute="*/15", timezone="Europe/Berlin", end_date=end, jitter=5)
    with pytest.raises(ConversionError, match="fold=1"):
        trigger_to_string(t, job_id="j")


def test_cron_subclass_is_refused_with_job_id():
    class MyCron(CronTrigger):
        pass

    with pytest.raises(ConversionError) as e:
        trigger_to_string(MyCron(hour=1, timezone="UTC"), job_id="nightly")
    assert "job `nightly`" in str(e.value) and "MyCron" in str(e.value)
    assert isinstance(e.value, ValueError) and e.value.job_id == "nightly"


# ---------------------------------------------------------------------------------------------
# interval, date, calendarinterval
# ---------------------------------------------------------------------------------------------


def test_interval_units_and_dates():
    t = IntervalTrigger(weeks=1, days=2, hours=3, minutes=4, seconds=5, timezone="Asia/Kolkata",
                        start_date="2026-03-01 09:00:00.5", end_date="2026-06-01 00:00:00")
    assert trigger_to_string(t) == (
        "interval:weeks=1 days=2 hours=3 minutes=4 seconds=5 "
        "start_date=2026-03-01T09:00:00.000005+05:30 end_date=2026-06-01T00:00:00+05:30 "
        "timezone=Asia/Kolkata")


def test_interval_without_start_date_writes_the_computed_one():
    before = datetime.now(UTC)
    t = IntervalTrigger(minutes=90, timezone="Europe/Berlin")
    s = trigger_to_string(t)
    start = datetime.fromisoformat(s.split("start_date=")[1].split()[0])
    assert start == t.start_date
    assert before + timedelta(minutes=90) <= start <= datetime.now(UTC) + timedelta(minutes=90)
    assert start.microsecond == t.start_date.microsecond


def test_interval_zero_is_one_second_and_jitter():
    t = IntervalTrigger(timezone="UTC", start_date="2026-01-01 00:00:00", jitter=7)
    assert trigger_to_string(t) == (
        "interval:seconds=1 start_date=2026-01-01T00:00:00+00:00 timezone=UTC jitter=7")


def test_interval_fraction_and_negative_are_refused():
    with pytest.raises(ConversionError, match="fraction of a second"):
        trigger_to_string(IntervalTrigger(seconds=1.5, timezone="UTC"), job_id="x")
    with pytest.raises(ConversionError, match="not positive"):
        trigger_to_string(IntervalTrigger(hours=-1, timezone="UTC"), job_id="x")


def test_jitter_must_be_whole_seconds():
    assert "jitter=" not in trigger_to_string(CronTrigger(hour=1, timezone="UTC", jitter=0))
    assert trigger_to_string(CronTrigger(hour=1, timezone="UTC", jitter=60.0)).endswith("jitter=60")
    with pytest.raises(ConversionError, match="jitter 1.5"):
        trigger_to_string(CronTrigger(hour=1, timezone="UTC", jitter=1.5), job_id="x")


def test_date_keeps_its_instant_and_zone():
    t = DateTrigger(run_date="2026-10-25 02:30:00", timezone="Europe/Berlin")
    assert trigger_to_string(t) == (
        "date:run_date=2026-10-25T02:30:00+02:00 timezone=Europe/Berlin")
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)
    assert trigger_to_string(DateTrigger(run_date=second)) == (
        "date:run_date=2026-10-25T02:30:00+01:00 timezone=Europe/Berlin")
    micro = datetime(2026, 1, 1, 9, 0, 0, 123456, tzinfo=UTC)
    assert trigger_to_string(DateTrigger(run_date=micro)) == (
        "date:run_date=2026-01-01T09:00:00.123456+00:00 timezone=UTC")


def test_fixed_offsets_map_to_etc_zones():
    plus2 = timezone(timedelta(hours=2))
    assert trigger_to_string(DateTrigger(run_date=datetime(2026, 1, 1, tzinfo=plus2))) == (
        "date:run_date=2026-01-01T00:00:00+02:00 timezone=Etc/GMT-2")
    assert trigger_to_string(CronTrigger(hour=1, timezone=timezone(timedelta(hours=-5)))).endswith(
        "timezone=Etc/GMT+5")
    odd = timezone(timedelta(hours=5, minutes=30))
    with pytest.raises(ConversionError, match=r"\+05:30 has no IANA zone"):
        trigger_to_string(DateTrigger(run_date=datetime(2026, 1, 1, tzinfo=odd)), job_id="d")


def test_calendarinterval_all_fields():
    t = CalendarIntervalTrigger(months=1, hour=9, minute=5, second=7, start_date="2026-01-31",
                                end_date="2027-01-31", timezone="Europe/Berlin", jitter=3)
    assert trigger_to_string(t) == (
        "calendarinterval:years=0 months=1 weeks=0 days=0 hour=9 minute=5 second=7 "
        "start_date=2026-01-31 end_date=2027-01-31 timezone=Europe/Berlin jitter=3")


def test_calendarinterval_default_start_date_is_read():
    t = CalendarIntervalTrigger(days=1, timezone="UTC")
    assert f"start_date={t.start_date.isoformat()}" in trigger_to_string(t)


def test_calendarinterval_datetime_start_is_its_date():
    t = CalendarIntervalTrigger(weeks=2, start_date=datetime(2026, 3, 2, 17, 45), timezone="UTC")
    assert "start_date=2026-03-02 " in trigger_to_string(t)


# ---------------------------------------------------------------------------------------------
# and, or
# ---------------------------------------------------------------------------------------------


def test_or_and_nested():
    t = OrTrigger([
        CronTrigger(hour=9, timezone="UTC"),
        AndTrigger([CronTrigger(day=13, timezone="UTC"), CronTrigger(day_of_week="fri", timezone="UTC")],
                   jitter=5),
        DateTrigger(run_date=datetime(2026, 3, 1, tzinfo=UTC)),
    ], jitter=60)
    assert trigger_to_string(t) == (
        f"or:[cron:{ALL_STARS} hour=9 minute=0 second=0 timezone=UTC] "
        "[and:[cron:year=* month=* day=13 week=* day_of_week=* hour=0 minute=0 second=0 timezone=UTC] "
        "[cron:year=* month=* day=* week=* day_of_week=fri hour=0 minute=0 second=0 timezone=UTC] jitter=5] "
        "[date:run_date=2026-03-01T00:00:00+00:00 timezone=UTC] jitter=60")


def test_empty_combination_and_unknown_child_are_refused():
    with pytest.raises(ConversionError, match="without triggers"):
        trigger_to_string(OrTrigger([]), job_id="o")

    class Custom:
        def get_next_fire_time(self, prev, now):
            return None

    with pytest.raises(ConversionError, match="job `o`.*Custom"):
        trigger_to_string(OrTrigger([CronTrigger(hour=1, timezone="UTC"), Custom()]), job_id="o")


# ---------------------------------------------------------------------------------------------
# Round trip through the oracle's reader (shared/oracle/aps_trigger.py), when it is there
# ---------------------------------------------------------------------------------------------

ORACLE = Path(os.environ.get("SCHEDCTL_ORACLE", "/work/shared/oracle")) / "aps_trigger.py"


def load_oracle():
    if not ORACLE.is_file():
        pytest.skip(f"no oracle at {ORACLE}")
    spec = importlib.util.spec_from_file_location("aps_trigger", ORACLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ROUND_TRIP = [
    CronTrigger(day="last sun", hour="1-3", minute="*/20", timezone="Europe/Berlin",
                end_date="2027-10-31 02:40:00"),
    CronTrigger.from_crontab("*/7 2 * * mon-fri", timezone="America/New_York"),
    CronTrigger(hour=2, minute=30, second="10-40/15", timezone="Australia/Lord_Howe",
                start_date=datetime(2026, 10, 4, 2, 0, tzinfo=UTC)),
    IntervalTrigger(hours=1, minutes=7, timezone="America/Havana",
                    start_date=datetime(2026, 11, 1, 0, 30, fold=1, tzinfo=ZoneInfo("America/Havana"))),
    DateTrigger(run_date=datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NY)),
    CalendarIntervalTrigger(days=1, hour=2, minute=30, start_date="2026-03-27", timezone="Europe/Berlin"),
    OrTrigger([CronTrigger(hour=9, timezone="Europe/London"), IntervalTrigger(hours=5, timezone="UTC",
                                                                                start_date="2026-03-01 00:00:00")]),
]


@pytest.mark.parametrize("trigger", ROUND_TRIP, ids=lambda t: type(t).__name__)
def test_round_trip_through_the_oracle(trigger):
    oracle = load_oracle()
    text = trigger_to_string(trigger)
    again, _ = oracle.make_trigger(text, "Europe/Berlin")
    for start in (datetime(2026, 3, 28, 12, tzinfo=BERLIN), datetime(2026, 10, 24, 12, tzinfo=BERLIN),
                  datetime(2027, 10, 30, tzinfo=BERLIN)):
        want, end1 = walk(trigger, start, 30)
        got, end2 = walk(again, start, 30)
        assert [key(canonical(f, BERLIN)) for f in got] == [key(canonical(f, BERLIN)) for f in want], text
        assert end1 == end2


# ---------------------------------------------------------------------------------------------
# Job files
# ---------------------------------------------------------------------------------------------


class FakeRedisStore(BaseJobStore):
    def lookup_job(self, job_id):
        return None

    def get_due_jobs(self, now):
        return []

    def get_next_run_time(self):
        return None

    def get_all_jobs(self):
        return []

    def add_job(self, job):
        pass

    def update_job(self, job):
        pass

    def remove_job(self, job_id):
        pass

    def remove_all_jobs(self):
        pass


def postgres_store(url):
    """An SQLAlchemyJobStore on PostgreSQL without a driver or a server: only its URL is read."""
    from sqlalchemy.engine import make_url

    store = SQLAlchemyJobStore.__new__(SQLAlchemyJobStore)
    BaseJobStore.__init__(store)
    store.engine = types.SimpleNamespace(url=make_url(url))
    return store


def full_scheduler(tmp_path):
    sched = BackgroundScheduler(
        timezone="Europe/Berlin",
        executors={"default": ThreadPoolExecutor(20), "processpool": ProcessPoolExecutor(3)},
        jobstores={
            "default": MemoryJobStore(),
            "durable": SQLAlchemyJobStore(url=f"sqlite:///{tmp_path / 'jobs.db'}"),
            "shared": postgres_store("postgresql+psycopg2://app:s3cr%40t@db.example:5432/sched?sslmode=require"),
            "open": postgres_store("postgresql://app@db.example/sched"),
            "cache": FakeRedisStore(),
        },
        job_defaults={"coalesce": False, "max_instances": 2, "misfire_grace_time": None},
    )
    sched.add_job(aps_jobs.report, "cron", hour=2, minute=30, id="nightly-report", coalesce=True,
                  max_instances=1, misfire_grace_time=1800, executor="processpool", jobstore="durable")
    sched.add_job(aps_jobs.sync, "interval", minutes=15, id="sync", jobstore="shared",
                  start_date="2026-03-01 00:00:00")
    sched.add_job(aps_jobs.report, "date", run_date="2026-03-01 09:00:00", id="once", jobstore="open",
                  args=(1,), kwargs={"x": 2})
    sched.add_job(aps_jobs.Tasks.cleanup, "calendarinterval", weeks=1, hour=3, id="weekly",
                  start_date="2026-03-02", jobstore="cache", name="Clean up")
    return sched


def test_job_file_from_scheduler(tmp_path, schedctl_run):
    sched = full_scheduler(tmp_path)
    text = from_apscheduler(sched)
    doc, jobs = job_table(text)
    assert doc["timezone"] == "Europe/Berlin"
    assert doc["executors"] == {"default": {"max_workers": 20}, "processpool": {"max_workers": 3}}
    assert doc["job_defaults"] == {"coalesce": False, "max_instances": 2, "misfire_grace_time": "none"}
    assert doc["jobstores"]["durable"] == {"kind": "sqlite", "path": str(tmp_path / "jobs.db")}
    # a password in the URL: an environment variable instead, the URL only masked in a comment
    assert doc["jobstores"]["shared"] == {"kind": "postgres", "url_env": "SCHEDCTL_SHARED_URL"}
    assert "s3cr" not in text
    assert "# APScheduler SQLAlchemyJobStore: postgresql://app:***@db.example:5432/sched?sslmode=require" in text
    assert doc["jobstores"]["open"] == {"kind": "postgres", "url": "postgresql://app@db.example/sched"}
    assert doc["jobstores"]["cache"] == {"kind": "memory"}
    assert "test_convert.FakeRedisStore: schedctl has no such store; kept as memory" in text
    assert "default" not in doc["jobstores"]  # built in; a comment says what it was
    assert "APScheduler's `default` store: memory" in text

    nightly = jobs["nightly-report"]
    assert nightly == {
        "id": "nightly-report",
        "trigger": f"cron:{ALL_STARS} hour=2 minute=30 second=0 timezone=Europe/Berlin",
        "executor": "processpool", "jobstore": "durable",
        "coalesce": True, "max_instances": 1, "misfire_grace_time": "1800s",
    }
    # options not given to add_job come from [job_defaults], as at APScheduler's start()
    assert jobs["sync"] == {
        "id": "sync",
        "trigger": "interval:minutes=15 start_date=2026-03-01T00:00:00+01:00 timezone=Europe/Berlin",
        "executor": "default", "jobstore": "shared",
    }
    assert jobs["once"]["trigger"] == "date:run_date=2026-03-01T09:00:00+01:00 timezone=Europe/Berlin"
    assert "command" not in jobs["once"]
    assert "# func: \"aps_jobs:report\" (schedctl cannot run it: no command)" in text
    assert "# its args and kwargs are not carried over" in text
    assert '# name: "Clean up"' in text

    path = tmp_path / "jobs.toml"
    path.write_text(text)
    lint = schedctl_run("lint", path)
    assert lint.returncode == 0, lint.stderr
    sim = schedctl_run("simulate", path, "--from", "2026-03-01", "--to", "2026-03-08", "--format", "summary")
    assert sim.returncode == 0, sim.stderr
    assert "nightly-report fires=7 executed=7" in sim.stdout
    assert "sync fires=672 executed=672" in sim.stdout


def test_sqlite_path_relative_to_the_job_file(tmp_path):
    sched = BackgroundScheduler(timezone="UTC", jobstores={
        "durable": SQLAlchemyJobStore(url=f"sqlite:///{tmp_path / 'db' / 'jobs.db'}")})
    doc, _ = job_table(from_apscheduler(sched, jobfile_dir=str(tmp_path / "conf")))
    assert doc["jobstores"]["durable"] == {"kind": "sqlite", "path": os.path.join("..", "db", "jobs.db")}


def test_apscheduler_default_store_on_sqlite_is_a_comment(tmp_path):
    sched = BackgroundScheduler(timezone="UTC", jobstores={
        "default": SQLAlchemyJobStore(url=f"sqlite:///{tmp_path / 'a.db'}")})
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="j")
    text = from_apscheduler(sched)
    doc, jobs = job_table(text)
    assert "jobstores" not in doc and jobs["j"]["jobstore"] == "default"
    assert f"(run with --store {tmp_path / 'a.db'})" in text


def test_durations(tmp_path):
    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="a")
    sched.add_job(aps_jobs.sync, "cron", hour=2, id="b")
    sched.add_job(aps_jobs.sync, "cron", hour=3, id="c")
    _, jobs = job_table(from_apscheduler(sched, durations={"a": timedelta(minutes=45), "b": 1.5, "c": "1h 30m"}))
    assert [jobs[i]["duration"] for i in "abc"] == ["2700s", "1500ms", "1h 30m"]
    with pytest.raises(ConversionError, match="nope"):
        from_apscheduler(sched, durations={"nope": 1})


def test_default_executor_when_none_is_configured():
    sched = BackgroundScheduler(timezone="America/New_York")
    sched.add_job(aps_jobs.sync, "interval", hours=1, id="j")
    doc, _ = job_table(from_apscheduler(sched))
    assert doc["executors"] == {"default": {"max_workers": 10}}
    assert doc["job_defaults"] == {"coalesce": True, "max_instances": 1, "misfire_grace_time": "1s"}


def test_executor_without_pool():
    sched = BackgroundScheduler(timezone="UTC", executors={"aio": AsyncIOExecutor()})
    text = from_apscheduler(sched)
    assert "executor `aio` (apscheduler.executors.asyncio.AsyncIOExecutor) left out" in text
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="uses-aio", executor="aio")
    with pytest.raises(ConversionError, match="job `uses-aio`: executor `aio`.*not a pool"):
        from_apscheduler(sched)


def test_unknown_executor_or_store():
    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="e", executor="nope")
    with pytest.raises(ConversionError, match="job `e`: executor `nope` is not configured"):
        from_apscheduler(sched)
    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="s", jobstore="nope")
    with pytest.raises(ConversionError, match="job `s`: job store `nope`"):
        from_apscheduler(sched)


def test_custom_trigger_in_scheduler_names_the_job():
    class EveryOtherDay(IntervalTrigger):
        pass

    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="fine")
    sched.add_job(aps_jobs.sync, EveryOtherDay(days=2, timezone="UTC"), id="custom")
    with pytest.raises(ConversionError) as e:
        from_apscheduler(sched)
    assert e.value.job_id == "custom" and "EveryOtherDay" in str(e.value)


def test_paused_job_and_explicit_next_run_time_are_refused():
    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="paused", next_run_time=None)
    with pytest.raises(ConversionError, match="job `paused`: the job is paused"):
        from_apscheduler(sched)
    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(aps_jobs.sync, "interval", hours=1, id="now", next_run_time=datetime(2026, 3, 1, tzinfo=UTC))
    with pytest.raises(ConversionError, match="job `now`: next_run_time=2026-03-01T00:00:00\\+00:00 was given"):
        from_apscheduler(sched)


def test_duplicate_ids():
    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="dup")
    sched.add_job(aps_jobs.sync, "cron", hour=2, id="dup", replace_existing=True)
    _, jobs = job_table(from_apscheduler(sched))
    assert "hour=2" in jobs["dup"]["trigger"]
    sched.add_job(aps_jobs.sync, "cron", hour=3, id="dup")
    with pytest.raises(ConversionError, match="job `dup`: two jobs with this id"):
        from_apscheduler(sched)


def test_started_scheduler_reads_its_stores():
    sched = BackgroundScheduler(timezone="Europe/Berlin")
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="a", misfire_grace_time=None)
    sched.start(paused=True)
    try:
        sched.add_job(aps_jobs.sync, "interval", hours=2, id="b",
                      start_date="2030-01-01 00:00:00")
        text = from_apscheduler(sched)
    finally:
        sched.shutdown(wait=False)
    _, jobs = job_table(text)
    # every option is set once a job is scheduled
    assert jobs["a"]["misfire_grace_time"] == "none" and jobs["a"]["coalesce"] is True
    assert jobs["b"]["max_instances"] == 1 and jobs["b"]["misfire_grace_time"] == "1s"
    assert "# next_run_time in APScheduler: 2030-01-01T00:00:00+01:00" in text


def test_toml_escaping(tmp_path, schedctl_run):
    weird = 'a "quoted" \\ back\tslash\nnew line \x01 \x7f \u00e9 \U0001F600'
    assert tomllib.loads(f"x = {toml_string(weird)}")["x"] == weird
    sched = BackgroundScheduler(timezone="UTC", executors={"my pool.x": ThreadPoolExecutor(2)})
    sched.add_job(aps_jobs.sync, "cron", hour=1, id=weird, name=weird, executor="my pool.x")
    text = from_apscheduler(sched)
    doc, jobs = job_table(text)
    assert list(jobs) == [weird] and jobs[weird]["executor"] == "my pool.x"
    assert doc["executors"]["my pool.x"] == {"max_workers": 2}
    path = tmp_path / "weird.toml"
    path.write_text(text)
    assert schedctl_run("lint", path).returncode == 0


# ---------------------------------------------------------------------------------------------
# SQLAlchemy (SQLite) job store
# ---------------------------------------------------------------------------------------------


def fill_store(url):
    sched = BackgroundScheduler(timezone="Europe/Berlin",
                                jobstores={"default": SQLAlchemyJobStore(url=url)})
    sched.start(paused=True)
    try:
        sched.add_job(aps_jobs.report, "cron", day="last fri", hour=17, id="report",
                      misfire_grace_time=None, coalesce=False, max_instances=3)
        sched.add_job(aps_jobs.sync, "interval", minutes=20, id="sync", start_date="2026-03-01 00:00:00",
                      end_date="2027-01-01 00:00:00")
        sched.add_job(aps_jobs.Tasks.cleanup, "calendarinterval", months=1, hour=2, minute=30,
                      start_date="2026-01-31", id="cleanup", timezone="America/New_York")
        sched.add_job(aps_jobs.report, OrTrigger([CronTrigger(hour=9, timezone="Europe/Berlin"),
                                                  DateTrigger(run_date=datetime(2030, 5, 1, 12, tzinfo=UTC))]),
                      id="combo", args=("x",))
        live = from_apscheduler(sched)
        triggers = {job.id: job.trigger for job in sched.get_jobs()}
    finally:
        sched.shutdown(wait=False)
    return live, triggers


def test_sqlite_job_store_round_trip(tmp_path, schedctl_run, next_fires):
    db = tmp_path / "aps.db"
    url = f"sqlite:///{db}"
    live, triggers = fill_store(url)
    text = from_jobstore(url, alias="durable", timezone="Europe/Berlin")
    doc, jobs = job_table(text)
    _, live_jobs = job_table(live)
    assert doc["jobstores"] == {"durable": {"kind": "sqlite", "path": str(db)}}
    assert set(jobs) == {"report", "sync", "cleanup", "combo"}
    for job_id, job in jobs.items():
        assert job["jobstore"] == "durable"
        assert job["trigger"] == live_jobs[job_id]["trigger"]
        for k in ("coalesce", "max_instances", "misfire_grace_time", "executor"):
            assert job[k] == live_jobs[job_id][k]
    assert jobs["report"]["misfire_grace_time"] == "none" and jobs["report"]["max_instances"] == 3
    # The stored (unpickled) triggers and schedctl agree.
    start = datetime(2026, 10, 20, tzinfo=BERLIN)
    for job_id, trigger in triggers.items():
        want, _ = walk(trigger, start, 20)
        tz = "Europe/Berlin"
        got = next_fires(jobs[job_id]["trigger"], start, 20, tz)
        assert [key(f) for f in got] == [key(canonical(f, BERLIN if job_id == "combo" else None)) for f in want]
    path = tmp_path / "store.toml"
    path.write_text(text)
    assert schedctl_run("lint", path).returncode == 0
    sim = schedctl_run("simulate", path, "--from", "2026-03-01", "--to", "2026-04-01", "--format", "summary")
    assert sim.returncode == 0, sim.stderr


def test_jobstore_timezone_is_inferred(tmp_path):
    url = f"sqlite:///{tmp_path / 'one.db'}"
    sched = BackgroundScheduler(timezone="Asia/Tokyo", jobstores={"default": SQLAlchemyJobStore(url=url)})
    sched.start(paused=True)
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="a")
    sched.shutdown(wait=False)
    doc, jobs = job_table(from_jobstore(url))
    assert doc["timezone"] == "Asia/Tokyo"
    assert jobs["a"]["jobstore"] == "apscheduler"
    assert doc["jobstores"]["apscheduler"]["kind"] == "sqlite"


def test_jobstore_executors_must_be_given(tmp_path):
    url = f"sqlite:///{tmp_path / 'ex.db'}"
    sched = BackgroundScheduler(timezone="UTC", jobstores={"default": SQLAlchemyJobStore(url=url)},
                                executors={"pp": ThreadPoolExecutor(4)})
    sched.start(paused=True)
    sched.add_job(aps_jobs.sync, "cron", hour=1, id="a", executor="pp")
    sched.shutdown(wait=False)
    with pytest.raises(ConversionError, match="job `a`: executor `pp`: a job store keeps no executors"):
        from_jobstore(url)
    doc, _ = job_table(from_jobstore(url, executors={"pp": 4}))
    assert doc["executors"]["pp"] == {"max_workers": 4}
    assert doc["executors"]["default"] == {"max_workers": 10}


def test_jobstore_with_unimportable_function_fails_and_keeps_the_row(tmp_path):
    url = f"sqlite:///{tmp_path / 'gone.db'}"
    module = types.ModuleType("vanishing_jobs")
    exec("def task():\n    return 1\n", module.__dict__)
    sys.modules["vanishing_jobs"] = module
    try:
        sched = BackgroundScheduler(timezone="UTC", jobstores={"default": SQLAlchemyJobStore(url=url)})
        sched.start(paused=True)
        sched.add_job("vanishing_jobs:task", "cron", hour=1, id="ghost")
        sched.shutdown(wait=False)
    finally:
        del sys.modules["vanishing_jobs"]
    with pytest.raises(ConversionError, match="job `ghost`: cannot restore the job"):
        from_jobstore(url)
    # APScheduler's own get_all_jobs() would have deleted the row; reading must not.
    rows = sqlite3.connect(tmp_path / "gone.db").execute("select id from apscheduler_jobs").fetchall()
    assert rows == [("ghost",)]


def test_jobstore_without_table_is_not_created(tmp_path):
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()
    with pytest.raises(ConversionError, match="no APScheduler job table `apscheduler_jobs`"):
        from_jobstore(f"sqlite:///{db}")
    tables = sqlite3.connect(db).execute("select name from sqlite_master").fetchall()
    assert tables == []


def test_module_docstring_example():
    t = CronTrigger(hour=2, minute=30, timezone="Europe/Berlin")
    assert trigger_to_string(t) == (
        "cron:year=* month=* day=* week=* day_of_week=* hour=2 minute=30 second=0 timezone=Europe/Berlin")

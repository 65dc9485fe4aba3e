#!/usr/bin/env python3
"""Lifecycle conformance against APScheduler 3.11.3 itself.

A real BackgroundScheduler (with a SQLAlchemyJobStore on SQLite) and `schedctl run` +
`schedctl jobs` (on a SQLite store) go through the same sequence, side by side in real time:

    add -> pause -> resume (after 5 s) -> modify an option -> reschedule -> remove
        -> restart (7 s of running) -> restart again (1 s)

on an interval, a cron, a date and a calendarinterval job (plus one twin of each that is removed),
and the next run times are compared after every step: exactly for cron, date and
calendarinterval; for an interval, which the two sides cannot add in the same microsecond, as
the point of its grid: next - anchor, equal within 0.5 s, where the anchor (APScheduler: the
trigger's start_date - interval; schedctl: the job's `anchor`) must lie within the add or
reschedule step as measured here and stay put through every other step. The runs on the way
(the first start, the two restarts) are compared too: which fires ran, were missed or were
dropped; and schedctl's start-up lines (added, kept, removed, ended) against what
APScheduler's store holds.

    PY=$(bash ../shared/oracle/setup.sh | tail -1)
    "$PY" tests/lifecycle/check_lifecycle.py target/release/schedctl

Prints a table of steps with PASS/FAIL and a last line `N passed, M failed`; exits 1 on any
difference. See README.md beside this file for the choices made.
"""
import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

# CalendarIntervalTrigger takes its start date from the host's date.today(); schedctl from the
# date in the trigger's zone. Both are UTC here.
os.environ["TZ"] = "UTC"
time.tzset()

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SQLALCHEMY_PIN = "SQLAlchemy==2.1.9"
UTC = timezone.utc
TOLERANCE = 0.5  # seconds: interval jobs, next - anchor on the two sides


def now():
    return datetime.now(UTC)


def sleep_until(instant):
    delay = (instant - now()).total_seconds()
    if delay > 0:
        time.sleep(delay)


def iso(dt):
    """2026-03-01T09:00:00Z, with milliseconds when not whole."""
    dt = dt.astimezone(UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        text += f".{dt.microsecond // 1000:03d}"
    return text + "Z"


def skip(reason):
    """A check that cannot run: exit 0, except under CI=true where a skip is a failure."""
    print(f"lifecycle check skipped: {reason}")
    sys.exit(1 if os.environ.get("CI") == "true" else 0)


def ensure_sqlalchemy(deps):
    """SQLAlchemyJobStore needs SQLAlchemy, which the oracle venv does not pin: install it once
    into `deps` (pip --target), leaving the oracle venv as setup.sh made it."""
    try:
        import sqlalchemy  # noqa: F401
        return
    except ImportError:
        pass
    if os.path.isdir(os.path.join(deps, "sqlalchemy")):
        sys.path.insert(0, deps)
        return
    print(f"installing {SQLALCHEMY_PIN} into {deps} (for APScheduler's SQLAlchemyJobStore)", flush=True)
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--target", deps, SQLALCHEMY_PIN]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        skip(f"cannot install {SQLALCHEMY_PIN}: {res.stderr.strip()[-400:]}")
    sys.path.insert(0, deps)


# ---------------------------------------------------------------------------------------------
# The jobs and the plan


@dataclass
class Job:
    id: str
    kind: str  # interval | cron | date | calendarinterval
    trigger: str
    max_instances: int = 1
    coalesce: bool = True
    # interval only: the period, and on each side the instant its grid is anchored at (the
    # anchor that side reported when the job was added or rescheduled, checked to lie within
    # that step)
    period: float = 0.0
    ref: dict = field(default_factory=dict)

    def toml(self):
        lines = ["[[job]]", f'id = "{self.id}"', f'trigger = "{self.trigger}"', 'command = ["true"]']
        if self.max_instances != 1:
            lines.append(f"max_instances = {self.max_instances}")
        if not self.coalesce:
            lines.append("coalesce = false")
        return "\n".join(lines) + "\n"


def zulu(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def time_of_day(base, offset):
    """(hour, minute) of base + offset when that is still base's date, else of base - offset:
    a calendarinterval time of day that lies today, an hour or so away from now."""
    t = base + offset
    if t.date() != base.date():
        t = base - offset
    return t.hour, t.minute


def plan(w):
    """The jobs, for a run whose steps happen at w + 0.2 s, w + 1.4 s, ... (w a whole second).

    Timeline (seconds after w): add and run 0.2-1.2; pause 1.4; resume 6.4, then modify;
    reschedule 7.4, then remove; restart 1 runs 8.4-15.4; restart 2 runs 15.6-16.6. Cron, date
    and calendarinterval fires fall on whole seconds and every step at a fraction of 0.2 to
    0.9, so no fire can fall between the two sides' execution of one step; the interval's grid
    points lie a second or more from every step (4.2, 8.2; after the reschedule 13.4, 19.4).
    """
    h1, m1 = time_of_day(w, timedelta(hours=-1))  # usually in the past today
    h2, m2 = time_of_day(w, timedelta(hours=1, minutes=7))  # usually later today
    jobs = {
        # the four that go through every step
        "iv": Job("iv", "interval", "interval:seconds=4", period=4),
        # fires at w+3 (while paused: resume must skip it), w+13, ...
        "cr": Job("cr", "cron", f"cron:second={(w.second + 3) % 10}/10"),
        "dt": Job("dt", "date", f"date:run_date={zulu(w + timedelta(seconds=40))}"),
        "ci": Job("ci", "calendarinterval", f"calendarinterval:days=1 hour={h1} minute={m1}"),
        # their twins, removed at the remove step; each would run during restart 1
        "iv-x": Job("iv-x", "interval", "interval:seconds=3", period=3),
        "cr-x": Job("cr-x", "cron", "cron:second=*/2"),
        "dt-x": Job("dt-x", "date", f"date:run_date={zulu(w + timedelta(seconds=9))}"),
        "ci-x": Job("ci-x", "calendarinterval", f"calendarinterval:days=1 hour={h1} minute={m1}"),
    }
    options = {"iv": {"max_instances": 3}, "cr": {"max_instances": 3},
               "dt": {"coalesce": False}, "ci": {"coalesce": False}}
    new_triggers = {
        "iv": ("interval:seconds=6", 6.0),
        # fires at w+11 (during restart 1), w+26, ...
        "cr": (f"cron:second={(w.second + 11) % 15}/15", 0.0),
        "dt": (f"date:run_date={zulu(w + timedelta(seconds=10))}", 0.0),  # during restart 1
        "ci": (f"calendarinterval:days=2 hour={h2} minute={m2}", 0.0),
    }
    return jobs, options, new_triggers


MAIN = ["iv", "cr", "dt", "ci"]
TWINS = ["iv-x", "cr-x", "dt-x", "ci-x"]


# ---------------------------------------------------------------------------------------------
# What each side reports about a job


@dataclass
class Seen:
    status: str  # scheduled | paused | absent
    next: datetime = None
    note: str = ""  # what the side said, when it is more than the status and next run time
    anchor: datetime = None  # interval: the start of its grid (next run times are anchor + k * period)


# ---------------------------------------------------------------------------------------------
# APScheduler 3.11.3


class Aps:
    def __init__(self, workdir, make_trigger):
        from apscheduler.events import (EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES,
                                        EVENT_JOB_MISSED)
        self.kinds = {EVENT_JOB_EXECUTED: "executed", EVENT_JOB_ERROR: "error",
                      EVENT_JOB_MISSED: "missed", EVENT_JOB_MAX_INSTANCES: "dropped"}
        self.mask = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
        self.url = f"sqlite:///{os.path.join(workdir, 'apscheduler.db')}"
        self.make_trigger = make_trigger
        self.sched = None
        self.lock = threading.Lock()
        self.events = []

    def _listen(self, event):
        with self.lock:
            self.events.append((event.job_id, event.scheduled_run_time, self.kinds[event.code]))

    def start(self):
        """A new scheduler on the persistent store, really started (jobs due are processed)."""
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler
        self.sched = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=self.url)},
                                         timezone="UTC")
        self.sched.add_listener(self._listen, self.mask)
        self.sched.start()

    def stop_running(self):
        """Pause processing (no runner between the steps, as on the schedctl side) and return
        the events of the run."""
        self.sched.pause()
        time.sleep(0.2)  # let a run submitted just before finish and report
        with self.lock:
            events, self.events = self.events, []
        return events

    def shutdown(self):
        """Shut the scheduler down; returns the runs APScheduler 3.11 loses doing it, as
        (job id, fire). Its scheduler thread, woken by shutdown(), runs _process_jobs once more
        without checking the state (BlockingScheduler._main_loop): every job due then, paused or
        not, is submitted to executors already shut down ("Error submitting job ... cannot
        schedule new futures after shutdown"), so its run is lost with no event, and its next
        run time moves on. schedctl does not copy that: the run is due at the next start and
        reported there (book: commands/run.md, "Stopping")."""
        now = datetime.now(UTC)
        due = [(j.id, j.next_run_time) for j in self.sched.get_jobs()
               if j.next_run_time is not None and j.next_run_time <= now]
        self.sched.shutdown(wait=True)
        return due

    def trigger(self, text):
        return self.make_trigger(text)[0]

    def add(self, job):
        self.sched.add_job("time:time", self.trigger(job.trigger), id=job.id)

    def pause(self, jid):
        self.sched.pause_job(jid)

    def resume(self, jid):
        self.sched.resume_job(jid)

    def modify(self, jid, **options):
        self.sched.modify_job(jid, **options)

    def reschedule(self, jid, text):
        self.sched.reschedule_job(jid, trigger=self.trigger(text))

    def remove(self, jid):
        self.sched.remove_job(jid)

    def seen(self):
        out = {}
        for job in self.sched.get_jobs():
            if job.next_run_time is None:
                out[job.id] = Seen("paused")
            else:
                out[job.id] = Seen("scheduled", job.next_run_time)
            interval = getattr(job.trigger, "interval", None)
            if interval is not None:  # IntervalTrigger: start_date = now + interval when made
                out[job.id].anchor = job.trigger.start_date - interval
        return out

    def options(self, jid):
        job = self.sched.get_job(jid)
        return None if job is None else (job.max_instances, job.coalesce)


# ---------------------------------------------------------------------------------------------
# schedctl


class Schedctl:
    WORDS = ("added", "kept", "changed", "rescheduled", "removed", "ended")

    def __init__(self, exe, workdir):
        self.exe = exe
        self.workdir = workdir
        self.jobfile = os.path.join(workdir, "jobs.toml")
        self.store = os.path.join(workdir, "schedctl.db")
        self.runs = 0

    def write_jobfile(self, jobs):
        with open(self.jobfile, "w") as fh:
            fh.write('timezone = "UTC"\n\n' + "\n".join(j.toml() for j in jobs))

    def start_run(self, seconds):
        """`schedctl run jobs.toml --for ...` in the background."""
        self.runs += 1
        log = os.path.join(self.workdir, f"run{self.runs}.jsonl")
        cmd = [self.exe, "run", self.jobfile, "--store", self.store, "--for", f"{int(seconds * 1000)}ms",
               "--log", log, "--output", "discard"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return proc, log

    def finish_run(self, proc, log):
        """Wait for a run; returns (exit status, start-up words {id: word}, events, output)."""
        out, err = proc.communicate(timeout=60)
        words = {}
        for line in out.splitlines():
            m = re.match(r"^\s+(\w+)\s+(\S+)\s+in store\b", line)
            if m and m.group(1) in self.WORDS:
                words[m.group(2)] = m.group(1)
        events = []
        if os.path.exists(log):
            with open(log) as fh:
                for line in fh:
                    rec = json.loads(line)
                    if rec["status"] in ("executed", "error", "missed", "dropped"):
                        events.append((rec["job"], datetime.fromisoformat(rec["fire"]), rec["status"]))
        return proc.returncode, words, events, (out + err).strip()

    def jobs(self, *args):
        res = subprocess.run([self.exe, "jobs", *args, "--store", self.store], capture_output=True,
                             text=True, timeout=30)
        if res.returncode != 0:
            raise StepError(f"schedctl jobs {' '.join(args)}: exit {res.returncode}: "
                            f"{(res.stdout + res.stderr).strip()}")
        return res.stdout

    def pause(self, jid):
        self.jobs("pause", jid)

    def resume(self, jid):
        self.jobs("resume", jid)

    def modify(self, jid, max_instances=None, coalesce=None):
        args = ["modify", jid]
        if max_instances is not None:
            args += ["--max-instances", str(max_instances)]
        if coalesce is not None:
            args += ["--coalesce", "true" if coalesce else "false"]
        self.jobs(*args)

    def reschedule(self, jid, text):
        self.jobs("modify", jid, "--trigger", text)

    def remove(self, jid):
        self.jobs("remove", jid)

    def seen(self):
        out = {}
        for row in json.loads(self.jobs("list", "--json")):
            state, nrt = row["state"], row["next_run_time"]
            nxt = datetime.fromisoformat(nrt) if nrt else None
            anchor = datetime.fromisoformat(row["anchor"]) if row.get("anchor") else None
            if state == "scheduled":
                out[row["id"]] = Seen("scheduled", nxt)
            elif state == "paused":
                # APScheduler's paused job has no next run time; schedctl keeps the one it had
                # and says `paused` (shown, not compared)
                out[row["id"]] = Seen("paused", None, f"json next_run_time {iso(nxt)}" if nxt else "")
            elif state == "removed" or state.startswith("ended"):
                # a removal marker, or a job with no more fires: APScheduler has deleted both
                out[row["id"]] = Seen("absent", None, state.split(":")[0])
            else:
                out[row["id"]] = Seen(f"unknown state {state!r}", nxt)
            out[row["id"]].anchor = anchor
        return out

    def options(self, jid):
        text = self.jobs("show", jid)
        spec = json.loads(text[: text.index("\n}") + 2])
        return spec["max_instances"], spec["coalesce"]


class StepError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Comparing


class Report:
    def __init__(self):
        self.rows = []

    def add(self, step, job, aps, sc, ok, why=""):
        self.rows.append((step, job, aps, sc, "PASS" if ok else "FAIL", why))

    def passed(self):
        return sum(r[4] == "PASS" for r in self.rows)

    def failed(self):
        return sum(r[4] == "FAIL" for r in self.rows)

    def print(self):
        head = ("step", "job", "APScheduler 3.11.3", "schedctl", "result")
        widths = [max(len(str(r[i])) for r in self.rows + [head + ("",)]) for i in range(5)]
        def line(r):
            return "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
        print(line(head))
        print(line(tuple("-" * w for w in widths)))
        for r in self.rows:
            print(line(r[:5]) + (f"  <- {r[5]}" if r[5] else ""))


def describe(seen, job, side):
    if seen.status != "scheduled":
        text = seen.status
    else:
        text = iso(seen.next)
        if job.kind == "interval" and side in job.ref:
            text += f" (anchor +{(seen.next - job.ref[side]).total_seconds():.3f}s)"
    if seen.note:
        text += f" [{seen.note}]"
    return text


def take_anchors(report, step, jobs, jids, seen, windows):
    """The grid anchors that an add or a reschedule gave the interval jobs, on each side; each
    must lie within the step (measured here), so a side cannot pass by reporting any anchor."""
    for jid in jids:
        job = jobs[jid]
        if job.kind != "interval":
            continue
        cells, ok, why = {}, True, []
        for side in ("aps", "sc"):
            lo, hi = windows[side]
            anchor = seen[side].get(jid, Seen("absent")).anchor
            if anchor is None:
                cells[side], ok = "none", False
                why.append(f"{side}: no anchor")
                job.ref[side] = lo
                continue
            cells[side] = f"{iso(anchor)} (step +{(anchor - lo).total_seconds():.3f}s)"
            if not lo - timedelta(milliseconds=1) <= anchor <= hi + timedelta(milliseconds=1):
                ok = False
                why.append(f"{side}: anchor outside the step [{iso(lo)}, {iso(hi)}]")
            job.ref[side] = anchor
        report.add(step + ": anchor", jid, cells["aps"], cells["sc"], ok, "; ".join(why))


def compare_next(report, step, jobs, aps_seen, sc_seen):
    for jid, job in jobs.items():
        a = aps_seen.get(jid, Seen("absent"))
        s = sc_seen.get(jid, Seen("absent"))
        ok, why = a.status == s.status, ""
        if not ok:
            why = "different state"
        elif job.kind == "interval" and a.status != "absent":
            moved = [f"{side} anchor moved from {iso(job.ref[side])} to {iso(x.anchor) if x.anchor else 'none'}"
                     for side, x in (("aps", a), ("sc", s))
                     if x.anchor is None or abs((x.anchor - job.ref[side]).total_seconds()) > 0.001]
            if moved:
                ok, why = False, "; ".join(moved)
        if ok and a.status == "scheduled":
            if job.kind == "interval":
                # the same point of the grid: next - anchor equal on both sides
                diff = (s.next - job.ref["sc"]).total_seconds() - (a.next - job.ref["aps"]).total_seconds()
                ok = abs(diff) <= TOLERANCE
                if not ok:
                    why = f"next - anchor differs by {diff:+.3f}s (period {job.period:g}s)"
            else:
                ok = a.next == s.next
                if not ok:
                    why = f"differ by {(s.next - a.next).total_seconds():+.6f}s"
        report.add(step, jid, describe(a, job, "aps"), describe(s, job, "sc"), ok, why)


def compare_events(report, step, jobs, aps_events, sc_events, lost=()):
    """`lost`: runs APScheduler lost at its shutdown before this step (Aps.shutdown), which
    schedctl reports `missed` at this start: the one known difference, shown, not hidden."""
    lost = {(jid, fire.astimezone(UTC)) for jid, fire in lost}
    noted = {}
    kept = []
    for jid, fire, outcome in sc_events:
        if outcome == "missed" and (jid, fire.astimezone(UTC)) in lost:
            noted[jid] = fire
        else:
            kept.append((jid, fire, outcome))
    sc_events = kept

    def per_job(events):
        out = {}
        for jid, fire, outcome in sorted(events, key=lambda e: (e[0], e[1])):
            out.setdefault(jid, []).append((fire, outcome))
        return out

    a_all, s_all = per_job(aps_events), per_job(sc_events)
    quiet = []
    for jid, job in jobs.items():
        a, s = a_all.get(jid, []), s_all.get(jid, [])
        if not a and not s:
            quiet.append(jid)
            continue
        if job.kind == "interval":
            # the grids lie apart by the sides' anchoring delay: compare what happened, in order
            ok = [o for _, o in a] == [o for _, o in s]
            fmt = lambda evs: ", ".join(f"{o}" for _, o in evs) or "none"
        else:
            ok = [(f.astimezone(UTC), o) for f, o in a] == [(f.astimezone(UTC), o) for f, o in s]
            fmt = lambda evs: ", ".join(f"{o} {iso(f)}" for f, o in evs) or "none"
        note = "" if ok else "different runs"
        if jid in noted:
            note = (f"schedctl also reports {iso(noted[jid])} missed, the run APScheduler lost at "
                    "its shutdown (book: run.md, Stopping)")
        report.add(step + ": runs", jid, fmt(a), fmt(s), ok, note)
    for jid in sorted(set(noted) - {j for j in jobs if a_all.get(j) or s_all.get(j)}):
        report.add(step + ": runs", jid, "none (lost at shutdown)", f"missed {iso(noted[jid])}", True,
                   "the run APScheduler lost at its shutdown (book: run.md, Stopping)")
    quiet = [j for j in quiet if j not in noted]
    if quiet:
        report.add(step + ": runs", ",".join(quiet), "none", "none", True)


def compare_options(report, step, jids, aps, sc):
    for jid in jids:
        a, s = aps.options(jid), sc.options(jid)
        fmt = lambda o: "absent" if o is None else f"max_instances={o[0]} coalesce={str(o[1]).lower()}"
        report.add(step + ": options", jid, fmt(a), fmt(s), a == s, "" if a == s else "different options")


def store_words(aps, jobs, removed):
    """What schedctl's start-up line should say of each job at a restart, from what
    APScheduler's store holds just before its restart: kept if it has the job; removed if
    `remove_job` deleted it; ended if APScheduler deleted it itself (no more fires)."""
    held = aps.seen()
    return {j: "kept" if j in held else "removed" if j in removed else "ended" for j in jobs}


def compare_words(report, step, expected, words, jobs):
    """schedctl's start-up line for each job against what APScheduler's store holds then."""
    aps_says = {"added": "add_job", "kept": "in its store", "removed": "removed from its store",
                "ended": "deleted after its last fire"}
    for jid in jobs:
        want, got = expected[jid], words.get(jid, "(no line)")
        report.add(step + ": start-up", jid, f"{aps_says[want]} -> {want}", got, want == got,
                   "" if want == got else "unexpected start-up line")


# ---------------------------------------------------------------------------------------------
# The sequence


def lifecycle(aps, sc, report):
    # Start a little after a whole second w, so every step happens at w + n + 0.2..0.9 s while
    # cron, date and calendarinterval fires fall on whole seconds. Avoid a UTC midnight within
    # the run (the calendarinterval start date is today's).
    t = now()
    midnight = datetime.combine(t.date() + timedelta(days=1), datetime.min.time(), UTC)
    if (midnight - t).total_seconds() < 60:
        print("waiting for UTC midnight to pass (calendarinterval start dates are today's)", flush=True)
        sleep_until(midnight + timedelta(seconds=2))
    w = now().replace(microsecond=0) + timedelta(seconds=1)
    jobs, options, new_triggers = plan(w)
    at = lambda s: w + timedelta(seconds=s)
    sleep_until(at(0.2))

    print(f"w = {iso(w)}; jobs:")
    for job in jobs.values():
        print(f"  {job.id:5} {job.trigger}")
    print(flush=True)

    # --- add: both start, with the jobs of the file, and run for 1 s
    sc.write_jobfile(jobs.values())
    sc_from = now()
    proc, log = sc.start_run(1.0)
    aps.start()
    aps_from = now()
    for job in jobs.values():
        aps.add(job)
    aps_to = now()
    sleep_until(at(1.2))
    aps_events = aps.stop_running()
    rc, words, sc_events, out = sc.finish_run(proc, log)
    sc_to = now()
    if rc != 0:
        report.add("add", "(run)", "", f"exit {rc}", False, out[-300:])
    compare_words(report, "add", {j: "added" for j in jobs}, words, jobs)
    compare_events(report, "add", jobs, aps_events, sc_events)
    seen = {"aps": aps.seen(), "sc": sc.seen()}
    take_anchors(report, "add", jobs, list(jobs), seen, {"aps": (aps_from, aps_to), "sc": (sc_from, sc_to)})
    compare_next(report, "add", jobs, seen["aps"], seen["sc"])

    # --- pause the four
    sleep_until(at(1.4))
    for jid in MAIN:
        aps.pause(jid)
        sc.pause(jid)
    compare_next(report, "pause", jobs, aps.seen(), sc.seen())

    # --- resume after 5 s: the interval stays on its grid (w+8.2, not resume + 4 s), the cron
    # has skipped its fire at w+3
    sleep_until(at(6.4))
    for jid in MAIN:
        aps.resume(jid)
        sc.resume(jid)
    compare_next(report, "resume", jobs, aps.seen(), sc.seen())

    # --- modify an option: next run times stay
    for jid in MAIN:
        aps.modify(jid, **options[jid])
        sc.modify(jid, **options[jid])
        for key, value in options[jid].items():
            setattr(jobs[jid], key, value)
    compare_next(report, "modify", jobs, aps.seen(), sc.seen())
    compare_options(report, "modify", MAIN, aps, sc)

    # --- reschedule with a new trigger: from now (the interval's grid anchors at now)
    sleep_until(at(7.4))
    windows = {}
    for jid in MAIN:
        text, period = new_triggers[jid]
        job = jobs[jid]
        job.trigger, job.period = text, period
        t0 = now()
        aps.reschedule(jid, text)
        t1 = now()
        sc.reschedule(jid, text)
        windows[jid] = {"aps": (t0, t1), "sc": (t1, now())}
    seen = {"aps": aps.seen(), "sc": sc.seen()}
    for jid in MAIN:
        take_anchors(report, "reschedule", jobs, [jid], seen, windows[jid])
    compare_next(report, "reschedule", jobs, seen["aps"], seen["sc"])

    # --- remove the twins
    for jid in TWINS:
        aps.remove(jid)
        sc.remove(jid)
    compare_next(report, "remove", jobs, aps.seen(), sc.seen())

    # --- restart 1 with the persistent stores, running 7 s (the date job fires at w+10, the
    # cron at w+11, the interval at about w+13.4; the removed twins would have run)
    # APScheduler: a new scheduler on the same SQLAlchemyJobStore, no add_job: the jobs come from
    # the store. schedctl: `run` with the job file as it was: the file did not change since the
    # last start, so what `jobs modify`, `reschedule` and `remove` did stands.
    expected = store_words(aps, jobs, removed=TWINS)
    lost = aps.shutdown()
    sleep_until(at(8.4))
    proc, log = sc.start_run((at(15.4) - now()).total_seconds())
    aps.start()
    sleep_until(at(15.4))
    aps_events = aps.stop_running()
    rc, words, sc_events, out = sc.finish_run(proc, log)
    if rc != 0:
        report.add("restart", "(run)", "", f"exit {rc}", False, out[-300:])
    compare_words(report, "restart", expected, words, jobs)
    compare_events(report, "restart", jobs, aps_events, sc_events, lost)
    # the premise of restart 2: the date job fired during this run (on both sides, by the above)
    fired = any(j == "dt" and o == "executed" for j, _, o in aps_events)
    report.add("restart: premise", "dt", "fired" if fired else "did not fire", "", fired,
               "" if fired else "the date job should have fired during restart 1 (timing?)")
    compare_next(report, "restart", jobs, aps.seen(), sc.seen())
    compare_options(report, "restart", [j for j in MAIN if j != "dt"], aps, sc)

    # --- restart 2, running 1 s: the date job that fired is not back, nor the removed twins
    expected = store_words(aps, jobs, removed=TWINS)
    lost = aps.shutdown()
    sleep_until(at(15.6))
    proc, log = sc.start_run(1.0)
    aps.start()
    sleep_until(at(16.6))
    aps_events = aps.stop_running()
    rc, words, sc_events, out = sc.finish_run(proc, log)
    if rc != 0:
        report.add("restart 2", "(run)", "", f"exit {rc}", False, out[-300:])
    compare_words(report, "restart 2", expected, words, jobs)
    compare_events(report, "restart 2", jobs, aps_events, sc_events, lost)
    compare_next(report, "restart 2", jobs, aps.seen(), sc.seen())
    aps.shutdown()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("schedctl", nargs="+", help="the schedctl binary (after `--` or not)")
    ap.add_argument("--oracle", default=os.path.join(REPO, "..", "shared", "oracle"),
                    help="shared/oracle (for aps_trigger.py); default: ../shared/oracle")
    ap.add_argument("--deps", default=os.path.join(REPO, "target", "lifecycle-pydeps"),
                    help="where SQLAlchemy is installed when the venv lacks it")
    ap.add_argument("--keep", action="store_true", help="keep the working folder (stores, logs)")
    args = ap.parse_args()
    exe = os.path.abspath(args.schedctl[-1])
    if not os.access(exe, os.X_OK):
        skip(f"no schedctl binary at {exe}")
    try:
        import apscheduler
    except ImportError:
        skip("APScheduler is not installed: run with the oracle venv's python (shared/oracle/setup.sh)")
    if apscheduler.__version__ != "3.11.3":
        print(f"warning: APScheduler {apscheduler.__version__}, not 3.11.3", flush=True)
    # APScheduler's own warnings (a run time missed) would go to stderr: the table shows them
    logging.getLogger("apscheduler").addHandler(logging.NullHandler())
    ensure_sqlalchemy(os.path.abspath(args.deps))
    import sqlalchemy
    sys.dont_write_bytecode = True  # no __pycache__ in ../shared (read-only)
    sys.path.insert(0, os.path.abspath(args.oracle))
    try:
        from aps_trigger import make_trigger
    except ImportError:
        skip(f"no aps_trigger.py in {args.oracle}")

    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"APScheduler {apscheduler.__version__} (SQLAlchemyJobStore, SQLAlchemy {sqlalchemy.__version__}) "
          f"vs {version} ({exe})")
    workdir = tempfile.mkdtemp(prefix="schedctl-lifecycle-")
    report = Report()
    aps = Aps(workdir, make_trigger)
    started = time.monotonic()
    try:
        lifecycle(aps, Schedctl(exe, workdir), report)
    except Exception as exc:  # a step that could not be done is a failure, with its reason
        traceback.print_exc()
        report.add("(aborted)", "", "", "", False, f"{type(exc).__name__}: {exc}")
        try:
            if aps.sched is not None and aps.sched.running:
                aps.sched.shutdown(wait=False)
        except Exception:
            pass
    print()
    report.print()
    print()
    for row in report.rows:
        if row[4] == "FAIL":
            print(f"FAIL {row[0]} {row[1]}: APScheduler {row[2]!r}, schedctl {row[3]!r}: {row[5]}")
    if args.keep:
        print(f"working folder kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"({time.monotonic() - started:.1f} s)")
    print(f"{report.passed()} passed, {report.failed()} failed")
    sys.exit(1 if report.failed() else 0)


if __name__ == "__main__":
    main()

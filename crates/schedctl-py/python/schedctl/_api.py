"""The package's functions (loaded on first use by ``schedctl/__init__.py``): each one runs a
command of schedctl's engine and turns its answer into Python values."""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

__all__ = [
    "ScheduleError",
    "Fire",
    "JobSummary",
    "Freeze",
    "Ledger",
    "Lint",
    "CheckResult",
    "next_fires",
    "simulate",
    "lint",
    "explain",
    "snapshot",
    "check_snapshot",
    "tzdb_version",
]

#: The start or end of a window: an aware datetime, a naive one (read in the job file's or the
#: trigger's zone), a date (its midnight there) or an ISO 8601 string.
When = Union[datetime, date, str]
#: A job file: a path, or its TOML text (a string with a newline, as from_apscheduler returns).
JobFileArg = Union[str, "os.PathLike[str]"]


def _engine():
    # Loaded on first use: `import schedctl` stays fast (the module holds the whole engine).
    from . import _native as native

    return native


class ScheduleError(ValueError):
    """schedctl refused its input (exit code 2 of the command).

    ``message`` is what the command prints (the place drawn under the offending text); ``path``,
    ``line`` and ``column`` (from 1) locate the first error in a job file, ``column`` the first
    error in a trigger string; ``errors`` lists every error as ``(message, help, line, column)``.
    ``fires``: for :func:`next_fires` stopped by an error after some fires, those fires.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        errors: Sequence[Tuple[str, str, int, int]] = (),
    ):
        super().__init__(message)
        self.fires: List[datetime] = []
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.errors = list(errors)


def tzdb_version() -> str:
    """The IANA time zone database release schedctl bundles (e.g. ``2026f``)."""
    return _engine().tzdb_version()


def _iso(when: When, what: str) -> str:
    if isinstance(when, datetime):
        return when.isoformat()
    if isinstance(when, date):
        return when.isoformat()
    if isinstance(when, str):
        return when
    raise TypeError(f"{what} must be a datetime, a date or an ISO 8601 string, not {type(when).__name__}")


_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d(?::\d\d)?)$"
)


def _offset(text: str) -> timedelta:
    if text == "Z":
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    parts = [int(p) for p in text[1:].split(":")] + [0]
    return sign * timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


def _parse_time(text: Optional[str]) -> Optional[datetime]:
    """An RFC 3339 time as schedctl writes it -> an aware datetime with that fixed offset."""
    if text is None:
        return None
    m = _RFC3339.match(text)
    if m is None:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or "0").ljust(6, "0"))
    return datetime(y, mo, d, h, mi, s, micro, tzinfo=timezone(_offset(m.group(8))))


def _zoned(micros: int, offset: int, zone: Optional[Any]) -> datetime:
    """An instant with its UTC offset, in `zone` (a ZoneInfo) when Python's zone data gives the
    same offset there, else with a fixed offset (another tz database release, see the book)."""
    utc = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=micros)
    fixed = timezone(timedelta(seconds=offset))
    if zone is not None:
        local = utc.astimezone(zone)
        if local.utcoffset() == timedelta(seconds=offset):
            return local
    return utc.astimezone(fixed)


def _zone_info(name: str) -> Optional[Any]:
    if not name:
        return None
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # no tz data for that name in this Python: fixed offsets instead
        return None


def _trigger_error(trigger: str, tz: str, message: str) -> ScheduleError:
    """schedctl's message, with the place of each error in the trigger string (line 1)."""
    try:
        found = _engine().trigger_errors(trigger, tz)
    except ValueError:  # the zone itself is unknown: the message says so
        found = []
    errors = [(m, h, 1, first) for (m, h, first, _end) in found]
    return ScheduleError(
        message,
        line=1 if errors else None,
        column=errors[0][3] if errors else None,
        errors=errors,
    )


def next_fires(trigger: str, start: When, count: int = 5, tz: str = "UTC") -> List[datetime]:
    """The first ``count`` fire times of ``trigger`` at or after ``start``, exactly as
    APScheduler 3.11's ``get_next_fire_time`` walk gives them.

    ``trigger`` is a schedctl trigger string (``cron:hour=2 minute=30``, ``crontab:0 9 * * 1-5``,
    ``interval:hours=2 start_date=...``; see :func:`trigger_to_string` for an APScheduler
    trigger object). ``tz`` is the zone of a trigger that names none; a naive ``start`` is read
    in the trigger's zone. Fires are aware datetimes in the trigger's zone (a ``ZoneInfo``; a
    fixed offset where Python's own zone data disagrees with schedctl's bundled release).
    Fewer than ``count`` when the trigger ends. Raises :class:`ScheduleError` for a bad trigger,
    zone or start, and when the fires stop on an error (an ``and`` that APScheduler would loop
    on, a fire past year 9999): the fires found before it are in the exception's ``fires``, as
    the command prints them before its error.
    """
    if count < 0:
        raise ValueError("count must be at least 0")
    native = _engine()
    try:
        zone_name, fires, stopped = native.next_fires(trigger, _iso(start, "start"), count, tz)
    except ValueError as e:
        raise _trigger_error(trigger, tz, str(e)) from None
    zone = _zone_info(zone_name)
    out = [_zoned(us, off, zone) for (us, off) in fires]
    if stopped is not None:
        error = ScheduleError(f"error: {stopped}")
        error.fires = out
        raise error
    return out


# --- the CLI's commands, captured ------------------------------------------------------------


def _run(args: Sequence[str], job_file_text: Optional[str] = None, path: Optional[str] = None):
    code, out, error = _engine().run_captured(["schedctl", *args])
    if code == 2:
        raise _input_error(error, job_file_text, path)
    return code, out.decode("utf-8")


def _input_error(message: str, text: Optional[str], path: Optional[str]) -> ScheduleError:
    errors = _engine().job_file_errors(text) if text is not None else []
    if errors:
        _m, _h, line, column = errors[0]
        return ScheduleError(message, path=path, line=line, column=column, errors=errors)
    return ScheduleError(message, path=path)


class _JobFile:
    """A job file given as a path or as TOML text, as a path schedctl can read."""

    def __init__(self, job_file: JobFileArg):
        self._tmp: Optional[str] = None
        if isinstance(job_file, str) and "\n" in job_file:
            self.text = job_file
            fd, self._tmp = tempfile.mkstemp(prefix="schedctl-", suffix=".toml")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(job_file)
            self.path = self._tmp
            self.shown = "<job file text>"
        else:
            self.path = os.fspath(job_file)
            self.shown = self.path
            try:
                self.text = Path(self.path).read_text(encoding="utf-8")
            except OSError:
                self.text = None

    def __enter__(self) -> "_JobFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._tmp is not None:
            os.unlink(self._tmp)


@dataclass(frozen=True)
class Fire:
    """One fire of a simulation: ``status`` is ``executed``, ``missed``, ``coalesced``,
    ``dropped`` or ``pending``; ``start``/``end`` when a worker took it; ``rule`` why."""

    job: str
    fire: datetime
    status: str
    start: Optional[datetime]
    end: Optional[datetime]
    worker: Optional[int]
    rule: str


@dataclass(frozen=True)
class JobSummary:
    """A job's counts over the window."""

    fires: int
    executed: int
    missed: int
    coalesced: int
    dropped: int
    pending: int


@dataclass(frozen=True)
class Freeze:
    """The scheduler froze (APScheduler 3.11's AndTrigger loop): ``job`` at ``at``."""

    job: str
    at: datetime


@dataclass(frozen=True)
class Ledger:
    """A simulation: every fire in order (``rows``), counts per job, the peak of busy workers,
    and the freeze when there is one."""

    rows: List[Fire]
    summary: Dict[str, JobSummary]
    peak_workers: int
    frozen: Optional[Freeze]

    def of(self, job: str) -> List[Fire]:
        """The fires of one job."""
        return [r for r in self.rows if r.job == job]


def simulate(job_file: JobFileArg, start: When, end: When, *, seed: int = 0) -> Ledger:
    """Simulate ``job_file`` (a path, or TOML text such as :func:`from_apscheduler` returns)
    from ``start`` (inclusive) to ``end`` (exclusive) on a virtual clock, with APScheduler
    3.x's policy (``schedctl simulate``). Naive times are in the job file's zone."""
    import json

    with _JobFile(job_file) as f:
        _code, out = _run(
            ["simulate", f.path, "--from", _iso(start, "start"), "--to", _iso(end, "end"),
             "--seed", str(seed), "--format", "json"],
            f.text, f.shown,
        )
    doc = json.loads(out)
    rows = [
        Fire(e["job"], _parse_time(e["fire"]), e["status"], _parse_time(e["start"]),
             _parse_time(e["end"]), e["worker"], e["rule"])
        for e in doc["entries"]
    ]
    summary = {job: JobSummary(**counts) for job, counts in doc["summary"].items()}
    frozen = doc.get("frozen")
    return Ledger(
        rows, summary, doc["peak_workers"],
        Freeze(frozen["job"], _parse_time(frozen["at"])) if frozen else None,
    )


@dataclass(frozen=True)
class Lint:
    """A warning about a valid schedule that is probably not what was meant."""

    code: str
    job: Optional[str]
    field: str
    message: str
    fix: str
    denied: bool


def lint(target: JobFileArg, start: When = "now", end: When = "+365d", *, tz: str = "UTC",
         deny: Sequence[str] = (), allow: Sequence[str] = ()) -> List[Lint]:
    """The lints of a job file (path or text) or of a trigger string (``schedctl lint``)."""
    import json

    is_trigger = isinstance(target, str) and "\n" not in target and not Path(target).is_file()
    extra = [a for code in deny for a in ("--deny", code)] + [a for code in allow for a in ("--allow", code)]
    window = ["--from", _iso(start, "start"), "--to", _iso(end, "end"), "--tz", tz, "--format", "json"]
    if is_trigger:
        try:
            _code, out = _run(["lint", target, *window, *extra])
        except ScheduleError as e:
            raise _trigger_error(target, tz, e.message) from None
    else:
        with _JobFile(target) as f:
            _code, out = _run(["lint", f.path, *window, *extra], f.text, f.shown)
    return [Lint(**row) for row in json.loads(out)]


def explain(trigger: str, *, tz: str = "UTC", start: When = "now", count: int = 5,
            at: Optional[When] = None) -> Dict[str, Any]:
    """A trigger in plain English (``schedctl explain --format json``): ``summary``, its
    ``fields`` with APScheduler's hidden defaults, ``notes``, and ``next_fires`` (or, with
    ``at``, whether that instant ``fires`` and why)."""
    import json

    args = ["explain", trigger, "--tz", tz, "--from", _iso(start, "start"), "--count", str(count),
            "--format", "json"]
    if at is not None:
        args += ["--at", _iso(at, "at")]
    try:
        _code, out = _run(args)
    except ScheduleError as e:
        raise _trigger_error(trigger, tz, e.message) from None
    return json.loads(out)


def snapshot(job_file: JobFileArg, start: When, end: When, output: Optional[JobFileArg] = None) -> str:
    """The snapshot text of a job file over a window (``schedctl snapshot``); written to
    ``output`` too when given."""
    with _JobFile(job_file) as f:
        args = ["snapshot", f.path, "--from", _iso(start, "start"), "--to", _iso(end, "end")]
        if output is not None:
            args += ["-o", os.fspath(output)]
        _code, out = _run(args, f.text, f.shown)
    return Path(output).read_text(encoding="utf-8") if output is not None else out


@dataclass(frozen=True)
class CheckResult:
    """``schedctl check``: ``ok`` when fires and outcomes are unchanged; ``report`` is the
    readable diff the command prints."""

    ok: bool
    report: str

    def __bool__(self) -> bool:
        return self.ok


def check_snapshot(snapshot_path: JobFileArg, job_file: Optional[JobFileArg] = None, *,
                   update: bool = False, max_lines: Union[int, str] = 40) -> CheckResult:
    """Recompute a snapshot from its job file (``job_file``, else the one its header names)
    and compare (``schedctl check``); ``update`` rewrites it instead of failing."""
    args = ["check", os.fspath(snapshot_path), "--max-lines", str(max_lines)]
    if update:
        args.append("--update")
    if job_file is None:
        code, out = _run(args)
    else:
        with _JobFile(job_file) as f:
            args.insert(2, f.path)
            code, out = _run(args, f.text, f.shown)
    return CheckResult(code == 0, out)

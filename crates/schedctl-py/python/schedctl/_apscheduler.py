"""Read live APScheduler 3.x objects and write them as schedctl trigger strings and job files.

Pure Python: imports APScheduler (and SQLAlchemy for :func:`from_jobstore`) only when called.

    >>> from apscheduler.triggers.cron import CronTrigger
    >>> trigger_to_string(CronTrigger(hour=2, minute=30, timezone="Europe/Berlin"))
    'cron:year=* month=* day=* week=* day_of_week=* hour=2 minute=30 second=0 timezone=Europe/Berlin'

Every string is fully explicit: all eight cron fields, every date, the zone of every trigger, so
that no default of the job file (its `timezone`, the scheduler start) changes a fire. Datetimes
are exact instants with their UTC offset, microseconds kept, with one exception that exactness
itself demands: a cron `end_date` in the trigger's own zone (see :func:`_cron_end_date`).

What cannot be carried over raises :class:`ConversionError` naming the job; nothing is
approximated silently.

Design decisions (also in the lead's review notes):

* ``CronTrigger.from_crontab`` builds a plain ``CronTrigger`` that keeps no trace of its origin;
  it is written as ``cron:`` with all eight fields, which is the object exactly (``crontab:``
  cannot carry a zone, start, end or jitter, and a crontab line is re-read with the default
  zone).
* A PostgreSQL job store URL with a password becomes ``url_env`` (an environment variable named
  after the store) plus a comment with the password masked; a URL without one stays ``url``.
* ``misfire_grace_time=None`` (no limit) is written ``"none"``, seconds as ``"30s"``.
* A job's function cannot run under schedctl: no ``command`` is written (``simulate`` and
  ``lint`` do not need one; a run needs a command or a registered closure). The function's
  reference is a comment; ``args``/``kwargs`` are not carried over.
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover - Python < 3.9 is not supported by APScheduler 3.11
    ZoneInfo = None  # type: ignore[assignment,misc]

__all__ = [
    "ConversionError",
    "trigger_to_string",
    "from_apscheduler",
    "from_jobstore",
]

# A job file's `max_workers` is at most this (schedctl-core's MAX_WORKERS).
MAX_WORKERS = 10_000


class ConversionError(ValueError):
    """An APScheduler object that a schedctl trigger string or job file cannot express exactly.

    ``job_id`` is the job concerned, when there is one.
    """

    def __init__(self, message: str, job_id: Optional[str] = None):
        self.job_id = job_id
        self.reason = message
        super().__init__(f"job `{job_id}`: {message}" if job_id is not None else message)


def _fail(message: str, job_id: Optional[str]) -> ConversionError:
    return ConversionError(message, job_id)


# --------------------------------------------------------------------------------------------
# Time zones and datetimes
# --------------------------------------------------------------------------------------------


def _zone_name(tz: Any, what: str, job_id: Optional[str]) -> str:
    """The IANA name of `tz` (a zoneinfo, pytz or fixed-offset zone)."""
    if ZoneInfo is not None and isinstance(tz, ZoneInfo):
        if not tz.key:
            raise _fail(
                f"{what}: the time zone {tz!r} has no IANA name (it was loaded from a file); "
                "give the zone by name, e.g. ZoneInfo('Europe/Berlin')",
                job_id,
            )
        return tz.key
    zone = getattr(tz, "zone", None)  # pytz
    if isinstance(zone, str) and zone:
        return zone
    if isinstance(tz, tzinfo):
        try:
            offset = tz.utcoffset(None)
        except Exception:  # noqa: BLE001 - any tzinfo may refuse a None argument
            offset = None
        if isinstance(tz, timezone) and offset is not None:
            if offset == timedelta(0):
                return "UTC"
            seconds = offset.total_seconds()
            if seconds % 3600 == 0 and -12 <= seconds / 3600 <= 14:
                hours = int(seconds // 3600)
                # POSIX sign: Etc/GMT-2 is UTC+2, the same fixed offset for every instant.
                return f"Etc/GMT{-hours:+d}"
            raise _fail(
                f"{what}: the fixed UTC offset {_offset_text(offset)} has no IANA zone "
                "(only whole hours from -12 to +14 have one, Etc/GMT+12 .. Etc/GMT-14); "
                "use an IANA zone name",
                job_id,
            )
    raise _fail(
        f"{what}: the time zone {tz!r} ({type(tz).__module__}.{type(tz).__qualname__}) has no "
        "IANA name; use zoneinfo.ZoneInfo('Area/City') or a zone name string",
        job_id,
    )


def _offset_text(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    secs = abs(int(offset.total_seconds()))
    text = f"{sign}{secs // 3600:02d}:{secs // 60 % 60:02d}"
    return text + (f":{secs % 60:02d}" if secs % 60 else "")


def _instant(dt: Any, what: str, job_id: Optional[str]) -> str:
    """An aware datetime as ISO 8601 with its UTC offset (the exact instant APScheduler uses:
    `isoformat()` and `timestamp()` both read the same `utcoffset()`, fold included)."""
    if not isinstance(dt, datetime):
        raise _fail(f"{what} is {dt!r}, not a datetime", job_id)
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise _fail(f"{what} {dt.isoformat()} has no time zone", job_id)
    if dt.utcoffset() % timedelta(seconds=1):
        raise _fail(f"{what} {dt.isoformat()}: a UTC offset with a fraction of a second", job_id)
    return dt.isoformat()


def _normalize(dt: datetime) -> datetime:
    """APScheduler's util.normalize: the wall time a timestamp really has in dt's zone."""
    return datetime.fromtimestamp(dt.timestamp(), dt.tzinfo)


def _is_ambiguous(dt: datetime) -> bool:
    return dt.replace(fold=0).utcoffset() != dt.replace(fold=1).utcoffset()


def _jitter(value: Any, what: str, job_id: Optional[str]) -> Optional[int]:
    """APScheduler's jitter as the whole seconds of a trigger string; None when it adds nothing
    (None or 0: `_apply_jitter` and IntervalTrigger's `uniform(0, 0)` add nothing)."""
    if value is None or value == 0:
        return None
    if isinstance(value, bool):
        raise _fail(f"{what}: jitter {value!r} is not a number of seconds", job_id)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _fail(
        f"{what}: jitter {value!r} is not a whole number of seconds (a trigger string's "
        "jitter is an integer)",
        job_id,
    )


# --------------------------------------------------------------------------------------------
# Triggers
# --------------------------------------------------------------------------------------------


def _class_name(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _expr_text(expr: Any, field: str, job_id: Optional[str]) -> str:
    """One cron expression, written so that it selects exactly the values the object does."""
    from apscheduler.triggers.cron import expressions as ex

    cls = type(expr)
    if cls is ex.AllExpression:
        return f"*/{expr.step}" if expr.step else "*"
    if cls is ex.RangeExpression:
        first, last, step = expr.first, expr.last, expr.step
        if last is None:
            # `a/c`: a to the field's maximum (RangeExpression sets last=first when no step).
            return f"{first}/{step}" if step else f"{first}"
        if last == first:
            # One value. APScheduler's own str() writes `0-0/5` as `0/5`, which means 0, 5,
            # 10, ...: its validation reads `last or MAX`, so `0-0/N` passes and selects 0 only.
            return f"{first}"
        return f"{first}-{last}/{step}" if step else f"{first}-{last}"
    if cls in (
        ex.MonthRangeExpression,
        ex.WeekdayRangeExpression,
        ex.WeekdayPositionExpression,
        ex.LastDayOfMonthExpression,
    ):
        return str(expr)
    raise _fail(
        f"cron field `{field}`: expression class {_class_name(expr)} is not one of "
        "APScheduler 3.x's own",
        job_id,
    )


def _cron_end_date(trigger: Any, job_id: Optional[str]) -> str:
    """A cron end_date, written so that schedctl compares it as APScheduler does.

    CronTrigger compares its candidates (aware datetimes in its zone) with `end_date` using
    Python's `>`: by wall clock when end_date's tzinfo *is* the trigger's zone, by instant
    otherwise. A value written with an offset is a fixed-offset instant, which turns the first
    kind into the second and changes the fires next to a DST change (a cron candidate in a gap,
    or a fold). So an end_date in the trigger's own zone is written as a naive wall time, which
    schedctl (like APScheduler) reads in the trigger's zone: same wall clock, same comparisons.
    """
    end = trigger.end_date
    if end.tzinfo is not trigger.timezone:
        return _instant(end, "cron end_date", job_id)
    naive = end.replace(tzinfo=None, fold=0)
    if _normalize(end.replace(fold=0)).replace(tzinfo=None) != naive:
        raise _fail(
            f"cron end_date {end.isoformat()} is a wall time that does not exist in "
            f"{_zone_name(trigger.timezone, 'cron timezone', job_id)} (a DST gap); APScheduler "
            "compares cron fires with it by wall clock, which no trigger string reproduces: "
            "give an end_date that exists",
            job_id,
        )
    if end.fold and _is_ambiguous(end) and _jitter(trigger.jitter, "cron", job_id):
        raise _fail(
            f"cron end_date {end.isoformat()} is the second of two equal wall times (fold=1): "
            "with jitter, APScheduler can return end_date itself, and a trigger string names "
            "only the first of the two",
            job_id,
        )
    return naive.isoformat()


def _cron(trigger: Any, job_id: Optional[str]) -> str:
    parts = []
    for field in trigger.fields:
        exprs = ",".join(_expr_text(e, field.name, job_id) for e in field.expressions)
        if not exprs:
            raise _fail(f"cron field `{field.name}` has no expression", job_id)
        parts.append(f"{field.name}={exprs}")
    names = [f.name for f in trigger.fields]
    expected = ["year", "month", "day", "week", "day_of_week", "hour", "minute", "second"]
    if names != expected:
        raise _fail(f"cron fields {names} are not APScheduler 3.x's eight", job_id)
    if trigger.start_date is not None:
        parts.append("start_date=" + _instant(trigger.start_date, "cron start_date", job_id))
    if trigger.end_date is not None:
        parts.append("end_date=" + _cron_end_date(trigger, job_id))
    parts.append("timezone=" + _zone_name(trigger.timezone, "cron timezone", job_id))
    jitter = _jitter(trigger.jitter, "cron", job_id)
    if jitter is not None:
        parts.append(f"jitter={jitter}")
    return "cron:" + " ".join(parts)


_UNITS = (("weeks", 604_800), ("days", 86_400), ("hours", 3_600), ("minutes", 60), ("seconds", 1))


def _interval(trigger: Any, job_id: Optional[str]) -> str:
    interval = trigger.interval
    micros = interval // timedelta(microseconds=1)
    if micros % 1_000_000:
        raise _fail(
            f"interval {interval} has a fraction of a second; a trigger string's interval "
            "units are whole numbers",
            job_id,
        )
    total = micros // 1_000_000
    if total <= 0:
        raise _fail(
            f"interval {interval} is not positive: APScheduler walks backwards in time and a "
            "scheduler loop on it never ends",
            job_id,
        )
    parts = []
    rest = total
    for unit, size in _UNITS:
        n, rest = divmod(rest, size)
        if n:
            parts.append(f"{unit}={n}")
    # start_date is always set: APScheduler fills in now + interval when none was given.
    parts.append("start_date=" + _instant(trigger.start_date, "interval start_date", job_id))
    if trigger.end_date is not None:
        parts.append("end_date=" + _instant(trigger.end_date, "interval end_date", job_id))
    parts.append("timezone=" + _zone_name(trigger.timezone, "interval timezone", job_id))
    jitter = _jitter(trigger.jitter, "interval", job_id)
    if jitter is not None:
        parts.append(f"jitter={jitter}")
    return "interval:" + " ".join(parts)


def _date(trigger: Any, job_id: Optional[str]) -> str:
    run_date = trigger.run_date
    text = _instant(run_date, "date run_date", job_id)
    # DateTrigger keeps no zone of its own: its fire is run_date in run_date's zone.
    zone = _zone_name(run_date.tzinfo, "date run_date's time zone", job_id)
    return f"date:run_date={text} timezone={zone}"


def _calendar(trigger: Any, job_id: Optional[str]) -> str:
    parts = [
        f"{unit}={getattr(trigger, unit)}" for unit in ("years", "months", "weeks", "days")
    ]
    for unit in ("years", "months", "weeks", "days"):
        value = getattr(trigger, unit)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(f"calendarinterval {unit}={value!r} is not an integer", job_id)
    t = trigger._time
    parts += [f"hour={t.hour}", f"minute={t.minute}", f"second={t.second}"]
    if t.microsecond:
        raise _fail("calendarinterval time of day has microseconds", job_id)
    start = trigger.start_date
    # A datetime start_date (APScheduler's asdate() passes it through) works as its date part:
    # datetime.combine() ignores the time and zone of a datetime given as the date.
    if isinstance(start, datetime):
        start = start.date()
    if not isinstance(start, date):
        raise _fail(f"calendarinterval start_date {start!r} is not a date", job_id)
    parts.append(f"start_date={start.isoformat()}")
    end = trigger.end_date
    if end is not None:
        if isinstance(end, datetime):
            raise _fail(
                f"calendarinterval end_date {end!r} is a datetime: APScheduler fails comparing "
                "it with its second fire's date",
                job_id,
            )
        parts.append(f"end_date={end.isoformat()}")
    parts.append("timezone=" + _zone_name(trigger.timezone, "calendarinterval timezone", job_id))
    jitter = _jitter(trigger.jitter, "calendarinterval", job_id)
    if jitter is not None:
        parts.append(f"jitter={jitter}")
    return "calendarinterval:" + " ".join(parts)


def _combining(kind: str, trigger: Any, job_id: Optional[str]) -> str:
    children = list(trigger.triggers)
    if not children:
        raise _fail(f"{kind} trigger without triggers", job_id)
    parts = [f"[{_trigger(child, job_id)}]" for child in children]
    jitter = _jitter(trigger.jitter, kind, job_id)
    if jitter is not None:
        parts.append(f"jitter={jitter}")
    return f"{kind}:" + " ".join(parts)


def _trigger(trigger: Any, job_id: Optional[str]) -> str:
    from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
    from apscheduler.triggers.combining import AndTrigger, OrTrigger
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.date import DateTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    # Exact classes only: a subclass may compute its fires differently.
    cls = type(trigger)
    if cls is CronTrigger:
        return _cron(trigger, job_id)
    if cls is IntervalTrigger:
        return _interval(trigger, job_id)
    if cls is DateTrigger:
        return _date(trigger, job_id)
    if cls is CalendarIntervalTrigger:
        return _calendar(trigger, job_id)
    if cls is AndTrigger:
        return _combining("and", trigger, job_id)
    if cls is OrTrigger:
        return _combining("or", trigger, job_id)
    raise _fail(
        f"trigger class {_class_name(trigger)} is not one of APScheduler 3.x's built-in "
        "triggers (CronTrigger, IntervalTrigger, DateTrigger, CalendarIntervalTrigger, "
        "AndTrigger, OrTrigger); a subclass or custom trigger may compute its fires "
        "differently, so it has no trigger string",
        job_id,
    )


def trigger_to_string(trigger: Any, *, job_id: Optional[str] = None) -> str:
    """The schedctl trigger string of an APScheduler 3.x trigger object.

    Raises :class:`ConversionError` (naming `job_id` when given) for a trigger that no string
    expresses exactly.
    """
    return _trigger(trigger, job_id)


def _trigger_zones(trigger: Any) -> List[str]:
    """The zone names a trigger string names (best effort, for choosing a file's zone)."""
    found = re.findall(r"timezone=(\S+)", trigger)
    return sorted(set(found))


# --------------------------------------------------------------------------------------------
# TOML
# --------------------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"{text!r} holds a lone surrogate, which TOML (UTF-8) cannot hold")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _comment(text: str) -> str:
    """A one-line TOML comment (comments may not hold control characters)."""
    clean = "".join(ch if ch == "\t" or (ord(ch) >= 0x20 and ord(ch) != 0x7F) else " " for ch in text)
    clean = "".join(ch if not 0xD800 <= ord(ch) <= 0xDFFF else "?" for ch in clean)
    return "# " + clean if clean else "#"


class _Doc:
    def __init__(self) -> None:
        self.lines: List[str] = []

    def comment(self, text: str) -> None:
        self.lines.append(_comment(text))

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def table(self, *path: str, array: bool = False) -> None:
        self.blank()
        name = ".".join(toml_key(p) for p in path)
        self.lines.append(f"[[{name}]]" if array else f"[{name}]")

    def kv(self, key: str, value: Any, comment: Optional[str] = None) -> None:
        line = f"{toml_key(key)} = {_toml_value(value)}"
        if comment:
            line += "  " + _comment(comment)
        self.lines.append(line)

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


# --------------------------------------------------------------------------------------------
# Job options
# --------------------------------------------------------------------------------------------


def _grace(value: Any, job_id: Optional[str]) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(
            f"misfire_grace_time {value!r} is not None or a positive whole number of seconds",
            job_id,
        )
    return f"{value}s"


def _max_instances(value: Any, job_id: Optional[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(f"max_instances {value!r} is not a positive integer", job_id)
    return value


def _coalesce(value: Any, job_id: Optional[str]) -> bool:
    if not isinstance(value, bool):
        raise _fail(f"coalesce {value!r} is not a boolean", job_id)
    return value


def _duration_text(value: Any, job_id: Optional[str]) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, timedelta):
        micros = value // timedelta(microseconds=1)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        micros = round(value * 1_000_000)
    else:
        raise _fail(f"duration {value!r} is not a timedelta, seconds or a duration string", job_id)
    if micros < 0:
        raise _fail(f"duration {value!r} is negative", job_id)
    if micros % 1_000_000 == 0:
        return f"{micros // 1_000_000}s"
    if micros % 1000 == 0:
        return f"{micros // 1000}ms"
    return f"{micros}us"


# --------------------------------------------------------------------------------------------
# Executors and job stores
# --------------------------------------------------------------------------------------------


def _pool_size(executor: Any) -> Optional[int]:
    """max_workers of a ThreadPoolExecutor/ProcessPoolExecutor (or a subclass); None when the
    executor is not a pool of workers (asyncio, gevent, tornado, twisted, debug)."""
    from apscheduler.executors.pool import BasePoolExecutor

    if isinstance(executor, BasePoolExecutor):
        n = getattr(getattr(executor, "_pool", None), "_max_workers", None)
        if isinstance(n, int) and not isinstance(n, bool):
            return n
    return None


class _Store:
    """A job store as the job file writes it: `kind` and its keys, or a comment only."""

    def __init__(self, alias: str, keys: Dict[str, Any], comments: List[str]):
        self.alias = alias
        self.keys = keys
        self.comments = comments


def _env_name(alias: str) -> str:
    return "SCHEDCTL_" + re.sub(r"[^A-Za-z0-9]", "_", alias).upper() + "_URL"


def _store_for_url(alias: str, url: Any, jobfile_dir: Optional[str], origin: str) -> _Store:
    """`url`: an SQLAlchemy URL object."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return _Store(
                alias,
                {"kind": "memory"},
                [f"{origin}: an SQLite database that is not a plain file ({url.render_as_string()}); kept as memory"],
            )
        path = os.path.abspath(database)
        if jobfile_dir is not None:
            path = os.path.relpath(path, os.path.abspath(jobfile_dir))
        return _Store(alias, {"kind": "sqlite", "path": path}, [f"{origin}: {url.render_as_string()}"])
    if backend == "postgresql":
        pg = url.set(drivername="postgresql")
        if url.password:
            env = _env_name(alias)
            return _Store(
                alias,
                {"kind": "postgres", "url_env": env},
                [
                    f"{origin}: {pg.render_as_string(hide_password=True)}",
                    f"the URL holds a password: set {env} to the full URL before `schedctl run`",
                ],
            )
        return _Store(
            alias,
            {"kind": "postgres", "url": pg.render_as_string(hide_password=False)},
            [origin],
        )
    return _Store(
        alias,
        {"kind": "memory"},
        [
            f"{origin} on {backend} ({url.render_as_string(hide_password=True)}): schedctl has no "
            "such store; kept as memory (a simulation only checks stores)"
        ],
    )


def _store_for(alias: str, store: Any, jobfile_dir: Optional[str]) -> _Store:
    from apscheduler.jobstores.memory import MemoryJobStore

    origin = f"APScheduler {type(store).__qualname__}"
    if type(store) is MemoryJobStore:
        return _Store(alias, {"kind": "memory"}, [])
    try:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    except ImportError:  # SQLAlchemy not installed: no store can be one
        SQLAlchemyJobStore = None  # type: ignore[assignment,misc]
    if SQLAlchemyJobStore is not None and isinstance(store, SQLAlchemyJobStore):
        return _store_for_url(alias, store.engine.url, jobfile_dir, origin)
    return _Store(
        alias,
        {"kind": "memory"},
        [
            f"APScheduler {_class_name(store)}: schedctl has no such store; kept as memory "
            "(a simulation only checks stores)"
        ],
    )


def _write_stores(doc: _Doc, stores: List[_Store]) -> None:
    for s in stores:
        if s.alias == "default":
            # The job file's `default` store is built in (`schedctl run --store`, SQLite or
            # PostgreSQL) and cannot be declared; say what APScheduler's was.
            doc.blank()
            doc.comment(
                "job store `default` is built in: it is the store of `schedctl run --store "
                "PATH_OR_URL` (default: schedctl.db beside this file)"
            )
            if s.keys.get("kind") == "sqlite":
                doc.comment(f"APScheduler's `default` store: SQLite {s.keys['path']} (run with --store {s.keys['path']})")
            elif s.keys.get("kind") == "postgres":
                where = s.keys.get("url") or f"the URL in ${s.keys.get('url_env')}"
                doc.comment(f"APScheduler's `default` store: PostgreSQL (run with --store {where})")
            else:
                doc.comment("APScheduler's `default` store: memory")
            for c in s.comments:
                doc.comment(c)
            continue
        doc.table("jobstores", s.alias)
        for c in s.comments:
            doc.comment(c)
        for key, value in s.keys.items():
            doc.kv(key, value)


# --------------------------------------------------------------------------------------------
# Jobs
# --------------------------------------------------------------------------------------------


def _func_text(job: Any) -> str:
    ref = getattr(job, "func_ref", None)
    if ref:
        return ref
    func = getattr(job, "func", None)
    try:
        from apscheduler.util import get_callable_name

        return get_callable_name(func)
    except Exception:  # noqa: BLE001 - only a comment
        return repr(func)


def _write_job(
    doc: _Doc,
    job: Any,
    alias: str,
    pending: bool,
    executors: Mapping[str, Optional[int]],
    executor_classes: Mapping[str, str],
    durations: Mapping[str, Any],
) -> None:
    job_id = job.id
    if not isinstance(job_id, str) or not job_id.strip():
        raise _fail("a job file needs a non-empty string id", repr(job_id))
    trigger = trigger_to_string(job.trigger, job_id=job_id)
    executor = job.executor
    if executor not in executors:
        raise _fail(
            f"executor `{executor}` is not configured in the scheduler (APScheduler fails when "
            "the job is due)",
            job_id,
        )
    if executors[executor] is None:
        raise _fail(
            f"executor `{executor}` ({executor_classes.get(executor, '?')}) is not a pool of "
            "workers (ThreadPoolExecutor or ProcessPoolExecutor); schedctl models every executor "
            "as a pool of max_workers workers",
            job_id,
        )
    comments = []
    if hasattr(job, "next_run_time"):
        nrt = job.next_run_time
        if nrt is None:
            raise _fail(
                "the job is paused (next_run_time is None): a job file cannot hold a paused job; "
                "resume or remove it first",
                job_id,
            )
        if pending:
            raise _fail(
                f"next_run_time={nrt.isoformat()} was given to add_job: its first run does not "
                "follow its trigger, which a job file cannot express; drop next_run_time (or "
                "convert the trigger alone with trigger_to_string)",
                job_id,
            )
        comments.append(f"next_run_time in APScheduler: {_instant(nrt, 'next_run_time', job_id)}")
    doc.table("job", array=True)
    name = getattr(job, "name", None)
    if name is not None:
        doc.comment(f"name: {toml_string(str(name))}")
    doc.comment(f"func: {toml_string(_func_text(job))} (schedctl cannot run it: no command)")
    if getattr(job, "args", ()) or getattr(job, "kwargs", {}):
        doc.comment("its args and kwargs are not carried over")
    for c in comments:
        doc.comment(c)
    doc.kv("id", job_id)
    doc.kv("trigger", trigger)
    if job_id in durations:
        doc.kv("duration", _duration_text(durations[job_id], job_id))
    doc.kv("executor", executor)
    doc.kv("jobstore", alias)
    # A pending job has only the options given to add_job; the rest come from job_defaults,
    # as APScheduler's start() fills them in.
    if hasattr(job, "coalesce"):
        doc.kv("coalesce", _coalesce(job.coalesce, job_id))
    if hasattr(job, "max_instances"):
        doc.kv("max_instances", _max_instances(job.max_instances, job_id))
    if hasattr(job, "misfire_grace_time"):
        doc.kv("misfire_grace_time", _grace(job.misfire_grace_time, job_id))


def _check_ids(entries: List[Tuple[Any, str, bool]], pending: bool) -> List[Tuple[Any, str, bool]]:
    """Pending jobs as APScheduler's start() adds them: a later job with the same id in the
    same store replaces the earlier one when it says replace_existing, else start() fails."""
    out: List[Tuple[Any, str, bool]] = []
    where: Dict[str, int] = {}
    for job, alias, replace in entries:
        i = where.get(job.id)
        if i is None:
            where[job.id] = len(out)
            out.append((job, alias, replace))
            continue
        first_alias = out[i][1]
        if pending and alias == first_alias and replace:
            out[i] = (job, alias, replace)
            continue
        if alias == first_alias:
            raise _fail(
                f"two jobs with this id in job store `{alias}` (APScheduler's start() raises "
                "ConflictingIdError)",
                job.id,
            )
        raise _fail(
            f"two jobs with this id, in job stores `{first_alias}` and `{alias}`: a job file "
            "needs unique ids",
            job.id,
        )
    return out


def _write_executors(
    doc: _Doc, executors: Mapping[str, Optional[int]], classes: Mapping[str, str], used: Iterable[str],
    notes: Mapping[str, str],
) -> None:
    used = set(used)
    for alias in sorted(executors, key=lambda a: (a != "default", a)):
        n = executors[alias]
        if n is None:
            if alias in used:
                continue  # the job raises, naming it
            doc.blank()
            doc.comment(
                f"executor `{alias}` ({classes.get(alias, '?')}) left out: it is not a pool of "
                "workers, and no job uses it"
            )
            continue
        if n > MAX_WORKERS:
            raise _fail(f"executor `{alias}` has {n} workers; a job file allows at most {MAX_WORKERS}", None)
        doc.table("executors", alias)
        if alias in notes:
            doc.comment(notes[alias])
        doc.kv("max_workers", n)


def _header(doc: _Doc, what: str) -> None:
    doc.comment(f"schedctl job file written from {what}")
    doc.comment("Triggers are written in full (every cron field, every date, every zone).")
    doc.comment("APScheduler's functions are not commands: add `command` (argv) to run a job with")
    doc.comment("`schedctl run`, and `duration` (how long a run takes) for `schedctl simulate`.")


def from_apscheduler(
    scheduler: Any,
    *,
    jobfile_dir: Optional[str] = None,
    durations: Optional[Mapping[str, Any]] = None,
) -> str:
    """A schedctl job file (TOML text) from a live APScheduler 3.x scheduler.

    A scheduler that has not been started holds its jobs as pending (`_pending_jobs`), with only
    the options given to `add_job`; a started one holds them in its job stores. `jobfile_dir`:
    write SQLite store paths relative to it (where the job file will be), instead of absolute.
    `durations`: job id -> simulated run time (timedelta, seconds or a duration string).
    """
    from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler

    durations = dict(durations or {})
    tz_name = _zone_name(scheduler.timezone, "the scheduler's timezone", None)

    with scheduler._executors_lock:
        executors_src = dict(scheduler._executors)
    executors: Dict[str, Optional[int]] = {}
    classes: Dict[str, str] = {}
    notes: Dict[str, str] = {}
    for alias, ex in executors_src.items():
        executors[alias] = _pool_size(ex)
        classes[alias] = _class_name(ex)
    if "default" not in executors:
        # start() adds the scheduler class's default executor.
        if type(scheduler)._create_default_executor is BaseScheduler._create_default_executor:
            executors["default"] = 10
            classes["default"] = "apscheduler.executors.pool.ThreadPoolExecutor"
            notes["default"] = "APScheduler's default executor, ThreadPoolExecutor() (10 workers), added by start()"
        else:
            executors["default"] = None
            classes["default"] = f"the default executor of {type(scheduler).__qualname__}"

    with scheduler._jobstores_lock:
        stores_src = dict(scheduler._jobstores)
        if scheduler.state == STATE_STOPPED:
            pending = True
            entries = [(job, alias, bool(replace)) for job, alias, replace in scheduler._pending_jobs]
        else:
            pending = False
            entries = []
            for alias, store in stores_src.items():
                entries.extend((job, alias, False) for job in store.get_all_jobs())
    stores = [_store_for(alias, store, jobfile_dir) for alias, store in stores_src.items()]
    if "default" not in stores_src:
        stores.insert(0, _Store("default", {"kind": "memory"}, []))
    known_stores = {s.alias for s in stores}
    entries = _check_ids(entries, pending)
    for job, alias, _ in entries:
        if alias not in known_stores:
            raise _fail(f"job store `{alias}` is not configured in the scheduler", job.id)

    doc = _Doc()
    state = "not started" if pending else "started"
    _header(doc, f"an APScheduler {type(scheduler).__qualname__} ({state}, {len(entries)} jobs)")
    doc.blank()
    doc.kv("timezone", tz_name)
    _write_executors(doc, executors, classes, (job.executor for job, _, _ in entries), notes)
    _write_stores(doc, stores)
    jd = scheduler._job_defaults
    doc.table("job_defaults")
    doc.kv("coalesce", _coalesce(jd["coalesce"], None))
    doc.kv("max_instances", _max_instances(jd["max_instances"], None))
    doc.kv("misfire_grace_time", _grace(jd["misfire_grace_time"], None))
    for job, alias, _ in entries:
        _write_job(doc, job, alias, pending, executors, classes, durations)
    unknown = set(durations) - {job.id for job, _, _ in entries}
    if unknown:
        raise ConversionError(f"durations given for jobs that do not exist: {', '.join(sorted(unknown))}")
    return doc.text()


def _read_store_jobs(store: Any) -> List[Any]:
    """Every job of an SQLAlchemyJobStore, read only: APScheduler's own get_all_jobs() deletes
    the rows it cannot unpickle, and start() creates the table; neither happens here."""
    import pickle

    from apscheduler.job import Job
    from sqlalchemy import inspect, select

    table = store.jobs_t
    if not inspect(store.engine).has_table(table.name, schema=table.schema):
        raise ConversionError(
            f"the database {store.engine.url.render_as_string(hide_password=True)} has no "
            f"APScheduler job table `{table.name}`"
        )
    jobs = []
    query = select(table.c.id, table.c.job_state).order_by(table.c.next_run_time, table.c.id)
    with store.engine.connect() as connection:
        for row in connection.execute(query):
            try:
                state = pickle.loads(row.job_state)
                state["jobstore"] = store
                job = Job.__new__(Job)
                job.__setstate__(state)
            except Exception as e:  # noqa: BLE001 - any unpickling failure names the job
                raise _fail(
                    f"cannot restore the job from the job store ({type(e).__name__}: {e}); its "
                    "function must be importable here",
                    row.id,
                ) from e
            jobs.append(job)
    return jobs


def from_jobstore(
    url: str,
    *,
    alias: str = "apscheduler",
    timezone: Optional[str] = None,
    executors: Optional[Mapping[str, Any]] = None,
    tablename: str = "apscheduler_jobs",
    jobfile_dir: Optional[str] = None,
    durations: Optional[Mapping[str, Any]] = None,
) -> str:
    """A schedctl job file from the jobs in an APScheduler SQLAlchemyJobStore at `url`.

    The jobs' functions must be importable (the jobs are unpickled). The store is only read. It
    becomes `[jobstores.<alias>]`, every job's store. A job store keeps no executors: give their
    pool sizes as `executors` (alias -> max_workers or an APScheduler executor); `default` is
    APScheduler's default ThreadPoolExecutor (10) unless given. `timezone`: the file's default
    zone; by default the zone every trigger names, else UTC.
    """
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(url=url, tablename=tablename)
    try:
        jobs = _read_store_jobs(store)
        spec = _store_for(alias, store, jobfile_dir)
    finally:
        store.engine.dispose()

    durations = dict(durations or {})
    pools: Dict[str, Optional[int]] = {}
    classes: Dict[str, str] = {}
    notes: Dict[str, str] = {}
    for name, value in (executors or {}).items():
        if isinstance(value, int) and not isinstance(value, bool):
            pools[name] = value
            classes[name] = "max_workers given"
        else:
            pools[name] = _pool_size(value)
            classes[name] = _class_name(value)
    if "default" not in pools:
        pools["default"] = 10
        classes["default"] = "apscheduler.executors.pool.ThreadPoolExecutor"
        notes["default"] = (
            "a job store keeps no executors: APScheduler's default ThreadPoolExecutor() "
            "(10 workers) is assumed; pass executors={...} to from_jobstore to say otherwise"
        )
    for job in jobs:
        if job.executor not in pools:
            raise _fail(
                f"executor `{job.executor}`: a job store keeps no executors; pass its pool size "
                f"as from_jobstore(..., executors={{{job.executor!r}: N}})",
                job.id,
            )
    entries = _check_ids([(job, alias, False) for job in jobs], False)

    strings = []
    for job in jobs:
        strings.append(trigger_to_string(job.trigger, job_id=job.id))
    if timezone is None:
        zones = sorted({z for s in strings for z in _trigger_zones(s)})
        timezone = zones[0] if len(zones) == 1 else "UTC"

    doc = _Doc()
    _header(doc, f"the APScheduler job store {store.engine.url.render_as_string(hide_password=True)} ({len(jobs)} jobs)")
    doc.blank()
    doc.kv("timezone", timezone)
    _write_executors(doc, pools, classes, (job.executor for job in jobs), notes)
    _write_stores(doc, [spec])
    for job, a, _ in entries:
        _write_job(doc, job, a, False, pools, classes, durations)
    unknown = set(durations) - {job.id for job in jobs}
    if unknown:
        raise ConversionError(f"durations given for jobs that do not exist: {', '.join(sorted(unknown))}")
    return doc.text()

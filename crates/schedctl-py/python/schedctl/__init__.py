"""schedctl: see what your APScheduler 3.x schedules will do, in pytest, before production.

The answers come from schedctl's Rust engine (the native module ``schedctl._native``, the same
code as the ``schedctl`` command), never from a Python reimplementation:

* ``next_fires(trigger, start, count=5, tz="UTC")`` -- the next fire times of a trigger string,
  as APScheduler 3.11 computes them (aware datetimes);
* ``simulate(job_file, start, end)`` -- a whole scheduler on a virtual clock: every fire
  executed, missed, coalesced, dropped or pending, with the rule that decided it (a ``Ledger``);
* ``lint``, ``explain``, ``snapshot``, ``check_snapshot`` -- the CLI's commands;
* ``from_apscheduler(scheduler)`` / ``from_jobstore(url)`` -- a job file from your scheduler;
* ``schedctl.pytest.assert_schedule(scheduler, snapshot_path, start, end)``.

Bad input raises ``ScheduleError`` with schedctl's message and, where it applies, the place
(``line``/``column`` in a job file, ``column`` in a trigger string).

Every name is loaded on first use (PEP 562), so ``import schedctl`` costs next to nothing: the
native module and the dataclasses load when a function is first called.
"""

_HOME = {
    "ConversionError": "_apscheduler",
    "from_apscheduler": "_apscheduler",
    "from_jobstore": "_apscheduler",
    "trigger_to_string": "_apscheduler",
    "ScheduleError": "_api",
    "Fire": "_api",
    "JobSummary": "_api",
    "Freeze": "_api",
    "Ledger": "_api",
    "Lint": "_api",
    "CheckResult": "_api",
    "When": "_api",
    "next_fires": "_api",
    "simulate": "_api",
    "lint": "_api",
    "explain": "_api",
    "snapshot": "_api",
    "check_snapshot": "_api",
    "tzdb_version": "_api",
}

__all__ = sorted(name for name in _HOME if name != "When")


def __getattr__(name):
    if name == "__version__":
        from . import _native

        return _native.version()
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'schedctl' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_HOME))
